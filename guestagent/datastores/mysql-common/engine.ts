/**
 * The MySQL-family engine: MariaDB and MySQL differ only in the variant data below. Host layout under the
 * mount point M (bind-mounted per the image contract, images/datastores/README.md):
 *
 *   M/            → /var/lib/mysql          (root, 0755)
 *   M/data        → datadir                 (uid 1001, 0750)
 *   M/run/mysqld  → /var/run/mysqld         (uid 1001: socket, pid file)
 *   M/etc/mysql   → /etc/mysql              (root, read-only for the server: my.cnf, conf.d/*.cnf)
 *   M/conf.d      agent state: os_admin.cnf, root.cnf, prepare markers (root, 0700; the server cannot read it)
 */
import { join } from 'node:path';
import { format } from 'mysql2/promise';
import { renderConfig } from '../../../shared/datastore-templates/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { MYSQL_NAME_RULES } from '../../../shared/models/index.js';
import type { DatastoreManager } from '../../../shared/config/index.js';
import type { CredentialStore, Credentials } from '../base/credentials.js';
import type { DatastoreAdmin } from '../base/datastore-driver.js';
import { ContainerBootstrapError, type ContainerExec, type ContainerSetup, type DatastoreEngine, type EngineContext, type HostLayout } from '../base/engine.js';
import type { ScalarValue } from '../base/overrides.js';
import { generatePassword } from '../base/passwords.js';
import { MysqlAdmin } from './admin.js';

const SOCKET = '/var/run/mysqld/mysqld.sock';
const INCLUDE_LINE = '!includedir /etc/mysql/conf.d/';
/** Internal credentials an image that authenticates root by password (MySQL's) is initialized with. */
const BOOTSTRAP_CREDENTIALS = 'bootstrap-root';

/** What differs between MySQL and MariaDB. */
export interface MysqlVariant {
  manager: Extract<DatastoreManager, 'mysql' | 'mariadb'>;
  /** Command-line client inside the image. */
  clientProgram: string;
  /** MariaDB lists roles in mysql.user. */
  hasRoleColumn: boolean;
  /**
   * How the agent first reaches a fresh server over the socket: `socket-peer` (MariaDB image: the OS user
   * uid 1001 is a unix_socket-authenticated account) or `root-password` (MySQL image: MYSQL_ROOT_PASSWORD).
   */
  bootstrap: 'socket-peer' | 'root-password';
}

