/**
 * Nova (compute API v2.1): servers, server actions, server groups, flavors and volume attachments, as the
 * `ComputeDriver` port and the flavor half of the openstack `FlavorCatalog`. Microversions are sent only where
 * a call needs one: 2.64 for server groups (single `policy`), 2.57 for rebuild with `user_data`.
 */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import {
  ServerStatus,
  type ComputeDriver,
  type CreateServerRequest,
  type Flavor,
  type NicSpec,
  type RebuildServerRequest,
  type Server,
  type ServerAddress,
  type ServerGroup,
  type ServerGroupPolicy,
  type VolumeAttachment,
} from '../ports.js';
import { isApiStatus } from './errors.js';
import { num, obj, str, stringMap, strings, type JsonObject } from './json.js';
import { segment, type ServiceClient } from './service-client.js';
import { MAX_NOVA_USER_DATA_BYTES, encodeNovaUserData } from './user-data.js';

/** Microversion with `policy` (singular) on server groups. */
export const SERVER_GROUP_MICROVERSION = '2.64';
/** Microversion that accepts `user_data` on rebuild. */
export const REBUILD_USER_DATA_MICROVERSION = '2.57';

const KNOWN_STATUSES = new Set<string>(Object.values(ServerStatus));

/** Nova's API as the compute port. */
export class NovaClient implements ComputeDriver {
  constructor(private readonly client: ServiceClient) {}

  async createServer(request: CreateServerRequest): Promise<Server> {
    const userData = encodeNovaUserData(request.boot);
    if (userData.length > MAX_NOVA_USER_DATA_BYTES) {
      throw new TroveError(ErrorCode.BACKEND_ERROR, `The guest's user data is ${userData.length} bytes in base64; Nova accepts at most ${MAX_NOVA_USER_DATA_BYTES}.`, {
        details: { service: 'nova', size: userData.length },
      });
    }
    const server: JsonObject = {
      name: request.name,
      imageRef: request.imageId,
      flavorRef: request.flavorId,
      user_data: userData,
      metadata: request.metadata,
      config_drive: request.configDrive,
    };
    if (request.keyName) server['key_name'] = request.keyName;
    if (request.nics.length > 0) server['networks'] = request.nics.map(toNovaNetwork);
    if (request.volume) {
      server['block_device_mapping_v2'] = [
        {
          uuid: request.volume.volumeId,
          source_type: 'volume',
          destination_type: 'volume',
          device_name: request.volume.deviceName,
          volume_size: request.volume.sizeGb,
          delete_on_termination: request.volume.deleteOnTermination,
        },
      ];
    }
    if (request.availabilityZone) server['availability_zone'] = request.availabilityZone;
    const body: JsonObject = { server };
    if (request.serverGroupId) body['os:scheduler_hints'] = { group: request.serverGroupId };
    const created = await this.client.send('POST', '/servers', 'server', { body });
    const id = str(created, 'id');
    if (id === '') throw new TroveError(ErrorCode.BACKEND_ERROR, 'nova POST /servers answered without a server id.', { details: { service: 'nova' } });
    return {
      id,
      name: request.name,
      status: ServerStatus.BUILD,
      addresses: {},
      flavorId: request.flavorId,
      imageId: request.imageId,
      metadata: { ...request.metadata },
      ...(request.availabilityZone ? { availabilityZone: request.availabilityZone } : {}),
    };
  }

  async getServer(id: string): Promise<Server | undefined> {
    const server = await this.client.findObject(`/servers/${segment(id)}`, 'server');
    return server && toServer(server);
  }

  async deleteServer(id: string): Promise<void> {
    await this.client.deleteIfExists(`/servers/${segment(id)}`);
  }

  async rebootServer(id: string, hard = false): Promise<void> {
    await this.action(id, { reboot: { type: hard ? 'HARD' : 'SOFT' } });
  }

  async resizeServer(id: string, flavorId: string): Promise<void> {
    await this.action(id, { resize: { flavorRef: flavorId } });
  }

  async confirmResize(id: string): Promise<void> {
    await this.action(id, { confirmResize: null });
  }

  async revertResize(id: string): Promise<void> {
    await this.action(id, { revertResize: null });
  }

  async rebuildServer(id: string, request: RebuildServerRequest): Promise<void> {
    await this.action(id, { rebuild: { imageRef: request.imageId, user_data: encodeNovaUserData(request.boot) } }, REBUILD_USER_DATA_MICROVERSION);
  }

  async createServerGroup(name: string, policy: ServerGroupPolicy): Promise<ServerGroup> {
    const group = await this.client.send('POST', '/os-server-groups', 'server_group', {
      body: { server_group: { name, policy } },
      microversion: SERVER_GROUP_MICROVERSION,
    });
    return toServerGroup(group);
  }

  async getServerGroup(id: string): Promise<ServerGroup | undefined> {
    const group = await this.client.findObject(`/os-server-groups/${segment(id)}`, 'server_group', { microversion: SERVER_GROUP_MICROVERSION });
    return group && toServerGroup(group);
  }

