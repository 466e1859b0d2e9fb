/**
 * The NoCloud seed of a VM: `meta-data` (a fresh `instance-id` per VM and per rebuild, so cloud-init treats a
 * VM booted from the warm base as a new instance and runs `write_files` again) and `user-data`, the same
 * cloud-config the openstack backend gives Nova (`renderUserData`), carrying the taskmanager's guest files
 * plus one file of this backend's own:
 *
 *   /etc/trove/conf.d/trove-local-qemu.conf
 *
 * It sorts after `trove-guestagent.conf` in the agent's config dir, so its values win. It points the agent at
 * the broker as the VM sees it: every host of the transport URL is rewritten to `[local_qemu]
 * broker_guest_address` with the same port, and qemu's `guestfwd` relays that address and port to the real
 * broker on the host's loopback (one `socat` per guest connection). It also repeats the controller's
 * messaging settings (exchange, conductor queue, codec, queue flags) that guest and controller must share.
 *
 * The transport URL rewritten is the one the guest would otherwise use: `transport_url` of the guest's
 * `trove-guestagent.conf` when it has one, else `[local_compute] guest_transport_url`, else the controller's
 * `transport_url`. Brokers must be on this host's loopback: the VM reaches nothing else.
 */
import { basename, posix } from 'node:path';
import { parseIni, type TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { parseTransportUrl } from '../../../shared/rpc/index.js';
import { renderUserData } from '../openstack/user-data.js';
import { configText, guestMessagingLines } from '../local-process/index.js';
import type { GuestBoot, InjectedFile } from '../ports.js';

/** Name of the backend's file in the guest's config dir. */
export const QEMU_CONFIG_FILE = 'trove-local-qemu.conf';

/** A broker port relayed into the VM. */
export interface BrokerForward {
  /** Port the guest connects to at `broker_guest_address`. */
  guestPort: number;
  /** Where the relay connects on the host (a loopback address). */
  hostAddress: string;
  hostPort: number;
}

/** The transport URL as the guest uses it, and the relays it needs. */
export interface GuestTransport {
  url: string;
  forwards: BrokerForward[];
}

function seedError(message: string): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'local-qemu', method: 'createServer', status: 400 } });
}

/** True for an IPv4 address in 127.0.0.0/8. */
export function isLoopbackV4(address: string): boolean {
  const match = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Rewrites a transport URL for a VM: each host becomes `guestAddress` with a port of its own.
 * @throws TroveError BACKEND_ERROR when a broker is not on this host's loopback, or two brokers share a port
 */
export function guestTransport(sourceUrl: string, guestAddress: string): GuestTransport {
  const parsed = parseTransportUrl(sourceUrl);
  const forwards: BrokerForward[] = [];
  const hosts: string[] = [];
  for (const host of parsed.hosts) {
    const hostAddress = host.host === 'localhost' ? '127.0.0.1' : host.host;
    if (!isLoopbackV4(hostAddress)) {
      throw seedError(`The broker ${host.host}:${host.port} is not on this host's loopback; local-qemu guests reach only 127.0.0.0/8 through qemu's guestfwd.`);
    }
    const same = forwards.find((forward) => forward.guestPort === host.port);
    if (same !== undefined && same.hostAddress !== hostAddress) {
      throw seedError(`Brokers ${same.hostAddress}:${host.port} and ${hostAddress}:${host.port} would share port ${host.port} at ${guestAddress}; give them different ports.`);
    }
    if (same === undefined) forwards.push({ guestPort: host.port, hostAddress, hostPort: host.port });
    hosts.push(`${encodeURIComponent(host.username)}:${encodeURIComponent(host.password)}@${guestAddress}:${host.port}`);
  }
  const scheme = sourceUrl.trim().slice(0, sourceUrl.trim().indexOf('://'));
  const afterHosts = /^[a-z]+:\/\/[^/]*(\/.*)?$/.exec(sourceUrl.trim())?.[1] ?? '/';
  return { url: `${scheme}://${hosts.join(',')}${afterHosts}`, forwards };
}

/** The transport URL the guest would use without this backend (see the module comment). */
export function sourceTransportUrl(config: TroveConfig, boot: GuestBoot): string {
  const guestConfig = boot.files.find((file) => basename(file.path) === 'trove-guestagent.conf');
  if (guestConfig !== undefined) {
    const value = parseIni(guestConfig.content, 'trove-guestagent.conf').get('DEFAULT')?.get('transport_url')?.at(-1)?.value;
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return config.local_compute.guest_transport_url ?? config.DEFAULT.transport_url;
}

/** The text of `trove-local-qemu.conf`. */
export function renderQemuGuestConfig(config: TroveConfig, transportUrl: string): string {
  return configText(['# Written by the local-qemu compute backend: how this VM reaches the controller on its host.', ...guestMessagingLines(config, transportUrl)], 'guest');
}

/** The cloud-init documents of a VM. */
export interface SeedDocuments {
  userData: string;
  metaData: string;
  forwards: BrokerForward[];
}

/**
 * Builds the seed's documents for a VM.
 * @param cloudInstanceId cloud-init's instance-id: new for every VM and every rebuild
 */
export function buildSeed(config: TroveConfig, boot: GuestBoot, cloudInstanceId: string, hostname: string): SeedDocuments {
  const transport = guestTransport(sourceTransportUrl(config, boot), config.local_qemu.broker_guest_address);
  const owner = `${config.DEFAULT.injected_config_owner}:${config.DEFAULT.injected_config_group}`;
  const extra: InjectedFile = { path: posix.join(config.DEFAULT.injected_config_location, QEMU_CONFIG_FILE), content: renderQemuGuestConfig(config, transport.url), owner };
  const files = [...boot.files.filter((file) => file.path !== extra.path), extra];
  const userData = renderUserData({ ...boot, files });
  if (!/^[A-Za-z0-9._-]+$/.test(cloudInstanceId) || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(hostname)) {
    throw seedError(`Invalid instance-id '${cloudInstanceId}' or hostname '${hostname}' for the NoCloud seed.`);
  }
  const metaData = `instance-id: ${cloudInstanceId}\nlocal-hostname: ${hostname}\n`;
  return { userData, metaData, forwards: transport.forwards };
}

/** A host name for the VM from its instance id (`trove-` and the id's first group). */
export function guestHostname(instanceId: string): string {
  const head = instanceId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12);
  return `trove-${head || 'guest'}`;
}
