/**
 * The conductor's RPC surface (reference §3.4): casts from guests on topic `trove-conductor`. Guests seal
 * them with their own instance key, so the conductor knows which instance sent each message and refuses a
 * message whose `instance_id` argument names another instance.
 *
 * Version history:
 * - 1.0: Trove's surface.
 */
import { t } from '../../schema/index.js';
import { cast, defineContract } from '../contract.js';
import { looseObject } from './common.js';

const instanceId = t.string({ minLength: 1, maxLength: 64 });

export const conductorContract = defineContract('conductor', '1.0', {
  heartbeat: cast(t.object({
    instance_id: instanceId,
    payload: t.object({ service_status: t.string() }, { additionalProperties: true }),
    sent: t.optional(t.nullable(t.number())),
  })),
  updateBackup: cast(t.object({
    instance_id: instanceId,
    backup_id: t.string(),
    sent: t.optional(t.nullable(t.number())),
    size: t.optional(t.nullable(t.number())),
    state: t.optional(t.string()),
    backup_type: t.optional(t.nullable(t.string())),
    checksum: t.optional(t.nullable(t.string())),
    location: t.optional(t.nullable(t.string())),
    success: t.optional(t.boolean()),
  }, { additionalProperties: true })),
  reportRoot: cast(t.object({ instance_id: instanceId, user: t.optional(t.nullable(t.string())) })),
  notifyEnd: cast(t.object({ serialized_notification: looseObject, notification_args: t.optional(looseObject) }, { additionalProperties: true })),
  notifyExcInfo: cast(t.object({
    serialized_notification: looseObject,
    message: t.optional(t.nullable(t.string())),
    exception: t.optional(t.unknown()),
  }, { additionalProperties: true })),
});

export type ConductorContract = typeof conductorContract;
