/**
 * The shipped processes: `trove-api` started from its compiled main with a config file (real MariaDB, real
 * RabbitMQ over AMQP 1.0, noauth, 2 cluster workers) serves, and stops cleanly on SIGTERM; a broken config
 * exits 2 with one line. `trove-manage generate-policy` prints the default policy.
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import yaml from 'js-yaml';
import { DEFAULT_RULES } from '../../../controller/api/policy/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';

const API_MAIN = new URL('../../../controller/api/main.js', import.meta.url).pathname;
const MANAGE_MAIN = new URL('../../../controller/manage/main.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function childrenOf(pid: number): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'pid=', '--ppid', String(pid)], (_error, stdout) => resolve(stdout.split('\n').map((line) => Number(line.trim())).filter((value) => value > 0)));
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

describe('trove-api and trove-manage processes', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: TempDir;
  let child: ChildProcess | undefined;
  before(async () => {
    db = await createTestDatabase();
    dir = new TempDir();
  });
  after(async () => {
    if (child?.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
    await db?.drop();
    dir?.cleanup();
  });

  it('serves with 2 workers and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const exchange = `trove_api_test_${randomBytes(4).toString('hex')}`;
    const config = dir.write('trove.conf', [
      '[DEFAULT]',
      'bind_host = 127.0.0.1',
      `bind_port = ${port}`,
      'trove_api_workers = 2',
      'auth_strategy = noauth',
      'compute_backend = local-process',
      `taskmanager_rpc_encr_key = ${randomBytes(24).toString('hex')}`,
      `inst_rpc_key_encr_key = ${randomBytes(24).toString('hex')}`,
      'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
      `control_exchange = ${exchange}`,
      `taskmanager_queue = ${exchange}_tm`,
      '[database]',
      `connection = ${db.url}`,
      '',
    ].join('\n'));
    child = spawn(process.execPath, [API_MAIN, '--config-file', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 60_000;
    let answered = false;
    while (!answered && Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1.0/p1/datastores`, { headers: { 'x-auth-token': 'p1' } });
        answered = response.status === 200;
        expect(await response.json()).to.deep.equal({ datastores: [] });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(answered, stderr).to.equal(true);
    const workers = await childrenOf(child.pid!);
    expect(workers, stderr).to.have.length(2);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    for (const worker of workers) expect(alive(worker), `worker ${worker}`).to.equal(false);
    expect(stderr).to.contain('"msg":"trove-api stopped"');
  });

  it('exits 2 with one line for a broken config', async () => {
    const config = dir.write('bad.conf', '[DEFAULT]\nbind_port = not-a-port\n');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const bad = spawn(process.execPath, [API_MAIN, '--config-file', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      bad.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.contain('bind_port');
  });

  it('prints the default policy with trove-manage generate-policy, and refuses stray arguments', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [MANAGE_MAIN, ...args], (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    const ok = await run(['generate-policy']);
    expect(ok.code, ok.stderr).to.equal(0);
    const parsed = yaml.load(ok.stdout) as Record<string, string>;
    for (const rule of DEFAULT_RULES) expect(parsed[rule.name]).to.equal(rule.check);
    const bad = await run(['generate-policy', 'extra']);
    expect(bad.code).not.to.equal(0);
  });
});
