/**
 * Validates request bodies against the schemas of this folder and reports failures the way Trove does:
 * HTTP 400 `badRequest` with "Validation error: <path> <message>; ..." where the path reads
 * `instance['volume']['size']` and messages follow Python jsonschema's wording.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ValidationError } from '../../../shared/errors/index.js';
import type { JsonSchema } from './common.js';

// Trove validates with draft 4: formats are not checked and unknown keywords are ignored.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

const MAX_REPR = 80;

/** A Python-style `repr` of a JSON value, shortened, as jsonschema puts it in messages. */
export function pythonRepr(value: unknown): string {
  const full = reprOf(value, 0);
  return full.length > MAX_REPR ? `${full.slice(0, MAX_REPR)}...` : full;
}

function reprOf(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const escaped = value.slice(0, MAX_REPR + 1).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return `'${escaped}'`;
  }
  if (depth > 3) return '...';
  if (Array.isArray(value)) return `[${value.slice(0, 10).map((item) => reprOf(item, depth + 1)).join(', ')}${value.length > 10 ? ', ...' : ''}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).slice(0, 10);
    return `{${entries.map(([key, item]) => `${reprOf(key, depth + 1)}: ${reprOf(item, depth + 1)}`).join(', ')}}`;
  }
  return String(value);
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function formatPath(pointer: string, root: unknown): string {
  if (pointer === '') return '';
  const parts = pointer.slice(1).split('/').map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  let current: unknown = root;
  const rendered = parts.map((part, index) => {
    const inArray = Array.isArray(current);
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
    if (index === 0) return part;
    return inArray ? `[${part}]` : `[${reprOf(part, 0)}]`;
  });
  return rendered.join('');
}

function message(error: ErrorObject, body: unknown): string {
  const value = valueAt(body, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `'${String(params['missingProperty'])}' is a required property`;
    case 'type':
      return `${pythonRepr(value)} is not of type '${String(params['type'])}'`;
    case 'minLength':
      return `${pythonRepr(value)} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${pythonRepr(value)} is too long`;
    case 'minItems':
      return `${pythonRepr(value)} is too short`;
    case 'pattern':
      return `${pythonRepr(value)} does not match ${pythonRepr(params['pattern'])}`;
    case 'minimum':
      return `${pythonRepr(value)} is less than the minimum of ${String(params['limit'])}`;
    case 'maximum':
      return `${pythonRepr(value)} is greater than the maximum of ${String(params['limit'])}`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${pythonRepr(params['additionalProperty'])} was unexpected)`;
    case 'uniqueItems':
      return `${pythonRepr(value)} has non-unique elements`;
    case 'enum':
      return `${pythonRepr(value)} is not one of ${pythonRepr(params['allowedValues'])}`;
    case 'oneOf':
      return `${pythonRepr(value)} is not valid under any of the given schemas`;
    case 'minProperties':
      return `${pythonRepr(value)} does not have enough properties`;
    default:
      return `${pythonRepr(value)} is not valid (${error.keyword})`;
  }
}

/** Renders ajv errors as Trove's validation message. */
export function formatValidationErrors(errors: readonly ErrorObject[], body: unknown): string {
  // Errors inside oneOf branches are summarised by the oneOf error itself, as jsonschema's top-level errors are.
  const top = errors.filter((error) => !/\/oneOf\/\d+\//.test(error.schemaPath));
  const sorted = [...top].sort((left, right) => left.instancePath.localeCompare(right.instancePath));
  const parts = sorted.map((error) => {
    const path = formatPath(error.instancePath, body);
    const text = message(error, body);
    return path === '' ? text : `${path} ${text}`;
  });
  return `Validation error: ${[...new Set(parts)].join('; ')}`;
}

/**
 * Checks a body against a schema.
 * @throws ValidationError (400) with Trove's message
 */
export function validateBody<T = Record<string, unknown>>(schema: JsonSchema, body: unknown): T {
  let validator = compiled.get(schema);
  if (validator === undefined) {
    validator = ajv.compile(schema);
    compiled.set(schema, validator);
  }
  if (!validator(body)) throw new ValidationError(formatValidationErrors(validator.errors ?? [], body));
  return body as T;
}
