/**
 * The guest agent's RPC surface (reference §3.2): implements `RpcHandlers<GuestAgentContract>` by delegating
 * to the datastore driver, the volume manager and the status tracker. It knows no datastore; what a driver
 * cannot do answers `NotSupportedError` (DATASTORE_OPERATION_NOT_SUPPORTED), never a TypeError.
 *
 * Lifecycle operations (prepare, restart, stop, start with new configuration, upgrade) run one at a time.
 * Casts are delivered at least once: a cast whose input is invalid or names a missing object is logged and
 * settled (redelivering it cannot help); any other failure is rethrown so the messaging layer retries it.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { ErrorCode, NotSupportedError, TroveError, UnprocessableError, ValidationError } from '../shared/errors/index.js';
import type { Logger } from '../shared/logging/index.js';
import type { SerializedSchema, SerializedUser } from '../shared/models/index.js';
import type { GuestAgentContract, RpcHandlers } from '../shared/rpc/index.js';
import type { DatastoreDriver, OverrideValue, PrepareRequest } from './datastores/base/datastore-driver.js';
import type { StatusTracker } from './status.js';
import { filesystemStats, type VolumeManager } from './volume.js';

/** What the service delegates to. */
export interface GuestServiceDeps {
  driver: DatastoreDriver;
  status: StatusTracker;
  volume: VolumeManager;
  /** `[<datastore>] device_path`: the data device, empty in single-host mode. */
  devicePath: string;
  logger: Logger;
}

/** Cast failures that redelivery cannot fix. */
const FINAL_CAST_ERRORS: ReadonlySet<string> = new Set([ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, ErrorCode.DATASTORE_OPERATION_NOT_SUPPORTED, ErrorCode.BAD_REQUEST]);

