/**
 * Volumes of the local-qemu backend: a qcow2 file (`qemu/volumes/<id>/volume.qcow2`) that its VM gets as the
 * second virtio disk, `vdb`, which the guest agent formats and mounts like a Cinder volume. Growing one is
 * `qemu-img resize` while no VM holds it, or qemu's `block_resize` through the monitor of the running VM that
 * does (the guest sees the new size at once and grows its file system online). Attaching and detaching are
 * bookkeeping: the disk is part of the VM's command line, so a change reaches a running VM at its next start.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { CreateVolumeRequest, Volume, VolumeAttachment, VolumeDriver, VolumeType } from '../ports.js';
import type { QemuHost } from './qemu-host.js';
import { listRecords, readRecord, removePath, writeRecord, type QemuLayout } from './records.js';

/** A volume as recorded. */
export interface QemuVolumeRecord extends Volume {
  createdAt: string;
}

/** The running VM whose qemu has a volume open, if any (the compute driver knows). */
export type VolumeHolder = (volumeId: string) => Promise<{ serverId: string; qmpSocket: string } | undefined>;

/** Largest volume the backend creates, GB (a sparse qcow2 costs nothing until written, but keep it sane). */
export const MAX_VOLUME_GB = 16_384;

const GIB = 2 ** 30;

function volumeError(method: string, message: string, status: number): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'local-qemu', method, status } });
}

function checkSize(method: string, sizeGb: number): void {
  if (!Number.isInteger(sizeGb) || sizeGb < 1 || sizeGb > MAX_VOLUME_GB) {
    throw volumeError(method, `Volume size must be a whole number of GB from 1 to ${MAX_VOLUME_GB}, got ${sizeGb}.`, 400);
  }
}

export class QemuVolumeDriver implements VolumeDriver {
  /** Set by the backend once the compute driver exists. */
  holder: VolumeHolder = async () => undefined;

  constructor(
    private readonly layout: QemuLayout,
    private readonly host: QemuHost,
  ) {}

  private load(id: string): Promise<QemuVolumeRecord | undefined> {
    return readRecord<QemuVolumeRecord>(this.layout.volumeFile(id));
  }

  private store(record: QemuVolumeRecord): Promise<void> {
    return writeRecord(this.layout.volumeFile(record.id), record);
  }

  /** The qcow2 file of a volume. */
  diskPath(id: string): string {
    return this.layout.volumeDisk(id);
  }

  async createVolume(request: CreateVolumeRequest): Promise<Volume> {
    checkSize('createVolume', request.sizeGb);
    const id = randomUUID();
    await mkdir(this.layout.volumeDir(id), { recursive: true, mode: 0o700 });
    try {
      await this.host.qemuImg(['create', '-q', '-f', 'qcow2', this.diskPath(id), String(request.sizeGb * GIB)]);
      const record: QemuVolumeRecord = {
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
    } catch (error) {
      await removePath(this.layout.volumeDir(id));
      throw error;
    }
  }

  async getVolume(id: string): Promise<Volume | undefined> {
    const record = await this.load(id);
    return record === undefined ? undefined : strip(record);
  }

  async findVolumesByName(name: string): Promise<Volume[]> {
    const all = await listRecords<QemuVolumeRecord>(this.layout.volumesDir(), 'volume.json');
    return all.filter((record) => record.name === name).map(strip);
  }

  async deleteVolume(id: string): Promise<void> {
    if ((await this.load(id)) === undefined) {
      await removePath(this.layout.volumeDir(id));
      return;
    }
    const holder = await this.holder(id);
    if (holder !== undefined) throw volumeError('deleteVolume', `Volume ${id} is in use by the running server ${holder.serverId}.`, 409);
    await removePath(this.layout.volumeDir(id));
  }

  async extendVolume(id: string, newSizeGb: number): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw volumeError('extendVolume', `Volume ${id} does not exist.`, 404);
    checkSize('extendVolume', newSizeGb);
    if (newSizeGb < record.sizeGb) throw volumeError('extendVolume', `Volume ${id} cannot shrink from ${record.sizeGb} to ${newSizeGb} GB.`, 400);
    if (newSizeGb === record.sizeGb) return;
    await this.store({ ...record, status: 'extending' });
    try {
      const holder = await this.holder(id);
      if (holder !== undefined) await this.host.qmp(holder.qmpSocket, 'block_resize', { device: 'volume', size: newSizeGb * GIB });
      else await this.host.qemuImg(['resize', '-q', '-f', 'qcow2', this.diskPath(id), String(newSizeGb * GIB)]);
    } catch (error) {
      await this.store({ ...record, status: 'error_extending' });
      throw error;
    }
    await this.store({ ...record, sizeGb: newSizeGb, status: record.attachments.length > 0 ? 'in-use' : 'available' });
  }

  async attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment> {
    const record = await this.load(volumeId);
    if (record === undefined) throw volumeError('attachVolume', `Volume ${volumeId} does not exist.`, 404);
    const attachment: VolumeAttachment = { serverId, device: device ?? '/dev/vdb', attachmentId: `${serverId}:${volumeId}` };
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

function strip(record: QemuVolumeRecord): Volume {
  const { createdAt: _createdAt, ...volume } = record;
  return volume;
}
