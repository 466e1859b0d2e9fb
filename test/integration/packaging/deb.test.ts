/**
 * The controller .deb on this machine: built by controller/packaging/build (clean npm ci + tsc of the
 * committed tree), installed with `dpkg -i`, inspected (files, owners, conffiles, the trove user, the
 * units with systemd-analyze), run (trove-api from /usr/lib/trove-ts as the trove user against a
 * throw-away MariaDB database and the local RabbitMQ, GET /), reinstalled over a local edit, and purged.
 * The .rpm from the same build is checked with rpm -qip/-qlp. Needs root; skipped when a package that
 * owns the same paths is already installed, so it never disturbs a machine's real installation.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';
import { repoRoot, run, type RunResult } from '../guest-image/run.js';

const root = repoRoot();
const buildScript = join(root, 'controller/packaging/build');
const units = ['trove-api', 'trove-taskmanager', 'trove-conductor'];
const conflicting = ['trove-ts-controller', 'trove-api', 'trove-conductor', 'trove-taskmanager', 'trove-common'];

async function packageInstalled(name: string): Promise<boolean> {
  const result = await run('dpkg-query', ['-W', '-f=${Status}', name]);
  return result.code === 0 && result.stdout.includes('install ok installed');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function mustSucceed(what: string, result: RunResult): string {
  expect(result.code, `${what}:\n${result.stdout}\n${result.stderr}`).to.equal(0);
  return result.stdout;
}

describe('controller packages', function () {
  this.timeout(60 * 60_000);
  const tmp = new TempDir('trove-ts-pkg-');
  const out = tmp.join('packages');
  let deb = '';
  let rpm = '';
  let userExisted = true;
  let installedByTest = false;
  let db: TestDatabase | undefined;
  let api: ChildProcess | undefined;
  /** Content of the commands another package (Debian's python3-trove) has at our paths, before install. */
  const stockCommands = new Map<string, string>();
  /** Owner and mode of state directories that existed before the install (e.g. /var/lib/trove/images). */
  const preexisting = new Map<string, { uid: number; gid: number; mode: number; entries: string[] }>();

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the packaging tests install a .deb and must run as root');
    for (const name of conflicting) {
      if (await packageInstalled(name)) {
        console.log(`    (skipped: ${name} is installed on this machine; the test would replace or purge it)`);
        return this.skip();
      }
    }
    userExisted = (await run('getent', ['passwd', 'trove'])).code === 0;
    for (const name of ['api', 'taskmanager', 'conductor', 'manage']) {
      const path = `/usr/bin/trove-${name}`;
      if (existsSync(path)) stockCommands.set(path, readFileSync(path, 'utf8'));
    }
    const built = await run(buildScript, ['--out', out], { timeoutMs: 50 * 60_000 });
    mustSucceed('controller/packaging/build', built);
    deb = built.stdout.split('\n').find((line) => line.endsWith('.deb')) ?? '';
    rpm = built.stdout.split('\n').find((line) => line.endsWith('.rpm')) ?? '';
  });

  after(async () => {
    if (api?.pid !== undefined && api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
    if (installedByTest && (await packageInstalled('trove-ts-controller'))) await run('dpkg', ['--purge', 'trove-ts-controller']);
    if (!userExisted && (await run('getent', ['passwd', 'trove'])).code === 0) {
      await run('userdel', ['trove']);
      await run('groupdel', ['trove']);
    }
    for (const [dir, before] of preexisting) {
      if (!existsSync(dir)) continue;
      chownSync(dir, before.uid, before.gid);
      chmodSync(dir, before.mode);
    }
    await db?.drop();
    tmp.cleanup();
  });

  describe('the build', () => {
    it('writes a versioned _all.deb, a noarch .rpm and their checksums', () => {
      const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
      expect(deb).to.equal(join(out, `trove-ts-controller_${version}-1_all.deb`));
      expect(rpm).to.equal(join(out, `trove-ts-controller-${version}-1.noarch.rpm`));
      const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8');
      expect(sums).to.contain(`trove-ts-controller_${version}-1_all.deb`).and.to.contain(`trove-ts-controller-${version}-1.noarch.rpm`);
    });

    it('refuses unknown formats and bad release numbers before building anything', async () => {
      const emptyOut = tmp.join('refused');
      for (const [args, message] of [
        [['--formats', 'deb,zip'], "unknown format 'zip'"],
        [['--release', '1a'], "--release '1a': a number"],
        [['--source', 'yesterday'], "--source 'yesterday'"],
      ] as const) {
        const result = await run(buildScript, [...args, '--out', emptyOut]);
        expect(result.code, args.join(' ')).to.equal(1);
        expect(result.stderr).to.contain(message);
        expect(existsSync(emptyOut)).to.equal(false);
      }
    });
  });

  describe('the .deb', () => {
    it('declares Node.js >= 20.19 (Debian 12 has 18), adduser, and conflicts with stock Trove', async () => {
      const depends = mustSucceed('dpkg-deb -f', await run('dpkg-deb', ['-f', deb, 'Depends', 'Conflicts', 'Architecture']));
      expect(depends).to.contain('nodejs (>= 20.19)').and.to.contain('adduser');
      expect(depends).to.contain('Conflicts: trove-api, trove-conductor, trove-taskmanager, trove-common');
      expect(depends).to.contain('Architecture: all');
    });

    it('installs with dpkg -i', async () => {
      // Other work on this host (images/guest/build writes /var/lib/trove/images) may have made these.
      for (const dir of ['/var/lib/trove', '/var/log/trove']) {
        if (!existsSync(dir)) continue;
        const stat = statSync(dir);
        preexisting.set(dir, { uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777, entries: readdirSync(dir) });
      }
      installedByTest = true;
      mustSucceed('dpkg -i', await run('dpkg', ['-i', deb]));
      expect(await packageInstalled('trove-ts-controller')).to.equal(true);
    });

    it('installs the compiled controller, the wrappers and the units', () => {
      for (const name of ['api', 'taskmanager', 'conductor', 'manage']) {
        expect(existsSync(`/usr/lib/trove-ts/controller/${name}/main.js`), name).to.equal(true);
        const wrapper = `/usr/bin/trove-${name}`;
        expect(statSync(wrapper).mode & 0o777).to.equal(0o755);
        expect(readFileSync(wrapper, 'utf8')).to.contain(`exec /usr/bin/node /usr/lib/trove-ts/controller/${name}/main.js "$@"`);
      }
      expect(existsSync('/usr/lib/trove-ts/node_modules/express/package.json')).to.equal(true);
      expect(existsSync('/usr/lib/trove-ts/node_modules/mocha'), 'dev dependencies are not shipped').to.equal(false);
      expect(existsSync('/usr/lib/trove-ts/guestagent'), 'the agent ships in the guest image only').to.equal(false);
      const info = JSON.parse(readFileSync('/usr/lib/trove-ts/BUILD-INFO.json', 'utf8')) as { component: string; source: string };
      expect(info).to.include({ component: 'controller', source: 'head' });
      for (const unit of units) {
        const text = readFileSync(`/lib/systemd/system/${unit}.service`, 'utf8');
        expect(text).to.contain('User=trove').and.to.contain('StandardOutput=journal');
        expect(text).to.contain(`ExecStart=/usr/bin/${unit} --config-file /etc/trove/trove.conf --config-dir /etc/trove/trove.conf.d`);
      }
    });

    it('diverts commands of the same name from other packages (python3-trove) instead of overwriting them', async () => {
      const diversions = mustSucceed('dpkg-divert --list', await run('dpkg-divert', ['--list', 'trove-ts-controller']));
      for (const name of ['api', 'taskmanager', 'conductor', 'manage']) {
        expect(diversions).to.contain(`diversion of /usr/bin/trove-${name} to /usr/bin/trove-${name}.trove-stock by trove-ts-controller`);
      }
      for (const [path, content] of stockCommands) expect(readFileSync(`${path}.trove-stock`, 'utf8'), path).to.equal(content);
    });

    it('creates the trove system user without a login shell, and its directories', async () => {
      const entry = mustSucceed('getent', await run('getent', ['passwd', 'trove'])).trim().split(':');
      expect(Number(entry[2])).to.be.lessThan(1000);
      expect(entry[5]).to.equal('/var/lib/trove');
      expect(entry[6]).to.equal('/usr/sbin/nologin');
      const trove = Number(entry[2]);
      for (const dir of ['/var/lib/trove', '/var/log/trove']) {
        const stat = statSync(dir);
        expect(stat.uid, dir).to.equal(trove);
        expect(stat.mode & 0o777, dir).to.equal(0o750);
        // Only a directory the package made is marked, hence removed on purge.
        expect(existsSync(join(dir, '.created-by-trove-ts-controller')), dir).to.equal(!preexisting.has(dir));
      }
    });

    it('ships trove.conf from generate-config as a conffile readable only by root and trove', async () => {
      const conffiles = mustSucceed('dpkg-query', await run('dpkg-query', ['-W', '-f=${Conffiles}', 'trove-ts-controller']));
      expect(conffiles).to.contain('/etc/trove/trove.conf ');
      const conf = readFileSync('/etc/trove/trove.conf', 'utf8');
      expect(conf).to.match(/^\[DEFAULT\]/m).and.to.contain('#bind_port = 8779');
      const stat = statSync('/etc/trove/trove.conf');
      expect(stat.mode & 0o777).to.equal(0o640);
      expect(stat.uid).to.equal(0);
      expect(readdirSync('/etc/trove/trove.conf.d')).to.deep.equal([]);
      if (existsSync('/etc/trove/policy.yaml')) expect(conffiles).to.contain('/etc/trove/policy.yaml ');
    });

    it('has unit files that pass systemd-analyze verify', async () => {
      const result = await run('systemd-analyze', ['verify', ...units.map((unit) => `/lib/systemd/system/${unit}.service`)]);
      // verify also loads the units' neighbours; it reports on other packages' units too. Ours only here.
      const problems = (result.stdout + result.stderr).split('\n').filter((line) => /trove-(api|taskmanager|conductor)\b/.test(line));
      expect(problems, problems.join('\n')).to.deep.equal([]);
      expect(result.code).to.equal(0);
    });

    it('runs trove-manage from the installed tree as trove', async () => {
      const result = await run('runuser', ['-u', 'trove', '--', '/usr/bin/trove-manage', 'generate-config']);
      expect(mustSucceed('trove-manage generate-config', result)).to.equal(readFileSync('/etc/trove/trove.conf', 'utf8'));
    });

    it('starts trove-api from the installed tree as trove and serves the versions document at /', async () => {
      db = await createTestDatabase();
      const port = await freePort();
      const confDir = tmp.join('api-conf');
      const conf = tmp.write(
        'api-conf/trove.conf',
        [
          '[DEFAULT]',
          'bind_host = 127.0.0.1',
          `bind_port = ${port}`,
          'auth_strategy = noauth',
          'trove_api_workers = 1',
          'compute_backend = local-process',
          'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
          `control_exchange = trove_pkgtest_${randomBytes(4).toString('hex')}`,
          `taskmanager_rpc_encr_key = ${randomBytes(24).toString('hex')}`,
          `inst_rpc_key_encr_key = ${randomBytes(24).toString('hex')}`,
          '[database]',
          `connection = ${db.url}`,
          '',
        ].join('\n'),
      );
      chmodSync(tmp.path, 0o755);
      chmodSync(confDir, 0o755);
      let output = '';
      api = spawn('runuser', ['-u', 'trove', '--', '/usr/bin/trove-api', '--config-file', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      api.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      api.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let body: unknown;
      const deadline = Date.now() + 60_000;
      while (body === undefined) {
        if (api.exitCode !== null) throw new Error(`trove-api exited with ${api.exitCode}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`trove-api did not answer on port ${port} within 60 s:\n${output}`);
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`);
          expect(response.status).to.be.oneOf([200, 300]);
          body = await response.json();
        } catch (error) {
          if (error instanceof Error && error.name === 'AssertionError') throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      const versions = (body as { versions: Array<{ id: string; status: string }> }).versions;
      expect(versions.map((version) => version.id)).to.include('v1.0');
      expect(versions.find((version) => version.id === 'v1.0')?.status).to.equal('CURRENT');
      const processUser = (await run('ps', ['-o', 'user=', '--ppid', String(api.pid)])).stdout.trim().split('\n');
      expect(processUser).to.include('trove');
      const exited = new Promise((resolve) => api?.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    });

    it('stops trove-api at once with a one-line error for a config it cannot use', async () => {
      const conf = tmp.write('bad-conf/trove.conf', '[DEFAULT]\nbind_port = not-a-port\n');
      chmodSync(tmp.join('bad-conf'), 0o755);
      const result = await run('runuser', ['-u', 'trove', '--', '/usr/bin/trove-api', '--config-file', conf], { timeoutMs: 60_000 });
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.contain('bind_port');
    });

    it('keeps a locally edited trove.conf when the package is installed again', async () => {
      appendFileSync('/etc/trove/trove.conf', '\n# local edit by the packaging test\n');
      mustSucceed('dpkg -i (again)', await run('dpkg', ['-i', '--force-confold', deb]));
      expect(readFileSync('/etc/trove/trove.conf', 'utf8')).to.contain('# local edit by the packaging test');
    });

    it('purges cleanly: files, configuration and data directories are gone', async () => {
      mustSucceed('dpkg --purge', await run('dpkg', ['--purge', 'trove-ts-controller']));
      expect(await packageInstalled('trove-ts-controller')).to.equal(false);
      if (!stockCommands.has('/usr/bin/trove-api')) expect(existsSync('/usr/bin/trove-api')).to.equal(false);
      for (const path of ['/usr/lib/trove-ts', '/lib/systemd/system/trove-api.service', '/etc/trove']) {
        expect(existsSync(path), path).to.equal(false);
      }
      // State directories the package created are gone; ones that were there before keep their content.
      for (const dir of ['/var/lib/trove', '/var/log/trove']) {
        const before = preexisting.get(dir);
        if (before === undefined) expect(existsSync(dir), dir).to.equal(false);
        else expect(readdirSync(dir), dir).to.include.members(before.entries);
      }
      expect((await run('dpkg-query', ['-W', 'trove-ts-controller'])).code).to.not.equal(0);
    });

    it('gives the diverted commands of other packages back their names', async () => {
      expect(mustSucceed('dpkg-divert --list', await run('dpkg-divert', ['--list', 'trove-ts-controller'])).trim()).to.equal('');
      for (const [path, content] of stockCommands) {
        expect(readFileSync(path, 'utf8'), path).to.equal(content);
        expect(existsSync(`${path}.trove-stock`), `${path}.trove-stock`).to.equal(false);
      }
    });
  });

  describe('the .rpm', () => {
    it('has the name, version, architecture and licence in its header', async () => {
      const info = mustSucceed('rpm -qip', await run('rpm', ['-qip', rpm]));
      expect(info).to.match(/^Name\s*: trove-ts-controller$/m);
      expect(info).to.match(/^Release\s*: 1$/m);
      expect(info).to.match(/^Architecture: noarch$/m);
      expect(info).to.match(/^License\s*: Apache-2.0$/m);
    });

    it('requires Node.js >= 20.19 and creates the trove user before its files land', async () => {
      const requires = mustSucceed('rpm --requires', await run('rpm', ['-qp', '--requires', rpm]));
      expect(requires).to.contain('nodejs >= 1:20.19');
      const scripts = mustSucceed('rpm --scripts', await run('rpm', ['-qp', '--scripts', rpm]));
      expect(scripts).to.match(/preinstall scriptlet[\s\S]*useradd --system/);
    });

    it('lists the tree, the units under /usr/lib/systemd/system and trove.conf as a noreplace config file', async () => {
      const files = mustSucceed('rpm -qlp', await run('rpm', ['-qlp', rpm])).split('\n');
      expect(files).to.include.members([
        '/usr/bin/trove-api',
        '/usr/lib/trove-ts/controller/api/main.js',
        '/usr/lib/systemd/system/trove-api.service',
        '/etc/trove/trove.conf',
        '/var/lib/trove',
        '/var/log/trove',
      ]);
      expect(files.some((file) => file.includes('/node_modules/mocha/'))).to.equal(false);
      expect(mustSucceed('rpm -qcp', await run('rpm', ['-qcp', rpm])).split('\n')).to.include('/etc/trove/trove.conf');
      const verbose = mustSucceed('rpm -qlvp', await run('rpm', ['-qlvp', rpm]));
      expect(verbose).to.match(/^-rw-r-----\s+1 root\s+trove\s+.*\/etc\/trove\/trove\.conf$/m);
      expect(verbose).to.match(/^drwxr-x---\s+2 trove\s+trove\s+.*\/var\/lib\/trove$/m);
    });
  });
});
