/**
 * Live application of configuration overrides on MySQL/MariaDB: `SET GLOBAL` per variable, as Trove's
 * `apply_overrides` does. Read-only (static) variables cannot change at run time; they are reported as
 * needing a restart (the override file, written by `update_overrides`, applies them at the next start).
 * Unknown variables are logged and skipped. Names are validated and quoted, values bound.
 */
import type { Connection } from 'mysql2/promise';
import { ValidationError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { OverrideValue } from '../base/datastore-driver.js';
import { validateOverrides, type ScalarValue } from '../base/overrides.js';
import { quoteIdentifier, serverErrorNumber } from './sql.js';

/** ER_INCORRECT_GLOBAL_LOCAL_VAR: "Variable 'x' is a read only variable". */
const ER_READ_ONLY_VARIABLE = 1238;
/** ER_UNKNOWN_SYSTEM_VARIABLE. */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
/** ER_WRONG_VALUE_FOR_VAR and ER_WRONG_TYPE_FOR_VAR: the value does not fit the variable. */
const BAD_VALUE_ERRORS = new Set([1231, 1232]);

const SIZE_SUFFIX: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Converts option-file sizes (`64M`) to the bytes SET GLOBAL wants (Trove's `to_bytes`). */
export function toSetValue(value: ScalarValue): ScalarValue {
  if (typeof value !== 'string') return value;
  const match = /^(\d+)([KMG])$/i.exec(value.trim());
  if (!match?.[1] || !match[2]) return value;
  return Number(match[1]) * (SIZE_SUFFIX[match[2].toUpperCase()] ?? 1);
}

/**
 * Runs SET GLOBAL for each override.
 * @returns names that need a restart
 */
export async function applyGlobalVariables(connection: Connection, overrides: Readonly<Record<string, OverrideValue>>, logger: Logger): Promise<string[]> {
  const restartRequired: string[] = [];
  for (const [name, value] of Object.entries(validateOverrides(overrides))) {
    const variable = name.replace(/-/g, '_');
    try {
      await connection.query(`SET GLOBAL ${quoteIdentifier(variable)} = ?`, [toSetValue(value)]);
    } catch (error) {
      const errno = serverErrorNumber(error);
      if (errno === ER_READ_ONLY_VARIABLE) {
        restartRequired.push(name);
        continue;
      }
      if (errno === ER_UNKNOWN_SYSTEM_VARIABLE) {
        logger.warn({ variable }, 'unknown server variable; not applied');
        continue;
      }
      if (errno !== undefined && BAD_VALUE_ERRORS.has(errno)) {
        throw new ValidationError(`Configuration parameter '${name}' cannot be set: ${(error as Error).message}`);
      }
      throw error;
    }
  }
  if (restartRequired.length > 0) logger.info({ variables: restartRequired }, 'overrides need a restart to take effect');
  return restartRequired;
}
