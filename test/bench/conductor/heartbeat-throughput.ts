/**
 * Conductor heartbeat throughput: trove-ts's trove-conductor next to stock trove-conductor (Trove 18 from
 * Debian 12), measured the same way (stock-trove-baseline.md §8.2): N distinct instances, one sealed
 * heartbeat each, queued before the conductor starts; the conductor is then started and the watcher counts
 * applied heartbeats in the database. Runs alternate stock / trove-ts (A, B, B, A, ...) so that load from
 * other jobs on the machine falls on both. Prints one JSON line per run and a summary with the ratios.
 *
 *   node <outDir>/test/bench/conductor/heartbeat-throughput.js [--instances 5000] [--rounds 2]
 *        [--only stock|ts] [--ts-workers 1] [--batch-ms 50] [--batch-size 500]
 *
 * Needs MariaDB on 127.0.0.1:3306 (root, no password), RabbitMQ on 127.0.0.1:5672 (guest) and, for the stock
 * side, the Debian packages trove-conductor and python3-trove (run.sh installs them).
 *
 * Figures per run: drain rate = N / (from the first message taken off the queue, seen by a passive-declare
 * poller, to the last heartbeat applied), the 1-second rate median, CPU of the conductor's
 * process tree per message (the CPU it used before taking its first message, i.e. start-up, left out), MariaDB CPU per
 * message, failed = not applied, and `foreign_cores`: CPU that other processes used meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Connection } from 'mysql2/promise';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { connectTransport } from '../../../shared/rpc/index.js';
import { adminConnection, createTestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';
import { deleteRunTopology, guestClient, runConfig, runConfigIni, seedInstances, sentNow, type RunSettings } from '../../integration/conductor/harness.js';
import { machineBusySeconds, mariadbPid, processCpuSeconds, QueueWatch, queueState, treeCpuSeconds, treeRssMb, waitFor, watchDrain } from './measure.js';
import { STOCK_SCRIPTS, StockConductor } from './stock-conductor.js';

const HEALTHY = SERVICE_STATUS_INFO.HEALTHY.code;
const MAIN = new URL('../../../controller/conductor/main.js', import.meta.url).pathname;

interface RunResult {
  impl: 'stock' | 'trove-ts';
  workers: string;
  n: number;
  applied: number;
  failed: number;
  drain_s: number | null;
  msgs_per_s: number | null;
  median_1s_rate: number | null;
  first_to_last_applied_s: number | null;
  start_to_last_applied_s: number | null;
  conductor_cpu_ms_per_msg: number | null;
  startup_cpu_s: number;
  db_cpu_ms_per_msg: number | null;
  foreign_cores: number;
  rss_mb_after: number;
  failures_logged?: number;
  send?: Record<string, unknown>;
}

const { values: options } = parseArgs({
  options: {
    instances: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    'ts-workers': { type: 'string', default: '1' },
    'batch-ms': { type: 'string', default: '50' },
    'batch-size': { type: 'string', default: '500' },
  },
});
const N = Number(options.instances);
const ROUNDS = Number(options.rounds);
const TS_WORKERS = Number(options['ts-workers']);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited(child);
  clearTimeout(timer);
}

/** Starts a conductor, waits until `consumers` consume `queue`, and stops it (so that the queue exists). */
async function startAndStop(start: () => ChildProcess, stop: (child: ChildProcess) => Promise<void>, queue: string, consumers: number): Promise<void> {
  const child = start();
  await waitFor(async () => ((await queueState(queue))?.consumers ?? 0) >= consumers, `${queue} consumed`, 120_000);
  await stop(child);
}

