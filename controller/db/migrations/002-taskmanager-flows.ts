/**
 * 002: the taskmanager's flow journal and the instance addresses the API shows.
 *
 * `taskmanager_flows` records every provisioning flow (create, delete, resize, ...) as a sequence of steps:
 * which step it is at, how often that step was tried, the last error, and a lease naming the taskmanager that
 * runs it. A taskmanager that dies mid-flow leaves its lease to expire; the next one resumes the flow at its
 * recorded step. `message_id` (the cast's `_unique_id`) makes a redelivered cast find its flow instead of
 * starting a second one.
 *
 * `instances.addresses` holds the addresses the taskmanager learnt from the compute backend (JSON list of
 * `{address, type, network}`), so the API never asks the backend per request. Stock Trove ignores the column.
 */
import { QueryTypes } from 'sequelize';
import { createTableSql, type Migration, type MigrationContext, type TableSpec } from './types.js';

/** The flow journal table. */
export const TASKMANAGER_FLOWS_TABLE: TableSpec = {
  name: 'taskmanager_flows',
  columns: [
    ['id', 'VARCHAR(36) NOT NULL'],
    ['instance_id', 'VARCHAR(36) NOT NULL'],
    ['kind', 'VARCHAR(32) NOT NULL'],
    ['step', 'VARCHAR(64) NOT NULL'],
    ['state', 'VARCHAR(16) NOT NULL'],
    ['attempts', 'INT NOT NULL DEFAULT 0'],
    ['last_error', 'TEXT NULL'],
    ['args', 'MEDIUMTEXT NULL'],
    ['data', 'TEXT NULL'],
    ['message_id', 'VARCHAR(64) NULL'],
    ['request_id', 'VARCHAR(128) NULL'],
    ['owner', 'VARCHAR(255) NULL'],
    ['lease_expires_at', 'DATETIME(3) NULL'],
    ['created_at', 'DATETIME(3) NOT NULL'],
    ['updated_at', 'DATETIME(3) NOT NULL'],
    ['finished_at', 'DATETIME(3) NULL'],
  ],
  keys: [
    'PRIMARY KEY (`id`)',
    'UNIQUE KEY `uq_taskmanager_flows_message_id` (`message_id`)',
    'KEY `ix_taskmanager_flows_instance_state` (`instance_id`, `state`)',
    'KEY `ix_taskmanager_flows_state_lease` (`state`, `lease_expires_at`)',
  ],
};

async function hasColumn(context: MigrationContext, table: string, column: string): Promise<boolean> {
  const rows = await context.sequelize.query<{ n: number }>(
    'SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
    { replacements: [table, column], type: QueryTypes.SELECT },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

export const migration002: Migration = {
  name: '002-taskmanager-flows',
  async up(context: MigrationContext): Promise<void> {
    await context.sequelize.query(createTableSql(TASKMANAGER_FLOWS_TABLE));
    if (!(await hasColumn(context, 'instances', 'addresses'))) {
      await context.sequelize.query('ALTER TABLE `instances` ADD COLUMN `addresses` TEXT NULL');
    }
  },
};
