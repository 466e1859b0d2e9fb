/**
 * The controller packages. The .deb is built by controller/packaging/build (clean npm ci + tsc of the
 * committed tree) and installed with `dpkg -i` into a throw-away Debian 12 root on this machine (see
 * debian-root.ts: the machine's own package database, users and /var/lib/trove stay untouched, so stock
 * Trove packages and guest images on it are safe). Inside that root: files, owners, conffiles, the trove
 * user, diversions of another package's commands, the units with systemd-analyze, trove-api run as trove
 * against a throw-away MariaDB database and the local RabbitMQ (GET /), a reinstall over a local edit, and
 * the purge. The .rpm from the same build is checked with rpm -qip/-qlp. Needs root.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';
import { repoRoot, run, type RunResult } from '../guest-image/run.js';
import { DebianRoot } from './debian-root.js';

const repo = repoRoot();
const buildScript = join(repo, 'controller/packaging/build');
const units = ['trove-api', 'trove-taskmanager', 'trove-conductor'];
const commands = ['api', 'taskmanager', 'conductor', 'manage'];

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

/** Builds a minimal binary package from `files` (path inside the package -> [content, mode]). */
async function makeDeb(dir: string, control: Record<string, string>, files: Record<string, [Buffer | string, number]>): Promise<string> {
  mkdirSync(join(dir, 'DEBIAN'), { recursive: true });
  writeFileSync(join(dir, 'DEBIAN/control'), `${Object.entries(control).map(([key, value]) => `${key}: ${value}`).join('\n')}\n`);
  for (const [path, [content, mode]] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, content);
    chmodSync(target, mode);
  }
  const deb = `${dir}.deb`;
  mustSucceed(`dpkg-deb ${control['Package']}`, await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', dir, deb]));
  return deb;
}

