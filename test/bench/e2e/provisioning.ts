/**
 * Benchmark: provisioning on the local-process backend, the whole real stack (trove-api, trove-taskmanager,
 * trove-conductor, guest agents, datastore containers, RabbitMQ, MariaDB) on this host.
 *
 *   1. create → ACTIVE, one instance at a time, BENCH_RUNS times (default 5) for MariaDB 10.11 and PostgreSQL 15:
 *      median, min and max seconds from the POST to the first poll that shows ACTIVE (polled every 200 ms);
 *   2. BENCH_PARALLEL (default 50) MariaDB creates posted at once: seconds until every one is ACTIVE (or
 *      failed), failures, and the per-instance median and p90.
 *
 * Creates are POSTed to the API directly (the body the stock CLI sends), so CLI start-up is not measured.
 * Every instance is deleted after its round; the stack is torn down by PID at the end.
 *
 *   node dist-<x>/test/bench/e2e/provisioning.js
 *     env: BENCH_RUNS (5), BENCH_PARALLEL (50), BENCH_SKIP_PARALLEL=1, BENCH_SKIP_SEQUENTIAL=1, BENCH_KEEP=1 (keep logs)
 */
import { randomBytes } from 'node:crypto';
import { Stack } from '../../helpers/stack.js';
import { showInstance, waitForGone } from '../../e2e/helpers/cli.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const PARALLEL = Number(process.env['BENCH_PARALLEL'] ?? 50);
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  id: string;
  seconds: number;
  status: string;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

async function post(stack: Stack, name: string, datastore: string, version: string, flavor: string): Promise<string> {
  const body = {
    instance: {
      name,
      flavorRef: flavor,
      volume: { size: 1, type: null },
      datastore: { type: datastore, version },
      databases: [{ name: 'bench' }],
      users: [{ name: 'bench', password: randomBytes(12).toString('base64url'), databases: [{ name: 'bench' }] }],
      access: { is_public: false },
    },
  };
  const response = await fetch(`${stack.endpoint()}/instances`, {
    method: 'POST',
    headers: { 'X-Auth-Token': stack.token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`create ${name}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { instance: { id: string } }).instance.id;
}

async function untilSettled(stack: Stack, id: string, started: number, timeoutMs: number): Promise<Outcome> {
  for (;;) {
    const instance = await showInstance(stack, id).catch((error: unknown) => {
      log(`show ${id}: ${(error as Error).message}`);
      return { status: 'POLL-ERROR' } as Record<string, unknown>;
    });
    const status = String(instance?.['status'] ?? 'GONE');
    if (status === 'ACTIVE' || status === 'ERROR' || status === 'GONE') return { id, seconds: (Date.now() - started) / 1000, status };
    if (Date.now() - started > timeoutMs) return { id, seconds: (Date.now() - started) / 1000, status: `TIMEOUT(${status})` };
    await sleep(200);
  }
}

async function remove(stack: Stack, ids: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      await fetch(`${stack.endpoint()}/instances/${id}`, { method: 'DELETE', headers: { 'X-Auth-Token': stack.token } });
      await waitForGone(stack, id, 600_000).catch((error: unknown) => log(`delete ${id}: ${(error as Error).message}`));
    }),
  );
}

async function sequential(stack: Stack, datastore: string, version: string): Promise<number[]> {
  const seconds: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const started = Date.now();
    const id = await post(stack, `bench-${datastore}-${run}`, datastore, version, '2');
    const outcome = await untilSettled(stack, id, started, 900_000);
    if (outcome.status !== 'ACTIVE') throw new Error(`${datastore} run ${run} ended ${outcome.status}`);
    seconds.push(outcome.seconds);
    log(`${datastore} ${version} run ${run}: ACTIVE after ${outcome.seconds.toFixed(1)} s`);
    await remove(stack, [id]);
  }
  return seconds;
}

async function parallel(stack: Stack, count: number): Promise<{ wallSeconds: number; outcomes: Outcome[] }> {
  const started = Date.now();
  const ids = await Promise.all(Array.from({ length: count }, (_, index) => post(stack, `bench-par-${index}`, 'mariadb', '10.11', '1')));
  log(`${count} creates accepted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const outcomes = await Promise.all(ids.map((id) => untilSettled(stack, id, started, 1_800_000)));
  const wallSeconds = (Date.now() - started) / 1000;
  await remove(stack, ids);
  return { wallSeconds, outcomes };
}

// 50 datastores initialising at once share two CPUs: the guests' start wait (Trove's 180 s) is raised so the
// figure measures how long they take, not how many a default timeout lets through.
const stack = await Stack.create({
  config: { DEFAULT: { usage_timeout: 1800, max_instances_per_tenant: 200, max_volumes_per_tenant: 2000, agent_call_high_timeout: 600 } },
  guestConfig: { DEFAULT: { state_change_wait_time: 1500 } },
  progress: log,
});
try {
  await stack.start();
  const results: Record<string, unknown> = {};
  const sequentialStores = process.env['BENCH_SKIP_SEQUENTIAL'] === '1' ? [] : ([['mariadb', '10.11'], ['postgresql', '15']] as const);
  for (const [datastore, version] of sequentialStores) {
    const seconds = await sequential(stack, datastore, version);
    results[`${datastore}_${version}`] = { runs: seconds.map((value) => Number(value.toFixed(1))), median: Number(quantile(seconds, 0.5).toFixed(1)), min: Number(Math.min(...seconds).toFixed(1)), max: Number(Math.max(...seconds).toFixed(1)) };
  }
  if (process.env['BENCH_SKIP_PARALLEL'] !== '1') {
    const { wallSeconds, outcomes } = await parallel(stack, PARALLEL);
    const active = outcomes.filter((outcome) => outcome.status === 'ACTIVE').map((outcome) => outcome.seconds);
    results[`parallel_${PARALLEL}_mariadb`] = {
      allSettledSeconds: Number(wallSeconds.toFixed(1)),
      active: active.length,
      failures: outcomes.length - active.length,
      failureStatuses: outcomes.filter((outcome) => outcome.status !== 'ACTIVE').map((outcome) => outcome.status),
      perInstanceMedian: Number(quantile(active, 0.5).toFixed(1)),
      perInstanceP90: Number(quantile(active, 0.9).toFixed(1)),
    };
  }
  console.log(JSON.stringify({ host: { cpus: (await import('node:os')).cpus().length, memoryGb: Math.round((await import('node:os')).totalmem() / 2 ** 30) }, results }, null, 2));
} finally {
  // BENCH_KEEP=1 keeps the stack's directory (logs, agent logs) for a look at what happened.
  await stack.teardown({ keepDir: process.env['BENCH_KEEP'] === '1' });
  if (process.env['BENCH_KEEP'] === '1') log(`kept ${stack.dir}`);
}
