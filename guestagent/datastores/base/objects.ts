/**
 * Validation of the users and databases that arrive in Trove's serialized form (`_name`, `_host`, ...),
 * before any of them reaches SQL: names follow the datastore's rules (`shared/models`), reserved names
 * (`ignore_users`, `ignore_dbs`) are refused, passwords are bounded printable text.
 */
import { ValidationError } from '../../../shared/errors/index.js';
import {
  validateCharset,
  validateDatabaseName,
  validateHost,
  validatePassword,
  validateUserName,
  type NameRules,
  type SerializedSchema,
  type SerializedUser,
} from '../../../shared/models/index.js';

/** A validated database. */
export interface CheckedSchema {
  name: string;
  characterSet?: string;
  collate?: string;
}

/** A validated user. */
export interface CheckedUser {
  name: string;
  /** `%` when the datastore has no host part or none was given. */
  host: string;
  password?: string;
  databases: string[];
}

/** Rules and reserved names of the running datastore. */
export interface ObjectRules {
  rules: NameRules;
  ignoreUsers: readonly string[];
  ignoreDbs: readonly string[];
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(`${what} must be an object.`);
  return value as Record<string, unknown>;
}

/** Checks a database name alone. */
export function checkDatabaseName(name: unknown, rules: ObjectRules): string {
  return validateDatabaseName(name, rules.rules, rules.ignoreDbs);
}

/** Checks a serialized database. */
export function checkSchema(value: SerializedSchema, rules: ObjectRules): CheckedSchema {
  const schema = asObject(value, 'A database');
  const checked: CheckedSchema = { name: checkDatabaseName(schema['_name'], rules) };
  const characterSet = validateCharset(schema['_character_set'], 'character set');
  const collate = validateCharset(schema['_collate'], 'collation');
  if (characterSet !== undefined) checked.characterSet = characterSet;
  if (collate !== undefined) checked.collate = collate;
  return checked;
}

/** Checks a user name and host; the host is `%` for datastores without host parts. */
export function checkUserRef(name: unknown, host: unknown, rules: ObjectRules): { name: string; host: string } {
  const checkedName = validateUserName(name, rules.rules, rules.ignoreUsers);
  return { name: checkedName, host: rules.rules.hasUserHost ? validateHost(host) : '%' };
}

/** Checks a serialized user; `requirePassword` for creation and password changes. */
export function checkUser(value: SerializedUser, rules: ObjectRules, requirePassword: boolean): CheckedUser {
  const user = asObject(value, 'A user');
  const ref = checkUserRef(user['_name'], user['_host'], rules);
  const checked: CheckedUser = { ...ref, databases: [] };
  const password = user['_password'];
  if (requirePassword || (password !== undefined && password !== null)) checked.password = validatePassword(password);
  const databases = user['_databases'] ?? [];
  if (!Array.isArray(databases)) throw new ValidationError('A user\'s databases must be a list.');
  checked.databases = databases.map((database: unknown) => checkDatabaseName(asObject(database, 'A database')['_name'], rules));
  return checked;
}

/** Trove's serialized database. */
export function serializeSchema(name: string, characterSet?: string | null, collate?: string | null): SerializedSchema {
  return { _name: name, _character_set: characterSet ?? null, _collate: collate ?? null };
}

/** Trove's serialized user (passwords are never returned, except by enable_root). */
export function serializeUser(name: string, host: string, databases: SerializedSchema[], password: string | null = null, isRoot = false): SerializedUser {
  return { _name: name, _host: host, _password: password, _databases: databases, _is_root: isRoot };
}
