/**
 * trove-conductor on real RabbitMQ and MariaDB: guests' sealed casts arrive through the broker, the service
 * runs in this process, and every effect is read back from the database.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { QueryTypes } from 'sequelize';
import { ConductorService } from '../../../controller/conductor/service.js';
import { conductorMetrics } from '../../../controller/conductor/metrics.js';
import type { TroveConfig } from '../../../shared/config/index.js';
import { generateInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { connectTransport, rpcMetrics, type Transport, type WireMessage, type Address, type PublishOptions } from '../../../shared/rpc/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { countRows, deleteRunTopology, guestClient, newRunSettings, runConfig, SEEDED_UPDATED_AT, seedInstances, sentNow, serviceStatus, until, type RunSettings } from './harness.js';

/** A transport that flips one character of every sealed ciphertext it publishes: an attacker on the wire. */
function tamperingTransport(inner: Transport): Transport {
  return {
    get replyQueue() {
      return inner.replyQueue;
    },
    publish(address: Address, message: WireMessage, options?: PublishOptions) {
      const envelope = JSON.parse(message.body) as Record<string, string>;
      const body = JSON.parse(envelope['oslo.message'] as string) as { _sealed: { ct: string } };
      const ct = body._sealed.ct;
      body._sealed.ct = `${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}`;
      envelope['oslo.message'] = JSON.stringify(body);
      return inner.publish(address, { ...message, body: JSON.stringify(envelope) }, options);
    },
    sendReply: (queue, message) => inner.sendReply(queue, message),
    listen: (address, onDelivery, options) => inner.listen(address, onDelivery, options),
    listenReplies: (onReply) => inner.listenReplies(onReply),
    close: () => inner.close(),
  };
}

