/**
 * Loopback addresses for local-process instances. Each instance gets one address of `[local_compute]
 * address_range` (default 127.10.0.0/16; the whole of 127.0.0.0/8 reaches the host without configuration),
 * so every datastore listens on its engine's standard port on its own address. An address is taken by
 * creating `<state_dir>/addresses/<ip>` exclusively, which is atomic across taskmanager processes; it is
 * skipped when something already listens on it (a container left behind by another deployment).
 */
import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ConfigError, ErrorCode, TroveError } from '../../../shared/errors/index.js';

/** A parsed IPv4 range. */
export interface AddressRange {
  /** First usable address as a number. */
  first: number;
  /** Last usable address as a number. */
  last: number;
  cidr: string;
}

function toNumber(address: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

/** Dotted-quad text of a numeric address. */
export function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parses `[local_compute] address_range`. Only loopback ranges are accepted: instances must never be
 * reachable from outside the host through this backend.
 * @throws ConfigError for a malformed or non-loopback range, or one too small to hold an instance
 */
export function parseAddressRange(cidr: string): AddressRange {
  const [base = '', prefixText = '32'] = cidr.trim().split('/');
  const start = toNumber(base);
  const prefix = Number(prefixText);
  if (start === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
    throw new ConfigError(`[local_compute] address_range '${cidr}' must be an IPv4 CIDR with a prefix of 8 to 30 bits`);
  }
  const size = 2 ** (32 - prefix);
  const network = Math.floor(start / size) * size;
  if (Math.floor(network / 2 ** 24) !== 127) throw new ConfigError(`[local_compute] address_range '${cidr}' must lie in 127.0.0.0/8 (loopback)`);
  // Skip the network and broadcast addresses, and 127.0.0.1 itself (the host's own services live there).
  let first = network + 1;
  if (first === toNumber('127.0.0.1')) first += 1;
  return { first, last: network + size - 2, cidr };
}

/** True when a TCP connection to `address:port` succeeds within `timeoutMs`. */
export function isListening(address: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Options to configure the allocator. */
export interface AddressPoolOptions {
  range: AddressRange;
  /** Directory of the allocation files. */
  directory: string;
  /** Ports whose listeners make an address unusable (the datastores' standard ports). */
  probePorts: readonly number[];
}

/** Allocates and releases instance addresses. */
export class AddressPool {
  constructor(private readonly options: AddressPoolOptions) {}

  private file(address: string): string {
    return join(this.options.directory, address);
  }

  /** Addresses currently allocated. */
  async allocated(): Promise<Map<string, string>> {
    await mkdir(this.options.directory, { recursive: true });
    const result = new Map<string, string>();
    for (const name of await readdir(this.options.directory)) {
      if (toNumber(name) === undefined) continue;
      result.set(name, (await readFile(this.file(name), 'utf8').catch(() => '')).trim());
    }
    return result;
  }

  /**
   * Takes an address for `owner`: `wanted` if given (it must be in the range and free), else the lowest free one.
   * @throws TroveError BACKEND_ERROR when the range is exhausted or `wanted` is unusable
   */
  async allocate(owner: string, wanted?: string): Promise<string> {
    const { range } = this.options;
    await mkdir(this.options.directory, { recursive: true });
    if (wanted !== undefined) {
      const value = toNumber(wanted);
      if (value === undefined || value < range.first || value > range.last) {
        throw new TroveError(ErrorCode.BACKEND_ERROR, `Address ${wanted} is not in ${range.cidr}.`, { details: { service: 'local-process', method: 'allocateAddress', status: 400 } });
      }
      if (!(await this.take(wanted, owner))) {
        throw new TroveError(ErrorCode.BACKEND_ERROR, `Address ${wanted} is in use.`, { details: { service: 'local-process', method: 'allocateAddress', status: 409 } });
      }
      return wanted;
    }
    const used = new Set((await this.allocated()).keys());
    for (let value = range.first; value <= range.last; value++) {
      const address = toAddress(value);
      if (used.has(address)) continue;
      if (await this.take(address, owner)) return address;
    }
    throw new TroveError(ErrorCode.BACKEND_ERROR, `No free address left in ${range.cidr}.`, { details: { service: 'local-process', method: 'allocateAddress', status: 507 } });
  }

  private async take(address: string, owner: string): Promise<boolean> {
    try {
      await writeFile(this.file(address), `${owner}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    for (const port of this.options.probePorts) {
      if (await isListening(address, port)) {
        // Someone else's service holds it: keep the file so nobody tries it again, under a foreign owner.
        await writeFile(this.file(address), 'in-use-by-another-process\n', { mode: 0o600 });
        return false;
      }
    }
    return true;
  }

  /** Gives an address back when `owner` holds it (or unconditionally without an owner). */
  async release(address: string, owner?: string): Promise<void> {
    if (owner !== undefined) {
      const holder = (await readFile(this.file(address), 'utf8').catch(() => '')).trim();
      if (holder !== owner) return;
    }
    await unlink(this.file(address)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
