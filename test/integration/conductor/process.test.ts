/**
 * trove-conductor as real processes (the compiled main.js) on RabbitMQ and MariaDB: a conductor killed with
 * heartbeats collected but not yet committed loses none of them once restarted, and with
 * `trove_conductor_workers = 2` two worker processes share the queue, a dead worker is replaced, and the
 * supervisor serves their aggregated metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import type { TroveConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { connectTransport, type Transport } from '../../../shared/rpc/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';
import { countRows, deleteRunTopology, guestClient, newRunSettings, queueCounts, runConfig, runConfigIni, seedInstances, sentNow, until, type RunSettings } from './harness.js';

const MAIN = new URL('../../../controller/conductor/main.js', import.meta.url).pathname;
const HEALTHY = SERVICE_STATUS_INFO.HEALTHY.code;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function childPids(parent: number): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

describe('trove-conductor processes on RabbitMQ and MariaDB', function () {
  this.timeout(300_000);
  let db: TestDatabase;
  let settings: RunSettings;
  let config: TroveConfig;
  let guestTransport: Transport;
  let tmp: TempDir;
  const children: ChildProcess[] = [];

  function startConductor(name: string, conductor: Record<string, string | number>, extraDefault: Record<string, string | number> = {}): ChildProcess {
    const file = tmp.write(`${name}.conf`, runConfigIni(settings, db.url, conductor, extraDefault));
    const log = openSync(tmp.join(`${name}.log`), 'a');
    const child = spawn(process.execPath, [MAIN, '--config-file', file], { stdio: ['ignore', log, log] });
    children.push(child);
    return child;
  }

  async function queueHeartbeats(keys: Map<string, string>, sent: number): Promise<void> {
    const entries = [...keys];
    for (let offset = 0; offset < entries.length; offset += 250) {
      await Promise.all(
        entries.slice(offset, offset + 250).map(([id, key]) =>
          guestClient(guestTransport, config, { mode: 'instance', instanceId: id, key }).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent }),
        ),
      );
    }
  }

  beforeEach(async () => {
    tmp = new TempDir('trove-conductor-test-');
    db = await createTestDatabase();
    settings = newRunSettings();
    config = runConfig(settings, db.url);
    guestTransport = await connectTransport(config, silentLogger(), { processName: 'guest-process-test' });
  });

  afterEach(async function () {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGKILL');
        await exited(child);
      }
    }
    if (this.currentTest?.state === 'failed') {
      for (const name of ['first', 'second', 'workers']) {
        try {
          console.log(`--- ${name}.log\n${readFileSync(tmp.join(`${name}.log`), 'utf8').slice(-4000)}`);
        } catch {
          // that process was not started
        }
      }
    }
    await guestTransport?.close();
    await deleteRunTopology(settings);
    await db?.drop();
    tmp.cleanup();
  });

  it('loses no heartbeat when killed with a batch collected but not committed', async () => {
    const keys = await seedInstances(db.sequelize, settings, 1000);
    await queueHeartbeats(keys, sentNow());
    await until(async () => (await queueCounts(settings.topic))?.ready === 1000, '1000 heartbeats queued', 60_000, 500);

    // Full batches of 300 commit at once; the last 100 wait for a batch timer that never fires in time.
    const first = startConductor('first', { heartbeat_batch_ms: 600_000, heartbeat_batch_size: 300 });
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [HEALTHY])) === 900, 'three full batches committed', 60_000, 100);
    await until(async () => (await queueCounts(settings.topic))?.unacked === 100, 'the last 100 held unsettled', 30_000, 500);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [HEALTHY])).to.equal(900);

    process.kill(first.pid!, 'SIGKILL');
    expect((await exited(first)).signal).to.equal('SIGKILL');
    await until(async () => (await queueCounts(settings.topic))?.ready === 100, 'unsettled heartbeats back in the queue', 30_000, 500);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [HEALTHY])).to.equal(900);

    const second = startConductor('second', { heartbeat_batch_ms: 50, heartbeat_batch_size: 300 });
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [HEALTHY])) === 1000, 'every heartbeat applied', 60_000, 100);
    expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM conductor_lastseen WHERE method_name = 'heartbeat'")).to.equal(1000);
    await until(async () => (await queueCounts(settings.topic))?.ready === 0, 'queue drained', 30_000, 500);

    process.kill(second.pid!, 'SIGTERM');
    expect((await exited(second)).code).to.equal(0);
  });

  it('runs two worker processes on one queue, replaces a dead one and aggregates their metrics', async () => {
    const port = await freePort();
    const supervisor = startConductor('workers', { heartbeat_batch_ms: 50, heartbeat_batch_size: 200, metrics_port: port }, { trove_conductor_workers: 2 });
    await until(async () => (await queueCounts(settings.topic))?.consumers === 2, 'two consumers on the queue', 60_000, 500);
    const workers = await childPids(supervisor.pid!);
    expect(workers).to.have.length(2);

    const keys = await seedInstances(db.sequelize, settings, 2000);
    await queueHeartbeats(keys, sentNow());
    await until(async () => (await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [HEALTHY])) === 2000, 'every heartbeat applied', 120_000, 100);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const applied = /trove_conductor_heartbeats_total\{outcome="applied"\} (\d+)/.exec(metrics);
    expect(Number(applied?.[1])).to.equal(2000);
    // READ COMMITTED: two workers writing different instances never deadlock on each other's gaps.
    const retries = /trove_conductor_heartbeat_batch_retries_total (\d+)/.exec(metrics);
    expect(Number(retries?.[1])).to.equal(0);

    process.kill(workers[0]!, 'SIGKILL');
    await until(async () => {
      const now = await childPids(supervisor.pid!);
      return now.length === 2 && !now.includes(workers[0]!);
    }, 'a replacement worker', 30_000, 200);
    await until(async () => (await queueCounts(settings.topic))?.consumers === 2, 'two consumers again', 60_000, 500);

    process.kill(supervisor.pid!, 'SIGTERM');
    expect((await exited(supervisor)).code).to.equal(0);
    expect(await childPids(supervisor.pid!)).to.have.length(0);
  });
});
