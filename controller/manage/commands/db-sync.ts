/**
 * `db_sync` and `db_upgrade`: apply pending schema migrations, one progress line each. Trove's
 * `--repo_path` is accepted and ignored (the migrations are built in); `db_upgrade --version N` stops after
 * migration N (its number or full name).
 */
import { MIGRATIONS, runMigrations } from '../../db/migrate.js';
import { usageError, type ManageRuntime } from '../runtime.js';
import type { ManageCommandRegistration } from './types.js';

function targetMigration(version: string): string {
  const byName = MIGRATIONS.find((migration) => migration.name === version);
  if (byName) return byName.name;
  if (/^\d+$/.test(version)) {
    const prefix = `${version.padStart(3, '0')}-`;
    const byNumber = MIGRATIONS.find((migration) => migration.name.startsWith(prefix));
    if (byNumber) return byNumber.name;
  }
  throw usageError(`unknown migration version '${version}'; known: ${MIGRATIONS.map((migration) => migration.name).join(', ')}`);
}

async function sync(runtime: ManageRuntime, options: { repo_path?: string; version?: string }): Promise<void> {
  if (options.repo_path !== undefined) runtime.warn('--repo_path is ignored: trove-ts migrations are built in');
  const to = options.version === undefined ? undefined : targetMigration(options.version);
  const database = await runtime.database();
  runtime.say(`Migrating ${database.description}`);
  await runMigrations(database.sequelize, { onProgress: (line) => runtime.say(line), ...(to ? { to } : {}) });
}

export const registerDbSync: ManageCommandRegistration = (program, runtime) => {
  program
    .command('db_sync')
    .description('populate or upgrade the database structure (applies every pending migration)')
    .option('--repo_path <path>', 'accepted for compatibility with Trove; ignored')
    .action(runtime.action((options: { repo_path?: string }) => sync(runtime, options)));
  program
    .command('db_upgrade')
    .description('upgrade the database to the given migration (default: the latest)')
    .option('--version <version>', 'target migration: its number (1) or name (001-trove-schema)')
    .option('--repo_path <path>', 'accepted for compatibility with Trove; ignored')
    .action(runtime.action((options: { repo_path?: string; version?: string }) => sync(runtime, options)));
};
