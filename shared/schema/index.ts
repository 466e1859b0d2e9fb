export { t } from './schema.js';
export type { Schema, OptionalSchema, Static } from './schema.js';
export { validate } from './validator.js';
export type { ValidationResult } from './validator.js';
