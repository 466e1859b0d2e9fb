import { expect } from 'chai';
import { Registry } from 'prom-client';
import { backupFieldsFrom, createConductorHandlers, loggablePayload } from '../../../../controller/conductor/handlers.js';
import { HeartbeatBatcher } from '../../../../controller/conductor/heartbeat-batcher.js';
import { conductorMetrics, type ConductorMetrics } from '../../../../controller/conductor/metrics.js';
import { silentLogger } from '../../../../shared/logging/index.js';
import { rpcMetrics, type ConductorContract, type MethodArgs, type RpcContext, type RpcHandlers, type RpcMetrics } from '../../../../shared/rpc/index.js';
import { MemoryGuestRecords, MemoryHeartbeatStore } from './fakes.js';

function sealedBy(instanceId: string | undefined): RpcContext {
  const context: RpcContext = { requestId: 'req-1', values: {}, uniqueId: 'u1' };
  if (instanceId !== undefined) context.instanceId = instanceId;
  return context;
}

async function value(counter: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }, labels: Record<string, string>): Promise<number> {
  const { values } = await counter.get();
  return values.find((entry) => Object.entries(labels).every(([name, label]) => entry.labels[name] === label))?.value ?? 0;
}

describe('conductor handlers', () => {
  let store: MemoryHeartbeatStore;
  let records: MemoryGuestRecords;
  let metrics: ConductorMetrics;
  let rpc: RpcMetrics;
  let batcher: HeartbeatBatcher;

  function handlers(secure = true): RpcHandlers<ConductorContract> {
    return createConductorHandlers({ batcher, records, secure, metrics, rpcMetrics: rpc, topic: 'trove-conductor', logger: silentLogger() });
  }

  beforeEach(() => {
    store = new MemoryHeartbeatStore();
    records = new MemoryGuestRecords();
    const registry = new Registry();
    metrics = conductorMetrics(registry);
    rpc = rpcMetrics(registry);
    batcher = new HeartbeatBatcher({ store, batchMs: 0, batchSize: 100, metrics, logger: silentLogger() });
  });

  afterEach(async () => {
    await batcher.close();
  });

  describe('heartbeat', () => {
    it('maps the description to a status and writes it through the batcher', async () => {
      store.statuses.set('a', 'NEW');
      await handlers().heartbeat({ instance_id: 'a', payload: { service_status: 'healthy' }, sent: 12.5 }, sealedBy('a'));
      expect(store.statuses.get('a')).to.equal('HEALTHY');
      expect(store.lastSeen.get('a')).to.equal(12.5);
      expect(await value(metrics.heartbeats, { outcome: 'applied' })).to.equal(1);
    });

    it('refuses a heartbeat sealed by one instance that names another', async () => {
      store.statuses.set('b', 'NEW');
      await handlers().heartbeat({ instance_id: 'b', payload: { service_status: 'shutdown' }, sent: 1 }, sealedBy('a'));
      expect(store.batches).to.have.length(0);
      expect(store.statuses.get('b')).to.equal('NEW');
      expect(await value(metrics.heartbeats, { outcome: 'rejected' })).to.equal(1);
      expect(await value(rpc.rejected, { reason: 'wrong_instance' })).to.equal(1);
    });

    it('refuses an unsealed heartbeat when secure messaging is on, accepts it when off', async () => {
      store.statuses.set('a', 'NEW');
      await handlers(true).heartbeat({ instance_id: 'a', payload: { service_status: 'healthy' } }, sealedBy(undefined));
      expect(store.statuses.get('a')).to.equal('NEW');
      expect(await value(rpc.rejected, { reason: 'unsealed' })).to.equal(1);
      await handlers(false).heartbeat({ instance_id: 'a', payload: { service_status: 'healthy' } }, sealedBy(undefined));
      expect(store.statuses.get('a')).to.equal('HEALTHY');
    });

    it('drops an unknown service status with a count and writes nothing', async () => {
      store.statuses.set('a', 'NEW');
      await handlers().heartbeat({ instance_id: 'a', payload: { service_status: 'on fire' }, sent: 3 }, sealedBy('a'));
      expect(store.batches).to.have.length(0);
      expect(await value(metrics.heartbeats, { outcome: 'unknown_status' })).to.equal(1);
    });

    it('lets a failed batch surface as an error so the message is redelivered', async () => {
      store.statuses.set('a', 'NEW');
      store.failures = 1;
      const error = await handlers()
        .heartbeat({ instance_id: 'a', payload: { service_status: 'healthy' }, sent: 3 }, sealedBy('a'))
        .then(() => undefined, (reason: unknown) => reason);
      expect((error as Error).message).to.equal('simulated database failure');
      expect(store.statuses.get('a')).to.equal('NEW');
    });
  });

  describe('update_backup', () => {
    it('sets only the known columns and ignores success and unknown fields', async () => {
      records.backups.set('bk', { instanceId: 'a', fields: {} });
      // Stock guests may add fields the contract does not list; the schema lets them through.
      const args = { instance_id: 'a', backup_id: 'bk', sent: 5, state: 'COMPLETED', size: 1.5, checksum: 'abc', location: 'http://swift/c/o', backup_type: 'full', success: true, surprise: 'x' };
      await handlers().updateBackup(args as MethodArgs<ConductorContract, 'updateBackup'>, sealedBy('a'));
      expect(records.backups.get('bk')!.fields).to.deep.equal({ state: 'COMPLETED', size: 1.5, checksum: 'abc', location: 'http://swift/c/o', backup_type: 'full' });
      expect(await value(metrics.messages, { method: 'update_backup', outcome: 'applied' })).to.equal(1);
    });

    it('drops a message with invalid values and writes nothing', async () => {
      records.backups.set('bk', { instanceId: 'a', fields: {} });
      await handlers().updateBackup({ instance_id: 'a', backup_id: 'bk', state: 'EXPLODED', size: -1 }, sealedBy('a'));
      expect(records.updates).to.have.length(0);
      expect(await value(metrics.messages, { method: 'update_backup', outcome: 'invalid' })).to.equal(1);
    });

    it('refuses a backup update for another instance\'s backup', async () => {
      records.backups.set('bk', { instanceId: 'b', fields: {} });
      await handlers().updateBackup({ instance_id: 'b', backup_id: 'bk', state: 'FAILED' }, sealedBy('a'));
      expect(records.updates).to.have.length(0);
      await handlers().updateBackup({ instance_id: 'a', backup_id: 'bk', state: 'FAILED' }, sealedBy('a'));
      expect(records.backups.get('bk')!.fields).to.deep.equal({});
      expect(await value(metrics.messages, { method: 'update_backup', outcome: 'ignored' })).to.equal(1);
    });
  });

  describe('backupFieldsFrom', () => {
    it('validates sizes, states and column lengths', () => {
      expect(backupFieldsFrom({ state: 'BUILDING', size: null, checksum: null })).to.deep.equal({ ok: true, fields: { state: 'BUILDING', size: null, checksum: null } });
      expect(backupFieldsFrom({ checksum: 'x'.repeat(33), location: 'y'.repeat(1025), size: Number.NaN })).to.deep.equal({ ok: false, invalid: ['size', 'checksum', 'location'] });
    });
  });

  describe('report_root', () => {
    it('records root once per instance', async () => {
      await handlers().reportRoot({ instance_id: 'a' }, { ...sealedBy('a'), values: { user_id: 'u-1' } });
      await handlers().reportRoot({ instance_id: 'a', user: 'other' }, sealedBy('a'));
      expect(records.roots.get('a')).to.equal('u-1');
      expect(await value(metrics.messages, { method: 'report_root', outcome: 'applied' })).to.equal(1);
      expect(await value(metrics.messages, { method: 'report_root', outcome: 'ignored' })).to.equal(1);
    });

    it('refuses a root report for another instance', async () => {
      await handlers().reportRoot({ instance_id: 'b' }, sealedBy('a'));
      expect(records.roots.size).to.equal(0);
    });
  });

  describe('notify_end and notify_exc_info', () => {
    const classname = 'trove.common.notification.DBaaSInstanceCreate';

    it('accepts an end notification of a known class', async () => {
      await handlers().notifyEnd({ serialized_notification: { notification_classname: classname, instance_id: 'a', request_id: 'r' }, notification_args: {} }, sealedBy('a'));
      expect(await value(metrics.messages, { method: 'notify_end', outcome: 'applied' })).to.equal(1);
    });

    it('drops an end notification of an unknown class or for another instance', async () => {
      await handlers().notifyEnd({ serialized_notification: { notification_classname: 'os.system' } }, sealedBy('a'));
      await handlers().notifyEnd({ serialized_notification: { notification_classname: classname, instance_id: 'b' } }, sealedBy('a'));
      expect(await value(metrics.messages, { method: 'notify_end', outcome: 'invalid' })).to.equal(1);
      expect(await value(metrics.messages, { method: 'notify_end', outcome: 'rejected' })).to.equal(1);
    });

    it('persists a fault with the message and the exception text', async () => {
      records.instances.add('a');
      await handlers().notifyExcInfo(
        { serialized_notification: { notification_classname: classname, instance_id: 'a', server_type: 'guest' }, message: 'prepare failed', exception: ['Traceback:\n', 'OSError: disk\n'] },
        sealedBy('a'),
      );
      expect(records.faults.get('a')).to.deep.equal({ message: 'prepare failed', details: 'Server type: guest\nTraceback:\nOSError: disk\n' });
    });

    it('does not let a guest write a fault on another instance', async () => {
      records.instances.add('b');
      await handlers().notifyExcInfo({ serialized_notification: { notification_classname: classname, instance_id: 'b' }, message: 'forged' }, sealedBy('a'));
      expect(records.faults.size).to.equal(0);
      expect(await value(rpc.rejected, { reason: 'wrong_instance' })).to.equal(1);
    });
  });

  describe('loggablePayload', () => {
    it('keeps scalars and drops secrets and large values', () => {
      const payload = loggablePayload({ instance_id: 'a', auth_token: 't', password: 'p', nested: { api_key: 'k', name: 'n', deeper: { x: 1 } }, list: ['a', { b: 1 }], notification_classname: 'c' });
      expect(payload).to.deep.equal({ instance_id: 'a', nested: { name: 'n' }, list: ['a'] });
    });
  });
});