describe('trove-conductor on RabbitMQ and MariaDB', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let settings: RunSettings;
  let config: TroveConfig;
  let conductorTransport: Transport;
  let guestTransport: Transport;
  let registry: Registry;
  let service: ConductorService;
  let keys: Map<string, string>;
  let ids: string[];

  async function counter(name: 'heartbeats' | 'rejected' | 'messages', labels: Record<string, string>): Promise<number> {
    const metric = name === 'rejected' ? rpcMetrics(registry).rejected : conductorMetrics(registry)[name];
    const { values } = await metric.get();
    return values.filter((entry) => Object.entries(labels).every(([label, value]) => (entry.labels as Record<string, string | number>)[label] === value)).reduce((sum, entry) => sum + entry.value, 0);
  }

  function guest(instanceId: string) {
    return guestClient(guestTransport, config, { mode: 'instance', instanceId, key: keys.get(instanceId)! });
  }

  before(async () => {
    db = await createTestDatabase();
    settings = newRunSettings();
    config = runConfig(settings, db.url, { conductor: { heartbeat_batch_ms: 20, heartbeat_batch_size: 200 } });
    keys = await seedInstances(db.sequelize, settings, 12);
    ids = [...keys.keys()];
    registry = new Registry();
    conductorTransport = await connectTransport(config, silentLogger(), { processName: 'conductor-test' });
    guestTransport = await connectTransport(config, silentLogger(), { processName: 'guest-test' });
    service = await ConductorService.create({ config, logger: silentLogger(), transport: conductorTransport, sequelize: db.sequelize, registry, expirySweeper: false, retryDelayMs: 100 });
    await service.run();
  });

  after(async () => {
    await service?.shutdown();
    await conductorTransport?.close();
    await guestTransport?.close();
    if (settings !== undefined) await deleteRunTopology(settings);
    await db?.drop();
  });

  it('applies a sealed heartbeat: status and updated_at refreshed, last-seen stored', async () => {
    const id = ids[0]!;
    const sent = sentNow();
    const before = Date.now();
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent });
    await until(async () => (await serviceStatus(db.sequelize, id)).status_id === SERVICE_STATUS_INFO.HEALTHY.code, 'heartbeat applied');
    const row = await serviceStatus(db.sequelize, id);
    expect(row.status_description).to.equal('healthy');
    expect(row.updated_at.getTime()).to.be.greaterThan(SEEDED_UPDATED_AT.getTime());
    expect(Math.abs(row.updated_at.getTime() - before)).to.be.lessThan(10_000);
    const stored = await db.sequelize.query<{ sent: number }>("SELECT sent FROM conductor_lastseen WHERE instance_id = ? AND method_name = 'heartbeat'", {
      replacements: [id],
      type: QueryTypes.SELECT,
    });
    expect(Number(stored[0]?.sent)).to.equal(sent);
  });

  it('drops a heartbeat older than the last one seen', async () => {
    const id = ids[1]!;
    const sent = sentNow();
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent });
    await until(async () => (await serviceStatus(db.sequelize, id)).status_id === SERVICE_STATUS_INFO.HEALTHY.code, 'first heartbeat applied');
    const staleBefore = await counter('heartbeats', { outcome: 'stale' });
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'shutdown' }, sent: sent - 5 });
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'crashed' }, sent });
    await until(async () => (await counter('heartbeats', { outcome: 'stale' })) === staleBefore + 2, 'stale heartbeats counted');
    expect((await serviceStatus(db.sequelize, id)).status_description).to.equal('healthy');
  });

  it('keeps RESTART_REQUIRED and leaves updated_at alone', async () => {
    const id = ids[2]!;
    const info = SERVICE_STATUS_INFO.RESTART_REQUIRED;
    await db.sequelize.query('UPDATE service_statuses SET status_id = ?, status_description = ? WHERE instance_id = ?', { replacements: [info.code, info.description, id] });
    const before = await counter('heartbeats', { outcome: 'restart_required' });
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent: sentNow() });
    await until(async () => (await counter('heartbeats', { outcome: 'restart_required' })) === before + 1, 'heartbeat ignored');
    const row = await serviceStatus(db.sequelize, id);
    expect(row.status_id).to.equal(info.code);
    expect(row.updated_at.getTime()).to.equal(SEEDED_UPDATED_AT.getTime());
  });

  it('drops a heartbeat with an unknown status description', async () => {
    const id = ids[3]!;
    const before = await counter('heartbeats', { outcome: 'unknown_status' });
    await guest(id).heartbeat({ instance_id: id, payload: { service_status: 'on fire' }, sent: sentNow() });
    await until(async () => (await counter('heartbeats', { outcome: 'unknown_status' })) === before + 1, 'unknown status counted');
    const row = await serviceStatus(db.sequelize, id);
    expect(row.status_id).to.equal(SERVICE_STATUS_INFO.NEW.code);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM conductor_lastseen WHERE instance_id = ?', [id])).to.equal(0);
  });

  it('refuses a guest that uses its own key to report for another instance', async () => {
    const [attacker, victim] = [ids[4]!, ids[5]!];
    const before = await counter('rejected', { reason: 'wrong_instance' });
    await guest(attacker).heartbeat({ instance_id: victim, payload: { service_status: 'shutdown' }, sent: sentNow() });
    await guest(attacker).notifyExcInfo({ serialized_notification: { instance_id: victim, notification_classname: 'trove.common.notification.DBaaSInstanceCreate' }, message: 'forged', exception: [] });
    await until(async () => (await counter('rejected', { reason: 'wrong_instance' })) === before + 2, 'forgeries refused');
    expect((await serviceStatus(db.sequelize, victim)).status_id).to.equal(SERVICE_STATUS_INFO.NEW.code);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM instance_faults WHERE instance_id = ?', [victim])).to.equal(0);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM conductor_lastseen WHERE instance_id = ?', [victim])).to.equal(0);
  });

  it('refuses a message tampered with on the wire', async () => {
    const id = ids[6]!;
    const before = await counter('rejected', { reason: 'bad_seal' });
    const tampered = guestClient(tamperingTransport(guestTransport), config, { mode: 'instance', instanceId: id, key: keys.get(id)! });
    await tampered.heartbeat({ instance_id: id, payload: { service_status: 'shutdown' }, sent: sentNow() });
    await until(async () => (await counter('rejected', { reason: 'bad_seal' })) === before + 1, 'tampered message refused');
    expect((await serviceStatus(db.sequelize, id)).status_id).to.equal(SERVICE_STATUS_INFO.NEW.code);
  });

  it('refuses plaintext and messages sealed with a wrong key while keys exist', async () => {
    const id = ids[7]!;
    const unsealed = await counter('rejected', { reason: 'unsealed' });
    const badSeal = await counter('rejected', { reason: 'bad_seal' });
    await guestClient(guestTransport, config, { mode: 'plain' }).heartbeat({ instance_id: id, payload: { service_status: 'shutdown' }, sent: sentNow() });
    await guestClient(guestTransport, config, { mode: 'instance', instanceId: id, key: generateInstanceKey() }).heartbeat({ instance_id: id, payload: { service_status: 'shutdown' }, sent: sentNow() });
    await until(async () => (await counter('rejected', { reason: 'unsealed' })) === unsealed + 1 && (await counter('rejected', { reason: 'bad_seal' })) === badSeal + 1, 'plaintext and wrong key refused');
    expect((await serviceStatus(db.sequelize, id)).status_id).to.equal(SERVICE_STATUS_INFO.NEW.code);
  });

  it('update_backup sets state, size, checksum, location and type of the instance\'s own backup, and drops stale updates', async () => {
    const id = ids[8]!;
    const backupId = randomUUID();
    await db.sequelize.query("INSERT INTO backups (id, name, state, instance_id, tenant_id, deleted, created, updated) VALUES (?, 'b1', 'NEW', ?, 'tenant-conductor-test', 0, NOW(), NOW())", {
      replacements: [backupId, id],
    });
    const sent = sentNow();
    await guest(id).updateBackup({ instance_id: id, backup_id: backupId, sent, state: 'BUILDING', backup_type: 'full' });
    await guest(id).updateBackup({ instance_id: id, backup_id: backupId, sent: sent + 1, state: 'COMPLETED', size: 0.25, checksum: 'd41d8cd98f00b204e9800998ecf8427e', location: 'http://127.0.0.1/swift/database_backups/b1.xbstream.gz.enc', success: true });
    await until(async () => (await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM backups WHERE id = ? AND state = 'COMPLETED'", [backupId])) === 1, 'backup completed');
    const stale = await counter('messages', { method: 'update_backup', outcome: 'stale' });
    await guest(id).updateBackup({ instance_id: id, backup_id: backupId, sent, state: 'FAILED' });
    await until(async () => (await counter('messages', { method: 'update_backup', outcome: 'stale' })) === stale + 1, 'stale update dropped');
    const [backup] = await db.sequelize.query<{ state: string; size: number; checksum: string; location: string; backup_type: string }>(
      'SELECT state, size, checksum, location, backup_type FROM backups WHERE id = ?',
      { replacements: [backupId], type: QueryTypes.SELECT },
    );
    expect(backup).to.deep.equal({ state: 'COMPLETED', size: 0.25, checksum: 'd41d8cd98f00b204e9800998ecf8427e', location: 'http://127.0.0.1/swift/database_backups/b1.xbstream.gz.enc', backup_type: 'full' });
  });

  it('update_backup refuses another instance\'s backup and invalid values', async () => {
    const [owner, other] = [ids[9]!, ids[10]!];
    const backupId = randomUUID();
    await db.sequelize.query("INSERT INTO backups (id, name, state, instance_id, tenant_id, deleted, created, updated) VALUES (?, 'b2', 'NEW', ?, 'tenant-conductor-test', 0, NOW(), NOW())", {
      replacements: [backupId, owner],
    });
    const ignored = await counter('messages', { method: 'update_backup', outcome: 'ignored' });
    const invalid = await counter('messages', { method: 'update_backup', outcome: 'invalid' });
    await guest(other).updateBackup({ instance_id: other, backup_id: backupId, sent: sentNow(), state: 'FAILED' });
    await guest(owner).updateBackup({ instance_id: owner, backup_id: backupId, sent: sentNow(), state: 'DONE-ISH' });
    await until(
      async () => (await counter('messages', { method: 'update_backup', outcome: 'ignored' })) === ignored + 1 && (await counter('messages', { method: 'update_backup', outcome: 'invalid' })) === invalid + 1,
      'bad updates dropped',
    );
    expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM backups WHERE id = ? AND state = 'NEW'", [backupId])).to.equal(1);
  });

  it('report_root records root enablement once', async () => {
    const id = ids[9]!;
    await guest(id).reportRoot({ instance_id: id });
    await guest(id).reportRoot({ instance_id: id });
    await until(async () => (await counter('messages', { method: 'report_root' })) === 2, 'both reports handled');
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM root_enabled_history WHERE id = ?', [id])).to.equal(1);
  });

  it('notify_exc_info stores a fault with the message and the exception text', async () => {
    const id = ids[11]!;
    await guest(id).notifyExcInfo({
      serialized_notification: { instance_id: id, notification_classname: 'trove.common.notification.DBaaSInstanceCreate', server_type: 'guest', request_id: 'req-1', tenant_id: 't' },
      message: 'Error preparing the datastore',
      exception: ['Traceback (most recent call last):\n', 'RuntimeError: container exited with 125\n'],
    });
    await guest(id).notifyEnd({ serialized_notification: { instance_id: id, notification_classname: 'trove.common.notification.DBaaSInstanceCreate', request_id: 'req-1' }, notification_args: {} });
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM instance_faults WHERE instance_id = ?', [id])) === 1, 'fault stored');
    const [fault] = await db.sequelize.query<{ message: string; details: string; deleted: number }>('SELECT message, details, deleted FROM instance_faults WHERE instance_id = ?', {
      replacements: [id],
      type: QueryTypes.SELECT,
    });
    expect(fault).to.deep.equal({ message: 'Error preparing the datastore', details: 'Server type: guest\nTraceback (most recent call last):\nRuntimeError: container exited with 125\n', deleted: 0 });
    await until(async () => (await counter('messages', { method: 'notify_end', outcome: 'applied' })) === 1, 'end notification handled');
  });
});
