/**
 * Benchmark: idle memory of the trove-ts guest agent next to the stock Trove 18 `trove-guestagent`, measured
 * the same way in the same run (stock-trove-baseline §5.1, §7.2): RPC server up on `guestagent.<id>`, no
 * datastore prepared, RSS from /proc/PID/status and PSS from /proc/PID/smaps_rollup, after a settle time and
 * again later. The stock agent runs through `stock-guestagent-nohostchanges.py` (its host-mutating steps
 * neutralised) with Debian's python3-trove.
 *
 *   node dist-<you>/test/bench/guestagent/idle-rss.js      (BENCH_SETTLE_S=15 BENCH_LATER_S=60)
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startAgent, stopAgent, writeGuestConfig } from '../../integration/guestagent/agent-process.js';
import { TempDir } from '../../helpers/tmp.js';
import { memoryOf, sleep, startConductor, waitFor } from './bench-util.js';

const settleS = Number(process.env['BENCH_SETTLE_S'] ?? 15);
const laterS = Number(process.env['BENCH_LATER_S'] ?? 60);
const STOCK_WRAPPER = fileURLToPath(new URL('../../../../test/bench/guestagent/stock-guestagent-nohostchanges.py', import.meta.url));

function stockConsumers(queue: string): number {
  const out = execFileSync('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'consumers'], { encoding: 'utf8' });
  const line = out.split('\n').find((row) => row.split(/\s+/)[0] === queue);
  return Number(line?.split(/\s+/)[1] ?? 0);
}

const run = randomUUID().slice(0, 8);
const tmp = new TempDir('trove-bench-rss-');
const exchange = `trove-bench-rss-${run}`;
const conductorQueue = `trove-conductor-bench-${run}`;
const oursId = `bench-ts-${randomUUID()}`;
const stockId = `bench-stock-${randomUUID()}`;
const key = randomBytes(32).toString('hex');
const conductor = await startConductor(exchange, conductorQueue, (id) => (id === oursId ? key : null));

const ours = startAgent(
  writeGuestConfig(tmp.join('ts-conf.d'), {
    guestId: oursId,
    manager: 'mariadb',
    version: '10.11',
    key,
    exchange,
    conductorQueue,
    bindHost: '127.20.250.1',
    mountPoint: tmp.join('ts-volume'),
    containerName: `trove-bench-rss-${run}`,
    reportInterval: 30,
  }),
);
const stockConf = tmp.write(
  'stock.conf',
  [
    '[DEFAULT]',
    'debug = True',
    'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
    // Its own exchange: the two agents never talk, and oslo.messaging declares exchanges non-durable.
    `control_exchange = ${exchange}-stock`,
    `guest_id = ${stockId}`,
    `instance_rpc_encr_key = ${key}`,
    'datastore_manager = mysql',
    'datastore_version = 5.7.29',
    '[oslo_concurrency]',
    `lock_path = ${tmp.join('lock')}`,
    '',
  ].join('\n'),
);
const stock = spawn('/usr/bin/python3', [STOCK_WRAPPER, '--config-file', stockConf], { stdio: ['ignore', 'pipe', 'pipe'] });
// oslo.log writes to stdout without a log file; keep the tail of both streams for error reports.
let stockOutput = '';
for (const stream of [stock.stdout, stock.stderr]) {
  stream.on('data', (chunk: Buffer) => {
    stockOutput = (stockOutput + chunk.toString()).slice(-20_000);
  });
}

try {
  await waitFor(() => conductor.beats.some((beat) => beat.instanceId === oursId), 60_000, 'the trove-ts agent to serve');
  await waitFor(() => stock.exitCode !== null || stockConsumers(`guestagent.${stockId}`) > 0, 120_000, 'the stock agent to consume its topic');
  if (stock.exitCode !== null) throw new Error(`stock trove-guestagent exited ${stock.exitCode}: ${stockOutput.slice(-3000)}`);
  const rows: string[] = [];
  for (const [label, waitS] of [[`${settleS} s`, settleS], [`${laterS} s`, laterS - settleS]] as const) {
    await sleep(waitS * 1000);
    const a = memoryOf(ours.child.pid!);
    const b = memoryOf(stock.pid!);
    rows.push(`| ${label.padEnd(6)} | ${a.rssMb.toFixed(1).padStart(6)} | ${a.pssMb.toFixed(1).padStart(6)} | ${b.rssMb.toFixed(1).padStart(6)} | ${b.pssMb.toFixed(1).padStart(6)} | ${(b.rssMb / a.rssMb).toFixed(2)}x |`);
  }
  const threads = (pid: number) => /^Threads:\s+(\d+)/m.exec(execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }))?.[1];
  console.log(`guest agent idle memory (RPC server up, no datastore prepared; node ${process.version}; threads: trove-ts ${threads(ours.child.pid!)}, stock ${threads(stock.pid!)})`);
  console.log('| after  | trove-ts RSS MB | PSS MB | stock RSS MB | PSS MB | stock/trove-ts RSS |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await stopAgent(ours);
  if (stock.exitCode === null) stock.kill('SIGTERM');
  await conductor.stop();
  writeFileSync(tmp.join('done'), '');
  tmp.cleanup();
}
