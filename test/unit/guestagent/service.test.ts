import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { ErrorCode, NotFoundError, TroveError, ValidationError } from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { MYSQL_NAME_RULES, ServiceStatus, type SerializedUser } from '../../../shared/models/index.js';
import type { RpcContext } from '../../../shared/rpc/index.js';
import type { DatastoreAdmin, DatastoreDriver, PrepareRequest } from '../../../guestagent/datastores/base/datastore-driver.js';
import { createGuestService } from '../../../guestagent/service.js';
import { StatusTracker, type PreparePhase } from '../../../guestagent/status.js';
import { VolumeManager } from '../../../guestagent/volume.js';
import { TempDir } from '../../helpers/tmp.js';

const context: RpcContext = { requestId: 'req-1', values: {}, uniqueId: 'u-1' };

/** A driver that records what the service asked of it. */
class RecordingDriver implements DatastoreDriver {
  readonly facts = { manager: 'mariadb' as const, defaultPort: 3306, nameRules: MYSQL_NAME_RULES, rootUserName: 'root', liveOverridesNeedFile: false };
  readonly calls: string[] = [];
  prepared = false;
  prepareError: Error | undefined;
  probe: ServiceStatus = ServiceStatus.HEALTHY;
  restartRequired: string[] = [];
  users: SerializedUser[] = [];
  readonly admin: DatastoreAdmin;

  constructor(readonly mountPoint: string) {
    const users = this.users;
    const calls = this.calls;
    this.admin = {
      ping: async () => true,
      createDatabases: async () => void calls.push('createDatabases'),
      listDatabases: async () => [[{ _name: 'db1' }], null],
      deleteDatabase: async () => void calls.push('deleteDatabase'),
      createUsers: async (list) => {
        calls.push('createUsers');
        if (list.some((user) => user._name.includes("'"))) throw new ValidationError('bad name');
        users.push(...list);
      },
      listUsers: async () => [users, null],
      getUser: async (name) => users.find((user) => user._name === name) ?? null,
      deleteUser: async () => {
        throw new NotFoundError('no such user');
      },
      changePasswords: async () => {
        throw new TroveError(ErrorCode.GUEST_ERROR, 'datastore unreachable');
      },
      updateAttributes: async () => undefined,
      grantAccess: async () => void calls.push('grantAccess'),
      revokeAccess: async () => undefined,
      listAccess: async () => [],
      enableRoot: async (password) => ({ _name: 'root', _host: '%', _password: password ?? 'generated', _databases: [], _is_root: true }),
      disableRoot: async () => undefined,
      isRootEnabled: async () => false,
      getRootPassword: async () => null,
      applyOverrides: async () => [],
    };
  }

  reconcile = async () => undefined;
  isPrepared = async () => this.prepared;
  prepareFailure = async () => null;
  prepare = async (request: PrepareRequest) => {
    this.calls.push(`prepare:${request.datastoreVersion}`);
    if (this.prepareError) throw this.prepareError;
    this.prepared = true;
  };
  restart = async () => void this.calls.push('restart');
  stop = async () => {
    this.calls.push('stop');
    this.probe = ServiceStatus.SHUTDOWN;
  };
  startWithConfChanges = async () => void this.calls.push('startWithConfChanges');
  resetConfiguration = async () => void this.calls.push('resetConfiguration');
  updateOverrides = async () => void this.calls.push('updateOverrides');
  applyOverrides = async () => this.restartRequired;
  upgrade = async (version: string) => void this.calls.push(`upgrade:${version}`);
  probeStatus = async () => this.probe;
  close = async () => undefined;
}

