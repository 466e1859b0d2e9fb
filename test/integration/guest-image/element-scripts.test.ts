/**
 * The scripts the guest image runs at boot, exercised on this host: the Docker daemon.json merge (temp
 * files), the first-boot image loader (the host's real Docker engine, with a tiny throw-away image), and
 * the device-mapper stand-in installer (a temp directory instead of /usr/local/sbin).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempDir } from '../../helpers/tmp.js';
import { hasCommand, repoRoot, run } from './run.js';

const root = repoRoot();
const dockerStatic = join(root, 'dib-elements/trove-docker/static');
const dockerConfig = join(dockerStatic, 'usr/lib/trove-guest/docker-config');
const dockerDefaults = join(dockerStatic, 'usr/share/trove-guest/docker-daemon-defaults.json');
const loader = join(root, 'dib-elements/trove-datastore-images/static/usr/lib/trove-guest/load-preloaded-images');
const shimInstaller = join(root, 'images/guest/host-shims/install');

describe('trove-docker: docker-config (daemon.json merge)', () => {
  let tmp: TempDir;
  let conf: string;
  const merge = () =>
    run(dockerConfig, [], { env: { ...process.env, TROVE_DOCKER_DAEMON_JSON: conf, TROVE_DOCKER_DEFAULTS: dockerDefaults } });
  const read = () => JSON.parse(readFileSync(conf, 'utf8')) as Record<string, unknown>;

  beforeEach(() => {
    tmp = new TempDir();
    conf = tmp.join('docker/daemon.json');
  });
  afterEach(() => tmp.cleanup());

  it('writes the host-network defaults when nothing was injected', async () => {
    const result = await merge();
    expect(result.code, result.stderr).to.equal(0);
    expect(read()).to.deep.include({ bridge: 'none', iptables: false, 'ip-masq': false, 'live-restore': true });
  });

  it('keeps injected registry settings, lets them win, and is idempotent', async () => {
    tmp.write('docker/daemon.json', JSON.stringify({ 'registry-mirrors': ['http://10.0.0.5:5000'], 'insecure-registries': ['10.0.0.5:5000'], 'live-restore': false }));
    expect((await merge()).code).to.equal(0);
    const first = readFileSync(conf, 'utf8');
    expect(read()).to.deep.include({ bridge: 'none', 'live-restore': false, 'registry-mirrors': ['http://10.0.0.5:5000'], 'insecure-registries': ['10.0.0.5:5000'] });
    const second = await merge();
    expect(second.code).to.equal(0);
    expect(second.stderr).to.contain('already up to date');
    expect(readFileSync(conf, 'utf8')).to.equal(first);
  });

  it('drops bridge:none when the controller sets bip (dockerd refuses both)', async () => {
    tmp.write('docker/daemon.json', JSON.stringify({ bip: '172.31.0.1/24' }));
    expect((await merge()).code).to.equal(0);
    expect(read()).to.have.property('bip', '172.31.0.1/24');
    expect(read()).to.not.have.property('bridge');
  });

  for (const [what, text] of [
    ['not JSON', '{"registry-mirrors": ['],
    ['not an object', '["http://10.0.0.5:5000"]'],
    ['a registry list that is a string', '{"registry-mirrors": "http://10.0.0.5:5000"}'],
    ['a registry list with a number', '{"insecure-registries": [5000]}'],
  ] as const) {
    it(`fails and leaves the file untouched when it is ${what}`, async () => {
      tmp.write('docker/daemon.json', text);
      const result = await merge();
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.match(/ERROR: .*daemon\.json is not usable: .+; left unchanged, Docker will not start/);
      expect(readFileSync(conf, 'utf8')).to.equal(text);
    });
  }
});

describe('trove-datastore-images: load-preloaded-images (real Docker engine)', function () {
  this.timeout(180_000);
  const tag = `trove-itest-preload-${randomBytes(4).toString('hex')}`;
  const ref = `${tag}/probe:1`;
  let tmp: TempDir;
  let imageId = '';
  let archive = '';

  const docker = async (...args: string[]) => {
    const result = await run('docker', args);
    if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const present = async () => (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();

  before(async function () {
    if (!(await hasCommand('docker')) || (await run('docker', ['info'], { timeoutMs: 30_000 })).code !== 0) {
      throw new Error('these tests need the Docker engine (.ci/lib/ensure-docker.sh)');
    }
    tmp = new TempDir();
    // A one-file image: enough for save/load, no registry, no base image.
    tmp.write('rootfs/hello.txt', `${tag}\n`);
    await run('sh', ['-c', `tar -C ${tmp.join('rootfs')} -c . | docker import - ${ref}`]).then((r) => {
      if (r.code !== 0) throw new Error(r.stderr);
    });
    imageId = await present();
    archive = tmp.join('probe.tar.gz');
    const saved = await run('sh', ['-c', `docker save ${ref} | gzip -1 > ${archive}`]);
    expect(saved.code, saved.stderr).to.equal(0);
  });

  after(async () => {
    await run('docker', ['image', 'rm', '-f', ref]);
    tmp?.cleanup();
  });

  /** A preload directory as the element builds it: images.list plus archives. */
  function preloadDir(lines: string[], files: Record<string, Buffer | string>): string {
    const dir = tmp.join(`preload-${randomBytes(3).toString('hex')}`);
    mkdirSync(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'images.list'), lines.map((line) => `${line}\n`).join(''));
    return dir;
  }

  it('loads an archive, checks the image id, and then deletes the archive and the list', async () => {
    await docker('image', 'rm', '-f', ref);
    expect(await present()).to.equal('');
    const dir = preloadDir([`probe.tar.gz ${ref} ${imageId}`], { 'probe.tar.gz': readFileSync(archive) });
    const result = await run(loader, [dir]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(`loaded ${ref}`);
    expect(await present()).to.equal(imageId);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('keeps the archive and fails when the archive is corrupt', async () => {
    await docker('image', 'rm', '-f', ref);
    const dir = preloadDir([`probe.tar.gz ${ref} ${imageId}`], { 'probe.tar.gz': 'this is not a tar archive' });
    const result = await run(loader, [dir]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('ERROR: docker load of probe.tar.gz failed');
    expect(readdirSync(dir).sort()).to.deep.equal(['images.list', 'probe.tar.gz']);
    expect(await present()).to.equal('');
  });

  it('keeps the archive and fails when it does not hold the recorded image id', async () => {
    await docker('image', 'rm', '-f', ref);
    const wrongId = `sha256:${'0'.repeat(64)}`;
    const dir = preloadDir([`probe.tar.gz ${ref} ${wrongId}`], { 'probe.tar.gz': readFileSync(archive) });
    const result = await run(loader, [dir]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain(`did not provide ${ref} with id ${wrongId}`);
    expect(readdirSync(dir).sort()).to.deep.equal(['images.list', 'probe.tar.gz']);
  });

  it('does nothing when there is nothing to load', async () => {
    const result = await run(loader, [tmp.join('no-such-dir')]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.contain('nothing to load');
  });
});

describe('host-shims/install (device-mapper stand-ins)', () => {
  let tmp: TempDir;
  const install = (policy: string, ...args: string[]) =>
    run(shimInstaller, args, { env: { ...process.env, TROVE_HOST_SHIMS_DIR: tmp.join('sbin'), TROVE_HOST_SHIMS: policy } });

  beforeEach(() => (tmp = new TempDir()));
  afterEach(() => tmp.cleanup());

  it('installs kpartx, dmsetup and fstrim when needed, once', async () => {
    const first = await install('yes');
    expect(first.code, first.stderr).to.equal(0);
    for (const shim of ['kpartx', 'dmsetup', 'fstrim']) {
      expect(readFileSync(tmp.join('sbin', shim), 'utf8')).to.equal(readFileSync(join(root, 'images/guest/host-shims', shim), 'utf8'));
    }
    const second = await install('yes');
    expect(second.code).to.equal(0);
    expect(second.stdout).to.equal('');
  });

  it('installs nothing when the host has device-mapper', async () => {
    const result = await install('no');
    expect(result.code).to.equal(0);
    expect(existsSync(tmp.join('sbin'))).to.equal(false);
    expect((await install('no', '--check')).stdout.trim()).to.equal('not-needed');
  });

  it('refuses to overwrite a kpartx it did not write, and leaves it as it was', async () => {
    const foreign = tmp.write('sbin/kpartx', '#!/bin/sh\necho site-local kpartx\n');
    chmodSync(foreign, 0o755);
    const result = await install('yes');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('is not a trove-ts shim');
    expect(readFileSync(foreign, 'utf8')).to.equal('#!/bin/sh\necho site-local kpartx\n');
  });

  it('--remove deletes only its own shims', async () => {
    expect((await install('yes')).code).to.equal(0);
    writeFileSync(tmp.join('sbin/other'), 'not ours');
    const result = await install('yes', '--remove');
    expect(result.code).to.equal(0);
    expect(readdirSync(tmp.join('sbin'))).to.deep.equal(['other']);
  });

  it('rejects an unknown policy', async () => {
    const result = await install('sometimes');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('TROVE_HOST_SHIMS must be auto, yes or no');
  });
});
