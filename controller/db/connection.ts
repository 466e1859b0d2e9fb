/**
 * Opens the controller database from `[database]`: sequelize v6 over mysql2, a pool of `max_pool_size`,
 * UTC timestamps, `sql_mode` from `mysql_sql_mode` on every connection, SQL logging off (statements carry
 * values, which may be secrets). `openDatabase` retries start-up per `max_retries`/`retry_interval` while
 * the server is unreachable and fails fast on errors that waiting cannot fix (bad password, no database).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccessDeniedError, ConnectionError, Sequelize, type Options } from 'sequelize';
import type { TroveConfig } from '../../shared/config/index.js';
import { ConfigError, ErrorCode, TroveError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { describeDatabaseUrl, parseDatabaseUrl, type DatabaseUrl } from './database-url.js';
import { createModels, type TroveModels } from './models/index.js';

/** The `[database]` section. */
export type DatabaseSettings = TroveConfig['database'];

/** An open database: the sequelize instance, every model, and a way to close the pool. */
export interface Database {
  sequelize: Sequelize;
  models: TroveModels;
  /** The connection URL without its password, for logs. */
  description: string;
  close(): Promise<void>;
}

/** Options to configure `openDatabase`. */
export interface OpenDatabaseOptions {
  /** Receives a warning per unusual URL parameter and a line per failed attempt. */
  logger?: Logger;
  /** Called after each failed attempt that will be retried (tests count attempts with it). */
  onRetry?: (attempt: number, error: Error) => void;
  /** Overrides `[database] retry_interval`, in milliseconds (tests). */
  retryIntervalMs?: number;
}

interface MysqlConnection {
  query(sql: string, values: unknown[], callback: (error: Error | null) => void): void;
}

function readTlsFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`[database] connection: cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

function sequelizeOptions(url: DatabaseUrl, settings: DatabaseSettings): Options {
  const dialectOptions: Record<string, unknown> = { charset: 'utf8mb4' };
  if (url.socketPath !== undefined) dialectOptions['socketPath'] = url.socketPath;
  if (url.connectTimeoutSeconds !== undefined) dialectOptions['connectTimeout'] = Math.round(url.connectTimeoutSeconds * 1000);
  if (url.ssl) {
    const ssl: Record<string, unknown> = { rejectUnauthorized: url.ssl.verifyCert };
    if (url.ssl.ca !== undefined) ssl['ca'] = readTlsFile(url.ssl.ca, 'ssl_ca');
    if (url.ssl.cert !== undefined) ssl['cert'] = readTlsFile(url.ssl.cert, 'ssl_cert');
    if (url.ssl.key !== undefined) ssl['key'] = readTlsFile(url.ssl.key, 'ssl_key');
    dialectOptions['ssl'] = ssl;
  }
  return {
    dialect: 'mysql',
    host: url.host,
    port: url.port,
    timezone: '+00:00',
    logging: false,
    benchmark: false,
    dialectOptions,
    pool: { max: settings.max_pool_size, min: 0, idle: settings.idle_timeout * 1000, acquire: 60_000, evict: 1000 },
    define: { timestamps: false, freezeTableName: true },
  };
}

/**
 * Builds the sequelize instance for `[database]` without connecting.
 * @throws ConfigError when `connection` is missing, malformed or not MySQL/MariaDB
 */
export function createSequelize(settings: DatabaseSettings): { sequelize: Sequelize; url: DatabaseUrl } {
  const url = parseDatabaseUrl(settings.connection);
  const sequelize = new Sequelize(url.database, url.user, url.password, sequelizeOptions(url, settings));
  const sqlMode = settings.mysql_sql_mode;
  if (sqlMode !== null) {
    sequelize.addHook('afterConnect', async (connection: unknown) => {
      await new Promise<void>((resolve, reject) => {
        (connection as MysqlConnection).query('SET SESSION sql_mode = ?', [sqlMode], (error) => (error ? reject(error) : resolve()));
      });
    });
  }
  return { sequelize, url };
}

function isPermanent(error: unknown): boolean {
  if (error instanceof AccessDeniedError) return true;
  const original = (error as { original?: { code?: string } }).original;
  return ['ER_BAD_DB_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_WRONG_VALUE_FOR_VAR', 'ER_UNKNOWN_CHARACTER_SET'].includes(original?.code ?? '');
}

function reason(error: unknown): string {
  const original = (error as { original?: Error }).original;
  return (original?.message ?? (error as Error).message ?? String(error)).replace(/\s+/g, ' ');
}

/**
 * Connects to `[database] connection`, retrying while the server is unreachable, and defines the models.
 * @throws ConfigError for a bad URL or an unreadable TLS file
 * @throws TroveError SERVICE_UNAVAILABLE when every attempt failed or the server refused the credentials
 */
export async function openDatabase(settings: DatabaseSettings, options: OpenDatabaseOptions = {}): Promise<Database> {
  const { sequelize, url } = createSequelize(settings);
  const description = describeDatabaseUrl(url);
  for (const warning of url.warnings) options.logger?.warn({ warning }, 'database URL');
  const intervalMs = options.retryIntervalMs ?? settings.retry_interval * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sequelize.authenticate({ logging: false });
      break;
    } catch (error) {
      const retryable = error instanceof ConnectionError && !isPermanent(error);
      const exhausted = settings.max_retries !== -1 && attempt > settings.max_retries;
      if (!retryable || exhausted) {
        await sequelize.close().catch(() => undefined);
        const attempts = attempt === 1 ? '' : ` after ${attempt} attempts`;
        throw new TroveError(ErrorCode.SERVICE_UNAVAILABLE, `Cannot connect to the database ${description}${attempts}: ${reason(error)}`, {
          cause: error,
        });
      }
      options.logger?.warn({ attempt, database: description, reason: reason(error) }, 'database not reachable, retrying');
      options.onRetry?.(attempt, error as Error);
      await sleep(intervalMs);
    }
  }
  const models = createModels(sequelize);
  return { sequelize, models, description, close: () => sequelize.close() };
}
