/**
 * A real Keystone (Debian's `keystone` package, Zed) for tests: sqlite in a state directory, fernet tokens,
 * served by uwsgi on 127.0.0.1:<port> (recipe: /work/shared/reference/stock-clients.md §3). Setup is
 * idempotent: a state directory that was bootstrapped with the same settings is reused, and a uwsgi already
 * serving it is adopted. `stop()` stops the uwsgi master by the PID in its pidfile, and only if this
 * helper started it. Projects, users and tokens are managed over Keystone's REST API (no CLI start-up cost).
 *
 *   const keystone = await startKeystone({ stateDir: '/tmp/trove-ts-keystone', port: 5051 });
 *   const project = await keystone.ensureProject('demo');
 *   await keystone.ensureUser('alice', 'secret', project, ['member']);
 *   const token = await keystone.token('alice', 'secret', 'demo');
 *   await keystone.stop();
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options to configure `startKeystone`. */
export interface KeystoneOptions {
  /** @default /tmp/trove-ts-keystone */
  stateDir?: string;
  /** @default 5000 */
  port?: number;
  /** Token lifetime (`[token] expiration`). @default 3600 */
  tokenExpirationSeconds?: number;
  /** Password of the bootstrap `admin` user (project `admin`). @default 'adminpass' */
  adminPassword?: string;
}

