/**
 * An in-memory guest agent serving the real `guestAgentContract` (for API and taskmanager tests): it keeps
 * databases, users, grants, root and overrides in memory, pages lists the way the guest does (`name` for
 * databases, `name@host` for users; `[items, next_marker]`), and records every call. Methods outside the
 * API's needs answer `NotSupportedError`. `serve()` puts it on `guestagent.<id>` with the given sealing.
 */
import { NotSupportedError, TroveError, ErrorCode } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { SerializedSchema, SerializedUser } from '../../shared/models/index.js';
import { guestAgentContract, guestTopic, serveRpc, type RpcHandlers, type RpcServer, type Sealing, type Transport, type GuestAgentContract } from '../../shared/rpc/index.js';

/** A recorded call: method key and arguments. */
export interface GuestCall {
  method: string;
  args: unknown;
}

type Handlers = RpcHandlers<GuestAgentContract>;

function userKey(name: string, host: string | null | undefined): string {
  return `${name}@${host ?? '%'}`;
}

function page<T>(items: T[], key: (item: T) => string, limit: number | null | undefined, marker: string | null | undefined, includeMarker: boolean | undefined): [T[], string | null] {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = marker ? sorted.filter((item) => (includeMarker ? key(item) >= marker : key(item) > marker)) : sorted;
  if (limit && start.length > limit) {
    const slice = start.slice(0, limit);
    return [slice, key(slice[slice.length - 1] as T)];
  }
  return [start, null];
}

export class FakeGuestAgent {
  readonly calls: GuestCall[] = [];
  readonly databases = new Map<string, SerializedSchema>();
  readonly users = new Map<string, SerializedUser>();
  readonly grants = new Map<string, Set<string>>();
  rootEnabled = false;
  rootPassword: string | null = null;
  overrides: Record<string, unknown> = {};
  /** Methods that throw a GUEST_ERROR on their next call (failure tests). */
  readonly failNext = new Set<string>();
  /** Used filesystem space reported by `get_filesystem_stats`, in GB. */
  usedGb = 0.25;
  private server: RpcServer | undefined;

  constructor(readonly instanceId: string) {}

  private record(method: string, args: unknown): void {
    this.calls.push({ method, args });
    if (this.failNext.delete(method)) throw new TroveError(ErrorCode.GUEST_ERROR, `An error occurred communicating with the guest: ${method} failed (fake).`);
  }

  /** Adds databases and users the way prepare would. */
  seed(databases: readonly SerializedSchema[], users: readonly SerializedUser[]): void {
    for (const database of databases) this.databases.set(database._name, { ...database });
    for (const user of users) {
      this.users.set(userKey(user._name, user._host), { ...user, _databases: [], _password: null });
      this.grants.set(userKey(user._name, user._host), new Set((user._databases ?? []).map((database) => database._name)));
    }
  }

  private userView(key: string): SerializedUser | null {
    const user = this.users.get(key);
    if (user === undefined) return null;
    const dbs = [...(this.grants.get(key) ?? [])].sort().map((name) => ({ _name: name, _character_set: null, _collate: null }));
    return { _name: user._name, _host: user._host ?? '%', _password: null, _databases: dbs, _is_root: false };
  }

