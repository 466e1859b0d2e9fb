/**
 * The data volume on a real block device (a loop device over a sparse file): a blank device is formatted
 * and mounted with the configured options, a device with data is mounted without being formatted again,
 * statfs figures match the kernel's, the filesystem grows with resize_fs, and the agent mounts its configured
 * device at start-up.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { loadDriverFactory } from '../../../guestagent/datastores/registry.js';
import { filesystemStats, VolumeManager } from '../../../guestagent/volume.js';
import { FakeContainerRuntime } from '../../fakes/fake-container-runtime.js';
import { TempDir } from '../../helpers/tmp.js';

describe('data volume on a loop device', function () {
  this.timeout(120_000);
  const tmp = new TempDir('trove-agent-loop-');
  const image = tmp.join('volume.img');
  const mountPoint = tmp.join('mnt');
  let device = '';
  const volume = new VolumeManager({ fstype: 'ext3', formatOptions: '-m 5', mountOptions: 'defaults,noatime', formatTimeoutMs: 60_000 }, silentLogger());

  before(function () {
    try {
      execFileSync('truncate', ['-s', '64M', image]);
      device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
    } catch {
      this.skip();
    }
  });

  after(() => {
    if (existsSync(mountPoint)) spawnSync('umount', [mountPoint], { stdio: 'ignore' });
    if (device) execFileSync('losetup', ['-d', device]);
    tmp.cleanup();
  });

  it('formats a blank device once and mounts it with the configured options', async () => {
    expect(await volume.isBlank(device)).to.equal(true);
    expect(await volume.ensureMounted(device, mountPoint)).to.equal('mounted');
    expect(execFileSync('blkid', ['-o', 'value', '-s', 'TYPE', device], { encoding: 'utf8' }).trim()).to.equal('ext3');
    const mount = await volume.findMount(mountPoint);
    expect(mount).to.deep.include({ source: device, fstype: 'ext3' });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).to.match(new RegExp(`${mountPoint.replace(/[/.-]/g, '\\$&')} \\S*noatime`));
    expect(await volume.ensureMounted(device, mountPoint)).to.equal('already-mounted');
  });

  it('reports the kernel\'s statfs figures for the mounted volume', async () => {
    const stats = await filesystemStats(mountPoint);
    const [blockSize, blocks, free] = execFileSync('stat', ['-f', '-c', '%S %b %f', mountPoint], { encoding: 'utf8' }).trim().split(' ').map(Number);
    expect(stats).to.deep.include({ block_size: blockSize, total_blocks: blocks, free_blocks: free });
    expect(stats.total).to.be.closeTo(((blocks ?? 0) * (blockSize ?? 0)) / 1024 ** 3, 0.01);
  });

  it('never formats a device that already holds data', async () => {
    writeFileSync(join(mountPoint, 'keep.txt'), 'precious');
    await volume.unmount(mountPoint);
    expect(await volume.findMount(mountPoint)).to.equal(undefined);
    expect(await volume.isBlank(device)).to.equal(false);
    expect(await volume.ensureMounted(device, mountPoint)).to.equal('mounted');
    expect(readFileSync(join(mountPoint, 'keep.txt'), 'utf8')).to.equal('precious');
  });

  it('grows the filesystem offline after the device grew, keeping data and mount', async () => {
    const before = (await filesystemStats(mountPoint)).total_blocks;
    execFileSync('truncate', ['-s', '128M', image]);
    execFileSync('losetup', ['-c', device]);
    await volume.resize(device, mountPoint, false);
    expect((await volume.findMount(mountPoint))?.source).to.equal(device);
    expect((await filesystemStats(mountPoint)).total_blocks).to.be.greaterThan(before * 1.5);
    expect(readFileSync(join(mountPoint, 'keep.txt'), 'utf8')).to.equal('precious');
  });

  it('fails clearly for a device that does not exist, touching nothing', async () => {
    const error = await volume.ensureMounted('/dev/trove-no-such-device', tmp.join('other')).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).to.match(/Cannot probe \/dev\/trove-no-such-device/);
  });

  it('is mounted by the agent at start-up when the datastore section names the device', async () => {
    await volume.unmount(mountPoint);
    const config = defaultConfig({ DEFAULT: { guest_id: 'loop-test', datastore_manager: 'mariadb' }, mariadb: { mount_point: mountPoint, device_path: device } });
    const driver = (await loadDriverFactory('mariadb'))({ instanceId: 'loop-test', config, options: config.mariadb, runtime: new FakeContainerRuntime(), volume, logger: silentLogger() });
    await driver.reconcile();
    expect((await volume.findMount(mountPoint))?.source).to.equal(device);
    expect(readFileSync(join(mountPoint, 'keep.txt'), 'utf8')).to.equal('precious');
  });
});