function renderValue(name: string, value: ScalarValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  if (typeof value === 'number') return String(value);
  if (/^[A-Za-z0-9_.,:/+%@=-]*$/.test(value)) return value;
  // Option files end a value at '#' and trim spaces unless it is quoted; they have no escape for quotes.
  if (!/["\\]/.test(value)) return `"${value}"`;
  throw new ValidationError(`Value of configuration parameter '${name}' cannot be written to an option file.`);
}

/** The MySQL-family engine for a variant. */
export function createMysqlEngine(variant: MysqlVariant): DatastoreEngine {
  const clientArgs = [variant.clientProgram, '--protocol=socket', `--socket=${SOCKET}`, '--batch', '--skip-column-names'];

  async function bootstrapEnv(credentials: CredentialStore): Promise<Record<string, string> | undefined> {
    if (variant.bootstrap !== 'root-password') return undefined;
    const root = await credentials.read(BOOTSTRAP_CREDENTIALS);
    return root ? { MYSQL_PWD: root.password } : undefined;
  }

  return {
    facts: { manager: variant.manager, defaultPort: 3306, nameRules: MYSQL_NAME_RULES, rootUserName: 'root', liveOverridesNeedFile: false },

    layout(context: EngineContext): HostLayout {
      const root = context.mountPoint;
      const etc = join(root, 'etc', 'mysql');
      return {
        directories: [
          { path: join(root, 'data'), serviceOwned: true, mode: 0o750 },
          { path: join(root, 'run'), serviceOwned: false, mode: 0o755 },
          { path: join(root, 'run', 'mysqld'), serviceOwned: true, mode: 0o755 },
          { path: join(root, 'etc'), serviceOwned: false, mode: 0o755 },
          { path: etc, serviceOwned: false, mode: 0o755 },
          { path: join(etc, 'conf.d'), serviceOwned: false, mode: 0o755 },
        ],
        binds: [
          { hostPath: root, containerPath: '/var/lib/mysql' },
          { hostPath: etc, containerPath: '/etc/mysql', readOnly: true },
          { hostPath: join(root, 'run', 'mysqld'), containerPath: '/var/run/mysqld' },
        ],
        baseConfigPath: join(etc, 'my.cnf'),
        includeDir: join(etc, 'conf.d'),
        overrideExtension: '.cnf',
      };
    },

    async containerSetup(_context: EngineContext, credentials: CredentialStore): Promise<ContainerSetup> {
      const env: Record<string, string> = {};
      if (variant.bootstrap === 'root-password') {
        let root = await credentials.read(BOOTSTRAP_CREDENTIALS);
        if (root === null) {
          root = { user: 'root', password: generatePassword(36) };
          await credentials.write(BOOTSTRAP_CREDENTIALS, root);
        }
        env['MYSQL_ROOT_PASSWORD'] = root.password;
        env['MYSQL_INITDB_SKIP_TZINFO'] = '1';
      }
      return { command: ['--defaults-file=/etc/mysql/my.cnf'], env };
    },

    renderDefaultConfig(memoryMb: number): string {
      return renderConfig(variant.manager, { memoryMb });
    },

    withInclude(contents: string): string {
      if (/^\s*!includedir\s+\/etc\/mysql\/conf\.d\/?\s*$/m.test(contents)) return contents;
      return `${contents.replace(/\s*$/, '')}\n\n${INCLUDE_LINE}\n`;
    },

    systemFiles(context: EngineContext) {
      const overrides = [
        '# Written by trove-guestagent before every start; local changes are lost.',
        '[client]',
        `socket = ${SOCKET}`,
        `port = ${context.port}`,
        '',
        '[mysqld]',
        `bind-address = ${context.bindHost}`,
        `port = ${context.port}`,
        'datadir = /var/lib/mysql/data',
        `socket = ${SOCKET}`,
        'pid-file = /var/run/mysqld/mysqld.pid',
        '',
      ].join('\n');
      return { overrides, files: [] };
    },

    renderUserOverrides(values: Readonly<Record<string, ScalarValue>>): string {
      const lines = ['[mysqld]', ...Object.entries(values).map(([name, value]) => `${name} = ${renderValue(name, value)}`)];
      return `${lines.join('\n')}\n`;
    },

    async isReadyForBootstrap(exec: ContainerExec, _context: EngineContext, credentials: CredentialStore): Promise<boolean> {
      const env = await bootstrapEnv(credentials);
      const args = variant.bootstrap === 'root-password' ? [...clientArgs, '--user=root'] : clientArgs;
      const result = await exec([...args, '-e', 'SELECT 1'], env ? { env, timeoutMs: 15_000 } : { timeoutMs: 15_000 });
      return result.exitCode === 0 && result.stdout.trim() === '1';
    },

    async bootstrapAdmin(exec: ContainerExec, admin: Credentials, context: EngineContext, credentials: CredentialStore): Promise<void> {
      const hosts = [...new Set(['localhost', '127.0.0.1', context.connectHost])];
      const statements = [format("DROP USER IF EXISTS ''@'localhost'")];
      for (const host of hosts) {
        statements.push(
          format('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [admin.user, host, admin.password]),
          format('ALTER USER ?@? IDENTIFIED BY ?', [admin.user, host, admin.password]),
          format('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [admin.user, host]),
        );
      }
      statements.push('FLUSH PRIVILEGES');
      const env = await bootstrapEnv(credentials);
      const args = variant.bootstrap === 'root-password' ? [...clientArgs, '--user=root'] : clientArgs;
      const result = await exec(args, { stdin: `${statements.join(';\n')};\n`, timeoutMs: 60_000, ...(env ? { env } : {}) });
      if (result.exitCode !== 0) {
        throw new ContainerBootstrapError(`Creating the ${admin.user} user failed (exit ${result.exitCode}): ${result.stderr.split(admin.password).join('***').trim()}`);
      }
    },

    createAdmin(context: EngineContext, credentials: CredentialStore): DatastoreAdmin {
      return new MysqlAdmin({
        endpoint: { host: context.connectHost, port: context.port, connectTimeoutMs: context.connectTimeoutMs },
        credentials,
        objects: { rules: MYSQL_NAME_RULES, ignoreUsers: context.options.ignore_users, ignoreDbs: context.options.ignore_dbs },
        passwordLength: context.options.default_password_length,
        hasRoleColumn: variant.hasRoleColumn,
        logger: context.logger,
      });
    },
  };
}
