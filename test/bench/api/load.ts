/**
 * Measuring tools of the API benchmark: a closed-loop keep-alive HTTP GET client (the method of
 * stock-trove-baseline.md §6: WARMUP untimed + TOTAL timed requests over CONCURRENCY connections), and
 * per-process-tree CPU and memory from /proc (utime+stime of a server and all its descendants; RSS and PSS).
 */
import { Agent, get } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { sysconf } from './sysconf.js';

/** One load run's figures. */
export interface LoadResult {
  n: number;
  concurrency: number;
  wallSeconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerResponse: number;
  statuses: Record<string, number>;
}

/** Sends `warmup` untimed, then `total` timed GETs over `concurrency` keep-alive connections. Loopback only. */
export async function runLoad(url: string, headers: Record<string, string>, total: number, concurrency: number, warmup: number): Promise<LoadResult> {
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('refusing a non-loopback target');
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const once = () =>
    new Promise<{ ms: number; status: string; bytes: number }>((resolve) => {
      const started = process.hrtime.bigint();
      const request = get({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers, agent }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: String(response.statusCode), bytes }));
      });
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: `ERR:${error.code ?? 'x'}`, bytes: 0 }));
    });
  const run = async (count: number) => {
    let next = 0;
    const results: Array<{ ms: number; status: string; bytes: number }> = [];
    const lane = async () => {
      while (next < count) {
        next++;
        results.push(await once());
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return results;
  };
  if (warmup > 0) await run(warmup);
  const started = process.hrtime.bigint();
  const results = await run(total);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
  const statuses: Record<string, number> = {};
  for (const result of results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  return {
    n: total,
    concurrency,
    wallSeconds,
    rps: total / wallSeconds,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    bytesPerResponse: results[0]?.bytes ?? 0,
    statuses,
  };
}

function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.split(' ');
  } catch {
    return undefined;
  }
}

/** A process and all its descendants. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields === undefined) continue;
    const parent = Number(fields[1]);
    parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...(parents.get(pid) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system) used so far by a process tree. */
export function treeCpuSeconds(root: number): number {
  const ticks = sysconf.clockTicks;
  let total = 0;
  for (const pid of processTree(root)) {
    const fields = statFields(pid);
    if (fields) total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}

/** Busy CPU seconds of the whole machine (for the share used by unrelated processes). */
export function machineBusySeconds(): number {
  const values = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return (values.reduce((a, b) => a + b, 0) - idle) / sysconf.clockTicks;
}

/** RSS and PSS (shared pages split) of a process tree, in MB. */
export function treeMemoryMb(root: number): { processes: number; rssMb: number; pssMb: number } {
  let rss = 0;
  let pss = 0;
  const tree = processTree(root);
  for (const pid of tree) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { processes: tree.length, rssMb: rss / 1024, pssMb: pss / 1024 };
}
