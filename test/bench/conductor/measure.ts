/**
 * Measurement helpers of the conductor benchmark: CPU of a process tree and of the whole machine from
 * /proc, and a drain watcher that polls the benchmark database for applied heartbeats (the method of
 * stock-trove-baseline.md §8.2, counting rows instead of global MariaDB counters, which other jobs on a
 * shared machine move too).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';

const run = promisify(execFile);
/** USER_HZ: /proc reports CPU times in these ticks per second on Linux. */
const TICKS_PER_SECOND = 100;

async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid and every descendant of it. */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(Number(entry));
    if (fields === undefined) continue;
    const parent = Number(fields[1]);
    const list = parents.get(parent) ?? [];
    list.push(Number(entry));
    parents.set(parent, list);
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

/** User + system CPU seconds of one process (0 when it is gone). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const fields = await statFields(pid);
  if (fields === undefined) return 0;
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** User + system CPU seconds of a process and its descendants. */
export async function treeCpuSeconds(root: number): Promise<number> {
  let total = 0;
  for (const pid of await processTree(root)) total += await processCpuSeconds(pid);
  return total;
}

/** Resident memory of a process tree, MB. */
export async function treeRssMb(root: number): Promise<number> {
  let kb = 0;
  for (const pid of await processTree(root)) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(kb / 1024);
}

/** Busy CPU seconds of the whole machine since boot (all cores). */
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return (total - (values[3] ?? 0) - (values[4] ?? 0)) / TICKS_PER_SECOND;
}

/**
 * The pid of the MariaDB server listening on 127.0.0.1:3306 (not `pidof`: datastore containers of other tests
 * run their own mariadbd).
 */
export async function mariadbPid(): Promise<number | undefined> {
  try {
    const { stdout } = await run('ss', ['-ltnpH', 'sport = :3306']);
    const pid = Number(/pid=(\d+)/.exec(stdout)?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Ready messages and consumers of a queue (rabbitmqctl); undefined when the queue does not exist. */
export async function queueState(queue: string): Promise<{ ready: number; consumers: number } | undefined> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'consumers'], { timeout: 60_000 });
  for (const line of stdout.split('\n')) {
    const [name, ready, consumers] = line.trim().split(/\s+/);
    if (name === queue) return { ready: Number(ready), consumers: Number(consumers) };
  }
  return undefined;
}

/** Queue names that start with a prefix (to clean up oslo's fanout queues). */
export async function queuesStartingWith(prefix: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name'], { timeout: 60_000 });
  return stdout.split('\n').map((line) => line.trim()).filter((name) => name.startsWith(prefix));
}

export async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs: number, stepMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** What the drain watcher saw. */
export interface DrainObservation {
  applied: number;
  /** Epoch milliseconds at which the first and the last heartbeat were seen applied. */
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** Applied heartbeats at each whole second after the first one was seen. */
  perSecond: number[];
}

/**
 * Polls `SELECT COUNT(*)` of service statuses whose status is `statusCode` until `expected` are there, or
 * nothing moved for `idleMs` after the first change, or `maxMs` passed.
 */
export async function watchDrain(connection: Connection, statusCode: number, expected: number, options: { idleMs: number; maxMs: number; stepMs?: number }): Promise<DrainObservation> {
  const started = Date.now();
  let applied = 0;
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  const perSecond: number[] = [];
  for (;;) {
    const [rows] = await connection.query('SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [statusCode]);
    const count = Number((rows as { n: number }[])[0]?.n ?? 0);
    const now = Date.now();
    if (count !== applied) {
      if (firstAt === undefined) firstAt = now;
      lastAt = now;
      applied = count;
    }
    if (firstAt !== undefined) perSecond[Math.floor((now - firstAt) / 1000)] = count;
    if (applied >= expected) break;
    if (lastAt !== undefined && now - lastAt > options.idleMs) break;
    if (now - started > options.maxMs) break;
    await new Promise((resolve) => setTimeout(resolve, options.stepMs ?? 50));
  }
  return { applied, firstAt, lastAt, perSecond: perSecond.map((value, index) => value ?? perSecond[index - 1] ?? 0) };
}

/** A running queue watcher (stock/queue_watch.py): when consumers first took messages from a full queue. */
export class QueueWatch {
  private readonly lines: [number, number, number][] = [];
  private buffered = '';
  private readonly child: ChildProcess;

  private constructor(script: string, queue: string) {
    this.child = spawn('/usr/bin/python3', [script, queue], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      const complete = this.buffered.split('\n');
      this.buffered = complete.pop() ?? '';
      for (const line of complete) {
        const [at, ready, consumers] = line.trim().split(' ').map(Number);
        if (at !== undefined && ready !== undefined && consumers !== undefined) this.lines.push([at, ready, consumers]);
      }
    });
  }

  /** Starts watching and waits for the first reading. */
  static async start(script: string, queue: string): Promise<QueueWatch> {
    const watch = new QueueWatch(script, queue);
    await waitFor(async () => watch.lines.length > 0, `a reading of ${queue}`, 30_000, 20);
    return watch;
  }

  /** Epoch ms of the first reading with fewer than `full` ready messages. */
  firstTakenAt(full: number): number | undefined {
    return this.lines.find(([, ready]) => ready < full)?.[0];
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}
