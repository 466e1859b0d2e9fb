/**
 * Applies a batch of heartbeats to the database in one transaction with a few set-based statements,
 * whatever the batch size:
 *
 *   1. SELECT the batch's `service_statuses` rows joined with their `conductor_lastseen` rows, FOR UPDATE;
 *   2. decide in memory (`planHeartbeatBatch`);
 *   3. one multi-row INSERT ... ON DUPLICATE KEY UPDATE of `conductor_lastseen`, which never moves a time
 *      backwards;
 *   4. one UPDATE of `service_statuses` per distinct reported status (usually one: `healthy`), setting the
 *      status and `updated_at`, guarded against RESTART_REQUIRED;
 *   5. COMMIT.
 *
 * Step 1 locks each instance's `service_statuses` row, so conductors handling the same instance at once are
 * serialized: the second one reads the last-seen time the first one committed. The transaction runs at READ
 * COMMITTED so that conductors working on different instances lock only their own rows (REPEATABLE READ
 * would also lock the gaps around last-seen rows that do not exist yet, and first heartbeats of unrelated
 * instances would deadlock). Rows are locked and written in instance-id order; when InnoDB still picks the
 * transaction as a deadlock victim (or a lock wait times out) the whole batch is retried with fresh reads.
 */
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { SERVICE_STATUS_INFO, type ServiceStatus } from '../../shared/models/index.js';
import { planHeartbeatBatch, type HeartbeatEntry, type PlannedOutcome, type StoredHeartbeatState } from './heartbeat-plan.js';
import { LAST_SEEN_UPSERT_TAIL, LastSeenMethod } from './last-seen.js';

/** Writes heartbeat batches; the port the batcher depends on. */
export interface HeartbeatStore {
  /**
   * Applies `entries` atomically and returns each one's fate, in input order.
   * @throws when the transaction failed; nothing of the batch was written
   */
  applyBatch(entries: readonly HeartbeatEntry[]): Promise<PlannedOutcome[]>;
}

/** Options to configure the SQL heartbeat store. */
export interface SqlHeartbeatStoreOptions {
  /** Attempts of a batch that hits a deadlock or lock wait timeout. @default 5 */
  maxAttempts?: number;
  /** Called before each retry. */
  onRetry?: (attempt: number, error: unknown) => void;
  /** The time written to `updated_at`. @default () => new Date() */
  now?: () => Date;
}

const RESTART_REQUIRED_CODE = SERVICE_STATUS_INFO.RESTART_REQUIRED.code;
const RETRYABLE_ERRNOS = new Set([1213, 1205]);

/** True for InnoDB's deadlock and lock-wait-timeout errors, which a retry with fresh reads resolves. */
export function isLockConflict(error: unknown): boolean {
  const original = (error as { original?: { errno?: number }; parent?: { errno?: number } } | null)?.original;
  return original?.errno !== undefined && RETRYABLE_ERRNOS.has(original.errno);
}

function placeholders(count: number, tuple: string): string {
  return new Array<string>(count).fill(tuple).join(', ');
}

/** The heartbeat store over the controller database. */
export function createSqlHeartbeatStore(sequelize: Sequelize, options: SqlHeartbeatStoreOptions = {}): HeartbeatStore {
  const maxAttempts = options.maxAttempts ?? 5;
  const now = options.now ?? (() => new Date());

  async function attempt(entries: readonly HeartbeatEntry[]): Promise<PlannedOutcome[]> {
    const ids = [...new Set(entries.map((entry) => entry.instanceId))].sort();
    return sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }, async (transaction) => {
      const rows = await sequelize.query<{ instance_id: string; status_id: number; sent: number | null }>(
        `SELECT s.instance_id, s.status_id, ls.sent FROM service_statuses s
           LEFT JOIN conductor_lastseen ls ON ls.instance_id = s.instance_id AND ls.method_name = ?
         WHERE s.instance_id IN (${placeholders(ids.length, '?')}) ORDER BY s.instance_id FOR UPDATE`,
        { replacements: [LastSeenMethod.HEARTBEAT, ...ids], type: QueryTypes.SELECT, transaction },
      );
      const stored = new Map<string, StoredHeartbeatState>();
      for (const row of rows) stored.set(row.instance_id, { statusCode: Number(row.status_id), lastSent: row.sent === null ? null : Number(row.sent) });
      const plan = planHeartbeatBatch(entries, stored);

      if (plan.lastSeen.size > 0) {
        const values: unknown[] = [];
        for (const instanceId of [...plan.lastSeen.keys()].sort()) values.push(instanceId, LastSeenMethod.HEARTBEAT, plan.lastSeen.get(instanceId));
        await sequelize.query(
          `INSERT INTO conductor_lastseen (instance_id, method_name, sent) VALUES ${placeholders(plan.lastSeen.size, '(?, ?, ?)')} ${LAST_SEEN_UPSERT_TAIL}`,
          { replacements: values, transaction },
        );
      }

      const byStatus = new Map<ServiceStatus, string[]>();
      for (const instanceId of [...plan.statusUpdates.keys()].sort()) {
        const status = plan.statusUpdates.get(instanceId) as ServiceStatus;
        const list = byStatus.get(status);
        if (list === undefined) byStatus.set(status, [instanceId]);
        else list.push(instanceId);
      }
      const stamp = now();
      for (const [status, instanceIds] of byStatus) {
        const info = SERVICE_STATUS_INFO[status];
        await sequelize.query(
          `UPDATE service_statuses SET status_id = ?, status_description = ?, updated_at = ?
           WHERE instance_id IN (${placeholders(instanceIds.length, '?')}) AND status_id <> ?`,
          { replacements: [info.code, info.description, stamp, ...instanceIds, RESTART_REQUIRED_CODE], transaction },
        );
      }
      return plan.outcomes;
    });
  }

  return {
    async applyBatch(entries) {
      if (entries.length === 0) return [];
      for (let attemptNo = 1; ; attemptNo++) {
        try {
          return await attempt(entries);
        } catch (error) {
          if (!isLockConflict(error) || attemptNo >= maxAttempts) throw error;
          options.onRetry?.(attemptNo, error);
          await new Promise((resolve) => setTimeout(resolve, 5 * attemptNo + Math.floor(Math.random() * 10)));
        }
      }
    },
  };
}
