/**
 * Checks configuration override maps before they reach a file or a server. Names are plain option
 * identifiers and values are single-line scalars, so an override can never add a line, a section or an
 * include to a configuration file, nor break out of an SQL statement.
 */
import { ValidationError } from '../../../shared/errors/index.js';
import type { OverrideValue } from './datastore-driver.js';

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** A validated override value. */
export type ScalarValue = string | number | boolean;

/**
 * Validates every entry.
 * @throws ValidationError naming the first bad entry
 */
export function validateOverrides(overrides: Readonly<Record<string, OverrideValue>>): Record<string, ScalarValue> {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new ValidationError('Overrides must be an object.');
  const checked: Record<string, ScalarValue> = {};
  for (const [name, value] of Object.entries(overrides)) {
    if (!NAME_PATTERN.test(name)) throw new ValidationError(`'${name}' is not a valid configuration parameter name.`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new ValidationError(`Configuration parameter '${name}' must be a finite number.`);
    } else if (typeof value === 'string') {
      if (value.length > 4096) throw new ValidationError(`Value of configuration parameter '${name}' is too long.`);
      for (let index = 0; index < value.length; index++) {
        const code = value.charCodeAt(index);
        if (code < 0x20 || code === 0x7f) throw new ValidationError(`Value of configuration parameter '${name}' contains control characters.`);
      }
    } else if (typeof value !== 'boolean') {
      throw new ValidationError(`Configuration parameter '${name}' has no value.`);
    }
    checked[name] = value;
  }
  return checked;
}
