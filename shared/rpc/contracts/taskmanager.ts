/**
 * The taskmanager's RPC surface (reference §3.3): casts from the API on topic `taskmanager`, sealed with
 * `taskmanager_rpc_encr_key`. Each handler records its flow's progress in the database, so a restarted
 * taskmanager resumes or fails it.
 *
 * Version history:
 * - 1.0: Trove's surface.
 * - 1.0 (trove-ts additions, ignored by stock Trove): attach_configuration, detach_configuration,
 *   update_overrides, reset_status.
 */
import { t } from '../../schema/index.js';
import { cast, defineContract } from '../contract.js';
import { looseObject, overrides, serializedSchema, serializedUser } from './common.js';

const instanceId = t.string({ minLength: 1, maxLength: 64 });
const byInstance = t.object({ instance_id: instanceId });

export const taskManagerContract = defineContract('taskmanager', '1.0', {
  createInstance: cast(t.object({
    instance_id: t.union([instanceId, t.array(instanceId)]),
    name: t.string(),
    flavor: looseObject,
    image_id: t.optional(t.nullable(t.string())),
    databases: t.optional(t.nullable(t.array(serializedSchema))),
    users: t.optional(t.nullable(t.array(serializedUser))),
    datastore_manager: t.string(),
    packages: t.optional(t.nullable(t.union([t.string(), t.array(t.string())]))),
    volume_size: t.optional(t.nullable(t.integer())),
    backup_id: t.optional(t.nullable(t.string())),
    availability_zone: t.optional(t.nullable(t.string())),
    root_password: t.optional(t.nullable(t.string())),
    nics: t.optional(t.nullable(t.array(looseObject))),
    overrides: t.optional(t.nullable(overrides)),
    slave_of_id: t.optional(t.nullable(t.string())),
    cluster_config: t.optional(t.nullable(looseObject)),
    volume_type: t.optional(t.nullable(t.string())),
    modules: t.optional(t.nullable(t.array(looseObject))),
    locality: t.optional(t.nullable(t.string())),
    access: t.optional(t.nullable(looseObject)),
    ds_version: t.optional(t.nullable(t.string())),
  })),
  deleteInstance: cast(byInstance),
  resizeVolume: cast(t.object({ instance_id: instanceId, new_size: t.integer({ minimum: 1 }) })),
  resizeFlavor: cast(t.object({ instance_id: instanceId, old_flavor: looseObject, new_flavor: looseObject })),
  reboot: cast(byInstance),
  restart: cast(byInstance),
  detachReplica: cast(byInstance),
  promoteToReplicaSource: cast(byInstance),
  ejectReplicaSource: cast(byInstance),
  migrate: cast(t.object({ instance_id: instanceId, host: t.optional(t.nullable(t.string())) })),
  rebuild: cast(t.object({ instance_id: instanceId, image_id: t.string() })),
  updateAccess: cast(t.object({ instance_id: instanceId, access: looseObject })),
  upgrade: cast(t.object({ instance_id: instanceId, datastore_version_id: t.string() })),
  createBackup: cast(t.object({ instance_id: instanceId, backup_info: looseObject })),
  deleteBackup: cast(t.object({ backup_id: t.string() })),
  createCluster: cast(t.object({ cluster_id: t.string() })),
  deleteCluster: cast(t.object({ cluster_id: t.string() })),
  restartCluster: cast(t.object({ cluster_id: t.string() })),
  growCluster: cast(t.object({ cluster_id: t.string(), new_instance_ids: t.array(t.string()) })),
  shrinkCluster: cast(t.object({ cluster_id: t.string(), instance_ids: t.array(t.string()) })),
  upgradeCluster: cast(t.object({ cluster_id: t.string(), datastore_version_id: t.string() })),
  reapplyModule: cast(t.object({
    module_id: t.string(),
    md5: t.string(),
    include_clustered: t.optional(t.boolean()),
    batch_size: t.optional(t.integer()),
    batch_delay: t.optional(t.integer()),
    force: t.optional(t.boolean()),
  })),
  attachConfiguration: cast(t.object({ instance_id: instanceId, configuration_id: t.string() })),
  detachConfiguration: cast(byInstance),
  updateOverrides: cast(t.object({ instance_id: instanceId, overrides })),
});

export type TaskManagerContract = typeof taskManagerContract;
