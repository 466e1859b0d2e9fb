/**
 * SQL-level administration of MySQL and MariaDB (Trove's `BaseMySqlAdmin`), as `os_admin` over TCP to the
 * container's bind address. Names are validated, identifiers quoted, values bound.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { NotFoundError, UnprocessableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { validatePassword, type SerializedSchema, type SerializedUser } from '../../../shared/models/index.js';
import type { CredentialStore, Credentials } from '../base/credentials.js';
import type { DatastoreAdmin, OverrideValue, Page, PageRequest, UserAttributes } from '../base/datastore-driver.js';
import { ADMIN_USER } from '../base/engine.js';
import { checkDatabaseName, checkSchema, checkUser, checkUserRef, serializeSchema, serializeUser, type ObjectRules } from '../base/objects.js';
import { paginate } from '../base/paging.js';
import { generatePassword } from '../base/passwords.js';
import { applyGlobalVariables } from './global-variables.js';
import { grantDatabase, querySecret, quoteIdentifier, serverErrorNumber, unescapeGrantDatabase, withConnection, type MysqlEndpoint } from './sql.js';

const ROOT_USER = 'root';
const ROOT_HOST = '%';
const ROOT_CREDENTIALS = 'root';
/** ER_NONEXISTING_GRANT: revoking what was never granted is a no-op. */
const ER_NONEXISTING_GRANT = 1141;

/** Options to configure the MySQL-family admin. */
export interface MysqlAdminSettings {
  endpoint: MysqlEndpoint;
  credentials: CredentialStore;
  objects: ObjectRules;
  passwordLength: number;
  /** MariaDB lists roles in `mysql.user` (`is_role`); MySQL does not. */
  hasRoleColumn: boolean;
  logger: Logger;
}

/** The MySQL-family `DatastoreAdmin`. */
export class MysqlAdmin implements DatastoreAdmin {
  constructor(private readonly settings: MysqlAdminSettings) {}

  private async adminCredentials(): Promise<Credentials> {
    const credentials = await this.settings.credentials.read(ADMIN_USER);
    if (credentials === null) throw new UnprocessableError('The datastore has not been prepared yet.');
    return credentials;
  }

