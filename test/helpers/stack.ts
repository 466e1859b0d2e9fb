/**
 * A whole trove-ts deployment on this host for e2e tests, benchmarks and `make demo`: a generated trove.conf
 * (noauth, local-process backend, random keys from the CSPRNG, its own control exchange and topic names, its
 * own 127.10.x.0/24 addresses), a database migrated with `trove-manage db_sync` and datastores registered with
 * `trove-manage`, and trove-api, trove-taskmanager and trove-conductor as child processes (each in its own
 * process group, logs under `<dir>/logs`). Guest agents are started by the taskmanager's backend.
 *
 *   const stack = await Stack.create({ datastores: true });
 *   await stack.start();
 *   ... stack.openstack(['database', 'instance', 'list']) ...
 *   await stack.teardown();   // by PID: processes, agents, containers; then the database and the directory
 *
 * Everything is stopped by PID (never by name); a detached stack (the demo) records its PIDs in `<dir>/pids`
 * so `Stack.attach(dir)` can stop it from another process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TopologySession } from '../../shared/rpc/index.js';
import { DockerodeHost, isAgentProcess } from '../../controller/compute/local-process/index.js';
import { adminConnection, testDatabaseName, testServerUrl } from './mariadb.js';

/** The controller processes a stack runs. */
export type StackProcess = 'api' | 'taskmanager' | 'conductor';
const ALL_PROCESSES: readonly StackProcess[] = ['api', 'taskmanager', 'conductor'];
const MAINS: Record<StackProcess, string> = { api: 'controller/api/main.js', taskmanager: 'controller/taskmanager/main.js', conductor: 'controller/conductor/main.js' };

type IniSections = Record<string, Record<string, string | number | boolean>>;

/** The broker names a stack uses (its own, so stacks and other tests on the same broker never meet). */
export interface StackNames {
  exchange: string;
  taskmanagerQueue: string;
  conductorQueue: string;
  host: string;
}

/** Options to configure a stack. */
export interface StackOptions {
  /** Directory for config, logs, pids and instance state. @default a new temporary directory */
  dir?: string;
  /** Database name; created if missing. @default trove_test_<random>, dropped at teardown */
  databaseName?: string;
  /** Keep the database at teardown (the demo). @default false unless databaseName is given */
  keepDatabase?: boolean;
  /** Overrides of trove.conf, by section. */
  config?: IniSections;
  /** Overrides of the trove-guestagent.conf every guest receives. */
  guestConfig?: IniSections;
  /** Register mariadb 10.11 and postgresql 15 with their validation rules. @default true */
  datastores?: boolean;
  /** Third octet of the stack's 127.10.x.0/24 range. @default random */
  addressOctet?: number;
  /** Processes survive this one (the demo). @default false */
  detached?: boolean;
  /** Project (tenant) in the API endpoint the CLI uses. @default e2e-project */
  project?: string;
  /** Token the CLI sends (noauth: the user id). @default e2e-token */
  token?: string;
  /** Receives progress lines. */
  progress?: (line: string) => void;
}

