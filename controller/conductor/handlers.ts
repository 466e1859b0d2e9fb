/**
 * The conductor's RPC handlers (reference §3.4). Every method first checks who is speaking: with secure
 * messaging on, the RPC layer has authenticated the sender by its instance key (`RpcContext.instanceId`), and
 * a message that names another instance (in `instance_id` or in its notification) is refused: dropped,
 * counted and logged without its contents. Handlers return normally for every message they decide to drop,
 * so the message is settled and not redelivered; they throw only for failures worth a retry (database down).
 */
import type { Logger } from '../../shared/logging/index.js';
import { serviceStatusFromDescription } from '../../shared/models/index.js';
import type { ConductorContract, RpcContext, RpcHandlers, RpcMetrics } from '../../shared/rpc/index.js';
import { BACKUP_COLUMNS, type BackupFields, type GuestRecords } from './guest-records.js';
import type { HeartbeatBatcher } from './heartbeat-batcher.js';
import type { ConductorMetrics, MessageOutcome } from './metrics.js';
import { faultText, notificationEventType } from './notifications.js';

/** Dependencies of the handlers. */
export interface ConductorHandlerOptions {
  batcher: HeartbeatBatcher;
  records: GuestRecords;
  /** `enable_secure_rpc_messaging`: when on, every message must come from the instance it names. */
  secure: boolean;
  metrics: ConductorMetrics;
  /** The RPC layer's counters: refusals are counted there too, as `wrong_instance` or `unsealed`. */
  rpcMetrics: RpcMetrics;
  /** The topic served, for the RPC counters. */
  topic: string;
  logger: Logger;
}

/** Backup states Trove knows (`trove/backup/state.py`). */
export const BACKUP_STATES: ReadonlySet<string> = new Set(['NEW', 'BUILDING', 'SAVING', 'COMPLETED', 'FAILED', 'RESTORED', 'DELETE_FAILED']);

const COLUMN_LIMITS: Record<Exclude<(typeof BACKUP_COLUMNS)[number], 'size' | 'state'>, number> = { checksum: 32, location: 1024, backup_type: 32 };

/**
 * The backup columns an `update_backup` sets, or the names of the fields whose values are invalid. Fields
 * other than Trove's columns (`success`, anything unknown) are ignored.
 */
export function backupFieldsFrom(args: Record<string, unknown>): { ok: true; fields: BackupFields } | { ok: false; invalid: string[] } {
  const fields: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const column of BACKUP_COLUMNS) {
    if (!(column in args) || args[column] === undefined) continue;
    const value = args[column];
    if (column === 'state') {
      if (typeof value === 'string' && BACKUP_STATES.has(value)) fields[column] = value;
      else invalid.push(column);
    } else if (column === 'size') {
      if (value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0)) fields[column] = value;
      else invalid.push(column);
    } else if (value === null || (typeof value === 'string' && value.length <= COLUMN_LIMITS[column])) {
      fields[column] = value;
    } else {
      invalid.push(column);
    }
  }
  return invalid.length === 0 ? { ok: true, fields: fields as BackupFields } : { ok: false, invalid };
}

const SECRET_NAME = /pass|token|secret|key|credential|auth/i;

/** A notification payload fit for a log line: scalars and short lists, no secrets, bounded size. */
export function loggablePayload(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value).slice(0, 50)) {
    if (SECRET_NAME.test(name) || name === 'notification_classname') continue;
    if (item === null || typeof item === 'number' || typeof item === 'boolean') out[name] = item;
    else if (typeof item === 'string') out[name] = item.length > 256 ? `${item.slice(0, 253)}...` : item;
    else if (Array.isArray(item)) out[name] = item.slice(0, 20).filter((element) => ['string', 'number', 'boolean'].includes(typeof element));
    else if (typeof item === 'object' && depth < 1) out[name] = loggablePayload(item as Record<string, unknown>, depth + 1);
  }
  return out;
}

function stringOrNull(value: unknown, maxLength: number): string | null {
  return typeof value === 'string' && value !== '' && value.length <= maxLength ? value : null;
}

