/**
 * Stock Trove 18's trove-api from Debian, run exactly as stock-trove-baseline.md §4 describes: its own
 * config and database, the stock paste pipeline with only `authtoken` swapped for Trove's own test filter
 * (`trove.tests.fakes.keystone`: tenant = token), a stateless Nova stub (`remote_nova_client`), rate limits
 * raised, default worker count. The package is installed when missing; `api-paste.ini` comes from the
 * trove-common package (extracted with `apt-get download` + `dpkg -x` when the installed copy is gone).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: 900_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

const NOVA_STUB = `"""Stateless Nova stand-in for the benchmark (stock-trove-baseline.md 9.1): no servers."""
from novaclient import exceptions as nova_exceptions


class _Servers(object):
    def list(self, *args, **kwargs):
        return []

    def get(self, server_id):
        raise nova_exceptions.NotFound(404, "Not found (bench stub)")


class _Nova(object):
    def __init__(self):
        self.servers = _Servers()


_NOVA = _Nova()


def create_nova_client(context, region_name=None):
    return _NOVA
`;

const MANAGE_WRAPPER = `#!/usr/bin/python3
# Debian 12's trove-manage calls inspect.getargspec, removed in Python 3.11 (stock-trove-baseline.md 9.2).
import inspect
import sys
if not hasattr(inspect, 'getargspec'):
    inspect.getargspec = inspect.getfullargspec
from trove.cmd.manage import main
sys.exit(main())
`;

/** Installs trove-api when missing (Debian package; policy-rc.d keeps services from starting). */
export async function ensureStockTrove(log: (line: string) => void): Promise<void> {
  if (existsSync('/usr/bin/trove-api') && existsSync('/usr/lib/python3/dist-packages/trove/cmd/api.py')) return;
  log('installing trove-api from Debian');
  const guard = '/usr/sbin/policy-rc.d';
  const created = !existsSync(guard);
  if (created) writeFileSync(guard, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-q', 'trove-api', 'python3-trove'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } finally {
    if (created) await run('rm', ['-f', guard]);
  }
}

async function pasteIni(workDir: string): Promise<string> {
  const installed = '/usr/share/trove-common/api-paste.ini';
  if (existsSync(installed)) return readFileSync(installed, 'utf8');
  const debs = join(workDir, 'debs');
  mkdirSync(debs, { recursive: true });
  await run('apt-get', ['download', 'trove-common'], { cwd: debs });
  const deb = readdirSync(debs).find((name) => name.endsWith('.deb'));
  if (deb === undefined) throw new Error('apt-get download trove-common produced no .deb');
  await run('dpkg', ['-x', join(debs, deb), join(debs, 'x')]);
  return readFileSync(join(debs, 'x/usr/share/trove-common/api-paste.ini'), 'utf8');
}

/** A configured stock trove-api. */
export interface StockTrove {
  configFile: string;
  workDir: string;
  dbSync(): Promise<void>;
  start(): ChildProcess;
}

/** Writes the stock config (own port, own database, unique exchange) under `workDir`. */
export async function prepareStockTrove(options: { workDir: string; port: number; databaseUrl: string; exchange: string }): Promise<StockTrove> {
  const { workDir } = options;
  for (const dir of ['etc', 'stubs', 'logs', 'lock']) mkdirSync(join(workDir, dir), { recursive: true });
  const paste = (await pasteIni(workDir)).replace(
    /^paste\.filter_factory = keystonemiddleware\.auth_token:filter_factory$/m,
    'paste.filter_factory = trove.tests.fakes.keystone:filter_factory',
  );
  if (!paste.includes('trove.tests.fakes.keystone')) throw new Error('api-paste.ini has no authtoken filter to swap');
  writeFileSync(join(workDir, 'etc/api-paste.ini'), paste);
  writeFileSync(join(workDir, 'stubs/trove_bench_stubs.py'), NOVA_STUB);
  writeFileSync(join(workDir, 'trove-manage-py311'), MANAGE_WRAPPER, { mode: 0o755 });
  const configFile = join(workDir, 'etc/trove.conf');
  writeFileSync(
    configFile,
    [
      '[DEFAULT]',
      'debug = False',
      'bind_host = 127.0.0.1',
      `bind_port = ${options.port}`,
      `api_paste_config = ${join(workDir, 'etc/api-paste.ini')}`,
      'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
      `control_exchange = ${options.exchange}`,
      'host = 127.0.0.1',
      `log_dir = ${join(workDir, 'logs')}`,
      'http_get_rate = 100000000',
      'http_post_rate = 100000000',
      'http_put_rate = 100000000',
      'http_delete_rate = 100000000',
      'http_mgmt_post_rate = 100000000',
      'remote_nova_client = trove_bench_stubs.create_nova_client',
      'default_datastore = mysql',
      '[database]',
      `connection = ${options.databaseUrl}`,
      '[oslo_concurrency]',
      `lock_path = ${join(workDir, 'lock')}`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, PYTHONPATH: join(workDir, 'stubs') };
  return {
    configFile,
    workDir,
    async dbSync() {
      await run('/usr/bin/python3', [join(workDir, 'trove-manage-py311'), '--config-file', configFile, 'db_sync'], { env });
    },
    start() {
      return spawn('/usr/bin/python3', ['/usr/bin/trove-api', '--config-file', configFile], { env, stdio: 'ignore', detached: false });
    },
  };
}
