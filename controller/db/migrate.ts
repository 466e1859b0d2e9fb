/**
 * Schema migrations with umzug v3, recorded in the `trove_ts_migrations` table. `runMigrations` applies
 * the pending ones in name order under a database-wide advisory lock (two controllers starting at once do
 * not race) and reports one progress line per migration; running it again is a no-op.
 *
 * Adding a migration: write `migrations/NNN-what.ts` exporting a `Migration`, then add it to `MIGRATIONS`.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Umzug } from 'umzug';
import { ErrorCode, TroveError } from '../../shared/errors/index.js';
import { migration001 } from './migrations/001-trove-schema.js';
import { migration002 } from './migrations/002-taskmanager-flows.js';
import type { Migration, MigrationContext } from './migrations/types.js';

/** Every migration, in the order they run. Append new ones; never reorder, rename or remove. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002];

/** The table umzug records applied migrations in. */
export const MIGRATIONS_TABLE = 'trove_ts_migrations';

/** Seconds `runMigrations` waits for another process's migration run to finish. */
const LOCK_TIMEOUT_SECONDS = 600;

/** One applied migration. */
export interface AppliedMigration {
  name: string;
  durationMs: number;
}

/** Options to configure `runMigrations`. */
export interface RunMigrationsOptions {
  /** Receives one human line per event (starting, each migration with its timing). */
  onProgress?: (line: string) => void;
  /** @default MIGRATIONS */
  migrations?: readonly Migration[];
  /** Stop after this migration (by name) instead of applying every pending one. */
  to?: string;
}

/** What a run did. */
export interface MigrationRun {
  applied: AppliedMigration[];
  /** Migrations that were already applied before this run. */
  alreadyApplied: number;
}

/** An umzug over `sequelize` with the project's storage; no logging (progress comes from events). */
export async function createMigrator(sequelize: Sequelize, migrations: readonly Migration[] = MIGRATIONS): Promise<Umzug<MigrationContext>> {
  // Loaded on demand: umzug is only needed by db_sync, and loading it costs every process start-up time.
  const { SequelizeStorage, Umzug } = await import('umzug');
  return new Umzug<MigrationContext>({
    migrations: migrations.map((migration) => ({ name: migration.name, up: ({ context }) => migration.up(context) })),
    context: { sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE, modelName: 'TroveTsMigration', timestamps: true }),
    logger: undefined,
  });
}

/** Names of the migrations not yet applied. */
export async function pendingMigrations(sequelize: Sequelize, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  return (await (await createMigrator(sequelize, migrations)).pending()).map((meta) => meta.name);
}

/**
 * Applies pending migrations. Needs a pool of at least two connections: one holds the lock.
 * @throws TroveError SERVICE_UNAVAILABLE when another run holds the lock for too long
 * @throws Error from the failing migration (already applied ones stay recorded)
 */
export async function runMigrations(sequelize: Sequelize, options: RunMigrationsOptions = {}): Promise<MigrationRun> {
  const progress = options.onProgress ?? (() => undefined);
  const migrations = options.migrations ?? MIGRATIONS;
  return sequelize.transaction(async (transaction) => {
    // The lock is held by the transaction's connection; the migrations run on other pool connections.
    const lockName = "LEFT(CONCAT('trove-ts-migrate:', DATABASE()), 64)";
    const [lock] = await sequelize.query<{ acquired: number | null }>(`SELECT GET_LOCK(${lockName}, ?) AS acquired`, {
      replacements: [LOCK_TIMEOUT_SECONDS],
      type: QueryTypes.SELECT,
      transaction,
    });
    if (lock?.acquired !== 1) {
      throw new TroveError(ErrorCode.SERVICE_UNAVAILABLE, `Another process has been migrating this database for ${LOCK_TIMEOUT_SECONDS} s; try again later.`);
    }
    try {
      const migrator = await createMigrator(sequelize, migrations);
      const alreadyApplied = (await migrator.executed()).length;
      let pending = await migrator.pending();
      if (options.to !== undefined) {
        const last = pending.findIndex((meta) => meta.name === options.to);
        pending = last === -1 ? [] : pending.slice(0, last + 1);
      }
      if (pending.length === 0) {
        progress(`Database is up to date (${alreadyApplied} migration${alreadyApplied === 1 ? '' : 's'} applied).`);
        return { applied: [], alreadyApplied };
      }
      progress(`Applying ${pending.length} migration${pending.length === 1 ? '' : 's'}.`);
      const applied: AppliedMigration[] = [];
      let started = 0;
      migrator.on('migrating', () => {
        started = performance.now();
      });
      migrator.on('migrated', ({ name }) => {
        const durationMs = Math.round(performance.now() - started);
        applied.push({ name, durationMs });
        progress(`  ${name}: applied in ${durationMs} ms`);
      });
      await migrator.up(options.to === undefined ? {} : { to: options.to });
      progress(`Done: ${applied.length} applied, ${alreadyApplied + applied.length} in total.`);
      return { applied, alreadyApplied };
    } finally {
      await sequelize.query(`SELECT RELEASE_LOCK(${lockName})`, { type: QueryTypes.SELECT, transaction });
    }
  });
}

export type { Migration, MigrationContext } from './migrations/types.js';
