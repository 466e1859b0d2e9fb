import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { silentLogger } from '../../../shared/logging/index.js';
import type { CommandResult, CommandRunner } from '../../../guestagent/host-command.js';
import { filesystemStats, parseMountInfo, VolumeError, VolumeManager, type VolumeSettings } from '../../../guestagent/volume.js';
import { TempDir } from '../../helpers/tmp.js';

const settings: VolumeSettings = { fstype: 'ext3', formatOptions: '-m 5', mountOptions: 'defaults,noatime', formatTimeoutMs: 1000 };

function scriptedRunner(answers: Record<string, CommandResult>): { run: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  const run: CommandRunner = async (program, args) => {
    calls.push([program, ...args]);
    return answers[program] ?? { exitCode: 0, stdout: '', stderr: '' };
  };
  return { run, calls };
}

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '98 22 253:16 / /var/lib/my\\040data rw,noatime shared:40 - ext3 /dev/vdb rw',
  '',
].join('\n');

describe('volume', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir('trove-agent-volume-');
  });
  afterEach(() => tmp.cleanup());

  it('parses mountinfo, including escaped spaces', () => {
    expect(parseMountInfo(MOUNTINFO)).to.deep.equal([
      { mountPoint: '/', source: '/dev/sda1', fstype: 'ext4' },
      { mountPoint: '/var/lib/my data', source: '/dev/vdb', fstype: 'ext3' },
    ]);
  });

  it('uses a plain directory when no device is configured', async () => {
    const { run, calls } = scriptedRunner({});
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
    expect(await volume.ensureMounted('', tmp.join('data'))).to.equal('directory');
    expect(calls).to.deep.equal([]);
  });

  it('formats a blank device (blkid exit 2), then mounts it with the configured options', async () => {
    const { run, calls } = scriptedRunner({ blkid: { exitCode: 2, stdout: '', stderr: '' } });
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
    const mountPoint = tmp.join('data');
    expect(await volume.ensureMounted('/dev/vdc', mountPoint)).to.equal('mounted');
    expect(calls).to.deep.equal([
      ['blkid', '-p', '-o', 'export', '--', '/dev/vdc'],
      ['mkfs', '-t', 'ext3', '-m', '5', '-F', '--', '/dev/vdc'],
      ['mount', '-t', 'ext3', '-o', 'defaults,noatime', '--', '/dev/vdc', mountPoint],
    ]);
  });

  it('never formats a device that holds a filesystem or a partition table', async () => {
    for (const stdout of ['DEVNAME=/dev/vdc\nTYPE=ext4\n', 'DEVNAME=/dev/vdc\nPTTYPE=gpt\n']) {
      const { run, calls } = scriptedRunner({ blkid: { exitCode: 0, stdout, stderr: '' } });
      const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
      await volume.ensureMounted('/dev/vdc', tmp.join('data'));
      expect(calls.map((call) => call[0])).to.deep.equal(['blkid', 'mount']);
    }
  });

  it('keeps an existing mount and runs nothing', async () => {
    const { run, calls } = scriptedRunner({});
    const mountPoint = tmp.join('my data');
    mkdirSync(mountPoint);
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO.replace('/var/lib/my\\040data', mountPoint.replace(/ /g, '\\040')) });
    expect(await volume.ensureMounted('/dev/vdb', mountPoint)).to.equal('already-mounted');
    expect(calls).to.deep.equal([]);
  });

  it('never treats a path that is not a block device as blank', async () => {
    const { run, calls } = scriptedRunner({ blkid: { exitCode: 2, stdout: '', stderr: '' } });
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => false });
    let caught: unknown;
    try {
      await volume.ensureMounted('/dev/typo', tmp.join('data'));
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.equal('Cannot probe /dev/typo: it is not a block device.');
    expect(calls).to.deep.equal([]);
  });

  it('resizes offline (unmount, check, grow, mount) or online (grow only)', async () => {
    const mountPoint = tmp.join('my data');
    mkdirSync(mountPoint);
    let mounted = MOUNTINFO.replace('/var/lib/my\\040data', mountPoint.replace(/ /g, '\\040'));
    const { run, calls } = scriptedRunner({});
    const recording: CommandRunner = async (program, args, options) => {
      if (program === 'umount') mounted = MOUNTINFO;
      return run(program, args, options);
    };
    const volume = new VolumeManager(settings, silentLogger(), { run: recording, readMountInfo: async () => mounted, isBlockDevice: async () => true });
    await volume.resize('/dev/vdb', mountPoint, false);
    expect(calls.map((call) => call[0])).to.deep.equal(['umount', 'e2fsck', 'resize2fs', 'mount']);
    calls.length = 0;
    await volume.resize('/dev/vdb', mountPoint, true);
    expect(calls).to.deep.equal([['resize2fs', '--', '/dev/vdb']]);
  });

  it('fails clearly, without formatting, when the device cannot be probed', async () => {
    const { run, calls } = scriptedRunner({ blkid: { exitCode: 4, stdout: '', stderr: 'blkid: cannot open /dev/nope' } });
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
    let caught: unknown;
    try {
      await volume.ensureMounted('/dev/nope', tmp.join('data'));
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(VolumeError);
    expect((caught as Error).message).to.contain('cannot open /dev/nope');
    expect(calls.map((call) => call[0])).to.deep.equal(['blkid']);
  });

  it('reports a failed mount with the command\'s message', async () => {
    const { run } = scriptedRunner({ blkid: { exitCode: 0, stdout: 'TYPE=ext3\n', stderr: '' }, mount: { exitCode: 32, stdout: '', stderr: 'mount: wrong fs type' } });
    const volume = new VolumeManager(settings, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
    let caught: unknown;
    try {
      await volume.ensureMounted('/dev/vdc', tmp.join('data'));
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.match(/mount of \/dev\/vdc .* failed \(exit 32\): mount: wrong fs type/);
  });

  it('refuses a filesystem type that is not a plain name', async () => {
    const { run } = scriptedRunner({ blkid: { exitCode: 2, stdout: '', stderr: '' } });
    const volume = new VolumeManager({ ...settings, fstype: 'ext3 -O evil' }, silentLogger(), { run, readMountInfo: async () => MOUNTINFO, isBlockDevice: async () => true });
    let caught: unknown;
    try {
      await volume.ensureMounted('/dev/vdc', tmp.join('data'));
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(VolumeError);
  });

  it('reports statfs figures in Trove\'s shape', async () => {
    const stats = await filesystemStats(tmp.path);
    expect(stats).to.have.all.keys('block_size', 'total_blocks', 'free_blocks', 'total', 'free', 'used');
    expect(stats.block_size).to.be.greaterThan(0);
    expect(stats.total_blocks).to.be.at.least(stats.free_blocks);
    expect(stats.free).to.equal(stats.free_blocks * stats.block_size);
    const totalGb = Math.round(((stats.total_blocks * stats.block_size) / 1024 ** 3) * 100) / 100;
    expect(stats.total).to.equal(totalGb);
    expect(stats.used).to.be.closeTo(totalGb - stats.free / 1024 ** 3, 0.011);
  });

  it('fails with a VolumeError for a path that does not exist', async () => {
    let caught: unknown;
    try {
      await filesystemStats(tmp.join('missing'));
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(VolumeError);
  });
});
