/**
 * Servers of the local-qemu backend: a server is a qemu VM of the guest image (vm.ts) with a copy-on-write
 * root disk on the warm base, its volume as `vdb`, a NoCloud seed with the taskmanager's guest files
 * (seed.ts), an address of its own on the host's loopback with the datastore port forwarded into the VM, and
 * the broker relayed out of it.
 *
 * Operations map to qemu as follows: create = overlay + seed + launch; reboot = ACPI power-off (soft) or kill
 * (hard), then launch; resize = power-off, grow the root disk with `qemu-img resize` if the flavor's disk is
 * larger, launch with the flavor's memory and CPUs (VERIFY_RESIZE until confirmed; revert boots the old
 * flavor); rebuild = power-off, a new overlay on the new image and a new seed (new cloud-init instance-id),
 * launch; delete = kill by PID, then remove the overlay, seed, console, state, the volume when it was mapped
 * with delete-on-termination, and give the address back.
 *
 * Creating is idempotent per instance (`metadata.trove_instance_id`): a taskmanager that died between asking
 * for a server and recording its id gets the same server again, never a second VM.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { isDatastoreManager, parseIni, type DatastoreManager, type TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { LOCAL_NETWORK_ID, placeNics, type AddressPool, type LocalNetworkDriver, type NicPlacement } from '../local-process/index.js';
import {
  type ComputeDriver,
  type CreateServerRequest,
  type FlavorCatalog,
  type GuestBoot,
  type RebuildServerRequest,
  type Server,
  type ServerGroup,
  type ServerGroupPolicy,
} from '../ports.js';
import type { BannerKind } from './banner.js';
import type { BootImage, QemuImageCatalog } from './images.js';
import type { QemuHost } from './qemu-host.js';
import { listRecords, readRecord, removePath, writeRecord, type QemuLayout } from './records.js';
import { buildSeed, guestHostname } from './seed.js';
import type { BootPhase, QemuServerRecord, VmRunner } from './vm.js';
import type { QemuVolumeDriver } from './volumes.js';

/** What the compute driver needs. */
export interface QemuComputeDeps {
  config: TroveConfig;
  layout: QemuLayout;
  host: QemuHost;
  runner: VmRunner;
  pool: AddressPool;
  flavors: FlavorCatalog;
  images: QemuImageCatalog;
  volumes: QemuVolumeDriver;
  networks: LocalNetworkDriver;
  logger: Logger;
}

const GIB = 2 ** 30;

function backendError(method: string, message: string, status: number): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'local-qemu', method, status } });
}

/** The datastore's standard port and wire protocol, by manager. */
export function datastoreEndpoint(config: TroveConfig, manager: DatastoreManager): { port: number; kind: BannerKind } {
  return manager === 'postgresql' ? { port: config.postgresql.postgresql_port, kind: 'postgresql' } : { port: 3306, kind: 'mysql' };
}

export class QemuComputeDriver implements ComputeDriver {
  private readonly logger: Logger;

  constructor(private readonly deps: QemuComputeDeps) {
    this.logger = deps.logger.child({ component: 'local-qemu' });
  }

  private load(id: string): Promise<QemuServerRecord | undefined> {
    return readRecord<QemuServerRecord>(this.deps.layout.serverFile(id));
  }

  private async require(method: string, id: string): Promise<QemuServerRecord> {
    const record = await this.load(id);
    if (record === undefined) throw backendError(method, `Server ${id} does not exist.`, 404);
    return record;
  }

  /** Every recorded server (tests, teardown). */
  listServers(): Promise<QemuServerRecord[]> {
    return listRecords<QemuServerRecord>(this.deps.layout.serversDir(), 'server.json');
  }

  /** The running VM that holds a volume (for online volume growth and delete checks). */
  async volumeHolder(volumeId: string): Promise<{ serverId: string; qmpSocket: string } | undefined> {
    for (const record of await this.listServers()) {
      if (record.volumeId === volumeId && (await this.deps.runner.runningPid(record.id)) !== undefined) {
        return { serverId: record.id, qmpSocket: this.deps.layout.qmpSocket(record.id) };
      }
    }
    return undefined;
  }

