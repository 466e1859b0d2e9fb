/**
 * Bursts on real RabbitMQ and MariaDB: thousands of sealed heartbeats queued before the conductor starts
 * (as after a conductor outage) are all applied, in a few hundred-row batches rather than one write each.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ConductorService } from '../../../controller/conductor/service.js';
import { conductorMetrics } from '../../../controller/conductor/metrics.js';
import type { TroveConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { connectTransport, type Transport } from '../../../shared/rpc/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { countRows, deleteRunTopology, guestClient, newRunSettings, queueCounts, runConfig, SEEDED_UPDATED_AT, seedInstances, sentNow, until, type RunSettings } from './harness.js';

async function inChunks<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let offset = 0; offset < items.length; offset += size) await Promise.all(items.slice(offset, offset + size).map(work));
}

describe('trove-conductor bursts on RabbitMQ and MariaDB', function () {
  this.timeout(300_000);
  let db: TestDatabase;
  let settings: RunSettings;
  let config: TroveConfig;
  let guestTransport: Transport;
  let conductorTransport: Transport | undefined;
  let service: ConductorService | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    settings = newRunSettings();
    config = runConfig(settings, db.url, { conductor: { heartbeat_batch_ms: 50, heartbeat_batch_size: 500 } });
    guestTransport = await connectTransport(config, silentLogger(), { processName: 'guest-burst' });
  });

  afterEach(async () => {
    await service?.shutdown();
    await conductorTransport?.close();
    service = undefined;
    conductorTransport = undefined;
    await guestTransport?.close();
    await deleteRunTopology(settings);
    await db?.drop();
  });

  async function startConductor(registry: Registry): Promise<void> {
    conductorTransport = await connectTransport(config, silentLogger(), { processName: 'conductor-burst' });
    service = await ConductorService.create({ config, logger: silentLogger(), transport: conductorTransport, sequelize: db.sequelize, registry, expirySweeper: false });
    await service.run();
  }

  it('applies 5000 queued heartbeats from 5000 instances, in batches', async () => {
    const keys = await seedInstances(db.sequelize, settings, 5000);
    const sent = sentNow();
    await inChunks([...keys], 250, async ([id, key]) => {
      await guestClient(guestTransport, config, { mode: 'instance', instanceId: id, key }).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent });
    });
    await until(async () => (await queueCounts(settings.topic))?.ready === 5000, '5000 messages queued', 60_000, 500);

    const registry = new Registry();
    const started = Date.now();
    await startConductor(registry);
    const healthy = SERVICE_STATUS_INFO.HEALTHY.code;
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [healthy])) === 5000, 'all heartbeats applied', 120_000, 50);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      5000 sealed heartbeats drained in ${seconds.toFixed(2)} s (${Math.round(5000 / seconds)}/s, including start-up)`);

    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE updated_at > ?', [SEEDED_UPDATED_AT])).to.equal(5000);
    expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM conductor_lastseen WHERE method_name = 'heartbeat' AND sent = ?", [sent])).to.equal(5000);
    const metrics = conductorMetrics(registry);
    const batches = (await metrics.batchSize.get()).values;
    const batchCount = batches.find((value) => value.metricName === 'trove_conductor_heartbeat_batch_size_count')?.value ?? 0;
    const batched = batches.find((value) => value.metricName === 'trove_conductor_heartbeat_batch_size_sum')?.value ?? 0;
    console.log(`      ${batchCount} batches, ${(batched / batchCount).toFixed(0)} heartbeats per batch on average`);
    expect(batched).to.equal(5000);
    expect(batchCount).to.be.at.most(100);
    const applied = (await metrics.heartbeats.get()).values.find((value) => value.labels.outcome === 'applied')?.value;
    expect(applied).to.equal(5000);
    await until(async () => (await queueCounts(settings.topic))?.ready === 0, 'queue drained', 30_000, 500);
  });

  it('folds several queued heartbeats per instance to the newest one, whatever their order', async () => {
    const keys = await seedInstances(db.sequelize, settings, 300);
    const base = sentNow();
    // Per instance: building (t), then shutdown (t+2), then a late healthy (t+1) that must lose.
    const plan: { status: string; offset: number }[] = [
      { status: 'building', offset: 0 },
      { status: 'shutdown', offset: 2 },
      { status: 'healthy', offset: 1 },
    ];
    for (const step of plan) {
      await inChunks([...keys], 100, async ([id, key]) => {
        await guestClient(guestTransport, config, { mode: 'instance', instanceId: id, key }).heartbeat({ instance_id: id, payload: { service_status: step.status }, sent: base + step.offset });
      });
    }
    await startConductor(new Registry());
    const shutdown = SERVICE_STATUS_INFO.SHUTDOWN.code;
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [shutdown])) === 300, 'newest status applied', 60_000, 50);
    await until(async () => (await queueCounts(settings.topic))?.ready === 0, 'queue drained', 30_000, 500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [shutdown])).to.equal(300);
    expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM conductor_lastseen WHERE method_name = 'heartbeat' AND sent = ?", [base + 2])).to.equal(300);
  });
});
