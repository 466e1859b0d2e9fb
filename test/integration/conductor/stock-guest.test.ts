/**
 * Interoperability: heartbeats cast by stock Trove 18's own guest-side code (python3-trove's
 * `trove.conductor.api.API.heartbeat`, over oslo.messaging's AMQP 0-9-1 driver, sealed by its
 * ConductorGuestSerializer) reach trove-ts's conductor running `rpc_codec = trove-compat` with the instance
 * keys stored in Trove's format, and are applied.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ConductorService } from '../../../controller/conductor/service.js';
import { conductorMetrics } from '../../../controller/conductor/metrics.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { connectTransport, rpcMetrics, type Transport } from '../../../shared/rpc/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';
import { repoRoot } from '../../bench/conductor/stock-conductor.js';
import { countRows, deleteRunTopology, newRunSettings, runConfig, seedInstances, until, type RunSettings } from './harness.js';

const run = promisify(execFile);

describe('trove-conductor with stock Trove guests (trove-compat)', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let settings: RunSettings;
  let transport: Transport;
  let service: ConductorService;
  let tmp: TempDir;
  let registry: Registry;

  before(async () => {
    db = await createTestDatabase();
    settings = newRunSettings();
    tmp = new TempDir('trove-conductor-compat-');
    const config = runConfig(settings, db.url, { DEFAULT: { rpc_codec: 'trove-compat' }, conductor: { heartbeat_batch_ms: 20 } });
    registry = new Registry();
    transport = await connectTransport(config, silentLogger(), { processName: 'conductor-compat-test' });
    service = await ConductorService.create({ config, logger: silentLogger(), transport, sequelize: db.sequelize, registry, expirySweeper: false });
    await service.run();
  });

  after(async () => {
    await service?.shutdown();
    await transport?.close();
    await deleteRunTopology(settings);
    await db?.drop();
    tmp?.cleanup();
  });

  it('applies encrypted heartbeats sent by Trove\'s own guest code', async () => {
    const keys = await seedInstances(db.sequelize, settings, 20, { keyFormat: 'trove' });
    const keysFile = tmp.write('keys.json', JSON.stringify(Object.fromEntries(keys)));
    const troveConf = tmp.join('guest.conf');
    // trove-ts declares the exchange and queues durable (its default); a stock guest in the same fleet must agree.
    writeFileSync(
      troveConf,
      ['[DEFAULT]', 'transport_url = rabbit://guest:guest@127.0.0.1:5672/', `control_exchange = ${settings.exchange}`, `conductor_queue = ${settings.topic}`, '[oslo_messaging_rabbit]', 'amqp_durable_queues = True', ''].join('\n'),
    );
    const script = `${repoRoot()}/test/bench/conductor/stock/send_heartbeats.py`;
    const { stdout } = await run('/usr/bin/python3', [script, troveConf, keysFile, '40', 'encrypted', 'running'], { timeout: 120_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).to.include({ sent: 40, mode: 'encrypted' });
    const running = SERVICE_STATUS_INFO.RUNNING.code;
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [running])) === 20, 'stock heartbeats applied', 60_000, 50);
    expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM conductor_lastseen WHERE method_name = 'heartbeat'")).to.equal(20);
    const { values } = await conductorMetrics(registry).heartbeats.get();
    const total = (outcome: string) => values.filter((value) => value.labels.outcome === outcome).reduce((sum, value) => sum + value.value, 0);
    await until(async () => {
      const { values: now } = await conductorMetrics(registry).heartbeats.get();
      return now.reduce((sum, value) => sum + value.value, 0) === 40;
    }, 'all 40 heartbeats handled', 30_000, 50);
    expect(total('rejected')).to.equal(0);
  });

  it('refuses stock-format heartbeats sealed with a key other than the stored one', async () => {
    const keys = await seedInstances(db.sequelize, settings, 3, { keyFormat: 'trove' });
    const wrongKeys = Object.fromEntries([...keys.keys()].map((id) => [id, 'x'.repeat(32)]));
    const keysFile = tmp.write('wrong-keys.json', JSON.stringify(wrongKeys));
    const troveConf = tmp.join('guest.conf');
    const script = `${repoRoot()}/test/bench/conductor/stock/send_heartbeats.py`;
    const badSeals = async () => {
      const { values } = await rpcMetrics(registry).rejected.get();
      return values.filter((value) => value.labels.reason === 'bad_seal').reduce((sum, value) => sum + value.value, 0);
    };
    const before = await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [SERVICE_STATUS_INFO.SHUTDOWN.code]);
    const refusedBefore = await badSeals();
    await run('/usr/bin/python3', [script, troveConf, keysFile, '3', 'encrypted', 'shutdown'], { timeout: 120_000 });
    await until(async () => (await badSeals()) === refusedBefore + 3, 'wrongly keyed heartbeats refused', 30_000, 50);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [SERVICE_STATUS_INFO.SHUTDOWN.code])).to.equal(before);
  });
});
