/**
 * The data volume of the instance (Trove's `guestagent/volume.py`). With a device path the agent mounts the
 * device at the datastore's mount point, formatting it first only when `blkid` finds nothing on it: an
 * existing filesystem, or even a partition table, is never overwritten. Without a device path (single-host
 * mode) the mount point is a plain directory. `filesystemStats` reports statfs figures in Trove's shape.
 */
import { mkdir, readFile, stat, statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, TroveError } from '../shared/errors/index.js';
import type { Logger } from '../shared/logging/index.js';
import { runHostCommand, type CommandRunner } from './host-command.js';

/** Thrown when the volume cannot be probed, formatted, mounted or measured. */
export class VolumeError extends TroveError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.GUEST_ERROR, message, options);
  }
}

/** Trove's `get_filesystem_stats` result. */
export interface FilesystemStats {
  block_size: number;
  total_blocks: number;
  free_blocks: number;
  /** Total size in GB (2 decimals). */
  total: number;
  /** Free bytes. */
  free: number;
  /** Used size in GB (2 decimals). */
  used: number;
}

/** Options to configure volume handling (`[DEFAULT] volume_fstype`, `format_options`, `mount_options`). */
export interface VolumeSettings {
  fstype: string;
  formatOptions: string;
  mountOptions: string;
  formatTimeoutMs: number;
}

/** One line of the mount table. */
export interface MountEntry {
  mountPoint: string;
  source: string;
  fstype: string;
}

const GB = 1024 ** 3;

function toGb(bytes: number): number {
  return Math.round((bytes / GB) * 100) / 100;
}

/** Reads statfs of `path` in Trove's shape. */
export async function filesystemStats(path: string): Promise<FilesystemStats> {
  let stats;
  try {
    stats = await statfs(path);
  } catch (error) {
    throw new VolumeError(`Cannot read filesystem statistics of ${path}: ${(error as Error).message}`, { cause: error });
  }
  const total = stats.blocks * stats.bsize;
  const free = stats.bfree * stats.bsize;
  return {
    block_size: stats.bsize,
    total_blocks: stats.blocks,
    free_blocks: stats.bfree,
    total: toGb(total),
    free,
    used: toGb(total - free),
  };
}

/** Undoes mountinfo's octal escapes (`\040` is a space). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses `/proc/self/mountinfo` text. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(' ');
    const after = line.slice(separator + 3).split(' ');
    const mountPoint = before[4];
    const fstype = after[0];
    const source = after[1];
    if (mountPoint === undefined || fstype === undefined || source === undefined) continue;
    entries.push({ mountPoint: unescapeMountField(mountPoint), fstype, source: unescapeMountField(source) });
  }
  return entries;
}

/** The host's volume operations, with injectable command runner and mount table for tests. */
export class VolumeManager {
  private readonly run: CommandRunner;
  private readonly readMountInfo: () => Promise<string>;
  private readonly isBlockDevice: (path: string) => Promise<boolean>;

  constructor(
    private readonly settings: VolumeSettings,
    private readonly logger: Logger,
    deps: { run?: CommandRunner; readMountInfo?: () => Promise<string>; isBlockDevice?: (path: string) => Promise<boolean> } = {},
  ) {
    this.run = deps.run ?? runHostCommand;
    this.readMountInfo = deps.readMountInfo ?? (() => readFile('/proc/self/mountinfo', 'utf8'));
    this.isBlockDevice = deps.isBlockDevice ?? (async (path) => (await stat(path).catch(() => undefined))?.isBlockDevice() ?? false);
  }

  /** The mount at exactly `mountPoint`, if any (the last one wins when mounts are stacked). */
  async findMount(mountPoint: string): Promise<MountEntry | undefined> {
    const target = resolve(mountPoint);
    return parseMountInfo(await this.readMountInfo()).filter((entry) => entry.mountPoint === target).pop();
  }

  /**
   * Makes `mountPoint` ready: a directory when `devicePath` is empty, else the device mounted there
   * (formatted first only if blank). Idempotent: an existing mount is kept.
   */
  async ensureMounted(devicePath: string | null | undefined, mountPoint: string): Promise<'directory' | 'mounted' | 'already-mounted'> {
    await mkdir(mountPoint, { recursive: true, mode: 0o755 });
    if (!devicePath) return 'directory';
    const existing = await this.findMount(mountPoint);
    if (existing) {
      if (existing.source !== devicePath) {
        this.logger.warn({ mountPoint, mounted: existing.source, configured: devicePath }, 'mount point already holds another device; keeping it');
      }
      return 'already-mounted';
    }
    if (await this.isBlank(devicePath)) await this.format(devicePath);
    await this.mount(devicePath, mountPoint);
    return 'mounted';
  }

