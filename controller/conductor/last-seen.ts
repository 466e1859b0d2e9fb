/**
 * Trove's stale-message rule (`Manager._message_too_old`, reference §3.4), written down once. Guests stamp
 * each heartbeat and backup update with `sent` (float epoch seconds with microseconds); `conductor_lastseen`
 * keeps, per instance and method, the newest `sent` applied. A message is applied only when no time is
 * stored or the stored time is older than its own; a message without `sent` is always applied and leaves the
 * stored time alone. The check and the write of the new time happen in the transaction that applies the
 * message, so a crash before COMMIT leaves nothing behind and the redelivered message passes again.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/** The `method_name` values the conductor stores. */
export const LastSeenMethod = { HEARTBEAT: 'heartbeat', UPDATE_BACKUP: 'update_backup' } as const;
export type LastSeenMethod = (typeof LastSeenMethod)[keyof typeof LastSeenMethod];

/**
 * True when a message sent at `sent` must be dropped because the stored time is at least as new. A missing
 * `sent` is never too old; a missing or null stored time accepts any message.
 */
export function isTooOld(stored: number | null | undefined, sent: number | null | undefined): boolean {
  if (sent === null || sent === undefined) return false;
  if (stored === null || stored === undefined) return false;
  return !(stored < sent);
}

/**
 * The tail of a multi-row `INSERT INTO conductor_lastseen ... VALUES ...`: never moves a stored time
 * backwards, even when two conductors race to record an instance's first message.
 */
export const LAST_SEEN_UPSERT_TAIL = 'ON DUPLICATE KEY UPDATE sent = IF(sent IS NULL OR sent < VALUES(sent), VALUES(sent), sent)';

/**
 * Applies the rule to one message inside `transaction`: locks the stored row, decides, and stores `sent`
 * when the message passes. Returns false when the message is too old.
 */
export async function claimLastSeen(
  sequelize: Sequelize,
  transaction: Transaction,
  instanceId: string,
  method: LastSeenMethod,
  sent: number | null | undefined,
): Promise<boolean> {
  if (sent === null || sent === undefined) return true;
  const rows = await sequelize.query<{ sent: number | null }>(
    'SELECT sent FROM conductor_lastseen WHERE instance_id = ? AND method_name = ? FOR UPDATE',
    { replacements: [instanceId, method], type: QueryTypes.SELECT, transaction },
  );
  if (isTooOld(rows[0]?.sent, sent)) return false;
  await sequelize.query(`INSERT INTO conductor_lastseen (instance_id, method_name, sent) VALUES (?, ?, ?) ${LAST_SEEN_UPSERT_TAIL}`, {
    replacements: [instanceId, method, sent],
    transaction,
  });
  return true;
}
