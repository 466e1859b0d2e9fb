/**
 * Credential files kept on the volume, as Trove keeps them (`<mount_point>/conf.d/os_admin.cnf`,
 * `root.cnf`): INI `[client]` sections with user, password, host and port, mode 0600, owned by the agent.
 * Keeping them on the volume lets a rebuilt guest or a restarted agent find its admin user again.
 * Files are replaced atomically, so a crash never leaves half a password behind.
 */
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Credentials of one datastore account. */
export interface Credentials {
  user: string;
  password: string;
  host?: string;
  port?: number;
}

function render(credentials: Credentials): string {
  const lines = ['[client]', `user = ${credentials.user}`, `password = ${credentials.password}`];
  if (credentials.host !== undefined) lines.push(`host = ${credentials.host}`);
  if (credentials.port !== undefined) lines.push(`port = ${credentials.port}`);
  return `${lines.join('\n')}\n`;
}

function parse(text: string): Credentials | null {
  let inClient = false;
  const values: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      inClient = line === '[client]';
      continue;
    }
    const separator = line.indexOf('=');
    if (!inClient || separator < 0) continue;
    values[line.slice(0, separator).trim()] = line.slice(separator + 1).trim();
  }
  const { user, password, host, port } = values;
  if (!user || password === undefined) return null;
  const credentials: Credentials = { user, password };
  if (host) credentials.host = host;
  if (port && /^\d+$/.test(port)) credentials.port = Number(port);
  return credentials;
}

/** Reads and writes `<state dir>/<name>.cnf`. */
export class CredentialStore {
  constructor(private readonly directory: string) {}

  path(name: string): string {
    return join(this.directory, `${name}.cnf`);
  }

  /** The stored credentials, or null when the file is missing or unusable. */
  async read(name: string): Promise<Credentials | null> {
    try {
      return parse(await readFile(this.path(name), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Writes the file with mode 0600, replacing any previous one atomically. */
  async write(name: string, credentials: Credentials): Promise<void> {
    if (/[\r\n]/.test(credentials.password) || /[\r\n]/.test(credentials.user)) throw new Error('credentials must not contain line breaks');
    const target = this.path(name);
    const temporary = `${target}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(render(credentials), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, 0o600);
    await rename(temporary, target);
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }
}
