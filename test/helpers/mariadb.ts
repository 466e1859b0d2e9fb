/**
 * A throw-away MariaDB database for integration tests: `createTestDatabase()` creates
 * `trove_test_<random>` on the test server (127.0.0.1:3306 as root without password, or
 * TROVE_TEST_DB_URL=mysql://user:password@host:port), runs the migrations and returns a connection with
 * every model, the URL, the `[database]` settings and `drop()`. Call `drop()` in `after`/`afterEach`.
 *
 *   let db: TestDatabase;
 *   before(async () => { db = await createTestDatabase(); });
 *   after(async () => { await db.drop(); });
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Sequelize } from 'sequelize';
import { defaultConfig } from '../../shared/config/index.js';
import { openDatabase, type DatabaseSettings } from '../../controller/db/connection.js';
import { runMigrations } from '../../controller/db/migrate.js';
import type { TroveModels } from '../../controller/db/models/index.js';

/** A database created for one test file or test. */
export interface TestDatabase {
  /** `trove_test_<random>`. */
  name: string;
  /** `mysql://root@127.0.0.1:3306/trove_test_<random>?charset=utf8`, usable as `[database] connection`. */
  url: string;
  /** The `[database]` section pointing at this database (defaults otherwise, 1 s retry interval). */
  settings: DatabaseSettings;
  sequelize: Sequelize;
  models: TroveModels;
  /** Closes the pool and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

/** Options to configure `createTestDatabase`. */
export interface TestDatabaseOptions {
  /** Run the migrations before returning. @default true */
  migrate?: boolean;
  /** Largest pool size. @default 10 */
  maxPoolSize?: number;
}

/** The server URL without a database, from TROVE_TEST_DB_URL or the default local root account. */
export function testServerUrl(): string {
  return (process.env['TROVE_TEST_DB_URL'] ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
}

/** Opens an administrative connection to the test server (no database selected). */
export async function adminConnection(): Promise<Connection> {
  const url = new URL(testServerUrl());
  return createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
}

/** A fresh database name, `trove_test_` plus 12 random hex characters. */
export function testDatabaseName(): string {
  return `trove_test_${randomBytes(6).toString('hex')}`;
}

/** Creates `trove_test_<random>`, migrates it (unless told not to) and connects to it. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = testDatabaseName();
  const admin = await adminConnection();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await admin.end();
  }
  const url = `${testServerUrl()}/${name}?charset=utf8`;
  const settings: DatabaseSettings = {
    ...defaultConfig().database,
    connection: url,
    max_retries: 0,
    retry_interval: 1,
    max_pool_size: options.maxPoolSize ?? 10,
  };
  let dropped = false;
  const dropDatabase = async () => {
    const cleanup = await adminConnection();
    try {
      await cleanup.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await cleanup.end();
    }
  };
  let database;
  try {
    database = await openDatabase(settings);
    if (options.migrate ?? true) await runMigrations(database.sequelize);
  } catch (error) {
    await database?.close().catch(() => undefined);
    await dropDatabase();
    throw error;
  }
  const open = database;
  return {
    name,
    url,
    settings,
    sequelize: open.sequelize,
    models: open.models,
    async drop() {
      if (dropped) return;
      dropped = true;
      await open.close().catch(() => undefined);
      await dropDatabase();
    },
  };
}
