/**
 * Stock trove-conductor (Trove 18 from Debian 12) prepared the way stock-trove-baseline.md §8.2 runs it, but
 * isolated from everything else on the machine: its own throw-away database (schema by Trove's own
 * `trove-manage db_sync`), its own exchange and conductor topic on the shared broker, and its own random
 * `inst_rpc_key_encr_key`. Heartbeats are sent by Trove's own guest-side client code (§9.7).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adminConnection, testDatabaseName } from '../../helpers/mariadb.js';
import { deleteBrokerObjects } from '../../integration/conductor/harness.js';
import { TempDir } from '../../helpers/tmp.js';
import { queuesStartingWith } from './measure.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** The repository root (the folder with package.json above this compiled file). */
export function repoRoot(): string {
  let dir = new URL('.', import.meta.url).pathname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('package.json not found above the benchmark');
    dir = parent;
  }
  return dir;
}

/** The Python helpers of the stock side (source files, not compiled). */
export const STOCK_SCRIPTS = join(repoRoot(), 'test', 'bench', 'conductor', 'stock');

/** One prepared stock deployment: database seeded, config written. */
export class StockConductor {
  readonly database = testDatabaseName();
  readonly exchange: string;
  readonly topic: string;
  readonly dir = new TempDir('trove-conductor-bench-stock-');
  private readonly kek = randomBytes(24).toString('base64url');
  private child: ChildProcess | undefined;

  constructor(suffix: string) {
    this.exchange = `conductor-bench-stock-${suffix}`;
    this.topic = `trove-conductor-bench-stock-${suffix}`;
  }

  get configFile(): string {
    return this.dir.join('trove.conf');
  }

  get keysFile(): string {
    return this.dir.join('keys.json');
  }

  get logFile(): string {
    return this.dir.join('trove-conductor.log');
  }

  /** Creates the database with Trove's schema and seeds `count` instances with per-instance keys. */
  async prepare(count: number): Promise<void> {
    const admin = await adminConnection();
    try {
      await admin.query(`CREATE DATABASE \`${this.database}\` CHARACTER SET utf8mb4`);
    } finally {
      await admin.end();
    }
    writeFileSync(
      this.configFile,
      [
        '[DEFAULT]',
        'debug = False',
        `log_dir = ${this.dir.path}`,
        'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
        `control_exchange = ${this.exchange}`,
        `conductor_queue = ${this.topic}`,
        'host = 127.0.0.1',
        `inst_rpc_key_encr_key = ${this.kek}`,
        '[database]',
        `connection = mysql+pymysql://root@127.0.0.1:3306/${this.database}`,
        '[oslo_concurrency]',
        `lock_path = ${this.dir.path}`,
        '',
      ].join('\n'),
    );
    await run(PYTHON, [join(STOCK_SCRIPTS, 'trove_manage.py'), '--config-file', this.configFile, 'db_sync'], { timeout: 300_000 });
    await run(PYTHON, [join(STOCK_SCRIPTS, 'seed_instances.py'), this.database, String(count), this.keysFile, this.kek], { timeout: 300_000 });
  }

  /** Starts /usr/bin/trove-conductor (parent + its default workers). */
  start(): ChildProcess {
    const log = openSync(this.dir.join('trove-conductor.stdout'), 'a');
    this.child = spawn('/usr/bin/trove-conductor', ['--config-file', this.configFile], { stdio: ['ignore', log, log] });
    return this.child;
  }

  /** SIGTERM to the parent (it stops its workers) and waits for it. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  /** Casts `count` encrypted heartbeats with Trove's own client code; returns its JSON report. */
  async sendHeartbeats(count: number): Promise<Record<string, unknown>> {
    const { stdout } = await run(PYTHON, [join(STOCK_SCRIPTS, 'send_heartbeats.py'), this.configFile, this.keysFile, String(count), 'encrypted'], { timeout: 600_000, maxBuffer: 16 << 20 });
    const line = stdout.trim().split('\n').pop() ?? '{}';
    return JSON.parse(line) as Record<string, unknown>;
  }

  /** Lines of the conductor's log that report a failed message. */
  failuresLogged(): number {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter((line) => line.includes('Exception during message handling')).length;
    } catch {
      return 0;
    }
  }

  /** Stops it, drops the database and deletes its queues and exchanges. */
  async cleanup(): Promise<void> {
    await this.stop();
    const admin = await adminConnection();
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${this.database}\``);
    } finally {
      await admin.end();
    }
    const queues = [this.topic, `${this.topic}.127.0.0.1`, ...(await queuesStartingWith(`${this.topic}_fanout_`))];
    await deleteBrokerObjects(queues, [this.exchange, `${this.topic}_fanout`]);
    this.dir.cleanup();
  }
}
