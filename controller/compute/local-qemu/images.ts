/**
 * Guest images of the local-qemu backend, read from `[local_qemu] image_dir` as `images/guest/build` leaves
 * them: `<name>-<hash>.{qcow2,vmlinuz,initrd,json}` plus `<name>.json` (a symlink to the current version).
 * An image's id is its name (`trove-guest`, the current version) or a versioned name (`trove-guest-<hash>`);
 * its tags are its name and the datastore images preloaded into it, so a datastore version can name the
 * image by id or by tags.
 *
 * A warm base (`images/guest/warm-base`: the guest image booted once with the datastore images loaded into
 * its Docker, then flattened) lives in `<image_dir>/warm/` and is described by a JSON file naming the guest
 * image's name and hash. VMs of that exact guest image version boot from it (about 100 s to a ready database
 * instead of about 270 s under TCG); without one they boot from the guest image itself.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Image, ImageCatalog } from '../ports.js';

/** A guest image version as `images/guest/build` describes it. */
export interface GuestImageManifest {
  name: string;
  hash: string;
  qcow2: string;
  vmlinuz?: string;
  initrd?: string;
  root_label?: string;
  preloaded_images?: string[];
  virtual_size_bytes?: number;
  built_at?: string;
}

/** A warm base as `images/guest/warm-base` describes it. */
export interface WarmBaseManifest {
  guest_name: string;
  guest_hash: string;
  qcow2: string;
  images: Array<{ ref: string; id: string }>;
  virtual_size_bytes: number;
  created_at: string;
}

/** What a VM boots: the disk its root overlay backs on, and the kernel for a direct boot. */
export interface BootImage {
  /** The image id as the datastore version names it. */
  id: string;
  name: string;
  hash: string;
  /** Absolute path of the qcow2 the VM's overlay is created on (the warm base when there is one). */
  base: string;
  baseVirtualSizeBytes: number;
  /** True when `base` is a warm base. */
  warm: boolean;
  /** Datastore images already in the base's Docker (warm base) or loaded at first boot (preloaded). */
  datastoreImages: string[];
  /** The image's kernel and initrd, for `-kernel/-initrd` boots; undefined when the build left none. */
  kernel?: { vmlinuz: string; initrd: string; rootLabel: string };
}

const IMAGE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function isManifest(value: unknown): value is GuestImageManifest {
  const manifest = value as Partial<GuestImageManifest> | undefined;
  return typeof manifest?.name === 'string' && typeof manifest.hash === 'string' && typeof manifest.qcow2 === 'string';
}

function isWarmManifest(value: unknown): value is WarmBaseManifest {
  const manifest = value as Partial<WarmBaseManifest> | undefined;
  return typeof manifest?.guest_name === 'string' && typeof manifest.guest_hash === 'string' && typeof manifest.qcow2 === 'string' && Array.isArray(manifest.images);
}

/** Guest images and their warm bases in one directory. */
export class QemuImageCatalog implements ImageCatalog {
  constructor(
    readonly imageDir: string,
    private readonly useWarmBase = true,
  ) {}

  /** The warm base directory. */
  warmDir(): string {
    return join(this.imageDir, 'warm');
  }

  /** The manifest of an image id, when the id is well formed and its disk is there. */
  private async manifest(id: string): Promise<GuestImageManifest | undefined> {
    if (!IMAGE_ID.test(id)) return undefined;
    const manifest = await readJson<unknown>(join(this.imageDir, `${id}.json`));
    if (!isManifest(manifest)) return undefined;
    // Paths are taken relative to the image dir, so a moved image directory keeps working.
    const qcow2 = join(this.imageDir, basename(manifest.qcow2));
    return (await exists(qcow2)) ? { ...manifest, qcow2 } : undefined;
  }

  private toImage(id: string, manifest: GuestImageManifest): Image {
    return {
      id,
      name: manifest.name,
      status: 'active',
      tags: [manifest.name, ...(manifest.preloaded_images ?? [])],
      createdAt: manifest.built_at ?? new Date(0).toISOString(),
      minDiskGb: Math.ceil((manifest.virtual_size_bytes ?? 0) / 2 ** 30),
      minRamMb: 0,
    };
  }

  async getImage(id: string): Promise<Image | undefined> {
    const manifest = await this.manifest(id);
    return manifest === undefined ? undefined : this.toImage(id, manifest);
  }

  async findNewestImageByTags(tags: readonly string[]): Promise<Image | undefined> {
    if (tags.length === 0) return undefined;
    let entries: string[];
    try {
      entries = await readdir(this.imageDir);
    } catch {
      return undefined;
    }
    let newest: Image | undefined;
    for (const entry of entries.filter((name) => name.endsWith('.json')).sort()) {
      // Only the current versions (symlinks) are offered; versioned ids stay reachable through getImage.
      if (!(await lstat(join(this.imageDir, entry)).then((info) => info.isSymbolicLink(), () => false))) continue;
      const image = await this.getImage(entry.slice(0, -'.json'.length));
      if (image === undefined || !tags.every((tag) => image.tags.includes(tag))) continue;
      if (newest === undefined || image.createdAt > newest.createdAt) newest = image;
    }
    return newest;
  }

  /** The newest warm base made from exactly this guest image version. */
  async warmBase(name: string, hash: string): Promise<WarmBaseManifest | undefined> {
    let entries: string[];
    try {
      entries = await readdir(this.warmDir());
    } catch {
      return undefined;
    }
    let newest: WarmBaseManifest | undefined;
    for (const entry of entries.filter((file) => file.endsWith('.json'))) {
      const manifest = await readJson<unknown>(join(this.warmDir(), entry));
      if (!isWarmManifest(manifest) || manifest.guest_name !== name || manifest.guest_hash !== hash) continue;
      const qcow2 = join(this.warmDir(), basename(manifest.qcow2));
      if (!(await exists(qcow2))) continue;
      if (newest === undefined || manifest.created_at > newest.created_at) newest = { ...manifest, qcow2 };
    }
    return newest;
  }

  /** What a VM of image `id` boots; undefined when the image does not exist. */
  async resolve(id: string): Promise<BootImage | undefined> {
    const manifest = await this.manifest(id);
    if (manifest === undefined) return undefined;
    const warm = this.useWarmBase ? await this.warmBase(manifest.name, manifest.hash) : undefined;
    const vmlinuz = manifest.vmlinuz === undefined ? undefined : join(this.imageDir, basename(manifest.vmlinuz));
    const initrd = manifest.initrd === undefined ? undefined : join(this.imageDir, basename(manifest.initrd));
    const kernel = vmlinuz !== undefined && initrd !== undefined && (await exists(vmlinuz)) && (await exists(initrd)) ? { vmlinuz, initrd, rootLabel: manifest.root_label ?? 'cloudimg-rootfs' } : undefined;
    return {
      id,
      name: manifest.name,
      hash: manifest.hash,
      base: warm?.qcow2 ?? manifest.qcow2,
      baseVirtualSizeBytes: warm?.virtual_size_bytes ?? manifest.virtual_size_bytes ?? 0,
      warm: warm !== undefined,
      datastoreImages: warm !== undefined ? warm.images.map((image) => image.ref) : [...(manifest.preloaded_images ?? [])],
      ...(kernel === undefined ? {} : { kernel }),
    };
  }
}
