/**
 * The files a new guest receives at first boot (reference §8.2 step 3, §14.11), as Trove's
 * `get_injected_files` builds them:
 *
 * - `<injected_config_location>/<guest_info>` (`/etc/trove/conf.d/guest_info.conf`): `[DEFAULT]` guest_id,
 *   datastore_manager, datastore_version, tenant_id and, when the instance has one, instance_rpc_encr_key;
 * - `<injected_config_location>/trove-guestagent.conf`: the controller's `guest_config` file, verbatim;
 * - `/etc/trove/controller.conf` (`CONTROLLER=<controller_address>`) when `controller_address` is set;
 * - `/etc/docker/daemon.json` when `docker_bridge_network_ip` or `docker_insecure_registries` is set.
 *
 * Every backend delivers the same files: openstack and local-qemu as cloud-init `write_files`, local-process by
 * writing them into the instance's config dir.
 */
import { posix } from 'node:path';
import type { TroveConfig } from '../../shared/config/index.js';
import { ValidationError } from '../../shared/errors/index.js';
import type { GuestBoot, InjectedFile } from '../compute/ports.js';

/** Who the guest is. */
export interface GuestIdentityFile {
  instanceId: string;
  manager: string;
  /** The datastore version number (the image tag). */
  datastoreVersion: string;
  tenantId: string | null;
  /** The plain per-instance RPC key; null when secure messaging was off at creation. */
  instanceKey: string | null;
}

/** Host files the builder reads. */
export interface GuestFileSources {
  /** Contents of `guest_config`; undefined when the file does not exist. */
  guestConfig: string | undefined;
  /** Contents of `<cloudinit_location>/<manager>.cloudinit`; undefined when absent. */
  cloudinit: string | undefined;
}

const SAFE_VALUE = /^[^\r\n]*$/;

function iniValue(name: string, value: string): string {
  if (!SAFE_VALUE.test(value)) throw new ValidationError(`guest_info.conf value of ${name} must be one line.`);
  return `${name} = ${value}`;
}

/** The text of guest_info.conf. */
export function renderGuestInfo(identity: GuestIdentityFile): string {
  const lines = [
    '[DEFAULT]',
    iniValue('guest_id', identity.instanceId),
    iniValue('datastore_manager', identity.manager),
    iniValue('datastore_version', identity.datastoreVersion),
    iniValue('tenant_id', identity.tenantId ?? ''),
  ];
  if (identity.instanceKey !== null) lines.push(iniValue('instance_rpc_encr_key', identity.instanceKey));
  return `${lines.join('\n')}\n`;
}

/** The guest's first-boot files and user-data prefix for an instance. */
export function buildGuestBoot(config: TroveConfig, identity: GuestIdentityFile, sources: GuestFileSources): GuestBoot {
  const defaults = config.DEFAULT;
  const owner = `${defaults.injected_config_owner}:${defaults.injected_config_group}`;
  const location = defaults.injected_config_location;
  const files: InjectedFile[] = [{ path: posix.join(location, defaults.guest_info), content: renderGuestInfo(identity), owner }];
  if (sources.guestConfig !== undefined) files.push({ path: posix.join(location, 'trove-guestagent.conf'), content: sources.guestConfig, owner });
  if (defaults.controller_address !== '') files.push({ path: '/etc/trove/controller.conf', content: `CONTROLLER=${defaults.controller_address}\n`, owner });
  const daemon: Record<string, unknown> = {};
  if (defaults.docker_bridge_network_ip !== null && defaults.docker_bridge_network_ip !== '') daemon['bip'] = defaults.docker_bridge_network_ip;
  if (defaults.docker_insecure_registries.length > 0) daemon['insecure-registries'] = [...defaults.docker_insecure_registries];
  if (Object.keys(daemon).length > 0) files.push({ path: '/etc/docker/daemon.json', content: `${JSON.stringify(daemon)}\n`, owner });
  return sources.cloudinit === undefined ? { files } : { files, userDataPrefix: sources.cloudinit };
}

/** Where the cloud-init prefix of a datastore manager lives. */
export function cloudinitPath(config: TroveConfig, manager: string): string {
  return posix.join(config.DEFAULT.cloudinit_location, `${manager}.cloudinit`);
}