  private async toServer(record: QemuServerRecord): Promise<Server> {
    const { status, record: current } = await this.deps.runner.status(record);
    return {
      id: current.id,
      name: current.name,
      status,
      addresses: { [LOCAL_NETWORK_ID]: [{ address: current.address, version: 4, type: 'fixed' }] },
      ...(current.fault === null ? {} : { fault: current.fault }),
      flavorId: current.flavorId,
      imageId: current.imageId,
      ...(current.availabilityZone === null ? {} : { availabilityZone: current.availabilityZone }),
      metadata: { ...current.metadata },
    };
  }

  private managerOf(boot: GuestBoot): DatastoreManager {
    const infoName = this.deps.config.DEFAULT.guest_info;
    const info = boot.files.find((file) => basename(file.path) === infoName);
    const manager = info === undefined ? undefined : parseIni(info.content, infoName).get('DEFAULT')?.get('datastore_manager')?.at(-1)?.value;
    if (manager === undefined || !isDatastoreManager(manager)) {
      throw backendError('createServer', `The guest files name no known datastore_manager (${manager ?? 'none'}).`, 400);
    }
    return manager;
  }

  private async resolveImage(method: string, imageId: string): Promise<BootImage> {
    const image = await this.deps.images.resolve(imageId);
    if (image === undefined) throw backendError(method, `Image ${imageId} does not exist in ${this.deps.images.imageDir}.`, 400);
    if (!image.warm) this.logger.warn({ imageId, image: image.name, hash: image.hash }, 'no warm base for this guest image; the VM boots cold (images/guest/warm-base makes one)');
    return image;
  }

