/**
 * What the agent remembers on the volume, so it survives agent restarts and reboots: the prepare markers
 * (Trove's `.guestagent.prepare.end`) and the datastore version currently deployed (after an upgrade the
 * guest_info.conf version is stale). The state directory is root-only (0700): the datastore container,
 * which runs as uid 1001 and sees the mount point, cannot read or change it.
 */
import { mkdir, readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

const PREPARE_END = '.guestagent.prepare.end';
const PREPARE_FAILED = '.guestagent.prepare.failed';
const STATE_FILE = 'guest-agent-state.json';
const USER_OVERRIDES_FILE = 'user-overrides.json';

/** Persisted facts about the deployment on this volume. */
export interface PersistedState {
  datastoreVersion?: string;
}

/** Reads and writes the agent's state directory on the volume. */
export class StateStore {
  constructor(readonly directory: string) {}

  async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
  }

  async isPrepared(): Promise<boolean> {
    return exists(join(this.directory, PREPARE_END));
  }

  async markPrepareStarted(): Promise<void> {
    await this.ensureDirectory();
    await rm(join(this.directory, PREPARE_FAILED), { force: true });
  }

  async markPrepared(): Promise<void> {
    await atomicWrite(join(this.directory, PREPARE_END), `${new Date().toISOString()}\n`);
  }

  async markPrepareFailed(reason: string): Promise<void> {
    await this.ensureDirectory();
    await atomicWrite(join(this.directory, PREPARE_FAILED), `${reason}\n`);
  }

  async prepareFailure(): Promise<string | null> {
    try {
      return (await readFile(join(this.directory, PREPARE_FAILED), 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async read(): Promise<PersistedState> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.directory, STATE_FILE), 'utf8'));
      if (typeof parsed !== 'object' || parsed === null) return {};
      const version = (parsed as Record<string, unknown>)['datastoreVersion'];
      return typeof version === 'string' ? { datastoreVersion: version } : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return {};
      throw error;
    }
  }

  async write(state: PersistedState): Promise<void> {
    await this.ensureDirectory();
    await atomicWrite(join(this.directory, STATE_FILE), `${JSON.stringify(state)}\n`);
  }

  /** The user overrides last written (the source the override file is rendered from). */
  async readUserOverrides(): Promise<Record<string, string | number | boolean>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.directory, USER_OVERRIDES_FILE), 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
      const values: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[key] = value;
      }
      return values;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return {};
      throw error;
    }
  }

  /** Records the user overrides; null forgets them. */
  async writeUserOverrides(values: Readonly<Record<string, string | number | boolean>> | null): Promise<void> {
    await this.ensureDirectory();
    const path = join(this.directory, USER_OVERRIDES_FILE);
    if (values === null) await rm(path, { force: true });
    else await atomicWrite(path, `${JSON.stringify(values)}\n`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
}