/** Builds the handler table for `serveRpc(conductorContract, ...)`. */
export function createConductorHandlers(options: ConductorHandlerOptions): RpcHandlers<ConductorContract> {
  const { batcher, records, metrics, logger } = options;

  function count(method: string, outcome: MessageOutcome): void {
    metrics.messages.inc({ method, outcome });
  }

  /** True when the message may act for `claimed`; otherwise it is refused and counted. */
  function senderMayActFor(method: string, claimed: string, context: RpcContext): boolean {
    if (!options.secure) return true;
    if (context.instanceId !== undefined && context.instanceId === claimed) return true;
    const reason = context.instanceId === undefined ? 'unsealed' : 'wrong_instance';
    options.rpcMetrics.rejected.inc({ topic: options.topic, reason });
    if (method === 'heartbeat') metrics.heartbeats.inc({ outcome: 'rejected' });
    else count(method, 'rejected');
    logger.warn({ method, reason, sender: context.instanceId, claimed, uniqueId: context.uniqueId }, 'refused a guest message naming another instance than its sender');
    return false;
  }

  return {
    async heartbeat(args, context) {
      if (!senderMayActFor('heartbeat', args.instance_id, context)) return;
      const description = args.payload.service_status;
      const status = serviceStatusFromDescription(description);
      if (status === undefined) {
        metrics.heartbeats.inc({ outcome: 'unknown_status' });
        logger.warn({ instanceId: args.instance_id, serviceStatus: description.slice(0, 64) }, 'heartbeat with an unknown service status dropped');
        return;
      }
      await batcher.submit({ instanceId: args.instance_id, status, sent: args.sent ?? null });
    },

    async updateBackup(args, context) {
      if (!senderMayActFor('update_backup', args.instance_id, context)) return;
      const parsed = backupFieldsFrom(args as Record<string, unknown>);
      if (!parsed.ok) {
        count('update_backup', 'invalid');
        logger.warn({ instanceId: args.instance_id, backupId: args.backup_id, invalid: parsed.invalid }, 'update_backup with invalid field values dropped');
        return;
      }
      const result = await records.updateBackup({ instanceId: args.instance_id, backupId: args.backup_id, sent: args.sent ?? null, fields: parsed.fields });
      const log = { instanceId: args.instance_id, backupId: args.backup_id, state: parsed.fields.state };
      if (result === 'applied') {
        count('update_backup', 'applied');
        logger.info(log, 'backup progress recorded');
      } else if (result === 'stale') {
        count('update_backup', 'stale');
        logger.info(log, 'update_backup older than the last one seen; discarded');
      } else {
        count('update_backup', 'ignored');
        logger.warn({ ...log, reason: result }, 'update_backup for a backup that is not this instance\'s; dropped');
      }
    },

    async reportRoot(args, context) {
      if (!senderMayActFor('report_root', args.instance_id, context)) return;
      const user = stringOrNull(args.user, 255) ?? stringOrNull(context.values['user_id'], 255) ?? stringOrNull(context.values['user'], 255);
      const inserted = await records.reportRoot(args.instance_id, user);
      count('report_root', inserted ? 'applied' : 'ignored');
      logger.info({ instanceId: args.instance_id, recorded: inserted }, 'root enabled reported');
    },

    async notifyEnd(args, context) {
      const notification = args.serialized_notification;
      const instanceId = typeof notification['instance_id'] === 'string' ? notification['instance_id'] : undefined;
      if (instanceId !== undefined && !senderMayActFor('notify_end', instanceId, context)) return;
      const eventType = notificationEventType(notification['notification_classname']);
      if (eventType === undefined) {
        count('notify_end', 'invalid');
        logger.warn({ sender: context.instanceId }, 'notify_end with an unknown notification class dropped');
        return;
      }
      count('notify_end', 'applied');
      logger.info(
        { notification: { event_type: `dbaas.${eventType}.end`, sender: context.instanceId, payload: loggablePayload({ ...notification, ...(args.notification_args ?? {}) }) } },
        `dbaas.${eventType}.end`,
      );
    },

    async notifyExcInfo(args, context) {
      const notification = args.serialized_notification;
      const instanceId = typeof notification['instance_id'] === 'string' ? notification['instance_id'] : context.instanceId;
      if (instanceId === undefined) {
        count('notify_exc_info', 'invalid');
        logger.warn('notify_exc_info naming no instance dropped');
        return;
      }
      if (!senderMayActFor('notify_exc_info', instanceId, context)) return;
      const eventType = notificationEventType(notification['notification_classname']) ?? 'unknown';
      const fault = faultText(args.message, args.exception, notification['server_type']);
      const recorded = await records.recordFault(instanceId, fault.message, fault.details);
      count('notify_exc_info', recorded ? 'applied' : 'ignored');
      logger.error(
        {
          notification: { event_type: `dbaas.${eventType}.error`, sender: context.instanceId, payload: loggablePayload(notification) },
          instanceId,
          fault: { message: fault.message, details: fault.details.slice(0, 4000) },
          recorded,
        },
        `dbaas.${eventType}.error`,
      );
    },
  };
}