/** Starts the conductor on a full queue and measures the drain. */
async function measureDrain(impl: RunResult['impl'], workers: string, connection: Connection, queue: string, start: () => ChildProcess): Promise<{ result: RunResult; child: ChildProcess }> {
  const watch = await QueueWatch.start(join(STOCK_SCRIPTS, 'queue_watch.py'), queue);
  const dbPid = await mariadbPid();
  const busy0 = await machineBusySeconds();
  const db0 = dbPid === undefined ? 0 : await processCpuSeconds(dbPid);
  const self0 = process.cpuUsage();
  const wall0 = Date.now();
  const child = start();
  // The conductor's CPU up to its first message is start-up (imports, connections), not heartbeat work.
  let startupCpu: number | undefined;
  const sampleStartup = (async () => {
    while (watch.firstTakenAt(N) === undefined && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
    startupCpu = await treeCpuSeconds(child.pid as number);
  })();
  const seen = await watchDrain(connection, HEALTHY, N, { idleMs: 30_000, maxMs: 900_000 });
  await sampleStartup;
  const conductorCpu = await treeCpuSeconds(child.pid as number);
  const rss = await treeRssMb(child.pid as number);
  const wall = (Date.now() - wall0) / 1000;
  const dbCpu = dbPid === undefined ? 0 : (await processCpuSeconds(dbPid)) - db0;
  const selfUsage = process.cpuUsage(self0);
  const selfCpu = (selfUsage.user + selfUsage.system) / 1e6;
  const busy = (await machineBusySeconds()) - busy0;
  watch.stop();
  // From the moment the conductor took its first message to the moment the last heartbeat was applied.
  const takenAt = watch.firstTakenAt(N);
  const drainSeconds = takenAt !== undefined && seen.lastAt !== undefined && seen.lastAt > takenAt ? (seen.lastAt - takenAt) / 1000 : null;
  const rates = seen.perSecond.map((count, index) => count - (seen.perSecond[index - 1] ?? 0)).slice(0, -1);
  const workCpu = conductorCpu - (startupCpu ?? 0);
  const result: RunResult = {
    impl,
    workers,
    n: N,
    applied: seen.applied,
    failed: N - seen.applied,
    drain_s: drainSeconds === null ? null : round(drainSeconds, 2),
    msgs_per_s: drainSeconds === null ? null : round(seen.applied / drainSeconds),
    median_1s_rate: median(rates),
    first_to_last_applied_s: seen.firstAt !== undefined && seen.lastAt !== undefined ? round((seen.lastAt - seen.firstAt) / 1000, 2) : null,
    start_to_last_applied_s: seen.lastAt === undefined ? null : round((seen.lastAt - wall0) / 1000, 2),
    conductor_cpu_ms_per_msg: seen.applied === 0 ? null : round((workCpu * 1000) / seen.applied, 3),
    startup_cpu_s: round(startupCpu ?? 0, 2),
    // The kernel's thread-group CPU of mariadbd was seen to step back across thread exits: no figure then.
    db_cpu_ms_per_msg: seen.applied === 0 || dbCpu < 0 ? null : round((dbCpu * 1000) / seen.applied, 3),
    foreign_cores: round((busy - conductorCpu - dbCpu - selfCpu) / wall, 2),
    rss_mb_after: rss,
  };
  return { result, child };
}

async function stockRun(suffix: string): Promise<RunResult> {
  const stock = new StockConductor(suffix);
  const connection = await adminConnection();
  try {
    await stock.prepare(N);
    await connection.query(`USE \`${stock.database}\``);
    // The queue exists only once a conductor has declared it (baseline §8.2 step 1). Stock runs
    // processutils.get_worker_count() = one worker per CPU; wait until all of them consume, then stop it.
    await startAndStop(() => stock.start(), () => stock.stop(), stock.topic, cpus().length);
    const send = await stock.sendHeartbeats(N);
    await waitFor(async () => (await queueState(stock.topic))?.ready === N, `${N} stock heartbeats queued`, 120_000);
    const { result } = await measureDrain('stock', `default (nproc = ${cpus().length})`, connection, stock.topic, () => stock.start());
    await stock.stop();
    result.failures_logged = stock.failuresLogged();
    result.send = send;
    return result;
  } finally {
    await connection.end();
    await stock.cleanup();
  }
}

async function tsRun(suffix: string): Promise<RunResult> {
  const db = await createTestDatabase();
  const settings: RunSettings = { exchange: `conductor-bench-ts-${suffix}`, topic: `trove-conductor-bench-ts-${suffix}`, host: `bench-${suffix}`, kek: randomBytes(32).toString('hex') };
  const dir = new TempDir('trove-conductor-bench-ts-');
  const config = runConfig(settings, db.url);
  const file = dir.write('trove.conf', runConfigIni(settings, db.url, { heartbeat_batch_ms: options['batch-ms'] as string, heartbeat_batch_size: options['batch-size'] as string }, { trove_conductor_workers: TS_WORKERS }));
  const start = () => {
    const log = openSync(dir.join('conductor.log'), 'a');
    return spawn(process.execPath, [MAIN, '--config-file', file], { stdio: ['ignore', log, log] });
  };
  const connection = await adminConnection();
  const transport = await connectTransport(config, silentLogger(), { processName: 'bench-guests' });
  let child: ChildProcess | undefined;
  try {
    await connection.query(`USE \`${db.name}\``);
    const keys = await seedInstances(db.sequelize, settings, N);
    const sendStarted = performance.now();
    const entries = [...keys];
    const sent = sentNow();
    for (let offset = 0; offset < entries.length; offset += 250) {
      await Promise.all(
        entries.slice(offset, offset + 250).map(([id, key]) => guestClient(transport, config, { mode: 'instance', instanceId: id, key }).heartbeat({ instance_id: id, payload: { service_status: 'healthy' }, sent })),
      );
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    await waitFor(async () => (await queueState(settings.topic))?.ready === N, `${N} trove-ts heartbeats queued`, 120_000);
    const measured = await measureDrain('trove-ts', String(TS_WORKERS), connection, settings.topic, start);
    child = measured.child;
    measured.result.send = { sent: N, mode: 'aead', send_s: round(sendSeconds, 2), send_rate: round(N / sendSeconds) };
    return measured.result;
  } finally {
    if (child !== undefined) await stopChild(child);
    await transport.close();
    await connection.end();
    await deleteRunTopology(settings);
    await db.drop();
    dir.cleanup();
  }
}

const results: RunResult[] = [];
for (let index = 0; index < ROUNDS; index++) {
  const order: RunResult['impl'][] = index % 2 === 0 ? ['stock', 'trove-ts'] : ['trove-ts', 'stock'];
  for (const impl of order) {
    if (options.only === 'stock' && impl !== 'stock') continue;
    if (options.only === 'ts' && impl !== 'trove-ts') continue;
    const suffix = randomBytes(4).toString('hex');
    const result = impl === 'stock' ? await stockRun(suffix) : await tsRun(suffix);
    results.push(result);
    console.log(JSON.stringify(result));
  }
}

function summary(impl: RunResult['impl']): Record<string, number | null> {
  const runs = results.filter((result) => result.impl === impl);
  const pick = (field: keyof RunResult) => {
    const value = median(runs.map((result) => result[field]).filter((item): item is number => typeof item === 'number'));
    return value === null ? null : round(value, 3);
  };
  return {
    runs: runs.length,
    msgs_per_s: pick('msgs_per_s'),
    median_1s_rate: pick('median_1s_rate'),
    conductor_cpu_ms_per_msg: pick('conductor_cpu_ms_per_msg'),
    db_cpu_ms_per_msg: pick('db_cpu_ms_per_msg'),
    failed: pick('failed'),
    foreign_cores: pick('foreign_cores'),
  };
}

const stock = summary('stock');
const ts = summary('trove-ts');
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? round(a / b, 1) : null);
const report = {
  instances: N,
  stock,
  trove_ts: ts,
  ratio_throughput_ts_over_stock: ratio(ts['msgs_per_s'], stock['msgs_per_s']),
  ratio_cpu_per_msg_stock_over_ts: ratio(stock['conductor_cpu_ms_per_msg'], ts['conductor_cpu_ms_per_msg']),
};
writeFileSync(process.env['CONDUCTOR_BENCH_OUT'] ?? '/dev/null', `${JSON.stringify({ results, report })}\n`);
console.log(JSON.stringify(report));
console.log(`\nconductor heartbeat drain, ${N} instances x 1 sealed heartbeat, medians of ${ROUNDS} interleaved runs`);
console.log('impl      msgs/s   1-s median   conductor CPU ms/msg   DB CPU ms/msg   failed   foreign cores');
for (const [name, row] of [['stock', stock], ['trove-ts', ts]] as const) {
  if (row['runs'] === 0) continue;
  console.log(
    `${name.padEnd(9)} ${String(row['msgs_per_s']).padStart(7)} ${String(row['median_1s_rate']).padStart(12)} ${String(row['conductor_cpu_ms_per_msg']).padStart(22)} ${String(row['db_cpu_ms_per_msg']).padStart(15)} ${String(row['failed']).padStart(8)} ${String(row['foreign_cores']).padStart(15)}`,
  );
}
if (report.ratio_throughput_ts_over_stock !== null) {
  console.log(`trove-ts / stock throughput: ${report.ratio_throughput_ts_over_stock}x; stock / trove-ts CPU per message: ${report.ratio_cpu_per_msg_stock_over_ts}x`);
}
