/**
 * Cinder (block storage API v3): data volumes and volume types, as the `VolumeDriver` port. Attaching and
 * detaching go through Nova (`os-volume_attachments`), which creates the Cinder attachment and plugs the device
 * into the VM; a Cinder-only attachment would leave the guest without a disk. Extends use microversion 3.42 so
 * an attached (`in-use`) volume grows online.
 */
import type { CreateVolumeRequest, Volume, VolumeAttachment, VolumeDriver, VolumeType } from '../ports.js';
import { bool, num, objects, optStr, str, stringMap, type JsonObject } from './json.js';
import { segment, type ServiceClient } from './service-client.js';

/** Microversion that allows extending an attached volume. */
export const ONLINE_EXTEND_MICROVERSION = '3.42';

/** What Cinder needs from Nova to attach volumes. */
export interface VolumeAttacher {
  attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment>;
  detachVolume(serverId: string, volumeId: string): Promise<void>;
}

/** Cinder's API as the volume port. */
export class CinderClient implements VolumeDriver {
  constructor(
    private readonly client: ServiceClient,
    private readonly attacher: VolumeAttacher,
  ) {}

  async createVolume(request: CreateVolumeRequest): Promise<Volume> {
    const volume: JsonObject = { name: request.name, size: request.sizeGb };
    if (request.volumeType) volume['volume_type'] = request.volumeType;
    if (request.availabilityZone) volume['availability_zone'] = request.availabilityZone;
    if (request.description !== undefined) volume['description'] = request.description;
    if (request.metadata) volume['metadata'] = request.metadata;
    return toVolume(await this.client.send('POST', '/volumes', 'volume', { body: { volume } }));
  }

  async getVolume(id: string): Promise<Volume | undefined> {
    const volume = await this.client.findObject(`/volumes/${segment(id)}`, 'volume');
    return volume && toVolume(volume);
  }

  async findVolumesByName(name: string): Promise<Volume[]> {
    const volumes = await this.client.list('/volumes/detail', 'volumes', { query: { name } });
    // Some releases treat `name` as a substring filter; keep exact matches only.
    return volumes.map(toVolume).filter((volume) => volume.name === name);
  }

  async deleteVolume(id: string): Promise<void> {
    await this.client.deleteIfExists(`/volumes/${segment(id)}`);
  }

  async extendVolume(id: string, newSizeGb: number): Promise<void> {
    await this.client.call('POST', `/volumes/${segment(id)}/action`, {
      body: { 'os-extend': { new_size: newSizeGb } },
      microversion: ONLINE_EXTEND_MICROVERSION,
    });
  }

  attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    return this.attacher.attachVolume(serverId, volumeId, device);
  }

  detachVolume(serverId: string, volumeId: string): Promise<void> {
    return this.attacher.detachVolume(serverId, volumeId);
  }

  async listVolumeTypes(): Promise<VolumeType[]> {
    const types = await this.client.list('/types', 'volume_types');
    return types.map((type) => ({
      id: str(type, 'id'),
      name: str(type, 'name'),
      is_public: bool(type, 'is_public', bool(type, 'os-volume-type-access:is_public', true)),
      description: optStr(type, 'description'),
    }));
  }
}

/** Maps Cinder's volume view to the port's `Volume`. */
export function toVolume(volume: JsonObject): Volume {
  const attachments = objects(volume, 'attachments').map((attachment) => {
    const result: VolumeAttachment = { serverId: str(attachment, 'server_id') };
    const device = str(attachment, 'device');
    if (device) result.device = device;
    const attachmentId = str(attachment, 'attachment_id') || str(attachment, 'id');
    if (attachmentId) result.attachmentId = attachmentId;
    return result;
  });
  const result: Volume = {
    id: str(volume, 'id'),
    name: str(volume, 'name'),
    sizeGb: num(volume, 'size'),
    status: str(volume, 'status', 'unknown'),
    volumeType: optStr(volume, 'volume_type'),
    attachments,
    metadata: stringMap(volume, 'metadata'),
  };
  const zone = str(volume, 'availability_zone');
  if (zone) result.availabilityZone = zone;
  return result;
}
