/**
 * The local-process backend's records on disk, one JSON file per resource under `[local_compute] state_dir`:
 *
 *   servers/<id>/server.json   a server: its instance, flavor, address, volume, state (plus its config dir,
 *                              agent.pid and agent.log next to it)
 *   volumes/<id>/volume.json   a volume: a directory (`data/`) the agent uses as its mount point
 *   ports/<id>.json            a port: an allocated address
 *   server-groups/<id>.json    a server group (bookkeeping only: everything runs on one host)
 *   addresses/<ip>             address allocations (see addresses.ts)
 *
 * Files are written to a temporary name and renamed, so a reader never sees half a record and a crash never
 * leaves one. Everything is private to the controller's user (the records name config dirs holding keys).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Reads a JSON record; undefined when the file does not exist. */
export async function readRecord<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a JSON record atomically (mode 0600). */
export async function writeRecord(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Layout of the state directory. */
export class StateLayout {
  constructor(readonly root: string) {}

  serversDir(): string {
    return join(this.root, 'servers');
  }

  serverDir(id: string): string {
    return join(this.serversDir(), id);
  }

  serverFile(id: string): string {
    return join(this.serverDir(id), 'server.json');
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

  /** The directory a volume gives its instance (the agent's mount point). */
  volumeDataDir(id: string): string {
    return join(this.volumeDir(id), 'data');
  }

  portsDir(): string {
    return join(this.root, 'ports');
  }

  portFile(id: string): string {
    return join(this.portsDir(), `${id}.json`);
  }

  /** The claim of an instance on its one server (created exclusively; holds the server id). */
  instanceClaimFile(instanceId: string): string {
    return join(this.root, 'instances', instanceId);
  }

  serverGroupsDir(): string {
    return join(this.root, 'server-groups');
  }

  serverGroupFile(id: string): string {
    return join(this.serverGroupsDir(), `${id}.json`);
  }

  addressesDir(): string {
    return join(this.root, 'addresses');
  }
}

/** Every record in a directory of `<id>/<file>` folders or `<id>.json` files. */
export async function listRecords<T>(directory: string, fileOf: (entry: string) => string | undefined): Promise<T[]> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: T[] = [];
  for (const entry of entries.sort()) {
    const file = fileOf(entry);
    if (file === undefined) continue;
    const record = await readRecord<T>(file);
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** Removes a file or directory tree; a missing one is not an error. */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
