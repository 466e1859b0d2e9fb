/**
 * SQL-level administration of PostgreSQL (Trove's `PgSqlAdmin`), as `os_admin` over TCP. Users have no host
 * part (`_host` is always `%`). Access is explicit: a new database has PUBLIC's CONNECT revoked, and
 * `grant_access` gives CONNECT/CREATE/TEMP on the database plus the use of its `public` schema, so a user
 * without a grant cannot even connect.
 */
import type pg from 'pg';
import { NotFoundError, UnprocessableError, ValidationError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { validatePassword, type SerializedSchema, type SerializedUser } from '../../../shared/models/index.js';
import type { CredentialStore, Credentials } from '../base/credentials.js';
import type { DatastoreAdmin, OverrideValue, Page, PageRequest, UserAttributes } from '../base/datastore-driver.js';
import { ADMIN_USER } from '../base/engine.js';
import { checkDatabaseName, checkSchema, checkUser, checkUserRef, serializeSchema, serializeUser, type ObjectRules } from '../base/objects.js';
import { paginate } from '../base/paging.js';
import { generatePassword } from '../base/passwords.js';
import { scramVerifier } from './scram.js';
import { ADMIN_DATABASE, quoteIdentifier, quoteLiteral, sqlState, withClient, type PostgresEndpoint } from './sql.js';

const ROOT_USER = 'root';
const ROOT_CREDENTIALS = 'root';
const ROOT_OPTIONS = 'SUPERUSER CREATEDB CREATEROLE INHERIT REPLICATION BYPASSRLS LOGIN';
/** Locale names (`C.UTF-8`, `en_US.utf8`): a narrow alphabet, then passed as a quoted literal. */
const LOCALE_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
const UNDEFINED_DATABASE = '3D000';

/** Options to configure the PostgreSQL admin. */
export interface PostgresAdminSettings {
  endpoint: PostgresEndpoint;
  credentials: CredentialStore;
  objects: ObjectRules;
  passwordLength: number;
  logger: Logger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The PostgreSQL `DatastoreAdmin`. */
export class PostgresAdmin implements DatastoreAdmin {
  constructor(private readonly settings: PostgresAdminSettings) {}

  private async adminCredentials(): Promise<Credentials> {
    const credentials = await this.settings.credentials.read(ADMIN_USER);
    if (credentials === null) throw new UnprocessableError('The datastore has not been prepared yet.');
    return credentials;
  }

  private async run<T>(work: (client: pg.Client) => Promise<T>, database = ADMIN_DATABASE): Promise<T> {
    return withClient(this.settings.endpoint, await this.adminCredentials(), database, work);
  }

  async ping(): Promise<boolean> {
    const credentials = await this.settings.credentials.read(ADMIN_USER).catch(() => null);
    if (credentials === null) return false;
    try {
      return await withClient(this.settings.endpoint, credentials, ADMIN_DATABASE, async (client) => (await client.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok === 1);
    } catch {
      return false;
    }
  }

  private checkSchema(value: SerializedSchema): { name: string; encoding?: string; locale?: string } {
    const { _collate: collate, ...rest } = (typeof value === 'object' && value !== null ? value : {}) as SerializedSchema;
    const checked = checkSchema(rest as SerializedSchema, this.settings.objects);
    const result: { name: string; encoding?: string; locale?: string } = { name: checked.name };
    if (checked.characterSet) result.encoding = checked.characterSet;
    if (collate !== undefined && collate !== null && collate !== '') {
      if (typeof collate !== 'string' || !LOCALE_PATTERN.test(collate)) throw new ValidationError(`'${String(collate)}' is not a valid collation.`);
      result.locale = collate;
    }
    return result;
  }

  async createDatabases(databases: readonly SerializedSchema[]): Promise<void> {
    const checked = databases.map((database) => this.checkSchema(database));
    if (checked.length === 0) return;
    await this.run(async (client) => {
      for (const database of checked) {
        if (!(await this.databaseExists(client, database.name))) {
          const options = [
            database.encoding ? `ENCODING ${quoteLiteral(database.encoding)}` : '',
            database.locale ? `LC_COLLATE ${quoteLiteral(database.locale)} LC_CTYPE ${quoteLiteral(database.locale)}` : '',
            database.encoding || database.locale ? 'TEMPLATE template0' : '',
          ].filter((part) => part !== '');
          await client.query(`CREATE DATABASE ${quoteIdentifier(database.name)}${options.length > 0 ? ` WITH ${options.join(' ')}` : ''}`);
        }
        await client.query(`REVOKE ALL ON DATABASE ${quoteIdentifier(database.name)} FROM PUBLIC`);
        this.settings.logger.info({ database: database.name }, 'database created');
      }
    });
  }

  async listDatabases(page: PageRequest): Promise<Page<SerializedSchema>> {
    const all = await this.run((client) => this.allDatabases(client));
    return paginate(all, (schema) => schema._name, page);
  }

  async deleteDatabase(database: SerializedSchema): Promise<void> {
    const { name } = this.checkSchema(database);
    await this.run((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
    this.settings.logger.info({ database: name }, 'database deleted');
  }

  async createUsers(users: readonly SerializedUser[]): Promise<void> {
    const checked = users.map((user) => checkUser(user, this.settings.objects, true));
    // PostgreSQL reserves the pg_ prefix for its own roles; ALTER on one of them would hand it a login.
    const reserved = checked.find((user) => /^pg_/i.test(user.name));
    if (reserved) throw new ValidationError(`User name '${reserved.name}' is reserved.`);
    for (const user of checked) {
      await this.run(async (client) => {
        const verifier = quoteLiteral(scramVerifier(user.password ?? ''));
        const verb = (await this.userExists(client, user.name, false)) ? 'ALTER' : 'CREATE';
        await client.query(`${verb} ROLE ${quoteIdentifier(user.name)} WITH LOGIN PASSWORD ${verifier}`);
      });
      if (user.databases.length > 0) await this.grantAccess(user.name, null, user.databases);
      this.settings.logger.info({ user: user.name, databases: user.databases }, 'user created');
    }
  }

  async listUsers(page: PageRequest): Promise<Page<SerializedUser>> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ name: string }>("SELECT rolname AS name FROM pg_roles WHERE rolcanlogin AND rolname NOT LIKE 'pg\\_%'");
      const ignored = new Set(this.settings.objects.ignoreUsers.map((name) => name.toLowerCase()));
      const visible = rows.map((row) => row.name).filter((name) => !ignored.has(name.toLowerCase()));
      const [names, next] = paginate(visible, (name) => name, page);
      const users: SerializedUser[] = [];
      for (const name of names) users.push(serializeUser(name, '%', await this.accessOf(client, name)));
      return [users, next];
    });
  }

  async getUser(name: string, host: string | null | undefined): Promise<SerializedUser | null> {
    const ref = checkUserRef(name, host, this.settings.objects);
    return this.run(async (client) => ((await this.userExists(client, ref.name)) ? serializeUser(ref.name, '%', await this.accessOf(client, ref.name)) : null));
  }

  async deleteUser(user: SerializedUser): Promise<void> {
    const { name } = checkUser(user, this.settings.objects, false);
    const databases = await this.run(async (client) => {
      if (!(await this.userExists(client, name))) return null;
      const { rows } = await client.query<{ name: string }>('SELECT datname AS name FROM pg_database WHERE datallowconn');
      return rows.map((row) => row.name);
    });
    if (databases === null) return;
    // A role that owns objects or holds privileges cannot be dropped: hand its objects to os_admin first.
    for (const database of databases) {
      await this.run(async (client) => {
        await client.query(`REASSIGN OWNED BY ${quoteIdentifier(name)} TO ${quoteIdentifier(ADMIN_USER)}`);
        await client.query(`DROP OWNED BY ${quoteIdentifier(name)}`);
      }, database);
    }
    await this.run((client) => client.query(`DROP ROLE IF EXISTS ${quoteIdentifier(name)}`));
    this.settings.logger.info({ user: name }, 'user deleted');
  }

  async changePasswords(users: readonly SerializedUser[]): Promise<void> {
    const checked = users.map((user) => checkUser(user, this.settings.objects, true));
    await this.run(async (client) => {
      for (const user of checked) {
        await this.requireUser(client, user.name);
        await client.query(`ALTER ROLE ${quoteIdentifier(user.name)} WITH PASSWORD ${quoteLiteral(scramVerifier(user.password ?? ''))}`);
        this.settings.logger.info({ user: user.name }, 'password changed');
      }
    });
  }

  async updateAttributes(name: string, host: string | null | undefined, attributes: UserAttributes): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const target = checkUserRef(attributes.name ?? ref.name, null, this.settings.objects);
    const password = attributes.password === undefined || attributes.password === null ? undefined : validatePassword(attributes.password);
    await this.run(async (client) => {
      await this.requireUser(client, ref.name);
      if (target.name !== ref.name) await client.query(`ALTER ROLE ${quoteIdentifier(ref.name)} RENAME TO ${quoteIdentifier(target.name)}`);
      if (password !== undefined) await client.query(`ALTER ROLE ${quoteIdentifier(target.name)} WITH PASSWORD ${quoteLiteral(scramVerifier(password))}`);
    });
    this.settings.logger.info({ user: ref.name, newName: target.name, passwordChanged: password !== undefined }, 'user attributes updated');
  }

  async grantAccess(name: string, host: string | null | undefined, databases: readonly string[]): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const names = databases.map((database) => checkDatabaseName(database, this.settings.objects));
    await this.run(async (client) => {
      await this.requireUser(client, ref.name);
      for (const database of names) {
        if (!(await this.databaseExists(client, database))) throw new NotFoundError(`Database ${database} does not exist.`, { database });
        await client.query(`GRANT ALL PRIVILEGES ON DATABASE ${quoteIdentifier(database)} TO ${quoteIdentifier(ref.name)}`);
      }
    });
    for (const database of names) {
      await this.run((client) => client.query(`GRANT ALL ON SCHEMA public TO ${quoteIdentifier(ref.name)}`), database);
    }
  }

  async revokeAccess(name: string, host: string | null | undefined, database: string): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const databaseName = checkDatabaseName(database, this.settings.objects);
    const exists = await this.run(async (client) => {
      await this.requireUser(client, ref.name);
      if (!(await this.databaseExists(client, databaseName))) return false;
      await client.query(`REVOKE ALL PRIVILEGES ON DATABASE ${quoteIdentifier(databaseName)} FROM ${quoteIdentifier(ref.name)}`);
      return true;
    });
    if (!exists) return;
    try {
      await this.run((client) => client.query(`REVOKE ALL ON SCHEMA public FROM ${quoteIdentifier(ref.name)}`), databaseName);
    } catch (error) {
      if (sqlState((error as { cause?: unknown }).cause ?? error) !== UNDEFINED_DATABASE) throw error;
    }
  }

  async listAccess(name: string, host: string | null | undefined): Promise<SerializedSchema[]> {
    const ref = checkUserRef(name, host, this.settings.objects);
    return this.run(async (client) => {
      await this.requireUser(client, ref.name);
      return this.accessOf(client, ref.name);
    });
  }

  async enableRoot(password?: string | null): Promise<SerializedUser> {
    const secret = password ? validatePassword(password) : generatePassword(this.settings.passwordLength);
    await this.run(async (client) => {
      const verb = (await this.userExists(client, ROOT_USER, false)) ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${quoteIdentifier(ROOT_USER)} WITH ${ROOT_OPTIONS} PASSWORD ${quoteLiteral(scramVerifier(secret))}`);
    });
    await this.settings.credentials.write(ROOT_CREDENTIALS, { user: ROOT_USER, password: secret });
    this.settings.logger.info('root enabled');
    return serializeUser(ROOT_USER, '%', [], secret, true);
  }

  async disableRoot(): Promise<void> {
    await this.run(async (client) => {
      if (await this.userExists(client, ROOT_USER, false)) await client.query(`ALTER ROLE ${quoteIdentifier(ROOT_USER)} WITH NOLOGIN PASSWORD NULL`);
    });
    await this.settings.credentials.remove(ROOT_CREDENTIALS);
    this.settings.logger.info('root disabled');
  }

  async isRootEnabled(): Promise<boolean> {
    return this.run(async (client) => (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin AND rolsuper', [ROOT_USER])).rows.length > 0);
  }

  async getRootPassword(): Promise<string | null> {
    return (await this.settings.credentials.read(ROOT_CREDENTIALS))?.password ?? null;
  }

  /** The values are already in the user override file (the driver writes it first); reload and report. */
  async applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): Promise<string[]> {
    const names = Object.keys(overrides);
    return this.run(async (client) => {
      await client.query('SELECT pg_reload_conf()');
      // The postmaster re-reads its files asynchronously after the signal.
      await sleep(500);
      const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_settings WHERE pending_restart AND name = ANY($1::text[])', [names]);
      const restartRequired = rows.map((row) => row.name);
      if (restartRequired.length > 0) this.settings.logger.info({ parameters: restartRequired }, 'overrides need a restart to take effect');
      return restartRequired;
    });
  }

  private async allDatabases(client: pg.Client): Promise<SerializedSchema[]> {
    const { rows } = await client.query<{ name: string; charset: string; collation: string }>(
      'SELECT datname AS name, pg_encoding_to_char(encoding) AS charset, datcollate AS collation FROM pg_database WHERE NOT datistemplate',
    );
    const ignored = new Set(this.settings.objects.ignoreDbs.map((name) => name.toLowerCase()));
    return rows.filter((row) => !ignored.has(row.name.toLowerCase())).map((row) => serializeSchema(row.name, row.charset, row.collation));
  }

  private async accessOf(client: pg.Client, name: string): Promise<SerializedSchema[]> {
    const { rows } = await client.query<{ name: string; charset: string; collation: string }>(
      `SELECT d.datname AS name, pg_encoding_to_char(d.encoding) AS charset, d.datcollate AS collation
         FROM pg_database d
        WHERE NOT d.datistemplate
          AND EXISTS (SELECT 1 FROM aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
                       WHERE r.rolname = $1 AND a.privilege_type = 'CONNECT')`,
      [name],
    );
    const ignored = new Set(this.settings.objects.ignoreDbs.map((db) => db.toLowerCase()));
    return rows.filter((row) => !ignored.has(row.name.toLowerCase())).map((row) => serializeSchema(row.name, row.charset, row.collation));
  }

  private async databaseExists(client: pg.Client, name: string): Promise<boolean> {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
  }

  private async userExists(client: pg.Client, name: string, loginOnly = true): Promise<boolean> {
    const sql = loginOnly ? 'SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin' : 'SELECT 1 FROM pg_roles WHERE rolname = $1';
    return (await client.query(sql, [name])).rows.length > 0;
  }

  private async requireUser(client: pg.Client, name: string): Promise<void> {
    if (!(await this.userExists(client, name))) throw new NotFoundError(`User ${name} does not exist.`, { user: name });
  }
}