describe('controller packages', function () {
  this.timeout(60 * 60_000);
  const tmp = new TempDir('trove-ts-pkg-');
  const out = tmp.join('packages');
  let deb = '';
  let rpm = '';
  let root: DebianRoot | undefined;
  let db: TestDatabase | undefined;
  let api: ChildProcess | undefined;
  const stockScript = (name: string) => `#!/bin/sh\necho "stock trove-${name} from another package"\n`;
  const inRoot = (command: string, ...args: string[]) => root!.run(command, args);

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('the packaging tests build a Debian root and must run as root');
    const built = await run(buildScript, ['--out', out], { timeoutMs: 50 * 60_000 });
    mustSucceed('controller/packaging/build', built);
    deb = built.stdout.split('\n').find((line) => line.endsWith('.deb')) ?? '';
    rpm = built.stdout.split('\n').find((line) => line.endsWith('.rpm')) ?? '';
    root = await DebianRoot.create(tmp.join('root'), repo);
    // Node.js >= 20.19 as a package, from this machine's own binary (Debian 12's nodejs is 18).
    const nodeDeb = await makeDeb(
      tmp.join('nodejs'),
      { Package: 'nodejs', Version: `${process.versions.node}-1trovetest`, Architecture: 'amd64', Maintainer: 'trove-ts tests <tests@localhost>', Depends: 'libc6, libstdc++6', Description: 'Node.js for the packaging test' },
      { 'usr/bin/node': [readFileSync(process.execPath), 0o755] },
    );
    // Stands in for Debian's python3-trove, which ships /usr/bin/trove-api and friends too.
    const stockDeb = await makeDeb(
      tmp.join('stock'),
      { Package: 'trove-ts-test-stock-commands', Version: '1.0', Architecture: 'all', Maintainer: 'trove-ts tests <tests@localhost>', Description: 'commands with the names of trove-ts commands' },
      Object.fromEntries(commands.map((name) => [`usr/bin/trove-${name}`, [stockScript(name), 0o755]])),
    );
    for (const file of [nodeDeb, stockDeb, deb]) copyFileSync(file, root.at(`tmp/${file.split('/').pop()}`));
    mustSucceed('dpkg -i nodejs + stock commands', await inRoot('dpkg', '-i', `/tmp/${nodeDeb.split('/').pop()}`, `/tmp/${stockDeb.split('/').pop()}`));
  });

  after(async () => {
    if (api?.pid !== undefined && api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
    await db?.drop();
    // A root that cannot be unmounted is left on disk rather than deleted through a mount.
    await root?.dispose();
    tmp.cleanup();
  });

  describe('the build', () => {
    it('writes a versioned _all.deb, a noarch .rpm and their checksums', () => {
      const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
      expect(deb).to.equal(join(out, `trove-ts-controller_${version}-1_all.deb`));
      expect(rpm).to.equal(join(out, `trove-ts-controller-${version}-1.noarch.rpm`));
      const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8');
      expect(sums).to.contain(`trove-ts-controller_${version}-1_all.deb`).and.to.contain(`trove-ts-controller-${version}-1.noarch.rpm`);
    });

    it('refuses unknown formats, bad release numbers and sources before building anything', async () => {
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

  describe('the .deb in a Debian 12 root', () => {
    it('declares Node.js >= 20.19 (Debian 12 has 18), adduser, and conflicts with stock Trove', async () => {
      const fields = mustSucceed('dpkg-deb -f', await run('dpkg-deb', ['-f', deb, 'Depends', 'Conflicts', 'Architecture']));
      expect(fields).to.contain('nodejs (>= 20.19)').and.to.contain('adduser');
      expect(fields).to.contain('Conflicts: trove-api, trove-conductor, trove-taskmanager, trove-common');
      expect(fields).to.contain('Architecture: all');
    });

    it('is refused while its Node.js dependency is missing, and installs once it is there', async () => {
      mustSucceed('dpkg -r nodejs', await inRoot('dpkg', '-r', 'nodejs'));
      const refused = await inRoot('dpkg', '-i', `/tmp/${deb.split('/').pop()}`);
      expect(refused.code).to.not.equal(0);
      expect(refused.stderr).to.contain('depends on nodejs (>= 20.19)');
      mustSucceed('dpkg -r trove-ts-controller', await inRoot('dpkg', '-r', 'trove-ts-controller'));
      mustSucceed('dpkg -i nodejs', await inRoot('dpkg', '-i', `/tmp/nodejs.deb`));
      mustSucceed('dpkg -i trove-ts-controller', await inRoot('dpkg', '-i', `/tmp/${deb.split('/').pop()}`));
      const status = mustSucceed('dpkg-query', await inRoot('dpkg-query', '-W', '-f=${Status}', 'trove-ts-controller'));
      expect(status).to.equal('install ok installed');
    });

    it('installs the compiled controller, the wrappers and the units', () => {
      for (const name of commands) {
        expect(existsSync(root!.at(`usr/lib/trove-ts/controller/${name}/main.js`)), name).to.equal(true);
        const wrapper = root!.at(`usr/bin/trove-${name}`);
        expect(statSync(wrapper).mode & 0o777).to.equal(0o755);
        expect(readFileSync(wrapper, 'utf8')).to.contain(`exec /usr/bin/node /usr/lib/trove-ts/controller/${name}/main.js "$@"`);
      }
      expect(existsSync(root!.at('usr/lib/trove-ts/node_modules/express/package.json'))).to.equal(true);
      expect(existsSync(root!.at('usr/lib/trove-ts/node_modules/mocha')), 'dev dependencies are not shipped').to.equal(false);
      expect(existsSync(root!.at('usr/lib/trove-ts/guestagent')), 'the agent ships in the guest image only').to.equal(false);
      const info = JSON.parse(readFileSync(root!.at('usr/lib/trove-ts/BUILD-INFO.json'), 'utf8')) as { component: string; source: string };
      expect(info).to.include({ component: 'controller', source: 'head' });
      for (const unit of units) {
        const text = readFileSync(root!.at(`lib/systemd/system/${unit}.service`), 'utf8');
        expect(text).to.contain('User=trove').and.to.contain('StandardOutput=journal');
        expect(text).to.contain(`ExecStart=/usr/bin/${unit} --config-file /etc/trove/trove.conf --config-dir /etc/trove/trove.conf.d`);
      }
    });

    it('diverts commands of the same name from another package instead of overwriting them', async () => {
      const diversions = mustSucceed('dpkg-divert --list', await inRoot('dpkg-divert', '--list', 'trove-ts-controller'));
      for (const name of commands) {
        expect(diversions).to.contain(`diversion of /usr/bin/trove-${name} to /usr/bin/trove-${name}.trove-stock by trove-ts-controller`);
        expect(readFileSync(root!.at(`usr/bin/trove-${name}.trove-stock`), 'utf8')).to.equal(stockScript(name));
      }
    });

    it('creates the trove system user without a login shell, and its directories', async () => {
      const entry = mustSucceed('getent', await inRoot('getent', 'passwd', 'trove')).trim().split(':');
      expect(Number(entry[2])).to.be.lessThan(1000);
      expect(entry[5]).to.equal('/var/lib/trove');
      expect(entry[6]).to.equal('/usr/sbin/nologin');
      for (const dir of ['var/lib/trove', 'var/log/trove']) {
        const stat = statSync(root!.at(dir));
        expect(stat.uid, dir).to.equal(Number(entry[2]));
        expect(stat.mode & 0o777, dir).to.equal(0o750);
        expect(existsSync(root!.at(`${dir}/.created-by-trove-ts-controller`)), dir).to.equal(true);
      }
    });

    it('ships trove.conf from generate-config as a conffile readable only by root and trove', async () => {
      const conffiles = mustSucceed('dpkg-query', await inRoot('dpkg-query', '-W', '-f=${Conffiles}', 'trove-ts-controller'));
      expect(conffiles).to.contain('/etc/trove/trove.conf ');
      const conf = readFileSync(root!.at('etc/trove/trove.conf'), 'utf8');
      expect(conf).to.match(/^\[DEFAULT\]/m).and.to.contain('#bind_port = 8779');
      const stat = statSync(root!.at('etc/trove/trove.conf'));
      expect(stat.mode & 0o777).to.equal(0o640);
      expect(stat.uid).to.equal(0);
      expect(readdirSync(root!.at('etc/trove/trove.conf.d'))).to.deep.equal([]);
      if (existsSync(root!.at('etc/trove/policy.yaml'))) expect(conffiles).to.contain('/etc/trove/policy.yaml ');
    });

    it('has unit files that pass systemd-analyze verify (and the check fails on a broken unit)', async () => {
      for (const unit of units) {
        const result = await run('systemd-analyze', ['verify', `--root=${root!.path}`, `${unit}.service`]);
        expect(result.code, `${unit}: ${result.stdout}${result.stderr}`).to.equal(0);
        expect((result.stdout + result.stderr).trim(), unit).to.equal('');
      }
      const broken = readFileSync(root!.at('lib/systemd/system/trove-api.service'), 'utf8').replace('ExecStart=/usr/bin/trove-api', 'ExecStart=/usr/bin/trove-apy');
      writeFileSync(root!.at('etc/systemd/system/trove-broken.service'), broken);
      const result = await run('systemd-analyze', ['verify', `--root=${root!.path}`, 'trove-broken.service']);
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.contain('/usr/bin/trove-apy');
    });

    it('runs trove-manage from the installed tree as trove', async () => {
      const result = await inRoot('runuser', '-u', 'trove', '--', '/usr/bin/trove-manage', 'generate-config');
      expect(mustSucceed('trove-manage generate-config', result)).to.equal(readFileSync(root!.at('etc/trove/trove.conf'), 'utf8'));
    });

    it('starts trove-api from the installed tree as trove and serves the versions document at /', async () => {
      db = await createTestDatabase();
      const port = await freePort();
      mkdirSync(root!.at('tmp/api'), { recursive: true });
      writeFileSync(
        root!.at('tmp/api/trove.conf'),
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
        { mode: 0o644 },
      );
      let output = '';
      api = spawn('chroot', [root!.path, 'runuser', '-u', 'trove', '--', '/usr/bin/trove-api', '--config-file', '/tmp/api/trove.conf'], { stdio: ['ignore', 'pipe', 'pipe'], env: DebianRoot.env });
      api.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      api.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let body: unknown;
      const deadline = Date.now() + 90_000;
      while (body === undefined) {
        if (api.exitCode !== null) throw new Error(`trove-api exited with ${api.exitCode}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`trove-api did not answer on port ${port} within 90 s:\n${output}`);
        const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        if (response === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        expect(response.status).to.be.oneOf([200, 300]);
        body = await response.json();
      }
      const versions = (body as { versions: Array<{ id: string; status: string }> }).versions;
      expect(versions.find((version) => version.id === 'v1.0')?.status).to.equal('CURRENT');
      // The root has its own passwd: compare uids, not the names the host would give them.
      const troveUid = mustSucceed('getent', await inRoot('getent', 'passwd', 'trove')).split(':')[2];
      const processes = mustSucceed('ps', await run('ps', ['-e', '-o', 'uid=,args=']));
      const apiUids = processes.split('\n').filter((line) => line.includes('/usr/lib/trove-ts/controller/api/main.js')).map((line) => line.trim().split(/\s+/)[0]);
      expect(apiUids, processes).to.not.be.empty;
      expect(new Set(apiUids)).to.deep.equal(new Set([troveUid]));
      const exited = new Promise((resolve) => api?.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    });

    it('stops trove-api at once with a one-line error for a config it cannot use', async () => {
      writeFileSync(root!.at('tmp/api/bad.conf'), '[DEFAULT]\nbind_port = not-a-port\n', { mode: 0o644 });
      const result = await inRoot('runuser', '-u', 'trove', '--', '/usr/bin/trove-api', '--config-file', '/tmp/api/bad.conf');
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.contain('bind_port');
    });

    it('keeps a locally edited trove.conf when the package is installed again', async () => {
      appendFileSync(root!.at('etc/trove/trove.conf'), '\n# local edit by the packaging test\n');
      mustSucceed('dpkg -i (again)', await inRoot('dpkg', '-i', '--force-confold', `/tmp/${deb.split('/').pop()}`));
      expect(readFileSync(root!.at('etc/trove/trove.conf'), 'utf8')).to.contain('# local edit by the packaging test');
    });

    it('purges cleanly: files, configuration and the state directories it created are gone', async () => {
      writeFileSync(root!.at('var/lib/trove/state-file'), 'made by a service');
      mustSucceed('dpkg --purge', await inRoot('dpkg', '--purge', 'trove-ts-controller'));
      expect((await inRoot('dpkg-query', '-W', 'trove-ts-controller')).code).to.not.equal(0);
      for (const path of ['usr/lib/trove-ts', 'lib/systemd/system/trove-api.service', 'etc/trove', 'var/lib/trove', 'var/log/trove']) {
        expect(existsSync(root!.at(path)), path).to.equal(false);
      }
    });

    it('gives the diverted commands back to the other package', async () => {
      expect(mustSucceed('dpkg-divert --list', await inRoot('dpkg-divert', '--list', 'trove-ts-controller')).trim()).to.equal('');
      for (const name of commands) {
        expect(readFileSync(root!.at(`usr/bin/trove-${name}`), 'utf8')).to.equal(stockScript(name));
        expect(existsSync(root!.at(`usr/bin/trove-${name}.trove-stock`))).to.equal(false);
      }
    });

    it('leaves a /var/lib/trove that existed before the package in place on purge', async () => {
      mkdirSync(root!.at('var/lib/trove/images'), { recursive: true });
      writeFileSync(root!.at('var/lib/trove/images/guest.qcow2'), 'not the package\'s');
      mustSucceed('dpkg -i', await inRoot('dpkg', '-i', `/tmp/${deb.split('/').pop()}`));
      expect(existsSync(root!.at('var/lib/trove/.created-by-trove-ts-controller'))).to.equal(false);
      const purged = await inRoot('dpkg', '--purge', 'trove-ts-controller');
      mustSucceed('dpkg --purge', purged);
      expect(purged.stderr).to.contain('/var/lib/trove existed before this package; left in place');
      expect(readFileSync(root!.at('var/lib/trove/images/guest.qcow2'), 'utf8')).to.equal('not the package\'s');
      expect(existsSync(root!.at('var/log/trove'))).to.equal(false);
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
