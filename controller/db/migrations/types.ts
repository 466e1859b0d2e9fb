/** What every migration file exports, and what it receives when it runs. */
import type { Sequelize } from 'sequelize';

/** Passed to each migration's `up`. */
export interface MigrationContext {
  sequelize: Sequelize;
}

/** One schema migration. `name` orders migrations and is recorded in `trove_ts_migrations`; never rename it. */
export interface Migration {
  name: string;
  up(context: MigrationContext): Promise<void>;
}

/** A table as a migration creates it: column definitions and key/constraint clauses, in MySQL DDL. */
export interface TableSpec {
  name: string;
  columns: ReadonlyArray<readonly [column: string, definition: string]>;
  keys: readonly string[];
}

/** `CREATE TABLE IF NOT EXISTS` for `table`, InnoDB, utf8mb4. */
export function createTableSql(table: TableSpec): string {
  const lines = [...table.columns.map(([column, definition]) => `\`${column}\` ${definition}`), ...table.keys];
  return `CREATE TABLE IF NOT EXISTS \`${table.name}\` (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`;
}
