/** Guest images and warm bases as images/guest/build and images/guest/warm-base leave them in the image dir. */
import { expect } from 'chai';
import { symlinkSync, writeFileSync } from 'node:fs';
import { QemuImageCatalog } from '../../../../../controller/compute/local-qemu/index.js';
import { TempDir } from '../../../../helpers/tmp.js';

describe('local-qemu images', () => {
  let tmp: TempDir;

  function guestImage(name: string, hash: string, builtAt: string, extra: Record<string, unknown> = {}, files = ['qcow2', 'vmlinuz', 'initrd']): void {
    for (const ext of files) tmp.write(`${name}-${hash}.${ext}`, ext);
    const manifest = {
      name, hash, qcow2: `/elsewhere/${name}-${hash}.qcow2`, vmlinuz: `/elsewhere/${name}-${hash}.vmlinuz`, initrd: `/elsewhere/${name}-${hash}.initrd`,
      root_label: 'cloudimg-rootfs', preloaded_images: [], virtual_size_bytes: 2.5 * 2 ** 30, built_at: builtAt, ...extra,
    };
    writeFileSync(tmp.join(`${name}-${hash}.json`), JSON.stringify(manifest));
  }

  function current(name: string, hash: string): void {
    symlinkSync(`${name}-${hash}.json`, tmp.join(`${name}.json`));
  }

  function warmBase(file: string, name: string, hash: string, createdAt: string, withDisk = true): void {
    if (withDisk) tmp.write(`warm/${file}.qcow2`, 'warm');
    tmp.write(`warm/${file}.json`, JSON.stringify({ guest_name: name, guest_hash: hash, qcow2: `/old/place/${file}.qcow2`, images: [{ ref: 'trove/mariadb:10.11', id: 'sha256:1' }], virtual_size_bytes: 4 * 2 ** 30, created_at: createdAt }));
  }

  beforeEach(() => {
    tmp = new TempDir();
    guestImage('trove-guest', 'aaaa', '2026-01-02T00:00:00Z');
    guestImage('trove-guest', 'bbbb', '2026-01-01T00:00:00Z');
    current('trove-guest', 'aaaa');
    guestImage('trove-guest-dev', 'cccc', '2026-01-03T00:00:00Z', { preloaded_images: ['trove/postgresql:15'] });
    current('trove-guest-dev', 'cccc');
  });

  afterEach(() => tmp.cleanup());

  it('finds images by name (the current version) and by versioned name, with their tags and sizes', async () => {
    const catalog = new QemuImageCatalog(tmp.path);
    const image = await catalog.getImage('trove-guest');
    expect(image).to.deep.equal({ id: 'trove-guest', name: 'trove-guest', status: 'active', tags: ['trove-guest'], createdAt: '2026-01-02T00:00:00Z', minDiskGb: 3, minRamMb: 0 });
    expect((await catalog.getImage('trove-guest-bbbb'))?.createdAt).to.equal('2026-01-01T00:00:00Z');
    expect((await catalog.getImage('trove-guest-dev'))?.tags).to.deep.equal(['trove-guest-dev', 'trove/postgresql:15']);
  });

  it('does not find unknown ids, ids that leave the directory, or images whose disk is gone', async () => {
    const catalog = new QemuImageCatalog(tmp.path);
    expect(await catalog.getImage('nope')).to.equal(undefined);
    expect(await catalog.getImage('../etc/passwd')).to.equal(undefined);
    expect(await catalog.getImage('trove/mariadb')).to.equal(undefined);
    guestImage('broken', 'dddd', '2026-01-01T00:00:00Z', {}, ['vmlinuz']);
    expect(await catalog.getImage('broken-dddd')).to.equal(undefined);
    tmp.write('garbage.json', '{not json');
    expect(await catalog.getImage('garbage')).to.equal(undefined);
  });

  it('finds the newest current image carrying every tag', async () => {
    const catalog = new QemuImageCatalog(tmp.path);
    expect((await catalog.findNewestImageByTags(['trove-guest']))?.id).to.equal('trove-guest');
    expect((await catalog.findNewestImageByTags(['trove/postgresql:15']))?.id).to.equal('trove-guest-dev');
    expect(await catalog.findNewestImageByTags(['trove-guest', 'trove/postgresql:15'])).to.equal(undefined);
    expect(await catalog.findNewestImageByTags([])).to.equal(undefined);
  });

  it('boots from the newest warm base of exactly this image version, else from the image itself', async () => {
    const catalog = new QemuImageCatalog(tmp.path);
    let boot = await catalog.resolve('trove-guest');
    expect(boot).to.deep.include({ name: 'trove-guest', hash: 'aaaa', base: tmp.join('trove-guest-aaaa.qcow2'), warm: false, baseVirtualSizeBytes: 2.5 * 2 ** 30 });
    expect(boot?.kernel).to.deep.equal({ vmlinuz: tmp.join('trove-guest-aaaa.vmlinuz'), initrd: tmp.join('trove-guest-aaaa.initrd'), rootLabel: 'cloudimg-rootfs' });

    warmBase('trove-guest-bbbb-k1', 'trove-guest', 'bbbb', '2026-02-01T00:00:00Z');
    warmBase('trove-guest-aaaa-k1', 'trove-guest', 'aaaa', '2026-02-01T00:00:00Z');
    warmBase('trove-guest-aaaa-k2', 'trove-guest', 'aaaa', '2026-02-02T00:00:00Z');
    warmBase('trove-guest-aaaa-k3', 'trove-guest', 'aaaa', '2026-02-03T00:00:00Z', false);
    tmp.write('warm/trove-guest-aaaa-bad.json', '[]');
    boot = await catalog.resolve('trove-guest');
    expect(boot).to.deep.include({ base: tmp.join('warm/trove-guest-aaaa-k2.qcow2'), warm: true, baseVirtualSizeBytes: 4 * 2 ** 30, datastoreImages: ['trove/mariadb:10.11'] });
    expect((await catalog.resolve('trove-guest-bbbb'))?.base).to.equal(tmp.join('warm/trove-guest-bbbb-k1.qcow2'));
    expect((await new QemuImageCatalog(tmp.path, false).resolve('trove-guest'))?.warm).to.equal(false);
    expect(await catalog.resolve('missing')).to.equal(undefined);
  });

  it('boots through the disk when the build left no kernel', async () => {
    guestImage('diskonly', 'eeee', '2026-01-01T00:00:00Z', {}, ['qcow2']);
    const boot = await new QemuImageCatalog(tmp.path).resolve('diskonly-eeee');
    expect(boot?.kernel).to.equal(undefined);
    expect(boot?.base).to.equal(tmp.join('diskonly-eeee.qcow2'));
  });
});