  /** The handler table for `serveRpc`. */
  handlers(): Handlers {
    const unsupported = (name: string) => async (): Promise<never> => {
      this.record(name, {});
      throw new NotSupportedError(name, 'fake');
    };
    const handlers: Handlers = {
      prepare: async (args) => {
        this.record('prepare', args);
        this.seed(args.databases ?? [], args.users ?? []);
      },
      rebuild: unsupported('rebuild'),
      createBackup: async (args) => this.record('createBackup', args),
      createUser: async (args) => {
        this.record('createUser', args);
        this.seed([], args.users);
      },
      deleteUser: async (args) => {
        this.record('deleteUser', args);
        const key = userKey(args.user._name, args.user._host);
        this.users.delete(key);
        this.grants.delete(key);
      },
      changePasswords: async (args) => this.record('changePasswords', args),
      updateAttributes: async (args) => {
        this.record('updateAttributes', args);
        const key = userKey(args.username, args.hostname);
        const user = this.users.get(key);
        if (user === undefined) return;
        const name = args.user_attrs.name ?? args.username;
        const host = args.user_attrs.host ?? args.hostname ?? '%';
        const grants = this.grants.get(key) ?? new Set<string>();
        this.users.delete(key);
        this.grants.delete(key);
        this.users.set(userKey(name, host), { ...user, _name: name, _host: host });
        this.grants.set(userKey(name, host), grants);
      },
      createDatabase: async (args) => {
        this.record('createDatabase', args);
        this.seed(args.databases, []);
      },
      deleteDatabase: async (args) => {
        this.record('deleteDatabase', args);
        this.databases.delete(args.database._name);
        for (const grants of this.grants.values()) grants.delete(args.database._name);
      },
      upgrade: async (args) => this.record('upgrade', args),
      attachReplicationSlave: unsupported('attachReplicationSlave'),
      getUser: async (args) => {
        this.record('getUser', args);
        return this.userView(userKey(args.username, args.hostname));
      },
      listAccess: async (args) => {
        this.record('listAccess', args);
        return this.userView(userKey(args.username, args.hostname))?._databases ?? [];
      },
      grantAccess: async (args) => {
        this.record('grantAccess', args);
        const key = userKey(args.username, args.hostname);
        if (!this.users.has(key)) throw new TroveError(ErrorCode.NOT_FOUND, `User ${key} cannot be found on the instance.`);
        const grants = this.grants.get(key) ?? new Set<string>();
        for (const database of args.databases) grants.add(database);
        this.grants.set(key, grants);
        return null;
      },
      revokeAccess: async (args) => {
        this.record('revokeAccess', args);
        this.grants.get(userKey(args.username, args.hostname))?.delete(args.database);
        return null;
      },
      listUsers: async (args) => {
        this.record('listUsers', args);
        const users = [...this.users.keys()].map((key) => this.userView(key) as SerializedUser);
        return page(users, (user) => userKey(user._name, user._host), args.limit, args.marker, args.include_marker);
      },
      listDatabases: async (args) => {
        this.record('listDatabases', args);
        return page([...this.databases.values()], (database) => database._name, args.limit, args.marker, args.include_marker);
      },
      getRootPassword: async () => {
        this.record('getRootPassword', {});
        return this.rootPassword;
      },
      enableRoot: async () => {
        this.record('enableRoot', {});
        this.rootEnabled = true;
        this.rootPassword = `fakeRoot${Math.random().toString(36).slice(2, 14)}`;
        return { _name: 'root', _host: '%', _password: this.rootPassword, _databases: [], _is_root: true };
      },
      enableRootWithPassword: async (args) => {
        this.record('enableRootWithPassword', { root_password: '***' });
        this.rootEnabled = true;
        this.rootPassword = args.root_password ?? null;
        return { _name: 'root', _host: '%', _password: this.rootPassword, _databases: [], _is_root: true };
      },
      disableRoot: async () => {
        this.record('disableRoot', {});
        this.rootEnabled = false;
        return null;
      },
      isRootEnabled: async () => {
        this.record('isRootEnabled', {});
        return this.rootEnabled;
      },
      getHwinfo: unsupported('getHwinfo'),
      getDiagnostics: unsupported('getDiagnostics'),
      rpcPing: async () => {
        this.record('rpcPing', {});
        return true;
      },
      preUpgrade: async () => {
        this.record('preUpgrade', {});
        return {};
      },
      postUpgrade: async (args) => {
        this.record('postUpgrade', args);
        return null;
      },
      restart: async () => {
        this.record('restart', {});
        return null;
      },
      startDbWithConfChanges: async (args) => {
        this.record('startDbWithConfChanges', args);
        return null;
      },
      resetConfiguration: async (args) => {
        this.record('resetConfiguration', args);
        return null;
      },
      stopDb: async (args) => {
        this.record('stopDb', args);
        return null;
      },
      getFilesystemStats: async (args) => {
        this.record('getFilesystemStats', args);
        return { block_size: 4096, total_blocks: 262144, free_blocks: 196608, total: 1, free: 805306368, used: this.usedGb };
      },
      updateGuest: unsupported('updateGuest'),
      mountVolume: unsupported('mountVolume'),
      unmountVolume: unsupported('unmountVolume'),
      resizeFs: async (args) => {
        this.record('resizeFs', args);
        return null;
      },
      updateOverrides: async (args) => {
        this.record('updateOverrides', args);
        this.overrides = args.remove ? {} : { ...args.overrides };
        return null;
      },
      applyOverrides: async (args) => {
        this.record('applyOverrides', args);
        return null;
      },
      backupRequiredForReplication: unsupported('backupRequiredForReplication'),
      getReplicationSnapshot: unsupported('getReplicationSnapshot'),
      detachReplica: unsupported('detachReplica'),
      getReplicaContext: unsupported('getReplicaContext'),
      attachReplica: unsupported('attachReplica'),
      makeReadOnly: unsupported('makeReadOnly'),
      enableAsMaster: unsupported('enableAsMaster'),
      getTxnCount: unsupported('getTxnCount'),
      getLastTxn: unsupported('getLastTxn'),
      getLatestTxnId: unsupported('getLatestTxnId'),
      waitForTxn: unsupported('waitForTxn'),
      cleanupSourceOnReplicaDetach: unsupported('cleanupSourceOnReplicaDetach'),
      demoteReplicationMaster: unsupported('demoteReplicationMaster'),
      guestLogList: unsupported('guestLogList'),
      guestLogAction: unsupported('guestLogAction'),
      moduleList: unsupported('moduleList'),
      moduleApply: unsupported('moduleApply'),
      moduleRemove: unsupported('moduleRemove'),
    };
    return handlers;
  }

  /** Serves on `guestagent.<id>`. */
  async serve(transport: Transport, sealing: Sealing, logger: Logger): Promise<void> {
    this.server = await serveRpc(guestAgentContract, this.handlers(), { transport, topic: guestTopic(this.instanceId), server: this.instanceId, sealing, logger });
  }

  async stop(): Promise<void> {
    await this.server?.stop(1000);
    this.server = undefined;
  }

  /** Methods called so far, in order. */
  methods(): string[] {
    return this.calls.map((call) => call.method);
  }
}