describe('guest service', () => {
  let tmp: TempDir;
  let driver: RecordingDriver;
  let statuses: string[];

  function build(phase: PreparePhase) {
    const status = new StatusTracker({ probe: driver, initialPhase: phase, checkIntervalMs: 60_000, logger: silentLogger() });
    statuses = [];
    status.onChange((value) => statuses.push(value));
    const volume = new VolumeManager({ fstype: 'ext3', formatOptions: '', mountOptions: 'defaults', formatTimeoutMs: 1000 }, silentLogger());
    return { status, service: createGuestService({ driver, status, volume, devicePath: '', logger: silentLogger() }) };
  }

  beforeEach(() => {
    tmp = new TempDir('trove-agent-service-');
    mkdirSync(tmp.join('data'));
    driver = new RecordingDriver(tmp.join('data'));
  });
  afterEach(() => tmp.cleanup());

  it('prepare reports BUILDING then the probed status, and ignores a second prepare', async () => {
    const { service, status } = build('new');
    await service.prepare({ ds_version: '10.11', databases: [{ _name: 'db1' }] }, context);
    expect(statuses).to.deep.equal(['BUILDING', 'HEALTHY']);
    expect(status.preparePhase).to.equal('ready');
    await service.prepare({ ds_version: '10.11' }, context);
    expect(driver.calls.filter((call) => call.startsWith('prepare'))).to.have.length(1);
  });

  it('a failed prepare reports FAILED and does not throw (no redelivery loop)', async () => {
    const { service } = build('new');
    driver.prepareError = new Error('image missing');
    await service.prepare({}, context);
    expect(statuses).to.deep.equal(['BUILDING', 'FAILED']);
  });

  it('prepare with a backup to restore fails as not supported, before touching the driver', async () => {
    const { service } = build('new');
    await service.prepare({ backup_info: { id: 'b1', location: 'x' } }, context);
    expect(statuses).to.deep.equal(['BUILDING', 'FAILED']);
    expect(driver.calls).to.deep.equal([]);
  });

  it('answers out-of-scope methods with DATASTORE_OPERATION_NOT_SUPPORTED, never a TypeError', async () => {
    const { service } = build('ready');
    const calls: Promise<unknown>[] = [
      service.getReplicationSnapshot({ snapshot_info: {} }, context),
      service.attachReplica({ replica_info: {} }, context),
      service.createBackup({ backup_info: {} }, context),
      service.guestLogList({}, context),
      service.moduleApply({ modules: [] }, context),
      service.rebuild({}, context),
      service.getHwinfo({}, context),
    ];
    for (const call of calls) {
      let caught: unknown;
      try {
        await call;
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(TroveError);
      expect((caught as TroveError).code).to.equal('DATASTORE_OPERATION_NOT_SUPPORTED');
    }
  });

  it('refuses admin work before prepare completed', async () => {
    const { service } = build('new');
    let caught: unknown;
    try {
      await service.listDatabases({}, context);
    } catch (error) {
      caught = error;
    }
    expect((caught as TroveError).code).to.equal('UNPROCESSABLE_ENTITY');
  });

  it('delegates calls to the driver once ready', async () => {
    const { service } = build('ready');
    expect(await service.rpcPing({}, context)).to.equal(true);
    expect(await service.listDatabases({ limit: 5 }, context)).to.deep.equal([[{ _name: 'db1' }], null]);
    expect(await service.grantAccess({ username: 'u', hostname: '%', databases: ['db1'] }, context)).to.equal(null);
    expect((await service.enableRootWithPassword({ root_password: 'pw' }, context))._password).to.equal('pw');
    expect(await service.preUpgrade({}, context)).to.deep.equal({});
  });

  it('settles a cast whose input is invalid or names a missing object, rethrows other failures for redelivery', async () => {
    const { service } = build('ready');
    await service.createUser({ users: [{ _name: "a'; DROP DATABASE x; --", _password: 'p' }] }, context);
    await service.deleteUser({ user: { _name: 'ghost' } }, context);
    let caught: unknown;
    try {
      await service.changePasswords({ users: [{ _name: 'u', _password: 'p' }] }, context);
    } catch (error) {
      caught = error;
    }
    expect((caught as TroveError).code).to.equal('GUEST_ERROR');
  });

  it('stop_db reports SHUTDOWN when it ends, restart clears a pending RESTART_REQUIRED', async () => {
    const { service, status } = build('ready');
    await status.refresh();
    driver.restartRequired = ['innodb_log_file_size'];
    await service.applyOverrides({ overrides: { innodb_log_file_size: '64M' } }, context);
    await status.refresh();
    expect(status.current).to.equal('RESTART_REQUIRED');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    await service.stopDb({}, context);
    expect(status.current).to.equal('SHUTDOWN');
    expect(statuses).to.deep.equal(['HEALTHY', 'RESTART_REQUIRED', 'HEALTHY', 'SHUTDOWN']);
  });

  it('upgrade takes the version from upgrade_info and refuses a missing one', async () => {
    const { service } = build('ready');
    await service.upgrade({ upgrade_info: { datastore_version: '10.11.9' } }, context);
    expect(driver.calls).to.include('upgrade:10.11.9');
    await service.upgrade({ upgrade_info: {} }, context);
    expect(driver.calls.filter((call) => call.startsWith('upgrade'))).to.have.length(1);
  });

  it('measures the mount point by default and refuses paths outside it', async () => {
    const { service } = build('ready');
    const stats = await service.getFilesystemStats({}, context);
    expect(stats.block_size).to.be.greaterThan(0);
    expect((await service.getFilesystemStats({ fs_path: tmp.join('data') }, context)).total_blocks).to.equal(stats.total_blocks);
    for (const path of ['/etc', tmp.join('data', '..'), 'relative/path']) {
      let caught: unknown;
      try {
        await service.getFilesystemStats({ fs_path: path }, context);
      } catch (error) {
        caught = error;
      }
      expect((caught as TroveError).code, path).to.equal('VALIDATION_ERROR');
    }
  });
});
