/**
 * Delivers a local-process instance's first-boot files the way cloud-init would: the guest files are rendered
 * into the same cloud-config user data the openstack backend sends to Nova (`renderUserData`), and its
 * `write_files` entries are written under the instance's root directory (`/etc/trove/conf.d/guest_info.conf`
 * becomes `<server dir>/etc/trove/conf.d/guest_info.conf`). A host file, `trove-local-process.conf`, sorted
 * after the injected ones in the config dir, then places the agent on this shared host: its own container
 * name, its own loopback address, its volume directory, and the messaging settings it must share with the
 * controller.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { DatastoreManager, TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { GuestBoot } from '../ports.js';
import { renderUserData } from '../openstack/user-data.js';

/** One `write_files` entry. */
export interface WrittenFile {
  path: string;
  owner: string;
  content: string;
}

/** Name of the host overrides file; sorts after `trove-guestagent.conf`, so its values win. */
export const HOST_CONFIG_FILE = 'trove-local-process.conf';

function scalar(text: string): string {
  const value = text.trim();
  return value.startsWith('"') ? (JSON.parse(value) as string) : value;
}

/**
 * The `write_files` entries of cloud-config user data as `renderUserData` writes it (also inside a MIME
 * multipart message).
 * @throws TroveError INTERNAL_ERROR when the document has no cloud-config part or an entry is incomplete
 */
export function parseWriteFiles(userData: string): WrittenFile[] {
  const start = userData.indexOf('#cloud-config');
  if (start < 0) throw new TroveError(ErrorCode.INTERNAL_ERROR, 'User data has no #cloud-config part.');
  const lines = userData.slice(start).split('\n');
  const files: WrittenFile[] = [];
  let current: Record<string, string> | undefined;
  const flush = () => {
    if (current === undefined) return;
    const { path, owner, content, encoding } = current;
    if (path === undefined || content === undefined) throw new TroveError(ErrorCode.INTERNAL_ERROR, 'A write_files entry lacks its path or content.');
    files.push({ path, owner: owner ?? 'root:root', content: encoding === 'b64' ? Buffer.from(content, 'base64').toString('utf8') : content });
    current = undefined;
  };
  for (const line of lines.slice(1)) {
    if (line.startsWith('--')) break;
    const entry = /^ {2}- (\w+): (.*)$/.exec(line);
    const field = /^ {4}(\w+): (.*)$/.exec(line);
    if (entry) {
      flush();
      current = { [entry[1] as string]: scalar(entry[2] as string) };
    } else if (field && current !== undefined) {
      current[field[1] as string] = scalar(field[2] as string);
    }
  }
  flush();
  return files;
}

/** The path under `root` where a guest path lands; refuses paths that would escape `root`. */
export function hostPath(root: string, guestPath: string): string {
  const target = resolve(root, `.${guestPath.startsWith('/') ? guestPath : `/${guestPath}`}`);
  if (target !== root && !target.startsWith(`${root}${sep}`)) {
    throw new TroveError(ErrorCode.BAD_REQUEST, `Injected file path ${guestPath} leaves the instance directory.`);
  }
  return target;
}

/** Writes the boot files under `root` (mode 0600, directories 0700); returns the user data for the record. */
export async function deliverBootFiles(root: string, boot: GuestBoot): Promise<string> {
  const userData = renderUserData(boot);
  for (const file of parseWriteFiles(userData)) {
    const target = hostPath(root, file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, file.content, { mode: 0o600 });
  }
  await writeFile(join(root, 'user-data'), userData, { mode: 0o600 });
  return userData;
}

/** Where the instance's agent stands on this host. */
export interface HostPlacement {
  instanceId: string;
  manager: DatastoreManager;
  address: string;
  mountPoint: string;
  /** The datastore image repository (the version's image), when the version names one. */
  dockerImage?: string;
}

/** The container name of an instance's datastore: unique per instance on the shared Docker engine. */
export function containerName(instanceId: string): string {
  return `trove-${instanceId}`;
}

/**
 * The settings a guest must share with the controller to reach it: transport, exchange, queue, sealing and
 * the queue declaration flags (RabbitMQ refuses a second declaration with other flags). Both host-side
 * backends write them into the guest's last config file.
 */
export function guestMessagingLines(config: TroveConfig, transportUrl: string): string[] {
  const defaults = config.DEFAULT;
  const rabbit = config.oslo_messaging_rabbit;
  return [
    '[DEFAULT]',
    `transport_url = ${transportUrl}`,
    `control_exchange = ${defaults.control_exchange}`,
    `conductor_queue = ${defaults.conductor_queue}`,
    `enable_secure_rpc_messaging = ${String(defaults.enable_secure_rpc_messaging)}`,
    `rpc_codec = ${defaults.rpc_codec}`,
    '',
    '[oslo_messaging_rabbit]',
    `amqp_durable_queues = ${String(rabbit.amqp_durable_queues)}`,
    `amqp_auto_delete = ${String(rabbit.amqp_auto_delete)}`,
    `amqp_address_format = ${rabbit.amqp_address_format}`,
  ];
}

/**
 * Joins config lines into a file's text; a value with a line break could add options of its own.
 * @throws TroveError CONFIG_INVALID naming `what`
 */
export function configText(lines: readonly string[], what: string): string {
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new TroveError(ErrorCode.CONFIG_INVALID, `A ${what} config value contains a line break.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The text of `trove-local-process.conf`. */
export function renderHostConfig(config: TroveConfig, placement: HostPlacement): string {
  const lines = [
    '# Written by the local-process compute backend: where this instance lives on the shared host.',
    ...guestMessagingLines(config, config.local_compute.guest_transport_url ?? config.DEFAULT.transport_url),
    '',
    '[guest_agent]',
    `container_name = ${containerName(placement.instanceId)}`,
    `datastore_bind_host = ${placement.address}`,
    '',
    `[${placement.manager}]`,
    'device_path =',
    `mount_point = ${placement.mountPoint}`,
  ];
  if (placement.dockerImage !== undefined) lines.push(`docker_image = ${placement.dockerImage}`);
  return configText(lines, 'host');
}
