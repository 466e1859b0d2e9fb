/**
 * The conductor's writes other than heartbeats (reference §3.4): backup progress (`update_backup`), root
 * enablement (`report_root`) and instance faults (`notify_exc_info`). Each runs in its own transaction, so a
 * message whose handling fails leaves nothing behind and can be redelivered.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { LastSeenMethod, claimLastSeen } from './last-seen.js';

/** The backup columns a guest may set; every other field of `update_backup` is ignored (Trove: `success`). */
export interface BackupFields {
  state?: string;
  size?: number | null;
  checksum?: string | null;
  location?: string | null;
  backup_type?: string | null;
}

/** The columns `update_backup` may set, in the order they are written. */
export const BACKUP_COLUMNS = ['state', 'size', 'checksum', 'location', 'backup_type'] as const satisfies readonly (keyof BackupFields)[];

/** One `update_backup` message after validation. */
export interface BackupUpdate {
  instanceId: string;
  backupId: string;
  sent: number | null;
  fields: BackupFields;
}

/** What became of an `update_backup`. */
export type BackupUpdateResult = 'applied' | 'stale' | 'not_found' | 'other_instance';

/** The port the handlers write through. */
export interface GuestRecords {
  /** Applies backup progress unless stale; the backup must exist, be live and belong to the instance. */
  updateBackup(update: BackupUpdate): Promise<BackupUpdateResult>;
  /** Records that root was enabled, once per instance; false when it was already recorded. */
  reportRoot(instanceId: string, user: string | null): Promise<boolean>;
  /**
   * Stores the instance's fault (one row per instance, replaced by newer faults, as Trove does); false when the
   * instance does not exist or is deleted.
   */
  recordFault(instanceId: string, message: string, details: string): Promise<boolean>;
}

/** The guest-records port over the controller database. */
export function createSqlGuestRecords(sequelize: Sequelize, now: () => Date = () => new Date()): GuestRecords {
  return {
    async updateBackup(update) {
      return sequelize.transaction(async (transaction) => {
        const rows = await sequelize.query<{ instance_id: string | null }>(
          'SELECT instance_id FROM backups WHERE id = ? AND (deleted IS NULL OR deleted = 0) FOR UPDATE',
          { replacements: [update.backupId], type: QueryTypes.SELECT, transaction },
        );
        const row = rows[0];
        if (row === undefined) return 'not_found';
        if (row.instance_id !== update.instanceId) return 'other_instance';
        if (!(await claimLastSeen(sequelize, transaction, update.instanceId, LastSeenMethod.UPDATE_BACKUP, update.sent))) return 'stale';
        const columns = BACKUP_COLUMNS.filter((column) => update.fields[column] !== undefined);
        const assignments = [...columns.map((column) => `${column} = ?`), 'updated = ?'];
        await sequelize.query(`UPDATE backups SET ${assignments.join(', ')} WHERE id = ?`, {
          replacements: [...columns.map((column) => update.fields[column]), now(), update.backupId],
          transaction,
        });
        return 'applied';
      });
    },

    async reportRoot(instanceId, user) {
      const [, affected] = await sequelize.query('INSERT IGNORE INTO root_enabled_history (id, user, created) VALUES (?, ?, ?)', {
        replacements: [instanceId, user, now()],
        type: QueryTypes.INSERT,
      });
      return affected > 0;
    },

    async recordFault(instanceId, message, details) {
      return sequelize.transaction(async (transaction) => {
        const instances = await sequelize.query<{ id: string }>(
          'SELECT id FROM instances WHERE id = ? AND (deleted IS NULL OR deleted = 0) FOR UPDATE',
          { replacements: [instanceId], type: QueryTypes.SELECT, transaction },
        );
        if (instances.length === 0) return false;
        const stamp = now();
        const faults = await sequelize.query<{ id: string }>(
          'SELECT id FROM instance_faults WHERE instance_id = ? ORDER BY updated DESC LIMIT 1',
          { replacements: [instanceId], type: QueryTypes.SELECT, transaction },
        );
        const existing = faults[0];
        if (existing === undefined) {
          await sequelize.query(
            'INSERT INTO instance_faults (id, instance_id, message, details, created, updated, deleted) VALUES (UUID(), ?, ?, ?, ?, ?, 0)',
            { replacements: [instanceId, message, details, stamp, stamp], transaction },
          );
        } else {
          await sequelize.query('UPDATE instance_faults SET message = ?, details = ?, updated = ?, deleted = 0, deleted_at = NULL WHERE id = ?', {
            replacements: [message, details, stamp, existing.id],
            transaction,
          });
        }
        return true;
      });
    },
  };
}
