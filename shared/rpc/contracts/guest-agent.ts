/**
 * The guest agent's RPC surface (reference §3.2), served on topic `guestagent.<instance id>`. Callers are the
 * API (low-timeout reads and user/database work) and the taskmanager (prepare, restarts, resizes, upgrades).
 *
 * Version history:
 * - 1.0: Trove's original surface.
 * - 1.1: prepare and start_db_with_conf_changes take `ds_version`; stop_db drops `do_not_start_on_reboot`;
 *        resize_fs takes `online`.
 *
 * When adding a method or an optional argument, bump `version` and add a line here; never change an existing
 * signature (a stock Trove controller may be the caller).
 */
import { t } from '../../schema/index.js';
import { call, cast, defineContract } from '../contract.js';
import { looseObject, nothing, overrides, serializedSchema, serializedUser } from './common.js';

const pageArgs = t.object({
  limit: t.optional(t.nullable(t.integer({ minimum: 1 }))),
  marker: t.optional(t.nullable(t.string())),
  include_marker: t.optional(t.boolean()),
});
const userRef = { username: t.string({ minLength: 1 }), hostname: t.optional(t.nullable(t.string())) };

export const filesystemStats = t.object(
  {
    block_size: t.integer(),
    total_blocks: t.integer(),
    free_blocks: t.integer(),
    total: t.number(),
    free: t.number(),
    used: t.number(),
  },
  { additionalProperties: true },
);

