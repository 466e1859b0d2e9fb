/**
 * Databases and users as the API accepts them (Trove's `extensions/mysql/common.py`): names checked with
 * the datastore family's rules (`shared/models`), reserved names (`ignore_dbs`, `ignore_users`) refused,
 * duplicates refused, and everything serialized in Trove's underscore-prefixed wire form for the guest.
 */
import type { TroveConfig, DatastoreManager } from '../../../shared/config/index.js';
import {
  MYSQL_NAME_RULES,
  POSTGRESQL_NAME_RULES,
  validateCharset,
  validateDatabaseName,
  validateHost,
  validatePassword,
  validateUserName,
  type NameRules,
  type SerializedSchema,
  type SerializedUser,
} from '../../../shared/models/index.js';
import { badRequest } from './errors.js';

/** The name rules of a datastore manager. */
export function nameRulesFor(manager: DatastoreManager | null): NameRules {
  return manager === 'postgresql' ? POSTGRESQL_NAME_RULES : MYSQL_NAME_RULES;
}

/** Reserved names of a datastore manager (`ignore_dbs`, `ignore_users`). */
export function reservedNames(config: TroveConfig, manager: DatastoreManager | null): { dbs: string[]; users: string[] } {
  const section = config[manager ?? 'mysql'];
  return { dbs: section.ignore_dbs, users: section.ignore_users };
}

interface DatabaseInput {
  name?: unknown;
  character_set?: unknown;
  collate?: unknown;
}

interface UserInput {
  name?: unknown;
  password?: unknown;
  host?: unknown;
  databases?: unknown;
}

/**
 * Trove's `populate_validated_databases`.
 * @throws ValidationError / TroveError BAD_REQUEST with the rule that failed
 */
export function validatedDatabases(input: readonly DatabaseInput[], rules: NameRules, reserved: readonly string[]): SerializedSchema[] {
  const seen = new Set<string>();
  return input.map((database) => {
    const name = validateDatabaseName(database.name, rules, reserved);
    if (seen.has(name)) {
      throw badRequest('Two or more databases share the same name in the initial databases list. Please correct the names or remove the duplicate entries.');
    }
    seen.add(name);
    return {
      _name: name,
      _character_set: validateCharset(database.character_set, 'character set') ?? null,
      _collate: validateCharset(database.collate, 'collation') ?? null,
    };
  });
}

/**
 * Trove's `populate_users`: with `initialDatabases` (instance create), each user's databases must be among them.
 * @throws ValidationError / TroveError BAD_REQUEST
 */
export function validatedUsers(
  input: readonly UserInput[],
  rules: NameRules,
  reserved: readonly string[],
  initialDatabases?: readonly string[],
): SerializedUser[] {
  const seen = new Set<string>();
  return input.map((user) => {
    const name = validateUserName(user.name, rules, reserved);
    const host = rules.hasUserHost ? validateHost(user.host) : '%';
    const identity = `${name}\u0000${host}`;
    if (seen.has(identity)) {
      throw badRequest('Two or more users share the same name and host in the initial users list. Please correct the names or remove the duplicate entries.');
    }
    seen.add(identity);
    const password = validatePassword(user.password);
    const databases = Array.isArray(user.databases) ? (user.databases as DatabaseInput[]) : [];
    const schemas: SerializedSchema[] = databases.map((database) => {
      const dbName = validateDatabaseName(database.name, rules);
      if (initialDatabases !== undefined && !initialDatabases.includes(dbName)) {
        throw badRequest(
          `The request indicates that user ${name} should have access to database ${dbName}, but database ${dbName} is not included in the initial databases list.`,
        );
      }
      return { _name: dbName, _character_set: null, _collate: null };
    });
    return { _name: name, _host: host, _password: password, _databases: schemas, _is_root: false };
  });
}

/** Python's lenient `unquote`: invalid escapes are kept as they are. */
export function lenientUnquote(text: string): string {
  return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Trove's `unquote_user_host`: the `{user}` path segment `name` or `name@host` (last `@`), host `%` by default. */
export function unquoteUserHost(segment: string): { name: string; host: string } {
  const unquoted = lenientUnquote(segment);
  if (!unquoted.includes('@') || unquoted.endsWith('@')) return { name: unquoted, host: '%' };
  const at = unquoted.lastIndexOf('@');
  return { name: unquoted.slice(0, at), host: unquoted.slice(at + 1) };
}