  private async run<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    return withConnection(this.settings.endpoint, await this.adminCredentials(), work);
  }

  async ping(): Promise<boolean> {
    const credentials = await this.settings.credentials.read(ADMIN_USER).catch(() => null);
    if (credentials === null) return false;
    try {
      return await withConnection(this.settings.endpoint, credentials, async (connection) => {
        const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 AS ok');
        return rows[0]?.['ok'] === 1;
      });
    } catch {
      return false;
    }
  }

  async createDatabases(databases: readonly SerializedSchema[]): Promise<void> {
    const checked = databases.map((database) => checkSchema(database, this.settings.objects));
    if (checked.length === 0) return;
    await this.run(async (connection) => {
      for (const database of checked) {
        // Character set and collation passed validateCharset ([A-Za-z0-9_]); the name is quoted.
        const options = `${database.characterSet ? ` CHARACTER SET ${database.characterSet}` : ''}${database.collate ? ` COLLATE ${database.collate}` : ''}`;
        await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database.name)}${options}`);
        this.settings.logger.info({ database: database.name }, 'database created');
      }
    });
  }

  async listDatabases(page: PageRequest): Promise<Page<SerializedSchema>> {
    const all = await this.run((connection) => this.allDatabases(connection));
    return paginate(all, (schema) => schema._name, page);
  }

  async deleteDatabase(database: SerializedSchema): Promise<void> {
    const { name } = checkSchema(database, this.settings.objects);
    await this.run((connection) => connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`));
    this.settings.logger.info({ database: name }, 'database deleted');
  }

  async createUsers(users: readonly SerializedUser[]): Promise<void> {
    const checked = users.map((user) => checkUser(user, this.settings.objects, true));
    if (checked.length === 0) return;
    await this.run(async (connection) => {
      for (const user of checked) {
        // IF NOT EXISTS + ALTER: a redelivered create (at-least-once casts) ends in the same state.
        await querySecret(connection, 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user.name, user.host, user.password], `Creating user ${user.name}@${user.host}`);
        await querySecret(connection, 'ALTER USER ?@? IDENTIFIED BY ?', [user.name, user.host, user.password], `Setting the password of ${user.name}@${user.host}`);
        for (const database of user.databases) {
          await connection.query(`GRANT ALL PRIVILEGES ON ${grantDatabase(database)} TO ?@?`, [user.name, user.host]);
        }
        this.settings.logger.info({ user: user.name, host: user.host, databases: user.databases }, 'user created');
      }
    });
  }

  async listUsers(page: PageRequest): Promise<Page<SerializedUser>> {
    return this.run(async (connection) => {
      // is_role is computed in MariaDB's mysql.user view; comparing it in SQL trips over collations.
      const roleColumn = this.settings.hasRoleColumn ? ', is_role AS isRole' : '';
      const [rows] = await connection.query<RowDataPacket[]>(`SELECT User AS user, Host AS host${roleColumn} FROM mysql.user WHERE Host <> 'localhost' AND User <> ''`);
      const ignored = new Set(this.settings.objects.ignoreUsers.map((name) => name.toLowerCase()));
      const visible = rows
        .filter((row) => String(row['isRole'] ?? 'N') !== 'Y')
        .map((row) => ({ name: String(row['user']), host: String(row['host']) }))
        .filter((user) => !ignored.has(user.name.toLowerCase()));
      const [selected, next] = paginate(visible, (user) => `${user.name}@${user.host}`, page);
      const databases = await this.allDatabases(connection);
      const result: SerializedUser[] = [];
      for (const user of selected) result.push(serializeUser(user.name, user.host, await this.accessOf(connection, user.name, user.host, databases)));
      return [result, next];
    });
  }

  async getUser(name: string, host: string | null | undefined): Promise<SerializedUser | null> {
    const ref = checkUserRef(name, host, this.settings.objects);
    return this.run(async (connection) => {
      if (!(await this.userExists(connection, ref.name, ref.host))) return null;
      return serializeUser(ref.name, ref.host, await this.accessOf(connection, ref.name, ref.host, await this.allDatabases(connection)));
    });
  }

  async deleteUser(user: SerializedUser): Promise<void> {
    const { name, host } = checkUser(user, this.settings.objects, false);
    await this.run((connection) => connection.query('DROP USER IF EXISTS ?@?', [name, host]));
    this.settings.logger.info({ user: name, host }, 'user deleted');
  }

  async changePasswords(users: readonly SerializedUser[]): Promise<void> {
    const checked = users.map((user) => checkUser(user, this.settings.objects, true));
    await this.run(async (connection) => {
      for (const user of checked) {
        await this.requireUser(connection, user.name, user.host);
        await querySecret(connection, 'ALTER USER ?@? IDENTIFIED BY ?', [user.name, user.host, user.password], `Setting the password of ${user.name}@${user.host}`);
        this.settings.logger.info({ user: user.name, host: user.host }, 'password changed');
      }
    });
  }

  async updateAttributes(name: string, host: string | null | undefined, attributes: UserAttributes): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const target = checkUserRef(attributes.name ?? ref.name, attributes.host ?? ref.host, this.settings.objects);
    const password = attributes.password === undefined || attributes.password === null ? undefined : validatePassword(attributes.password);
    await this.run(async (connection) => {
      await this.requireUser(connection, ref.name, ref.host);
      if (target.name !== ref.name || target.host !== ref.host) {
        await connection.query('RENAME USER ?@? TO ?@?', [ref.name, ref.host, target.name, target.host]);
      }
      if (password !== undefined) await querySecret(connection, 'ALTER USER ?@? IDENTIFIED BY ?', [target.name, target.host, password], `Setting the password of ${target.name}@${target.host}`);
    });
    this.settings.logger.info({ user: ref.name, host: ref.host, newName: target.name, newHost: target.host, passwordChanged: password !== undefined }, 'user attributes updated');
  }

  async grantAccess(name: string, host: string | null | undefined, databases: readonly string[]): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const names = databases.map((database) => checkDatabaseName(database, this.settings.objects));
    await this.run(async (connection) => {
      await this.requireUser(connection, ref.name, ref.host);
      for (const database of names) await connection.query(`GRANT ALL PRIVILEGES ON ${grantDatabase(database)} TO ?@?`, [ref.name, ref.host]);
    });
  }

  async revokeAccess(name: string, host: string | null | undefined, database: string): Promise<void> {
    const ref = checkUserRef(name, host, this.settings.objects);
    const databaseName = checkDatabaseName(database, this.settings.objects);
    await this.run(async (connection) => {
      await this.requireUser(connection, ref.name, ref.host);
      try {
        await connection.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(databaseName)} FROM ?@?`, [ref.name, ref.host]);
      } catch (error) {
        if (serverErrorNumber(error) !== ER_NONEXISTING_GRANT) throw error;
      }
    });
  }

  async listAccess(name: string, host: string | null | undefined): Promise<SerializedSchema[]> {
    const ref = checkUserRef(name, host, this.settings.objects);
    return this.run(async (connection) => {
      await this.requireUser(connection, ref.name, ref.host);
      return this.accessOf(connection, ref.name, ref.host, await this.allDatabases(connection));
    });
  }

  async enableRoot(password?: string | null): Promise<SerializedUser> {
    const secret = password ? validatePassword(password) : generatePassword(this.settings.passwordLength);
    await this.run(async (connection) => {
      await querySecret(connection, 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [ROOT_USER, ROOT_HOST, secret], 'Creating root');
      await querySecret(connection, 'ALTER USER ?@? IDENTIFIED BY ?', [ROOT_USER, ROOT_HOST, secret], 'Setting the root password');
      await connection.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ROOT_USER, ROOT_HOST]);
    });
    await this.settings.credentials.write(ROOT_CREDENTIALS, { user: ROOT_USER, password: secret });
    this.settings.logger.info('root enabled');
    return serializeUser(ROOT_USER, ROOT_HOST, [], secret, true);
  }

  async disableRoot(): Promise<void> {
    await this.run((connection) => connection.query('DROP USER IF EXISTS ?@?', [ROOT_USER, ROOT_HOST]));
    await this.settings.credentials.remove(ROOT_CREDENTIALS);
    this.settings.logger.info('root disabled');
  }

  async isRootEnabled(): Promise<boolean> {
    return this.run(async (connection) => {
      const [rows] = await connection.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host <> 'localhost'", [ROOT_USER]);
      return Number(rows[0]?.['n'] ?? 0) > 0;
    });
  }

  async getRootPassword(): Promise<string | null> {
    return (await this.settings.credentials.read(ROOT_CREDENTIALS))?.password ?? null;
  }

  async applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): Promise<string[]> {
    return this.run((connection) => applyGlobalVariables(connection, overrides, this.settings.logger));
  }

  private async allDatabases(connection: Connection): Promise<SerializedSchema[]> {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT schema_name AS name, default_character_set_name AS charset, default_collation_name AS collation FROM information_schema.schemata',
    );
    const ignored = new Set(this.settings.objects.ignoreDbs.map((name) => name.toLowerCase()));
    return rows
      .map((row) => serializeSchema(String(row['name']), row['charset'] as string | null, row['collation'] as string | null))
      .filter((schema) => !ignored.has(schema._name.toLowerCase()) && schema._name !== 'lost+found');
  }

  private async accessOf(connection: Connection, name: string, host: string, databases: SerializedSchema[]): Promise<SerializedSchema[]> {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT Db AS db FROM mysql.db WHERE User = ? AND Host = ?', [name, host]);
    const granted = new Set(rows.map((row) => unescapeGrantDatabase(String(row['db']))));
    return databases.filter((schema) => granted.has(schema._name));
  }

  private async userExists(connection: Connection, name: string, host: string): Promise<boolean> {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [name, host]);
    return rows.length > 0;
  }

  private async requireUser(connection: Connection, name: string, host: string): Promise<void> {
    if (!(await this.userExists(connection, name, host))) throw new NotFoundError(`User ${name}@${host} does not exist.`, { user: name, host });
  }
}