  async deleteServerGroup(id: string): Promise<void> {
    await this.client.deleteIfExists(`/os-server-groups/${segment(id)}`, { microversion: SERVER_GROUP_MICROVERSION });
  }

  /** Every flavor visible to the service project. */
  async listFlavors(): Promise<Flavor[]> {
    const flavors = await this.client.list('/flavors/detail', 'flavors');
    return flavors.map(toFlavor);
  }

  /** A flavor by id; undefined when Nova does not know it. */
  async getFlavor(id: string): Promise<Flavor | undefined> {
    const flavor = await this.client.findObject(`/flavors/${segment(id)}`, 'flavor');
    return flavor && toFlavor(flavor);
  }

  /** Attaches a Cinder volume to a server (Nova drives the attachment in Cinder). */
  async attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const attachment: JsonObject = { volumeId };
    if (device) attachment['device'] = device;
    const result = await this.client.send('POST', `/servers/${segment(serverId)}/os-volume_attachments`, 'volumeAttachment', {
      body: { volumeAttachment: attachment },
    });
    const attached = str(result, 'device');
    return { serverId, attachmentId: str(result, 'id', volumeId), ...(attached ? { device: attached } : {}) };
  }

  /** Detaches a volume; a volume that is not attached (404) is already detached. */
  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.client.deleteIfExists(`/servers/${segment(serverId)}/os-volume_attachments/${segment(volumeId)}`);
  }

  private async action(id: string, body: JsonObject, microversion?: string): Promise<void> {
    try {
      await this.client.call('POST', `/servers/${segment(id)}/action`, microversion ? { body, microversion } : { body });
    } catch (error) {
      // Nova answers 409 when the server's state forbids the action; say which action, the status is in details.
      if (isApiStatus(error, 409)) {
        throw new TroveError(ErrorCode.BACKEND_ERROR, `Nova refused '${Object.keys(body)[0]}' on server ${id}: ${error.message}`, {
          details: { ...error.details, action: Object.keys(body)[0] },
          cause: error,
        });
      }
      throw error;
    }
  }
}

function toNovaNetwork(nic: NicSpec): JsonObject {
  if ('portId' in nic) return { port: nic.portId };
  return nic.fixedIp ? { uuid: nic.networkId, fixed_ip: nic.fixedIp } : { uuid: nic.networkId };
}

/** Maps Nova's server view to the port's `Server`. */
export function toServer(server: JsonObject): Server {
  const status = str(server, 'status', 'UNKNOWN').toUpperCase();
  const addresses: Record<string, ServerAddress[]> = {};
  for (const [label, list] of Object.entries(obj(server, 'addresses') ?? {})) {
    if (!Array.isArray(list)) continue;
    addresses[label] = list
      .filter((item): item is JsonObject => typeof item === 'object' && item !== null)
      .map((item) => ({
        address: str(item, 'addr'),
        version: num(item, 'version', 4) === 6 ? 6 : 4,
        type: str(item, 'OS-EXT-IPS:type', 'fixed') === 'floating' ? 'floating' : 'fixed',
      }));
  }
  const result: Server = {
    id: str(server, 'id'),
    name: str(server, 'name'),
    status: (KNOWN_STATUSES.has(status) ? status : ServerStatus.UNKNOWN) as ServerStatus,
    addresses,
    metadata: stringMap(server, 'metadata'),
  };
  const fault = obj(server, 'fault');
  if (fault) {
    result.fault = { code: num(fault, 'code'), message: str(fault, 'message') };
    if (typeof fault['details'] === 'string') result.fault.details = fault['details'];
    if (typeof fault['created'] === 'string') result.fault.created = fault['created'];
  }
  const flavorId = str(obj(server, 'flavor'), 'id');
  if (flavorId) result.flavorId = flavorId;
  const imageId = str(obj(server, 'image'), 'id');
  if (imageId) result.imageId = imageId;
  const zone = str(server, 'OS-EXT-AZ:availability_zone');
  if (zone) result.availabilityZone = zone;
  return result;
}

function toServerGroup(group: JsonObject): ServerGroup {
  // Before 2.64 Nova returns `policies: [...]`; accept both so an older cloud still reads.
  const policy = str(group, 'policy') || (strings(group, 'policies')[0] ?? '');
  return {
    id: str(group, 'id'),
    name: str(group, 'name'),
    policy: policy === 'anti-affinity' ? 'anti-affinity' : 'affinity',
    memberIds: strings(group, 'members'),
  };
}

function toFlavor(flavor: JsonObject): Flavor {
  return {
    id: str(flavor, 'id'),
    name: str(flavor, 'name'),
    ram: num(flavor, 'ram'),
    vcpus: num(flavor, 'vcpus'),
    disk: num(flavor, 'disk'),
    ephemeral: num(flavor, 'OS-FLV-EXT-DATA:ephemeral', num(flavor, 'ephemeral')),
  };
}