  /** Creates the root overlay on the image's base, as large as the flavor's disk (never smaller than the base). */
  private async createRootDisk(id: string, image: BootImage, flavorDiskGb: number): Promise<void> {
    const size = Math.max(flavorDiskGb * GIB, image.baseVirtualSizeBytes);
    const disk = this.deps.layout.rootDisk(id);
    await removePath(disk);
    await this.deps.host.qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.base, disk, ...(size > 0 ? [String(size)] : [])]);
  }

  private async writeSeed(record: Pick<QemuServerRecord, 'id' | 'instanceId' | 'cloudInstanceId'>, boot: GuestBoot): Promise<QemuServerRecord['brokers']> {
    const seed = buildSeed(this.deps.config, boot, record.cloudInstanceId, guestHostname(record.instanceId));
    await this.deps.host.makeSeed(this.deps.layout.seedIso(record.id), seed.userData, seed.metaData);
    return seed.forwards;
  }

  private imageOf(image: BootImage): QemuServerRecord['image'] {
    const kernel = this.deps.config.local_qemu.direct_kernel_boot ? image.kernel : undefined;
    return { name: image.name, hash: image.hash, base: image.base, warm: image.warm, ...(kernel === undefined ? {} : { kernel }) };
  }

  async createServer(request: CreateServerRequest): Promise<Server> {
    const instanceId = request.metadata['trove_instance_id'];
    if (instanceId === undefined || instanceId === '') throw backendError('createServer', 'Server metadata must name trove_instance_id.', 400);
    const existing = (await this.listServers()).find((record) => record.instanceId === instanceId);
    if (existing !== undefined) {
      this.logger.info({ serverId: existing.id, instanceId }, 'server of this instance exists; reusing it');
      if (existing.fault === null && (await this.deps.runner.runningPid(existing.id)) === undefined) return this.toServer(await this.deps.runner.launch(existing, 'build'));
      return this.toServer(existing);
    }
    const flavor = await this.deps.flavors.getFlavor(request.flavorId);
    if (flavor === undefined) throw backendError('createServer', `Flavor ${request.flavorId} does not exist.`, 400);
    const image = await this.resolveImage('createServer', request.imageId);
    const manager = this.managerOf(request.boot);
    if (!(await this.deps.host.hasProgram('socat'))) throw backendError('createServer', 'socat is not installed; VMs reach the broker through it (apt-get install socat).', 500);

    const id = randomUUID();
    const serverDir = this.deps.layout.serverDir(id);
    await mkdir(serverDir, { recursive: true, mode: 0o700 });
    const placement: NicPlacement = { address: undefined, ownsAddress: false, portIds: [] };
    try {
      const address = await placeNics(placement, request.nics, this.deps.networks, this.deps.pool, `server:${id}`, 'local-qemu');
      const volumeId = request.volume?.volumeId ?? null;
      if (volumeId !== null && (await this.deps.volumes.getVolume(volumeId)) === undefined) throw backendError('createServer', `Volume ${volumeId} does not exist.`, 400);
      const endpoint = datastoreEndpoint(this.deps.config, manager);
      const cloudInstanceId = `trove-${id}`;
      await this.createRootDisk(id, image, flavor.disk);
      const brokers = await this.writeSeed({ id, instanceId, cloudInstanceId }, request.boot);
      const record: QemuServerRecord = {
        id,
        name: request.name,
        instanceId,
        imageId: request.imageId,
        image: this.imageOf(image),
        flavorId: request.flavorId,
        previousFlavorId: null,
        address,
        ownsAddress: placement.ownsAddress,
        portIds: placement.portIds,
        volumeId,
        deleteVolumeOnTermination: request.volume?.deleteOnTermination ?? false,
        manager,
        datastorePort: endpoint.port,
        bannerKind: endpoint.kind,
        cloudInstanceId,
        brokers,
        metadata: { ...request.metadata },
        availabilityZone: request.availabilityZone ?? null,
        serverGroupId: request.serverGroupId ?? null,
        createdAt: new Date().toISOString(),
        fault: null,
        phase: 'build',
        bootStartedAt: null,
        consoleOffset: 0,
        bootedAt: null,
        accel: null,
        memoryMb: 0,
        cpus: 0,
      };
      await this.deps.runner.save(record);
      if (volumeId !== null) await this.deps.volumes.attachVolume(id, volumeId, `/dev/${request.volume?.deviceName ?? 'vdb'}`);
      for (const portId of placement.portIds) await this.deps.networks.bindPort(portId, id);
      if (record.serverGroupId !== null) await this.joinGroup(record.serverGroupId, id);
      const started = await this.deps.runner.launch(record, 'build');
      this.logger.info({ serverId: id, instanceId, address, manager, image: image.name, warm: image.warm }, 'server created');
      return await this.toServer(started);
    } catch (error) {
      const partial = await this.load(id);
      if (partial !== undefined) await this.deps.runner.stop(partial, 'kill').catch(() => undefined);
      if (request.volume !== undefined) await this.deps.volumes.detachVolume(id, request.volume.volumeId).catch(() => undefined);
      for (const portId of placement.portIds) await this.deps.networks.bindPort(portId, null).catch(() => undefined);
      if (placement.ownsAddress && placement.address !== undefined) await this.deps.pool.release(placement.address, `server:${id}`).catch(() => undefined);
      if (request.serverGroupId !== undefined) await this.leaveGroup(request.serverGroupId, id).catch(() => undefined);
      await removePath(serverDir).catch(() => undefined);
      if (error instanceof TroveError) throw error;
      throw backendError('createServer', `Could not create the server: ${(error as Error).message}`, 500);
    }
  }

  async getServer(id: string): Promise<Server | undefined> {
    const record = await this.load(id);
    return record === undefined ? undefined : this.toServer(record);
  }

  async deleteServer(id: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) return;
    await this.deps.runner.stop(record, 'kill');
    if (record.volumeId !== null) {
      await this.deps.volumes.detachVolume(id, record.volumeId);
      if (record.deleteVolumeOnTermination) await this.deps.volumes.deleteVolume(record.volumeId);
    }
    for (const portId of record.portIds) await this.deps.networks.bindPort(portId, null);
    if (record.ownsAddress) await this.deps.pool.release(record.address, `server:${id}`);
    if (record.serverGroupId !== null) await this.leaveGroup(record.serverGroupId, id);
    await removePath(this.deps.layout.serverDir(id));
    this.logger.info({ serverId: id, instanceId: record.instanceId }, 'server deleted');
  }

  /** Stops the VM (gracefully) and boots it again for `phase` with the record's changes applied. */
  private async restart(record: QemuServerRecord, phase: BootPhase, mode: 'graceful' | 'kill' = 'graceful'): Promise<void> {
    await this.deps.runner.stop(record, mode);
    await this.deps.runner.launch(record, phase);
  }

  async rebootServer(id: string, hard = false): Promise<void> {
    const record = await this.require('rebootServer', id);
    await this.restart(record, hard ? 'hard-reboot' : 'reboot', hard ? 'kill' : 'graceful');
  }

  async resizeServer(id: string, flavorId: string): Promise<void> {
    const record = await this.require('resizeServer', id);
    const flavor = await this.deps.flavors.getFlavor(flavorId);
    if (flavor === undefined) throw backendError('resizeServer', `Flavor ${flavorId} does not exist.`, 400);
    if (record.previousFlavorId !== null) throw backendError('resizeServer', `Server ${id} has an unconfirmed resize.`, 409);
    await this.deps.runner.stop(record, 'graceful');
    const info = JSON.parse(await this.deps.host.qemuImg(['info', '--output=json', '-U', this.deps.layout.rootDisk(id)])) as { 'virtual-size'?: number };
    if (flavor.disk * GIB > (info['virtual-size'] ?? 0)) await this.deps.host.qemuImg(['resize', '-q', '-f', 'qcow2', this.deps.layout.rootDisk(id), String(flavor.disk * GIB)]);
    await this.deps.runner.launch({ ...record, previousFlavorId: record.flavorId, flavorId }, 'resize');
  }

  async confirmResize(id: string): Promise<void> {
    const record = await this.require('confirmResize', id);
    await this.deps.runner.save({ ...record, previousFlavorId: null });
  }

  async revertResize(id: string): Promise<void> {
    const record = await this.require('revertResize', id);
    if (record.previousFlavorId === null) return;
    await this.restart({ ...record, flavorId: record.previousFlavorId, previousFlavorId: null }, 'revert');
  }

  async rebuildServer(id: string, request: RebuildServerRequest): Promise<void> {
    const record = await this.require('rebuildServer', id);
    const image = await this.resolveImage('rebuildServer', request.imageId);
    const flavor = await this.deps.flavors.getFlavor(record.flavorId);
    await this.deps.runner.stop(record, 'graceful');
    const generation = Number(/-r(\d+)$/.exec(record.cloudInstanceId)?.[1] ?? '0') + 1;
    const cloudInstanceId = `trove-${id}-r${generation}`;
    await this.createRootDisk(id, image, flavor?.disk ?? 0);
    const brokers = await this.writeSeed({ id, instanceId: record.instanceId, cloudInstanceId }, request.boot);
    await this.deps.runner.launch({ ...record, imageId: request.imageId, image: this.imageOf(image), cloudInstanceId, brokers }, 'rebuild');
  }

  async createServerGroup(name: string, policy: ServerGroupPolicy): Promise<ServerGroup> {
    const group: ServerGroup = { id: randomUUID(), name, policy, memberIds: [] };
    await writeRecord(this.groupFile(group.id), group);
    return group;
  }

  async getServerGroup(id: string): Promise<ServerGroup | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    return readRecord<ServerGroup>(this.groupFile(id));
  }

  async deleteServerGroup(id: string): Promise<void> {
    if (/^[0-9a-f-]{36}$/.test(id)) await removePath(this.groupFile(id));
  }

  private groupFile(id: string): string {
    return `${this.deps.layout.root}/server-groups/${id}.json`;
  }

  private async joinGroup(groupId: string, serverId: string): Promise<void> {
    const group = await this.getServerGroup(groupId);
    if (group !== undefined) await writeRecord(this.groupFile(groupId), { ...group, memberIds: [...new Set([...group.memberIds, serverId])] });
  }

  private async leaveGroup(groupId: string, serverId: string): Promise<void> {
    const group = await this.getServerGroup(groupId);
    if (group !== undefined) await writeRecord(this.groupFile(groupId), { ...group, memberIds: group.memberIds.filter((member) => member !== serverId) });
  }
}