/** Runs async work one piece at a time. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function asArray<T>(value: T[] | null | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Creates the guest agent's RPC handlers. */
export function createGuestService(deps: GuestServiceDeps): RpcHandlers<GuestAgentContract> {
  const { driver, status, volume } = deps;
  const logger = deps.logger.child({ component: 'guest-service' });
  const manager = driver.facts.manager;
  const lifecycle = new SerialQueue();
  let prepareRunning = false;

  const notSupported = (operation: string) => async (): Promise<never> => {
    throw new NotSupportedError(operation, manager);
  };

  /** Admin work needs a prepared datastore. */
  function requireReady(): void {
    if (status.preparePhase !== 'ready') throw new UnprocessableError(`The datastore is not ready (status: ${status.current}).`);
  }

  async function cast(method: string, work: () => Promise<void>): Promise<void> {
    try {
      requireReady();
      await work();
    } catch (error) {
      if (error instanceof TroveError && FINAL_CAST_ERRORS.has(error.code)) {
        logger.warn({ method, code: error.code, reason: error.message }, 'cast refused');
        return;
      }
      throw error;
    }
  }

  async function admin<T>(work: () => Promise<T>): Promise<T> {
    requireReady();
    return work();
  }

  async function prepare(args: Parameters<RpcHandlers<GuestAgentContract>['prepare']>[0]): Promise<void> {
    if (status.preparePhase === 'ready' || (await driver.isPrepared())) {
      logger.warn('prepare received for an instance that is already prepared; ignored');
      return;
    }
    if (prepareRunning) {
      logger.warn('prepare already running; duplicate ignored');
      return;
    }
    const unsupported = args.backup_info ? 'restore from backup' : args.snapshot ? 'replica creation' : args.cluster_config ? 'clusters' : undefined;
    const request: PrepareRequest = {
      memoryMb: args.memory_mb ?? null,
      databases: asArray<SerializedSchema>(args.databases),
      users: asArray<SerializedUser>(args.users),
      devicePath: args.device_path ?? null,
      mountPoint: args.mount_point ?? null,
      configContents: args.config_contents ?? null,
      rootPassword: args.root_password ?? null,
      overrides: (args.overrides ?? {}) as Record<string, OverrideValue>,
      datastoreVersion: args.ds_version ?? null,
    };
    if (asArray(args.modules).length > 0) logger.warn({ modules: asArray(args.modules).length }, 'modules are not supported yet; ignored');
    prepareRunning = true;
    await lifecycle.run(async () => {
      status.beginPrepare();
      try {
        if (unsupported) throw new NotSupportedError(unsupported, manager);
        await driver.prepare(request);
        await status.endPrepare();
      } catch (error) {
        // prepare is a cast: the failure is reported through the status, never by redelivery.
        logger.error({ err: error }, 'prepare failed');
        status.failPrepare();
      } finally {
        prepareRunning = false;
      }
    });
  }

  function statsPath(requested: string | null | undefined): string {
    if (requested === null || requested === undefined || requested === '') return driver.mountPoint;
    const target = resolve(requested);
    const inside = relative(driver.mountPoint, target);
    if (!isAbsolute(requested) || inside.startsWith('..') || isAbsolute(inside)) {
      throw new ValidationError(`fs_path must be the data volume's mount point or a path inside it (${driver.mountPoint}).`);
    }
    return target;
  }

  return {
    prepare,
    rebuild: notSupported('rebuild'),
    createBackup: notSupported('create_backup'),
    createUser: ({ users }) => cast('create_user', () => driver.admin.createUsers(users)),
    deleteUser: ({ user }) => cast('delete_user', () => driver.admin.deleteUser(user)),
    changePasswords: ({ users }) => cast('change_passwords', () => driver.admin.changePasswords(users)),
    updateAttributes: ({ username, hostname, user_attrs }) => cast('update_attributes', () => driver.admin.updateAttributes(username, hostname, user_attrs)),
    createDatabase: ({ databases }) => cast('create_database', () => driver.admin.createDatabases(databases)),
    deleteDatabase: ({ database }) => cast('delete_database', () => driver.admin.deleteDatabase(database)),
    upgrade: ({ upgrade_info }) =>
      cast('upgrade', async () => {
        const version = upgrade_info['datastore_version'];
        if (typeof version !== 'string' || version === '') throw new ValidationError('upgrade_info.datastore_version must be a non-empty string.');
        await lifecycle.run(() => status.during(() => driver.upgrade(version), { clearsRestartRequired: true }));
      }),
    attachReplicationSlave: notSupported('attach_replication_slave'),

    getUser: ({ username, hostname }) => admin(() => driver.admin.getUser(username, hostname)),
    listAccess: ({ username, hostname }) => admin(() => driver.admin.listAccess(username, hostname)),
    grantAccess: async ({ username, hostname, databases }) => {
      await admin(() => driver.admin.grantAccess(username, hostname, databases));
      return null;
    },
    revokeAccess: async ({ username, hostname, database }) => {
      await admin(() => driver.admin.revokeAccess(username, hostname, database));
      return null;
    },
    listUsers: ({ limit, marker, include_marker }) => admin(() => driver.admin.listUsers({ limit: limit ?? null, marker: marker ?? null, includeMarker: include_marker ?? false })),
    listDatabases: ({ limit, marker, include_marker }) =>
      admin(() => driver.admin.listDatabases({ limit: limit ?? null, marker: marker ?? null, includeMarker: include_marker ?? false })),
    getRootPassword: () => admin(() => driver.admin.getRootPassword()),
    enableRoot: () => admin(() => driver.admin.enableRoot(null)),
    enableRootWithPassword: ({ root_password }) => admin(() => driver.admin.enableRoot(root_password ?? null)),
    disableRoot: async () => {
      await admin(() => driver.admin.disableRoot());
      return null;
    },
    isRootEnabled: () => admin(() => driver.admin.isRootEnabled()),
    getHwinfo: notSupported('get_hwinfo'),
    getDiagnostics: notSupported('get_diagnostics'),
    rpcPing: async () => true,
    preUpgrade: async () => {
      requireReady();
      return {};
    },
    postUpgrade: async () => {
      requireReady();
      return null;
    },
    restart: async () => {
      requireReady();
      await lifecycle.run(() => status.during(() => driver.restart(), { clearsRestartRequired: true }));
      return null;
    },
    startDbWithConfChanges: async ({ config_contents, ds_version }) => {
      requireReady();
      await lifecycle.run(() => status.during(() => driver.startWithConfChanges(config_contents ?? null, ds_version ?? null), { clearsRestartRequired: true }));
      return null;
    },
    resetConfiguration: async ({ configuration }) => {
      requireReady();
      await lifecycle.run(() => driver.resetConfiguration(configuration.config_contents ?? null));
      return null;
    },
    stopDb: async () => {
      requireReady();
      await lifecycle.run(() => status.during(() => driver.stop()));
      return null;
    },
    getFilesystemStats: async ({ fs_path }) => filesystemStats(statsPath(fs_path)),
    updateGuest: notSupported('update_guest'),
    mountVolume: async ({ device_path, mount_point }) => {
      const device = device_path ?? deps.devicePath;
      if (!device) throw new ValidationError('device_path is required: this instance has no data device configured.');
      await lifecycle.run(() => volume.ensureMounted(device, mount_point ?? driver.mountPoint));
      return null;
    },
    unmountVolume: async ({ mount_point }) => {
      await lifecycle.run(() => volume.unmount(mount_point ?? driver.mountPoint));
      return null;
    },
    resizeFs: async ({ device_path, mount_point, online }) => {
      const device = device_path ?? deps.devicePath;
      if (!device) throw new NotSupportedError('resize_fs without a data device', manager);
      await lifecycle.run(() => volume.resize(device, mount_point ?? driver.mountPoint, online ?? false));
      return null;
    },
    updateOverrides: async ({ overrides, remove }) => {
      requireReady();
      await lifecycle.run(() => driver.updateOverrides(overrides as Record<string, OverrideValue>, remove ?? false));
      return null;
    },
    applyOverrides: async ({ overrides }) => {
      requireReady();
      const restartRequired = await lifecycle.run(() => driver.applyOverrides(overrides as Record<string, OverrideValue>));
      if (restartRequired.length > 0) status.markRestartRequired();
      return null;
    },
    backupRequiredForReplication: notSupported('backup_required_for_replication'),
    getReplicationSnapshot: notSupported('get_replication_snapshot'),
    detachReplica: notSupported('detach_replica'),
    getReplicaContext: notSupported('get_replica_context'),
    attachReplica: notSupported('attach_replica'),
    makeReadOnly: notSupported('make_read_only'),
    enableAsMaster: notSupported('enable_as_master'),
    getTxnCount: notSupported('get_txn_count'),
    getLastTxn: notSupported('get_last_txn'),
    getLatestTxnId: notSupported('get_latest_txn_id'),
    waitForTxn: notSupported('wait_for_txn'),
    cleanupSourceOnReplicaDetach: notSupported('cleanup_source_on_replica_detach'),
    demoteReplicationMaster: notSupported('demote_replication_master'),
    guestLogList: notSupported('guest_log_list'),
    guestLogAction: notSupported('guest_log_action'),
    moduleList: notSupported('module_list'),
    moduleApply: notSupported('module_apply'),
    moduleRemove: notSupported('module_remove'),
  };
}