/** A running Keystone. */
export interface Keystone {
  /** `http://127.0.0.1:<port>/v3` */
  url: string;
  adminPassword: string;
  /** Whether this helper started the server (then `stop` stops it). */
  started: boolean;
  /** A token for `user` scoped to `project` (names in the Default domain). */
  token(user: string, password: string, project: string): Promise<string>;
  /** The id of a project, created when missing. */
  ensureProject(name: string): Promise<string>;
  /** The id of a user with `roles` on `projectId`, created (or its password reset) when needed. */
  ensureUser(name: string, password: string, projectId: string, roles: readonly string[]): Promise<string>;
  /** Revokes a token. */
  revoke(token: string): Promise<void>;
  stop(): Promise<void>;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function json(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', accept: 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function configText(stateDir: string, expiration: number): string {
  return [
    '[DEFAULT]',
    `log_file = ${stateDir}/keystone.log`,
    '[database]',
    `connection = sqlite:///${stateDir}/keystone.db`,
    '[token]',
    'provider = fernet',
    `expiration = ${expiration}`,
    '[fernet_tokens]',
    `key_repository = ${stateDir}/fernet-keys`,
    '[fernet_receipts]',
    `key_repository = ${stateDir}/fernet-keys`,
    '[credential]',
    `key_repository = ${stateDir}/credential-keys`,
    '',
  ].join('\n');
}

/** Sets Keystone up in `stateDir` (once) and makes sure it serves on the port. */
export async function startKeystone(options: KeystoneOptions = {}): Promise<Keystone> {
  const stateDir = options.stateDir ?? '/tmp/trove-ts-keystone';
  const port = options.port ?? 5000;
  const expiration = options.tokenExpirationSeconds ?? 3600;
  const adminPassword = options.adminPassword ?? 'adminpass';
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/v3`;
  const conf = join(stateDir, 'keystone.conf');
  const marker = join(stateDir, '.bootstrapped');
  const pidfile = join(stateDir, 'uwsgi.pid');
  const text = configText(stateDir, expiration);
  const signature = createHash('sha256').update(`${text}\n${port}\n${adminPassword}`).digest('hex');

  mkdirSync(stateDir, { recursive: true });
  const pidOf = (): number | undefined => {
    if (!existsSync(pidfile)) return undefined;
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  };

  const bootstrapped = existsSync(marker) && readFileSync(marker, 'utf8') === signature;
  if (!bootstrapped) {
    const running = pidOf();
    if (running !== undefined) throw new Error(`a Keystone (pid ${running}) serves ${stateDir} with other settings; stop it first`);
    writeFileSync(conf, text);
    const manage = ['--config-file', conf];
    await run('keystone-manage', [...manage, 'db_sync']);
    await run('sqlite3', [join(stateDir, 'keystone.db'), 'PRAGMA journal_mode=WAL;']);
    await run('keystone-manage', [...manage, 'fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root']);
    await run('keystone-manage', [...manage, 'credential_setup', '--keystone-user', 'root', '--keystone-group', 'root']);
    await run('keystone-manage', [
      ...manage, 'bootstrap', '--bootstrap-password', adminPassword, '--bootstrap-region-id', 'RegionOne',
      '--bootstrap-admin-url', `${url}/`, '--bootstrap-internal-url', `${url}/`, '--bootstrap-public-url', `${url}/`,
    ]);
    writeFileSync(marker, signature);
  }

  let started = false;
  if (pidOf() === undefined || !(await answers(url))) {
    if (pidOf() !== undefined) throw new Error(`Keystone pid ${pidOf()} in ${stateDir} does not answer on ${url}`);
    // One process, one thread (sqlite), Connection: close (uwsgi's http-socket has no keep-alive).
    const child = spawn(
      'uwsgi',
      [
        '--http-socket', `127.0.0.1:${port}`, '--plugin', 'python3', '--wsgi-file', '/usr/bin/keystone-wsgi-public',
        '--master', '--processes', '1', '--threads', '1', '--add-header', 'Connection: close', '--buffer-size', '65535',
        '--die-on-term', '--pidfile', pidfile, '--logto', join(stateDir, 'uwsgi.log'), '--daemonize2', join(stateDir, 'uwsgi.log'),
      ],
      { env: { ...process.env, OS_KEYSTONE_CONFIG_FILES: conf }, stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
    started = true;
    const deadline = Date.now() + 90_000;
    while (!(await answers(url))) {
      if (Date.now() > deadline) throw new Error(`Keystone did not answer on ${url} (log: ${stateDir}/uwsgi.log)`);
      await sleep(300);
    }
  }

  const token = async (user: string, password: string, project: string): Promise<string> => {
    const response = await json(`${url}/auth/tokens?nocatalog`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
          scope: { project: { name: project, domain: { name: 'Default' } } },
        },
      }),
    });
    const subject = response.headers.get('x-subject-token');
    if (response.status !== 201 || subject === null) throw new Error(`cannot get a token for ${user}@${project}: ${response.status}`);
    return subject;
  };
  const admin = async (): Promise<Record<string, string>> => ({ 'x-auth-token': await token('admin', adminPassword, 'admin') });

  const roleId = async (headers: Record<string, string>, name: string): Promise<string> => {
    const found = await json(`${url}/roles?name=${encodeURIComponent(name)}`, { headers });
    const roles = found.body['roles'] as Array<{ id: string }>;
    if (roles.length > 0) return (roles[0] as { id: string }).id;
    const created = await json(`${url}/roles`, { method: 'POST', headers, body: JSON.stringify({ role: { name } }) });
    return (created.body['role'] as { id: string }).id;
  };

  return {
    url,
    adminPassword,
    started,
    token,
    async ensureProject(name) {
      const headers = await admin();
      const found = await json(`${url}/projects?name=${encodeURIComponent(name)}&domain_id=default`, { headers });
      const projects = found.body['projects'] as Array<{ id: string }>;
      if (projects.length > 0) return (projects[0] as { id: string }).id;
      const created = await json(`${url}/projects`, { method: 'POST', headers, body: JSON.stringify({ project: { name, domain_id: 'default' } }) });
      if (created.status !== 201) throw new Error(`cannot create project ${name}: ${created.status}`);
      return (created.body['project'] as { id: string }).id;
    },
    async ensureUser(name, password, projectId, roles) {
      const headers = await admin();
      const found = await json(`${url}/users?name=${encodeURIComponent(name)}&domain_id=default`, { headers });
      const users = found.body['users'] as Array<{ id: string }>;
      let userId: string;
      if (users.length > 0) {
        userId = (users[0] as { id: string }).id;
        await json(`${url}/users/${userId}`, { method: 'PATCH', headers, body: JSON.stringify({ user: { password } }) });
      } else {
        const created = await json(`${url}/users`, { method: 'POST', headers, body: JSON.stringify({ user: { name, password, domain_id: 'default' } }) });
        if (created.status !== 201) throw new Error(`cannot create user ${name}: ${created.status}`);
        userId = (created.body['user'] as { id: string }).id;
      }
      for (const role of roles) {
        const id = await roleId(headers, role);
        await fetch(`${url}/projects/${projectId}/users/${userId}/roles/${id}`, { method: 'PUT', headers });
      }
      return userId;
    },
    async revoke(subject) {
      const headers = await admin();
      await fetch(`${url}/auth/tokens`, { method: 'DELETE', headers: { ...headers, 'x-subject-token': subject } });
    },
    async stop() {
      if (!started) return;
      const pid = pidOf();
      if (pid === undefined) return;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (alive(pid) && Date.now() < deadline) await sleep(200);
    },
  };
}
