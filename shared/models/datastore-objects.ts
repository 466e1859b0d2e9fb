/**
 * Datastore databases ("schemas") and users as they travel between API, taskmanager and guest, with the
 * name rules both sides enforce (Trove's `common/db/<datastore>/models.py`). The wire form keeps Trove's
 * underscore-prefixed keys so stock guests and controllers understand it.
 */
import { ValidationError } from '../errors/index.js';

/** A database as serialized on the wire. */
export interface SerializedSchema {
  _name: string;
  _character_set?: string | null;
  _collate?: string | null;
}

/** A user as serialized on the wire. */
export interface SerializedUser {
  _name: string;
  _password?: string | null;
  _host?: string | null;
  _databases?: SerializedSchema[];
  _is_root?: boolean;
}

/** Name rules of one datastore family, as data so callers never branch on the datastore. */
export interface NameRules {
  maxDatabaseNameLength: number;
  maxUserNameLength: number;
  /** Pattern a database name must match, if the family restricts it. */
  databaseNamePattern?: RegExp;
  /** Whether users have a host part (`name@host`). */
  hasUserHost: boolean;
}

export const MYSQL_NAME_RULES: NameRules = {
  maxDatabaseNameLength: 64,
  maxUserNameLength: 16,
  databaseNamePattern: /^[A-Za-z0-9_-]+[\s?#@]*[A-Za-z0-9_-]+$|^[A-Za-z0-9_-]$/,
  hasUserHost: true,
};

export const POSTGRESQL_NAME_RULES: NameRules = {
  maxDatabaseNameLength: 63,
  maxUserNameLength: 63,
  hasUserHost: false,
};

/** Characters never allowed in a user name: quotes, separators and backslash (control characters are checked apart). */
const FORBIDDEN_USER_CHARS = /['"`;,/\\]/;

/** True when the text holds a control character (U+0000–U+001F, U+007F). */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
/** Trove's host_string pattern, plus a length bound. */
const HOST_PATTERN = /^[%]?[\w().-]*[%]?$/;
const CHARSET_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

/** Checks a database name; throws `ValidationError` with the rule that failed. */
export function validateDatabaseName(name: unknown, rules: NameRules, reserved: readonly string[] = []): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError('Database name must be a non-empty string.');
  if (name.length > rules.maxDatabaseNameLength) {
    throw new ValidationError(`Database name '${name}' is too long. Max length = ${rules.maxDatabaseNameLength}.`);
  }
  if (rules.databaseNamePattern && !rules.databaseNamePattern.test(name)) {
    throw new ValidationError(`'${name}' is not a valid database name.`);
  }
  if (hasControlCharacter(name) || /["'`\\]/.test(name)) throw new ValidationError(`'${name}' is not a valid database name.`);
  if (reserved.some((item) => item.toLowerCase() === name.toLowerCase())) {
    throw new ValidationError(`Database name '${name}' is reserved.`);
  }
  return name;
}

/** Checks a user name; throws `ValidationError`. */
export function validateUserName(name: unknown, rules: NameRules, reserved: readonly string[] = []): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError('User name must be a non-empty string.');
  if (name.length > rules.maxUserNameLength) {
    throw new ValidationError(`User name '${name}' is too long. Max length = ${rules.maxUserNameLength}.`);
  }
  if (FORBIDDEN_USER_CHARS.test(name) || hasControlCharacter(name) || name.trim() !== name) throw new ValidationError(`'${name}' is not a valid user name.`);
  if (reserved.some((item) => item.toLowerCase() === name.toLowerCase())) {
    throw new ValidationError(`User name '${name}' is reserved.`);
  }
  return name;
}

/** Checks a host part (`%`, `10.0.0.%`, `localhost`); throws `ValidationError`. */
export function validateHost(host: unknown): string {
  if (host === undefined || host === null || host === '') return '%';
  if (typeof host !== 'string' || host.length > 255 || !HOST_PATTERN.test(host)) {
    throw new ValidationError(`'${String(host)}' is not a valid hostname.`);
  }
  return host;
}

/** Checks a password: any printable text up to 255 characters (it is always bound, never spliced into SQL). */
export function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length === 0) throw new ValidationError('Password must be a non-empty string.');
  if (password.length > 255) throw new ValidationError('Password is too long. Max length = 255.');
  if (hasControlCharacter(password)) throw new ValidationError('Password contains control characters.');
  return password;
}

/** Checks a character set or collation name; undefined and null pass through. */
export function validateCharset(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !CHARSET_PATTERN.test(value)) throw new ValidationError(`'${String(value)}' is not a valid ${field}.`);
  return value;
}

/**
 * Splits the `{user}` URL segment: the last `@` separates name and host, the host defaults to `%`
 * (Trove's `unquote_user_host`).
 */
export function parseUserHost(segment: string): { name: string; host: string } {
  const decoded = decodeURIComponent(segment);
  const at = decoded.lastIndexOf('@');
  if (at < 0) return { name: decoded, host: '%' };
  return { name: decoded.slice(0, at), host: decoded.slice(at + 1) || '%' };
}
