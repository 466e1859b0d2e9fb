/**
 * One shared ajv instance and a compile cache. Validators report every problem in Trove's message style:
 * "<path> <message>" joined with "; ".
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Schema, Static } from './schema.js';

const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false });
const cache = new WeakMap<object, ValidateFunction>();

/** The outcome of a validation: the typed value, or a list of readable problems. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function describe(error: ErrorObject): string {
  const path = error.instancePath === '' ? '' : error.instancePath.slice(1).replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `${path === '' ? '' : `${path}: `}Additional properties are not allowed ('${extra}' was unexpected)`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    return `${path === '' ? '' : `${path}: `}'${missing}' is a required property`;
  }
  return `${path === '' ? '(root)' : path} ${error.message ?? 'is invalid'}`;
}

/** Validates a value against a schema; compiled validators are cached per schema object. */
export function validate<S extends Schema>(schema: S, value: unknown): ValidationResult<Static<S>> {
  let compiled = cache.get(schema);
  if (compiled === undefined) {
    compiled = ajv.compile(schema as object);
    cache.set(schema, compiled);
  }
  if (compiled(value)) return { ok: true, value: value as Static<S> };
  const errors = [...new Set((compiled.errors ?? []).map(describe))];
  return { ok: false, errors };
}
