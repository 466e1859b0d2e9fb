/**
 * The PostgreSQL engine. Host layout under the mount point M (bind-mounted per the image contract):
 *
 *   M/                   → /var/lib/postgresql        (root, 0755)
 *   M/data               → /var/lib/postgresql/data   (uid 1001, 0700; PGDATA is data/pgdata)
 *   M/run/postgresql     → /var/run/postgresql        (uid 1001: socket)
 *   M/etc/postgresql     → /etc/postgresql            (root, read-only: postgresql.conf, pg_hba.conf, conf.d/)
 *   M/conf.d             agent state (root, 0700)
 *
 * `os_admin` is a superuser that may only log in over loopback (pg_hba rejects it elsewhere); local socket
 * logins use peer authentication, which is how the agent bootstraps it inside a fresh container.
 */
import { join } from 'node:path';
import { isIP } from 'node:net';
import { renderConfig } from '../../../shared/datastore-templates/index.js';
import { POSTGRESQL_NAME_RULES } from '../../../shared/models/index.js';
import type { CredentialStore, Credentials } from '../base/credentials.js';
import type { DatastoreAdmin } from '../base/datastore-driver.js';
import { ADMIN_USER, ContainerBootstrapError, type ContainerExec, type ContainerSetup, type DatastoreEngine, type EngineContext, type HostLayout } from '../base/engine.js';
import type { ScalarValue } from '../base/overrides.js';
import { PostgresAdmin } from './admin.js';
import { scramVerifier } from './scram.js';

const SOCKET_DIR = '/var/run/postgresql';
const INCLUDE_LINE = "include_dir = '/etc/postgresql/conf.d'";

/** A PostgreSQL configuration value: numbers and booleans bare, strings as quoted literals. */
export function renderPostgresValue(value: ScalarValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function hostRule(address: string): string {
  return isIP(address) === 6 ? `${address}/128` : `${address}/32`;
}

function renderHba(context: EngineContext): string {
  const adminSources = [...new Set(['127.0.0.1', context.connectHost])].filter((address) => isIP(address) !== 0);
  return [
    '# Written by trove-guestagent before every start; local changes are lost.',
    '# TYPE  DATABASE  USER      ADDRESS         METHOD',
    'local   all       all                       peer',
    ...adminSources.map((address) => `host    all       ${ADMIN_USER}  ${hostRule(address).padEnd(15)} scram-sha-256`),
    `host    all       ${ADMIN_USER}  all             reject`,
    'host    all       all       0.0.0.0/0       scram-sha-256',
    'host    all       all       ::/0            scram-sha-256',
    '',
  ].join('\n');
}

/** The PostgreSQL engine. */
export function createPostgresqlEngine(): DatastoreEngine {
  // The port is part of the socket's file name, so psql needs it even over the socket.
  function psql(port: number): string[] {
    return ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', 'postgres', '-h', SOCKET_DIR, '-p', String(port), '-tA'];
  }

  return {
    facts: { manager: 'postgresql', defaultPort: 5432, nameRules: POSTGRESQL_NAME_RULES, rootUserName: 'root', liveOverridesNeedFile: true },

    layout(context: EngineContext): HostLayout {
      const root = context.mountPoint;
      const etc = join(root, 'etc', 'postgresql');
      return {
        directories: [
          { path: join(root, 'data'), serviceOwned: true, mode: 0o700 },
          { path: join(root, 'run'), serviceOwned: false, mode: 0o755 },
          { path: join(root, 'run', 'postgresql'), serviceOwned: true, mode: 0o2775 },
          { path: join(root, 'etc'), serviceOwned: false, mode: 0o755 },
          { path: etc, serviceOwned: false, mode: 0o755 },
          { path: join(etc, 'conf.d'), serviceOwned: false, mode: 0o755 },
        ],
        binds: [
          { hostPath: root, containerPath: '/var/lib/postgresql' },
          { hostPath: etc, containerPath: '/etc/postgresql', readOnly: true },
          { hostPath: join(root, 'run', 'postgresql'), containerPath: SOCKET_DIR },
        ],
        baseConfigPath: join(etc, 'postgresql.conf'),
        includeDir: join(etc, 'conf.d'),
        overrideExtension: '.conf',
      };
    },

    async containerSetup(): Promise<ContainerSetup> {
      return {
        command: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf'],
        env: { PGDATA: '/var/lib/postgresql/data/pgdata' },
        // SIGINT is PostgreSQL's "fast" shutdown; Docker's default SIGTERM waits for every client to leave.
        stopSignal: 'SIGINT',
      };
    },

    renderDefaultConfig(memoryMb: number): string {
      return renderConfig('postgresql', { memoryMb });
    },

    withInclude(contents: string): string {
      if (/^\s*include_dir\s*=?\s*'\/etc\/postgresql\/conf\.d\/?'\s*(#.*)?$/m.test(contents)) return contents;
      return `${contents.replace(/\s*$/, '')}\n\n${INCLUDE_LINE}\n`;
    },

    systemFiles(context: EngineContext, layout: HostLayout) {
      const listen = context.bindHost === '0.0.0.0' || context.bindHost === '' ? '*' : context.bindHost === '::' ? '::' : context.bindHost;
      const overrides = [
        '# Written by trove-guestagent before every start; local changes are lost.',
        `listen_addresses = ${renderPostgresValue(listen)}`,
        `port = ${context.port}`,
        `unix_socket_directories = ${renderPostgresValue(SOCKET_DIR)}`,
        `hba_file = ${renderPostgresValue('/etc/postgresql/pg_hba.conf')}`,
        '',
      ].join('\n');
      return { overrides, files: [{ path: join(layout.baseConfigPath, '..', 'pg_hba.conf'), text: renderHba(context) }] };
    },

    renderUserOverrides(values: Readonly<Record<string, ScalarValue>>): string {
      return `${Object.entries(values).map(([name, value]) => `${name} = ${renderPostgresValue(value)}`).join('\n')}\n`;
    },

    async isReadyForBootstrap(exec: ContainerExec, context: EngineContext): Promise<boolean> {
      const result = await exec([...psql(context.port), '-c', 'SELECT 1'], { timeoutMs: 15_000 });
      return result.exitCode === 0 && result.stdout.trim() === '1';
    },

    async bootstrapAdmin(exec: ContainerExec, admin: Credentials, context: EngineContext): Promise<void> {
      const verifier = scramVerifier(admin.password).replace(/'/g, "''");
      const sql = [
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ADMIN_USER}') THEN CREATE ROLE ${ADMIN_USER}; END IF; END $$;`,
        `ALTER ROLE ${ADMIN_USER} WITH SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS LOGIN PASSWORD '${verifier}';`,
        // Users reach only the databases granted to them, not the maintenance databases.
        'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;',
        'REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;',
        '',
      ].join('\n');
      const result = await exec(psql(context.port), { stdin: sql, timeoutMs: 60_000 });
      if (result.exitCode !== 0) throw new ContainerBootstrapError(`Creating the ${ADMIN_USER} role failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    },

    createAdmin(context: EngineContext, credentials: CredentialStore): DatastoreAdmin {
      return new PostgresAdmin({
        endpoint: { host: context.connectHost, port: context.port, connectTimeoutMs: context.connectTimeoutMs },
        credentials,
        objects: { rules: POSTGRESQL_NAME_RULES, ignoreUsers: context.options.ignore_users, ignoreDbs: context.options.ignore_dbs },
        passwordLength: context.options.default_password_length,
        logger: context.logger,
      });
    },
  };
}
