/**
 * Volumes of the local-process backend: a volume is a directory (`volumes/<id>/data`) that its instance's agent
 * uses as the datastore's mount point (`device_path` empty). Sizes are recorded, not enforced: a directory on
 * the host's filesystem has no size of its own, and growing one is bookkeeping that succeeds at once.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { CreateVolumeRequest, Volume, VolumeAttachment, VolumeDriver, VolumeType } from '../ports.js';
import { listRecords, readRecord, removePath, writeRecord, type StateLayout } from './state.js';

/** A volume as recorded. */
export interface VolumeRecord extends Volume {
  createdAt: string;
}

export class LocalVolumeDriver implements VolumeDriver {
  constructor(private readonly layout: StateLayout) {}

  private async load(id: string): Promise<VolumeRecord | undefined> {
    return readRecord<VolumeRecord>(this.layout.volumeFile(id));
  }

  private async store(record: VolumeRecord): Promise<void> {
    await writeRecord(this.layout.volumeFile(record.id), record);
  }

  /** The directory the volume gives its instance. */
  dataDir(id: string): string {
    return this.layout.volumeDataDir(id);
  }

  async createVolume(request: CreateVolumeRequest): Promise<Volume> {
    if (!Number.isInteger(request.sizeGb) || request.sizeGb < 1) {
      throw new TroveError(ErrorCode.BACKEND_ERROR, `Volume size must be a positive integer, got ${request.sizeGb}.`, { details: { service: 'local-process', method: 'createVolume', status: 400 } });
    }
    const id = randomUUID();
    await mkdir(this.layout.volumeDataDir(id), { recursive: true, mode: 0o755 });
    const record: VolumeRecord = {
      id,
      name: request.name,
      sizeGb: request.sizeGb,
      status: 'available',
      volumeType: null,
      attachments: [],
      metadata: { ...(request.metadata ?? {}) },
      createdAt: new Date().toISOString(),
    };
    await this.store(record);
    return strip(record);
  }

  async getVolume(id: string): Promise<Volume | undefined> {
    const record = await this.load(id);
    return record === undefined ? undefined : strip(record);
  }

  async findVolumesByName(name: string): Promise<Volume[]> {
    const all = await listRecords<VolumeRecord>(this.layout.volumesDir(), (entry) => this.layout.volumeFile(entry));
    return all.filter((record) => record.name === name).map(strip);
  }

  async deleteVolume(id: string): Promise<void> {
    await removePath(this.layout.volumeDir(id));
  }

  async extendVolume(id: string, newSizeGb: number): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw notFound('extendVolume', id);
    if (newSizeGb < record.sizeGb) {
      throw new TroveError(ErrorCode.BACKEND_ERROR, `Volume ${id} cannot shrink from ${record.sizeGb} to ${newSizeGb} GB.`, { details: { service: 'local-process', method: 'extendVolume', status: 400 } });
    }
    await this.store({ ...record, sizeGb: newSizeGb });
  }

  async attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const record = await this.load(volumeId);
    if (record === undefined) throw notFound('attachVolume', volumeId);
    const attachment: VolumeAttachment = { serverId, device: device ?? this.layout.volumeDataDir(volumeId), attachmentId: `${serverId}:${volumeId}` };
    const others = record.attachments.filter((existing) => existing.serverId !== serverId);
    await this.store({ ...record, status: 'in-use', attachments: [...others, attachment] });
    return attachment;
  }

  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    const record = await this.load(volumeId);
    if (record === undefined) return;
    const attachments = record.attachments.filter((existing) => existing.serverId !== serverId);
    await this.store({ ...record, status: attachments.length > 0 ? 'in-use' : 'available', attachments });
  }

  async listVolumeTypes(): Promise<VolumeType[]> {
    return [];
  }
}

function strip(record: VolumeRecord): Volume {
  const { createdAt: _createdAt, ...volume } = record;
  return volume;
}

function notFound(method: string, id: string): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, `Volume ${id} does not exist.`, { details: { service: 'local-process', method, status: 404 } });
}
