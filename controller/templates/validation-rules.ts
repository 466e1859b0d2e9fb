/**
 * Reads and checks a `validation-rules.json` file: `{"configuration-parameters": [{name, restart_required,
 * type, min?, max?}, ...]}` (reference §11.2). The whole file is checked before anything is stored, so
 * `trove-manage db_load_datastore_config_parameters` either loads every rule or none. Bounds keep their
 * literal text: MySQL's largest values (18446744073709551615) do not survive a trip through a JS number.
 */
import { ValidationError } from '../../shared/errors/index.js';

/** Rule types Trove's configuration validation understands. */
export const RULE_TYPES = ['integer', 'string', 'boolean', 'float'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** One checked rule; `min`/`max` are the numbers' literal text as written in the file. */
export interface ValidationRule {
  name: string;
  restartRequired: boolean;
  type: RuleType;
  min?: string;
  max?: string;
}

const NUMBER_MARK = '\u0000number:';
const ALLOWED_KEYS = new Set(['name', 'restart_required', 'type', 'min', 'max']);
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
const MAX_NAME_LENGTH = 128;
const MAX_BOUND_LENGTH = 40;
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TOKEN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/**
 * Rewrites every number token outside strings as a marked string, so JSON.parse keeps its exact text.
 * Only called on text JSON.parse accepted, so every token it meets is well formed.
 */
function markNumbers(text: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    const number = char === '-' || (char >= '0' && char <= '9') ? NUMBER_TOKEN.exec(text.slice(index, index + 400)) : null;
    if (number) {
      out += JSON.stringify(NUMBER_MARK + number[0]);
      index += number[0].length;
      continue;
    }
    out += char;
    index++;
  }
  return out;
}

function numberText(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(NUMBER_MARK) ? value.slice(NUMBER_MARK.length) : undefined;
}

function describe(value: unknown): string {
  const text = numberText(value);
  if (text !== undefined) return text;
  return JSON.stringify(value) ?? String(value);
}

function compareBounds(type: RuleType, min: string, max: string): number {
  if (type === 'integer') {
    const a = BigInt(min);
    const b = BigInt(max);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return Number(min) - Number(max);
}

function checkRule(entry: unknown, where: string, errors: string[]): ValidationRule | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    errors.push(`${where}: must be an object`);
    return undefined;
  }
  const record = entry as Record<string, unknown>;
  const rawName = record['name'];
  const name = typeof rawName === 'string' ? rawName : undefined;
  const at = name === undefined ? where : `${where} (${name})`;
  const before = errors.length;
  if (name === undefined) errors.push(`${where}: "name" is missing or not a string`);
  else if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    errors.push(`${where}: name ${JSON.stringify(name)} must be 1-${MAX_NAME_LENGTH} letters, digits, '_', '.' or '-'`);
  }
  for (const key of Object.keys(record)) {
    if (!ALLOWED_KEYS.has(key)) errors.push(`${at}: unknown key ${JSON.stringify(key)} (allowed: name, restart_required, type, min, max)`);
  }
  const restart = record['restart_required'];
  if (typeof restart !== 'boolean') errors.push(`${at}: "restart_required" must be true or false, got ${describe(restart)}`);
  const type = record['type'];
  if (typeof type !== 'string' || !(RULE_TYPES as readonly string[]).includes(type)) {
    errors.push(`${at}: "type" must be one of ${RULE_TYPES.join(', ')}, got ${describe(type)}`);
  }
  const bounds: { min?: string; max?: string } = {};
  for (const bound of ['min', 'max'] as const) {
    if (!(bound in record)) continue;
    const text = numberText(record[bound]);
    if (text === undefined) {
      errors.push(`${at}: "${bound}" must be a number, got ${describe(record[bound])}`);
    } else if (type !== 'integer' && type !== 'float') {
      errors.push(`${at}: "${bound}" is only allowed for integer and float rules`);
    } else if (type === 'integer' && !INTEGER_TEXT.test(text)) {
      errors.push(`${at}: "${bound}" of an integer rule must be an integer, got ${text}`);
    } else if (text.length > MAX_BOUND_LENGTH) {
      errors.push(`${at}: "${bound}" has more than ${MAX_BOUND_LENGTH} characters`);
    } else {
      bounds[bound] = text;
    }
  }
  if (errors.length > before) return undefined;
  const rule: ValidationRule = { name: name!, restartRequired: restart as boolean, type: type as RuleType, ...bounds };
  if (rule.min !== undefined && rule.max !== undefined && compareBounds(rule.type, rule.min, rule.max) > 0) {
    errors.push(`${at}: "min" ${rule.min} is greater than "max" ${rule.max}`);
    return undefined;
  }
  return rule;
}

/**
 * Parses and checks the text of a validation-rules file. `source` names the file in messages.
 * @throws ValidationError with one line naming the first problem (and how many more there are)
 */
export function parseValidationRules(text: string, source: string): ValidationRule[] {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${source}: not valid JSON: ${(error as Error).message}`, { source });
  }
  // Valid JSON stays valid when its numbers become strings; parse again to keep their literal text.
  const document: unknown = JSON.parse(markNumbers(text));
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ValidationError(`${source}: must be a JSON object with a "configuration-parameters" list`, { source });
  }
  const list = (document as Record<string, unknown>)['configuration-parameters'];
  if (!Array.isArray(list)) throw new ValidationError(`${source}: "configuration-parameters" is missing or not a list`, { source });
  const errors: string[] = [];
  const rules: ValidationRule[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    const rule = checkRule(entry, `configuration-parameters[${index}]`, errors);
    if (!rule) return;
    // Keys are matched case-insensitively when users set values, so two rules differing in case collide.
    const key = rule.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(`configuration-parameters[${index}] (${rule.name}): duplicate of configuration-parameters[${first}]`);
      return;
    }
    seen.set(key, index);
    rules.push(rule);
  });
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
    throw new ValidationError(`${source}: ${errors[0]}${more}`, { source, errors });
  }
  return rules;
}
