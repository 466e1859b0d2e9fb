/**
 * The local-qemu backend's files under `[local_compute] state_dir`, beside (never inside) the local-process
 * backend's records, so both share the address allocations, ports and server groups of one host:
 *
 *   qemu/servers/<id>/server.json   a VM: instance, flavor, image, address, volume, boot state
 *                     disk.qcow2    its root disk, a copy-on-write overlay on the warm base (or guest) image
 *                     seed.iso      its NoCloud seed (cloud-init user data with the instance key: secret)
 *                     console.log   its serial console, appended across boots
 *                     qemu.pid      the pid qemu wrote after daemonizing; qmp.sock its QMP monitor
 *   qemu/volumes/<id>/volume.json   a volume, with volume.qcow2 (the guest's vdb)
 *   qemu/accel.json                 the accelerator probe's verdict for this boot of the host
 *
 * Records are written to a temporary name and renamed, so readers never see half a record. Everything is
 * private to the controller's user.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../shared/errors/index.js';

/** Longest path a unix socket may have (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/** Where the backend's files live. */
export class QemuLayout {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, 'qemu');
  }

  serversDir(): string {
    return join(this.root, 'servers');
  }

  serverDir(id: string): string {
    return join(this.serversDir(), id);
  }

  serverFile(id: string): string {
    return join(this.serverDir(id), 'server.json');
  }

  rootDisk(id: string): string {
    return join(this.serverDir(id), 'disk.qcow2');
  }

  seedIso(id: string): string {
    return join(this.serverDir(id), 'seed.iso');
  }

  consoleLog(id: string): string {
    return join(this.serverDir(id), 'console.log');
  }

  pidFile(id: string): string {
    return join(this.serverDir(id), 'qemu.pid');
  }

  qmpSocket(id: string): string {
    return join(this.serverDir(id), 'qmp.sock');
  }

  volumesDir(): string {
    return join(this.root, 'volumes');
  }

  volumeDir(id: string): string {
    return join(this.volumesDir(), id);
  }

  volumeFile(id: string): string {
    return join(this.volumeDir(id), 'volume.json');
  }

  volumeDisk(id: string): string {
    return join(this.volumeDir(id), 'volume.qcow2');
  }

  accelFile(): string {
    return join(this.root, 'accel.json');
  }

  /**
   * Refuses a state directory so deep that a VM's QMP socket path would not fit a unix socket address.
   * @throws ConfigError naming the limit
   */
  checkSocketPaths(): void {
    const sample = this.qmpSocket('00000000-0000-0000-0000-000000000000');
    if (sample.length > MAX_SOCKET_PATH) {
      throw new ConfigError(`[local_compute] state_dir is too long for the local-qemu backend: ${sample} has ${sample.length} characters, a unix socket path at most ${MAX_SOCKET_PATH}.`, { state_dir: dirname(this.root) });
    }
  }
}

/** Reads a JSON record; undefined when the file does not exist. */
export async function readRecord<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a JSON record atomically (mode 0600, directories 0700). */
export async function writeRecord(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Every record named `<dir>/<id>/<name>`, in id order. */
export async function listRecords<T>(directory: string, name: string): Promise<T[]> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: T[] = [];
  for (const entry of entries.sort()) {
    const record = await readRecord<T>(join(directory, entry, name));
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** Removes a file or directory tree; a missing one is not an error. */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