export const guestAgentContract = defineContract('guestagent', '1.1', {
  prepare: cast(
    t.object({
      packages: t.optional(t.nullable(t.union([t.array(t.string()), t.string()]))),
      databases: t.optional(t.nullable(t.array(serializedSchema))),
      memory_mb: t.optional(t.nullable(t.number())),
      users: t.optional(t.nullable(t.array(serializedUser))),
      device_path: t.optional(t.nullable(t.string())),
      mount_point: t.optional(t.nullable(t.string())),
      backup_info: t.optional(t.nullable(looseObject)),
      config_contents: t.optional(t.nullable(t.string())),
      root_password: t.optional(t.nullable(t.string())),
      overrides: t.optional(t.nullable(overrides)),
      cluster_config: t.optional(t.nullable(looseObject)),
      snapshot: t.optional(t.nullable(looseObject)),
      modules: t.optional(t.nullable(t.array(looseObject))),
      ds_version: t.optional(t.nullable(t.string())),
    }),
    { version: '1.1' },
  ),
  rebuild: cast(t.object({
    ds_version: t.optional(t.nullable(t.string())),
    config_contents: t.optional(t.nullable(t.string())),
    config_overrides: t.optional(t.nullable(overrides)),
  })),
  createBackup: cast(t.object({ backup_info: looseObject })),
  createUser: cast(t.object({ users: t.array(serializedUser) })),
  deleteUser: cast(t.object({ user: serializedUser })),
  changePasswords: cast(t.object({ users: t.array(serializedUser) })),
  updateAttributes: cast(t.object({
    ...userRef,
    user_attrs: t.object({
      name: t.optional(t.nullable(t.string())),
      password: t.optional(t.nullable(t.string())),
      host: t.optional(t.nullable(t.string())),
    }, { additionalProperties: true }),
  })),
  createDatabase: cast(t.object({ databases: t.array(serializedSchema) })),
  deleteDatabase: cast(t.object({ database: serializedSchema })),
  upgrade: cast(t.object({ upgrade_info: looseObject })),
  attachReplicationSlave: cast(t.object({ snapshot: looseObject, slave_config: t.optional(t.nullable(looseObject)) })),

  getUser: call(t.object(userRef), t.nullable(serializedUser), { timeout: 'low' }),
  listAccess: call(t.object(userRef), t.array(serializedSchema), { timeout: 'low' }),
  grantAccess: call(t.object({ ...userRef, databases: t.array(t.string()) }), nothing, { timeout: 'low' }),
  revokeAccess: call(t.object({ ...userRef, database: t.string() }), nothing, { timeout: 'low' }),
  listUsers: call(pageArgs, t.tuple([t.array(serializedUser), t.nullable(t.string())]), { timeout: 'high' }),
  listDatabases: call(pageArgs, t.tuple([t.array(serializedSchema), t.nullable(t.string())]), { timeout: 'low' }),
  getRootPassword: call(t.object({}), t.nullable(t.string()), { timeout: 'high' }),
  enableRoot: call(t.object({}), serializedUser, { timeout: 'high' }),
  enableRootWithPassword: call(t.object({ root_password: t.optional(t.nullable(t.string())) }), serializedUser, { timeout: 'high' }),
  disableRoot: call(t.object({}), nothing, { timeout: 'low' }),
  isRootEnabled: call(t.object({}), t.boolean(), { timeout: 'low' }),
  getHwinfo: call(t.object({}), looseObject, { timeout: 'low' }),
  getDiagnostics: call(t.object({}), looseObject, { timeout: 'low' }),
  rpcPing: call(t.object({}), t.boolean(), { timeout: 'low' }),
  preUpgrade: call(t.object({}), looseObject, { timeout: 'high' }),
  postUpgrade: call(t.object({ upgrade_info: looseObject }), nothing, { timeout: 'high' }),
  restart: call(t.object({}), nothing, { timeout: 'high' }),
  startDbWithConfChanges: call(
    t.object({ config_contents: t.nullable(t.string()), ds_version: t.optional(t.nullable(t.string())) }),
    nothing,
    { timeout: 'high', version: '1.1' },
  ),
  resetConfiguration: call(t.object({ configuration: t.object({ config_contents: t.nullable(t.string()) }, { additionalProperties: true }) }), nothing, { timeout: 'high' }),
  stopDb: call(t.object({ do_not_start_on_reboot: t.optional(t.boolean()) }), nothing, { timeout: 'low', version: '1.1' }),
  getFilesystemStats: call(t.object({ fs_path: t.optional(t.nullable(t.string())) }), filesystemStats, { timeout: 'low' }),
  updateGuest: call(t.object({}), nothing, { timeout: 'high' }),
  mountVolume: call(t.object({ device_path: t.optional(t.nullable(t.string())), mount_point: t.optional(t.nullable(t.string())) }), nothing, { timeout: 'low' }),
  unmountVolume: call(t.object({ device_path: t.optional(t.nullable(t.string())), mount_point: t.optional(t.nullable(t.string())) }), nothing, { timeout: 'low' }),
  resizeFs: call(
    t.object({ device_path: t.optional(t.nullable(t.string())), mount_point: t.optional(t.nullable(t.string())), online: t.optional(t.boolean()) }),
    nothing,
    { timeout: 'high', version: '1.1' },
  ),
  updateOverrides: call(t.object({ overrides, remove: t.optional(t.boolean()) }), nothing, { timeout: 'high' }),
  applyOverrides: call(t.object({ overrides }), nothing, { timeout: 'high' }),
  backupRequiredForReplication: call(t.object({}), t.boolean(), { timeout: 'low' }),
  getReplicationSnapshot: call(
    t.object({ snapshot_info: looseObject, replica_source_config: t.optional(t.nullable(t.string())) }),
    looseObject,
    { timeout: 'snapshot' },
  ),
  detachReplica: call(t.object({ for_failover: t.optional(t.boolean()) }), t.nullable(looseObject), { timeout: 'high' }),
  getReplicaContext: call(t.object({}), looseObject, { timeout: 'high' }),
  attachReplica: call(t.object({ replica_info: looseObject, slave_config: t.optional(t.nullable(t.string())), restart: t.optional(t.boolean()) }), nothing, { timeout: 'high' }),
  makeReadOnly: call(t.object({ read_only: t.boolean() }), nothing, { timeout: 'high' }),
  enableAsMaster: call(t.object({ replica_source_config: t.optional(t.nullable(t.string())) }), nothing, { timeout: 'high' }),
  getTxnCount: call(t.object({}), t.integer(), { timeout: 'high' }),
  getLastTxn: call(t.object({}), t.unknown(), { timeout: 'high' }),
  getLatestTxnId: call(t.object({}), t.unknown(), { timeout: 'high' }),
  waitForTxn: call(t.object({ txn: t.unknown() }), nothing, { timeout: 'high' }),
  cleanupSourceOnReplicaDetach: call(t.object({ replica_info: looseObject }), nothing, { timeout: 'high' }),
  demoteReplicationMaster: call(t.object({}), nothing, { timeout: 'high' }),
  guestLogList: call(t.object({}), t.array(looseObject), { timeout: 'high' }),
  guestLogAction: call(
    t.object({
      log_name: t.string(),
      enable: t.optional(t.boolean()),
      disable: t.optional(t.boolean()),
      publish: t.optional(t.boolean()),
      discard: t.optional(t.boolean()),
    }),
    looseObject,
    { timeout: 'high' },
  ),
  moduleList: call(t.object({ include_contents: t.optional(t.boolean()) }), t.array(looseObject), { timeout: 'high' }),
  moduleApply: call(t.object({ modules: t.array(looseObject) }), t.array(looseObject), { timeout: 'high' }),
  moduleRemove: call(t.object({ module: looseObject }), nothing, { timeout: 'high' }),
});

export type GuestAgentContract = typeof guestAgentContract;

/** The topic a guest serves. */
export function guestTopic(instanceId: string): string {
  return `guestagent.${instanceId}`;
}
