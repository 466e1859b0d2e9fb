/**
 * Turns INI strings into typed option values with oslo.config's rules (booleans accept true/false, yes/no,
 * on/off, 1/0 in any case; lists split on commas; dicts are key:value pairs). Throws a plain Error whose
 * message names the expected type; the loader adds file, section and option.
 */
import type { OptionMeta } from './options.js';

const TRUE = new Set(['true', '1', 'on', 'yes']);
const FALSE = new Set(['false', '0', 'off', 'no']);

function splitList(value: string): string[] {
  if (value.trim() === '') return [];
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function checkBounds(value: number, meta: OptionMeta): number {
  if ((meta.min !== undefined && value < meta.min) || (meta.max !== undefined && value > meta.max)) {
    throw new Error(`expected ${meta.typeName}`);
  }
  return value;
}

/** Coerces the occurrences of one option (last wins unless the option is multi-valued). */
export function coerceOption(meta: OptionMeta, values: readonly string[]): unknown {
  const value = values[values.length - 1] ?? '';
  switch (meta.kind) {
    case 'string':
      if (meta.choices && !meta.choices.includes(value)) throw new Error(`expected one of ${meta.choices.join(', ')}`);
      return value;
    case 'integer': {
      if (!/^\s*[-+]?\d+\s*$/.test(value)) throw new Error(`expected ${meta.typeName}`);
      return checkBounds(Number.parseInt(value, 10), meta);
    }
    case 'port': {
      if (!/^\s*\d+\s*$/.test(value)) throw new Error(`expected ${meta.typeName}`);
      const port = Number.parseInt(value, 10);
      if (port > 65535) throw new Error(`expected ${meta.typeName}`);
      return port;
    }
    case 'float': {
      const number = Number(value);
      if (value.trim() === '' || Number.isNaN(number)) throw new Error(`expected ${meta.typeName}`);
      return checkBounds(number, meta);
    }
    case 'boolean': {
      const lowered = value.trim().toLowerCase();
      if (TRUE.has(lowered)) return true;
      if (FALSE.has(lowered)) return false;
      throw new Error('expected boolean (true/false, yes/no, on/off, 1/0)');
    }
    case 'list':
      return splitList(value);
    case 'multi':
      return values.flatMap((item) => (item.includes('\n') ? item.split('\n') : [item])).map((item) => item.trim()).filter((item) => item !== '');
    case 'dict': {
      const result: Record<string, string> = {};
      for (const pair of splitList(value)) {
        const colon = pair.indexOf(':');
        if (colon <= 0) throw new Error(`expected ${meta.typeName}, got ${JSON.stringify(pair)}`);
        result[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
      }
      return result;
    }
  }
}