  /**
   * True when the device carries no filesystem and no partition table.
   * @throws VolumeError when the device cannot be probed
   */
  async isBlank(devicePath: string): Promise<boolean> {
    // blkid answers "nothing found" (exit 2) for a path that does not exist: never let that mean "blank".
    if (!(await this.isBlockDevice(devicePath))) throw new VolumeError(`Cannot probe ${devicePath}: it is not a block device.`);
    const result = await this.run('blkid', ['-p', '-o', 'export', '--', devicePath], { timeoutMs: 30_000 });
    if (result.exitCode === 2) return true;
    if (result.exitCode !== 0) {
      throw new VolumeError(`Cannot probe ${devicePath} with blkid (exit ${result.exitCode}): ${result.stderr.trim() || 'no such device?'}`);
    }
    const found = Object.fromEntries(result.stdout.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    this.logger.info({ devicePath, type: found['TYPE'], partitionTable: found['PTTYPE'] }, 'device already holds data; not formatting');
    return false;
  }

  /** Creates the configured filesystem. Only called on a device `isBlank` approved. */
  async format(devicePath: string): Promise<void> {
    const { fstype, formatOptions, formatTimeoutMs } = this.settings;
    if (!/^[a-z0-9]+$/.test(fstype)) throw new VolumeError(`'${fstype}' is not a valid filesystem type.`);
    const args = ['-t', fstype, ...formatOptions.split(/\s+/).filter((arg) => arg !== '')];
    // mke2fs asks before writing to something that is not a block device; blkid already vouched for it.
    if (fstype.startsWith('ext')) args.push('-F');
    args.push('--', devicePath);
    this.logger.info({ devicePath, fstype, formatOptions }, 'formatting blank data volume');
    const result = await this.run('mkfs', args, { timeoutMs: formatTimeoutMs });
    if (result.exitCode !== 0) throw new VolumeError(`mkfs of ${devicePath} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }

  async mount(devicePath: string, mountPoint: string): Promise<void> {
    const result = await this.run('mount', ['-t', this.settings.fstype, '-o', this.settings.mountOptions, '--', devicePath, mountPoint], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new VolumeError(`mount of ${devicePath} at ${mountPoint} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    this.logger.info({ devicePath, mountPoint }, 'data volume mounted');
  }

  /** Unmounts `mountPoint` if something is mounted there. */
  async unmount(mountPoint: string): Promise<void> {
    if (!(await this.findMount(mountPoint))) return;
    const result = await this.run('umount', ['--', mountPoint], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new VolumeError(`umount of ${mountPoint} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }

  /**
   * Grows the filesystem to the device size (ext filesystems). Online: resize2fs on the mounted filesystem.
   * Offline (Trove's default): unmount, check, resize, mount again.
   */
  async resize(devicePath: string, mountPoint: string, online: boolean): Promise<void> {
    if (!this.settings.fstype.startsWith('ext')) throw new VolumeError(`Resizing ${this.settings.fstype} filesystems is not supported.`);
    const timeoutMs = this.settings.formatTimeoutMs;
    const wasMounted = (await this.findMount(mountPoint)) !== undefined;
    if (!online && wasMounted) await this.unmount(mountPoint);
    if (!online) {
      const check = await this.run('e2fsck', ['-f', '-y', '--', devicePath], { timeoutMs });
      // 0: clean, 1: errors corrected; anything else leaves the filesystem unsafe to resize.
      if (check.exitCode > 1) throw new VolumeError(`e2fsck of ${devicePath} failed (exit ${check.exitCode}): ${check.stderr.trim() || check.stdout.trim()}`);
    }
    const result = await this.run('resize2fs', ['--', devicePath], { timeoutMs });
    if (result.exitCode !== 0) throw new VolumeError(`resize2fs of ${devicePath} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
    if (!online && wasMounted) await this.mount(devicePath, mountPoint);
    this.logger.info({ devicePath, online }, 'filesystem resized');
  }
}