/** Result of a command. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The compiled tree this file belongs to (a dist directory), and the repository root. */
export const DIST_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function iniText(sections: IniSections): string {
  return Object.entries(sections)
    .map(([section, values]) => [`[${section}]`, ...Object.entries(values).map(([key, value]) => `${key} = ${String(value)}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}

function merge(base: IniSections, extra: IniSections | undefined): IniSections {
  const result: IniSections = structuredClone(base);
  for (const [section, values] of Object.entries(extra ?? {})) result[section] = { ...(result[section] ?? {}), ...values };
  return result;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a program to its end. */
export function run(program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: options.env ?? process.env, cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Stops a process group by its leader's PID: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(pid: number, graceMs = 15_000): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  signalGroup(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
}

/** A running (or attachable) deployment. */
export class Stack {
  readonly configFile: string;
  readonly guestConfigFile: string;
  readonly logsDir: string;
  readonly pidsDir: string;
  readonly stateDir: string;
  readonly project: string;
  readonly token: string;
  private readonly children = new Map<StackProcess, ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly databaseName: string,
    readonly addressRange: string,
    readonly names: StackNames,
    private readonly options: StackOptions,
  ) {
    this.configFile = join(dir, 'trove.conf');
    this.guestConfigFile = join(dir, 'trove-guestagent.conf');
    this.logsDir = join(dir, 'logs');
    this.pidsDir = join(dir, 'pids');
    this.stateDir = join(dir, 'local');
    this.project = options.project ?? 'e2e-project';
    this.token = options.token ?? 'e2e-token';
  }

  /** Writes the configuration, creates and migrates the database, registers the datastores. */
  static async create(options: StackOptions = {}): Promise<Stack> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'trove-e2e-'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const octet = options.addressOctet ?? 1 + Math.floor(Math.random() * 250);
    const suffix = randomBytes(4).toString('hex');
    const databaseName = options.databaseName ?? testDatabaseName();
    const names: StackNames = { exchange: `trove-e2e-${suffix}`, taskmanagerQueue: `taskmanager-${suffix}`, conductorQueue: `trove-conductor-${suffix}`, host: `e2e-${suffix}` };
    const stack = new Stack(dir, await freePort(), databaseName, `127.10.${octet}.0/24`, names, { keepDatabase: options.databaseName !== undefined, ...options });
    for (const sub of [stack.logsDir, stack.pidsDir, stack.stateDir]) mkdirSync(sub, { recursive: true, mode: 0o700 });
    const databaseUrl = `${testServerUrl()}/${databaseName}?charset=utf8`;
    const config: IniSections = {
      DEFAULT: {
        bind_host: '127.0.0.1',
        bind_port: stack.port,
        trove_api_workers: 1,
        auth_strategy: 'noauth',
        compute_backend: 'local-process',
        host: names.host,
        transport_url: 'rabbit://guest:guest@127.0.0.1:5672/',
        control_exchange: names.exchange,
        taskmanager_queue: names.taskmanagerQueue,
        conductor_queue: names.conductorQueue,
        enable_secure_rpc_messaging: true,
        taskmanager_rpc_encr_key: randomBytes(32).toString('hex'),
        inst_rpc_key_encr_key: randomBytes(32).toString('hex'),
        guest_config: stack.guestConfigFile,
        usage_timeout: 300,
        usage_sleep_time: 1,
        server_status_sync_interval: 5,
        taskmanager_flow_lease: 10,
        max_instances_per_tenant: 100,
        max_volumes_per_tenant: 1000,
        // Tests and benchmarks poll the API; Trove's per-minute request limits are not what they measure.
        http_get_rate: 0,
        http_post_rate: 0,
        http_put_rate: 0,
        http_delete_rate: 0,
      },
      database: { connection: databaseUrl },
      local_compute: { state_dir: stack.stateDir, address_range: stack.addressRange },
    };
    const guest: IniSections = {
      DEFAULT: { report_interval: 10, state_change_poll_time: 1, state_change_wait_time: 180 },
      guest_agent: { status_check_interval: 2 },
    };
    writeFileSync(stack.configFile, iniText(merge(config, options.config)), { mode: 0o600 });
    writeFileSync(stack.guestConfigFile, iniText(merge(guest, options.guestConfig)), { mode: 0o600 });
    writeFileSync(join(dir, 'stack.json'), JSON.stringify({ port: stack.port, databaseName, addressRange: stack.addressRange, names, keepDatabase: stack.options.keepDatabase, project: stack.project, token: stack.token }));

    const admin = await adminConnection();
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${databaseName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    } finally {
      await admin.end();
    }
    try {
      await stack.manageOk('db_sync');
      if (options.datastores ?? true) await stack.registerDatastores();
    } catch (error) {
      await stack.teardown({ keepDir: options.dir !== undefined }).catch(() => undefined);
      throw error;
    }
    return stack;
  }

  /** Reconnects to a stack created (detached) by another process, e.g. for `make demo-stop`. */
  static attach(dir: string): Stack {
    const saved = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as { port: number; databaseName: string; addressRange: string; names: StackNames; keepDatabase: boolean; project: string; token: string };
    return new Stack(dir, saved.port, saved.databaseName, saved.addressRange, saved.names, { dir, keepDatabase: saved.keepDatabase, detached: true, project: saved.project, token: saved.token });
  }

  private progress(line: string): void {
    this.options.progress?.(line);
  }

  /** The API endpoint the stock CLI is pointed at. */
  endpoint(project = this.project): string {
    return `http://127.0.0.1:${this.port}/v1.0/${project}`;
  }

  /** Runs trove-manage with this stack's configuration. */
  manage(...args: string[]): Promise<CommandResult> {
    return run(process.execPath, [join(DIST_ROOT, 'controller/manage/main.js'), '--config-file', this.configFile, ...args]);
  }

  private async manageOk(...args: string[]): Promise<void> {
    const result = await this.manage(...args);
    if (result.code !== 0) throw new Error(`trove-manage ${args.join(' ')} failed (${String(result.code)}): ${result.stderr.trim()}`);
    this.progress(`trove-manage ${args[0]}: ${result.stdout.trim().split('\n').at(-1) ?? ''}`);
  }

  /** Registers mariadb 10.11 and postgresql 15 (images trove/mariadb, trove/postgresql) with their parameter rules. */
  async registerDatastores(): Promise<void> {
    for (const [name, version] of [['mariadb', '10.11'], ['postgresql', '15']] as const) {
      await this.manageOk('datastore_update', name, '');
      await this.manageOk('datastore_version_update', name, version, name, `trove/${name}`, '', '1');
      await this.manageOk('datastore_update', name, version);
      await this.manageOk('db_load_datastore_config_parameters', name, version, join(REPO_ROOT, 'controller/templates', name, 'validation-rules.json'));
    }
  }

  /** Starts the named processes (all by default) and waits until each is serving. */
  async start(names: readonly StackProcess[] = ALL_PROCESSES): Promise<void> {
    for (const name of names) await this.startProcess(name);
  }

  /** Starts one process and waits for its "started" log line (and, for the API, an answer on its port). */
  async startProcess(name: StackProcess): Promise<number> {
    const log = join(this.logsDir, `${name}.log`);
    const offset = existsSync(log) ? readFileSync(log).length : 0;
    const fd = openSync(log, 'a', 0o600);
    const child = spawn(process.execPath, [join(DIST_ROOT, MAINS[name]), '--config-file', this.configFile], {
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8' },
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`cannot start ${name}`);
    if (this.options.detached) child.unref();
    this.children.set(name, child);
    writeFileSync(join(this.pidsDir, `${name}.pid`), `${child.pid}\n`);
    const deadline = Date.now() + 60_000;
    const marker = `"msg":"trove-${name} started"`;
    for (;;) {
      const text = readFileSync(log).subarray(offset).toString();
      if (text.includes(marker)) break;
      if (child.exitCode !== null || !alive(child.pid)) throw new Error(`${name} exited at start:\n${text.split('\n').slice(-15).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s:\n${text.split('\n').slice(-15).join('\n')}`);
      await sleep(100);
    }
    if (name === 'api') {
      for (;;) {
        const answered = await fetch(`http://127.0.0.1:${this.port}/`).then((response) => response.ok, () => false);
        if (answered) break;
        if (Date.now() > deadline) throw new Error('the API does not answer');
        await sleep(100);
      }
    }
    this.progress(`trove-${name} running (pid ${child.pid})`);
    return child.pid;
  }

  /** The PID of a running process of the stack, from its pid file. */
  pidOf(name: StackProcess): number | undefined {
    const file = join(this.pidsDir, `${name}.pid`);
    if (!existsSync(file)) return undefined;
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && alive(pid) ? pid : undefined;
  }

  /** Stops a process by PID: gracefully, or at once with `kill` (SIGKILL, as a crash). */
  async stopProcess(name: StackProcess, options: { kill?: boolean } = {}): Promise<void> {
    const pid = this.pidOf(name);
    if (pid !== undefined) {
      if (options.kill) {
        signalGroup(pid, 'SIGKILL');
        while (alive(pid)) await sleep(20);
      } else {
        await stopGroup(pid);
      }
    }
    rmSync(join(this.pidsDir, `${name}.pid`), { force: true });
    this.children.delete(name);
  }

  /** A process's log since it started (for failure messages). */
  log(name: StackProcess | 'agent', instanceServerDir?: string): string {
    const file = name === 'agent' && instanceServerDir !== undefined ? join(instanceServerDir, 'agent.log') : join(this.logsDir, `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Server directories of the instances' agents. */
  serverDirs(): string[] {
    const servers = join(this.stateDir, 'servers');
    return existsSync(servers) ? readdirSync(servers).map((entry) => join(servers, entry)) : [];
  }

  /** Kills the agents the backend started (by the PIDs in their pid files, after checking they are agents). */
  async killAgents(): Promise<number> {
    let killed = 0;
    for (const serverDir of this.serverDirs()) {
      const pidText = existsSync(join(serverDir, 'agent.pid')) ? readFileSync(join(serverDir, 'agent.pid'), 'utf8') : '';
      const pid = Number.parseInt(pidText, 10);
      const configDir = join(serverDir, 'etc/trove/conf.d');
      if (Number.isInteger(pid) && (await isAgentProcess(pid, configDir))) {
        await stopGroup(pid, 5000);
        killed += 1;
      }
    }
    return killed;
  }

  /** Instance ids whose servers this stack's backend recorded. */
  instanceIdsOnHost(): string[] {
    const ids: string[] = [];
    for (const serverDir of this.serverDirs()) {
      const file = join(serverDir, 'server.json');
      if (existsSync(file)) ids.push((JSON.parse(readFileSync(file, 'utf8')) as { instanceId: string }).instanceId);
    }
    return ids;
  }

  /** Deletes the stack's queues (its topics, its instances' guest topics) and its exchange from the shared broker. */
  async deleteBrokerTopology(instanceIds: readonly string[]): Promise<void> {
    const { exchange, taskmanagerQueue, conductorQueue, host } = this.names;
    const queues = [taskmanagerQueue, `${taskmanagerQueue}.${host}`, conductorQueue, `${conductorQueue}.${host}`];
    for (const id of instanceIds) queues.push(`guestagent.${id}`, `guestagent.${id}.${id}`);
    // One session per object: a refused deletion closes the session it happened on.
    const withSession = async (action: (session: TopologySession) => Promise<void>): Promise<void> => {
      const session = await TopologySession.open({ host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' }, '/', { tls: false, timeoutMs: 5000 });
      try {
        await action(session);
      } catch {
        // already gone
      } finally {
        await session.close();
      }
    };
    for (const queue of queues) await withSession((session) => session.deleteQueue(queue));
    await withSession((session) => session.deleteExchange(exchange));
  }

  /** Stops everything by PID (even half-started), removes the instances' containers, the database and the directory. */
  async teardown(options: { keepDir?: boolean } = {}): Promise<void> {
    for (const name of ['api', 'taskmanager', 'conductor'] as const) await this.stopProcess(name).catch(() => undefined);
    await this.killAgents().catch(() => undefined);
    const docker = new DockerodeHost('/var/run/docker.sock');
    for (const instanceId of this.instanceIdsOnHost()) await docker.removeInstanceContainers(instanceId).catch(() => undefined);
    const admin = await adminConnection();
    try {
      const [rows] = await admin.query(`SELECT id FROM \`${this.databaseName}\`.instances`).catch(() => [[]]);
      await this.deleteBrokerTopology((rows as Array<{ id: string }>).map((row) => row.id)).catch(() => undefined);
      if (!this.options.keepDatabase) await admin.query(`DROP DATABASE IF EXISTS \`${this.databaseName}\``);
    } finally {
      await admin.end();
    }
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
