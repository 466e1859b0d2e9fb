/**
 * Servers of the local-process backend. A server is the guest agent of one instance running as a host process
 * (see agent-process.ts) with a config dir written as cloud-init would (config-dir.ts), an address of its own
 * (addresses.ts) and a directory as its volume. Its status follows the agent process: ACTIVE while it runs,
 * SHUTOFF when it does not, ERROR when it refused its configuration at start, VERIFY_RESIZE between a resize
 * and its confirmation.
 *
 * Creating is idempotent per instance (`metadata.trove_instance_id`): a taskmanager that died between asking
 * for a server and recording its id gets the same server again, never a second one. Deleting stops the agent,
 * removes the instance's datastore containers by label, and releases the address and the config dir.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDatastoreManager, parseIni, type DatastoreManager, type TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import {
  ServerStatus,
  type ComputeDriver,
  type CreateServerRequest,
  type FlavorCatalog,
  type GuestBoot,
  type ImageCatalog,
  type RebuildServerRequest,
  type Server,
  type ServerFault,
  type ServerGroup,
  type ServerGroupPolicy,
} from '../ports.js';
import type { AddressPool } from './addresses.js';
import { logFile, type AgentLauncher } from './agent-process.js';
import { HOST_CONFIG_FILE, deliverBootFiles, hostPath, renderHostConfig } from './config-dir.js';
import type { DockerHost } from './docker.js';
import { LOCAL_NETWORK_ID, placeNics, type LocalNetworkDriver, type NicPlacement } from './networks.js';
import { listRecords, readRecord, removePath, writeRecord, type StateLayout } from './state.js';
import type { LocalVolumeDriver } from './volumes.js';

/** A server as recorded. */
export interface ServerRecord {
  id: string;
  name: string;
  instanceId: string;
  imageId: string;
  flavorId: string;
  /** The flavor before an unconfirmed resize. */
  previousFlavorId: string | null;
  address: string;
  /** True when the server allocated its address itself (no port). */
  ownsAddress: boolean;
  portIds: string[];
  volumeId: string | null;
  mountPoint: string;
  manager: DatastoreManager;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  serverGroupId: string | null;
  createdAt: string;
  fault: ServerFault | null;
}

/** What the compute driver needs. */
export interface LocalComputeDeps {
  config: TroveConfig;
  layout: StateLayout;
  pool: AddressPool;
  launcher: AgentLauncher;
  docker: DockerHost;
  flavors: FlavorCatalog;
  images: ImageCatalog;
  volumes: LocalVolumeDriver;
  networks: LocalNetworkDriver;
  logger: Logger;
}

function backendError(method: string, message: string, status: number): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'local-process', method, status } });
}

/** How long a claim on an instance may exist without its server's record before it counts as abandoned. */
const CLAIM_STALE_MS = 30_000;

/** Exit status of `runDaemon` for a configuration error. */
const CONFIG_ERROR_EXIT = 2;

/** Delay before an agent that failed is started again (the guest unit's `RestartSec=5`). */
const AGENT_RESTART_DELAY_MS = 5000;

export class LocalComputeDriver implements ComputeDriver {
  private readonly logger: Logger;

  constructor(private readonly deps: LocalComputeDeps) {
    this.logger = deps.logger.child({ component: 'local-process' });
  }

  /** The config dir of a server (`<server dir>/<injected_config_location>`). */
  configDir(id: string): string {
    return hostPath(this.deps.layout.serverDir(id), this.deps.config.DEFAULT.injected_config_location);
  }

  private async load(id: string): Promise<ServerRecord | undefined> {
    return readRecord<ServerRecord>(this.deps.layout.serverFile(id));
  }

  private async store(record: ServerRecord): Promise<void> {
    await writeRecord(this.deps.layout.serverFile(record.id), record);
  }

  /** Every recorded server (tests, the demo's teardown). */
  async listServers(): Promise<ServerRecord[]> {
    return listRecords<ServerRecord>(this.deps.layout.serversDir(), (entry) => this.deps.layout.serverFile(entry));
  }

  private async status(record: ServerRecord): Promise<ServerStatus> {
    if (record.fault !== null) return ServerStatus.ERROR;
    const running = (await this.deps.launcher.runningPid(this.deps.layout.serverDir(record.id), this.configDir(record.id))) !== undefined;
    if (!running) return ServerStatus.SHUTOFF;
    return record.previousFlavorId !== null ? ServerStatus.VERIFY_RESIZE : ServerStatus.ACTIVE;
  }

  private async toServer(record: ServerRecord): Promise<Server> {
    return {
      id: record.id,
      name: record.name,
      status: await this.status(record),
      addresses: { [LOCAL_NETWORK_ID]: [{ address: record.address, version: 4, type: 'fixed' }] },
      ...(record.fault === null ? {} : { fault: record.fault }),
      flavorId: record.flavorId,
      imageId: record.imageId,
      ...(record.availabilityZone === null ? {} : { availabilityZone: record.availabilityZone }),
      metadata: { ...record.metadata },
    };
  }

  /** Records why an agent this process started exited; a refused configuration makes the server ERROR. */
  async recordExit(serverDir: string, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const id = basename(serverDir);
    const record = await this.load(id);
    if (record === undefined) return;
    this.logger.warn({ serverId: id, instanceId: record.instanceId, code, signal }, 'guest agent exited');
    if (code !== null && code !== 0 && code !== CONFIG_ERROR_EXIT) {
      // As systemd does in a VM (Restart=always): an agent that failed, e.g. because the broker went away
      // while it started, comes back. A refused configuration would only fail again; an agent stopped or
      // killed by a signal stays down, as a crashed guest would.
      const timer = setTimeout(() => void this.restartAgent(id).catch((error: unknown) => this.logger.warn({ serverId: id, err: error }, 'cannot restart the guest agent')), AGENT_RESTART_DELAY_MS);
      timer.unref();
      return;
    }
    if (code !== CONFIG_ERROR_EXIT) return;
    const tail = (await readFile(logFile(serverDir), 'utf8').catch(() => '')).trim().split('\n').slice(-3).join('\n');
    await this.store({ ...record, fault: { code: 500, message: 'The guest agent refused its configuration.', details: tail, created: new Date().toISOString() } });
  }

  private async restartAgent(id: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined || record.fault !== null) return;
    const pid = await this.deps.launcher.start(this.deps.layout.serverDir(id), this.configDir(id));
    this.logger.info({ serverId: id, instanceId: record.instanceId, pid }, 'guest agent restarted after a failure');
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

  private async writeConfig(record: ServerRecord, boot: GuestBoot): Promise<void> {
    const serverDir = this.deps.layout.serverDir(record.id);
    await deliverBootFiles(serverDir, boot);
    const configDir = this.configDir(record.id);
    await mkdir(configDir, { recursive: true, mode: 0o700 });
    const host = renderHostConfig(this.deps.config, {
      instanceId: record.instanceId,
      manager: record.manager,
      address: record.address,
      mountPoint: record.mountPoint,
      dockerImage: record.imageId,
    });
    await writeFile(join(configDir, HOST_CONFIG_FILE), host, { mode: 0o600 });
  }

  async createServer(request: CreateServerRequest): Promise<Server> {
    const instanceId = request.metadata['trove_instance_id'];
    if (instanceId === undefined || instanceId === '') throw backendError('createServer', 'Server metadata must name trove_instance_id.', 400);
    if ((await this.deps.flavors.getFlavor(request.flavorId)) === undefined) throw backendError('createServer', `Flavor ${request.flavorId} does not exist.`, 400);
    if ((await this.deps.images.getImage(request.imageId)) === undefined) throw backendError('createServer', `Image ${request.imageId} does not exist on this host's Docker engine.`, 400);
    const manager = this.managerOf(request.boot);

    const id = randomUUID();
    const existing = await this.claimInstance(instanceId, id);
    if (existing !== undefined) {
      this.logger.info({ serverId: existing.id, instanceId }, 'server of this instance exists; reusing it');
      if (existing.fault === null) await this.deps.launcher.start(this.deps.layout.serverDir(existing.id), this.configDir(existing.id));
      return this.toServer(existing);
    }
    const serverDir = this.deps.layout.serverDir(id);
    await mkdir(serverDir, { recursive: true, mode: 0o700 });
    const placement: NicPlacement = { address: undefined, ownsAddress: false, portIds: [] };
    try {
      const address = await placeNics(placement, request.nics, this.deps.networks, this.deps.pool, `server:${id}`, 'local-process');
      let mountPoint = join(serverDir, 'data');
      if (request.volume !== undefined) {
        if ((await this.deps.volumes.getVolume(request.volume.volumeId)) === undefined) throw backendError('createServer', `Volume ${request.volume.volumeId} does not exist.`, 400);
        mountPoint = this.deps.volumes.dataDir(request.volume.volumeId);
      }
      await mkdir(mountPoint, { recursive: true });
      const record: ServerRecord = {
        id,
        name: request.name,
        instanceId,
        imageId: request.imageId,
        flavorId: request.flavorId,
        previousFlavorId: null,
        address,
        ownsAddress: placement.ownsAddress,
        portIds: placement.portIds,
        volumeId: request.volume?.volumeId ?? null,
        mountPoint,
        manager,
        metadata: { ...request.metadata },
        availabilityZone: request.availabilityZone ?? null,
        serverGroupId: request.serverGroupId ?? null,
        createdAt: new Date().toISOString(),
        fault: null,
      };
      await this.store(record);
      await this.writeConfig(record, request.boot);
      if (record.volumeId !== null) await this.deps.volumes.attachVolume(id, record.volumeId);
      for (const portId of placement.portIds) await this.deps.networks.bindPort(portId, id);
      if (record.serverGroupId !== null) await this.joinGroup(record.serverGroupId, id);
      await this.deps.launcher.start(serverDir, this.configDir(id));
      this.logger.info({ serverId: id, instanceId, address, manager }, 'server created');
      return this.toServer(record);
    } catch (error) {
      await this.deps.launcher.stop(serverDir, this.configDir(id), { hard: true }).catch(() => undefined);
      if (placement.ownsAddress && placement.address !== undefined) await this.deps.pool.release(placement.address, `server:${id}`).catch(() => undefined);
      await removePath(serverDir).catch(() => undefined);
      await removePath(this.deps.layout.instanceClaimFile(instanceId)).catch(() => undefined);
      if (error instanceof TroveError) throw error;
      throw backendError('createServer', `Could not create the server: ${(error as Error).message}`, 500);
    }
  }

  /**
   * Makes `serverId` the one server of the instance, atomically across processes, unless the instance has one:
   * then that server's record is returned. A claim whose server never got a record is taken over once it is
   * older than CLAIM_STALE_MS (its creator died between claiming and recording).
   */
  private async claimInstance(instanceId: string, serverId: string): Promise<ServerRecord | undefined> {
    const file = this.deps.layout.instanceClaimFile(instanceId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + CLAIM_STALE_MS;
    for (;;) {
      try {
        await writeFile(file, `${serverId}\n`, { flag: 'wx', mode: 0o600 });
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
      const record = holder === '' ? undefined : await this.load(holder);
      if (record !== undefined) return record;
      const age = Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? 0);
      if (age > CLAIM_STALE_MS || Date.now() > deadline) {
        await removePath(file);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async getServer(id: string): Promise<Server | undefined> {
    const record = await this.load(id);
    return record === undefined ? undefined : this.toServer(record);
  }

  async deleteServer(id: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) return;
    const serverDir = this.deps.layout.serverDir(id);
    await this.deps.launcher.stop(serverDir, this.configDir(id));
    const removed = await this.deps.docker.removeInstanceContainers(record.instanceId);
    if (record.volumeId !== null) await this.deps.volumes.detachVolume(id, record.volumeId);
    for (const portId of record.portIds) await this.deps.networks.bindPort(portId, null);
    if (record.ownsAddress) await this.deps.pool.release(record.address, `server:${id}`);
    if (record.serverGroupId !== null) await this.leaveGroup(record.serverGroupId, id);
    await removePath(serverDir);
    await removePath(this.deps.layout.instanceClaimFile(record.instanceId));
    this.logger.info({ serverId: id, instanceId: record.instanceId, containers: removed }, 'server deleted');
  }

  async rebootServer(id: string, hard = false): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw backendError('rebootServer', `Server ${id} does not exist.`, 404);
    const serverDir = this.deps.layout.serverDir(id);
    await this.deps.launcher.stop(serverDir, this.configDir(id), { hard });
    if (record.fault !== null) await this.store({ ...record, fault: null });
    await this.deps.launcher.start(serverDir, this.configDir(id));
  }

  async resizeServer(id: string, flavorId: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw backendError('resizeServer', `Server ${id} does not exist.`, 404);
    if ((await this.deps.flavors.getFlavor(flavorId)) === undefined) throw backendError('resizeServer', `Flavor ${flavorId} does not exist.`, 400);
    if (record.previousFlavorId !== null) throw backendError('resizeServer', `Server ${id} has an unconfirmed resize.`, 409);
    await this.store({ ...record, previousFlavorId: record.flavorId, flavorId });
  }

  async confirmResize(id: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw backendError('confirmResize', `Server ${id} does not exist.`, 404);
    await this.store({ ...record, previousFlavorId: null });
  }

  async revertResize(id: string): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw backendError('revertResize', `Server ${id} does not exist.`, 404);
    if (record.previousFlavorId === null) return;
    await this.store({ ...record, flavorId: record.previousFlavorId, previousFlavorId: null });
  }

  async rebuildServer(id: string, request: RebuildServerRequest): Promise<void> {
    const record = await this.load(id);
    if (record === undefined) throw backendError('rebuildServer', `Server ${id} does not exist.`, 404);
    if ((await this.deps.images.getImage(request.imageId)) === undefined) throw backendError('rebuildServer', `Image ${request.imageId} does not exist.`, 400);
    const serverDir = this.deps.layout.serverDir(id);
    await this.deps.launcher.stop(serverDir, this.configDir(id));
    const rebuilt = { ...record, imageId: request.imageId, fault: null };
    await this.store(rebuilt);
    await this.writeConfig(rebuilt, request.boot);
    await this.deps.launcher.start(serverDir, this.configDir(id));
  }

  async createServerGroup(name: string, policy: ServerGroupPolicy): Promise<ServerGroup> {
    const group: ServerGroup = { id: randomUUID(), name, policy, memberIds: [] };
    await writeRecord(this.deps.layout.serverGroupFile(group.id), group);
    return group;
  }

  async getServerGroup(id: string): Promise<ServerGroup | undefined> {
    return readRecord<ServerGroup>(this.deps.layout.serverGroupFile(id));
  }

  async deleteServerGroup(id: string): Promise<void> {
    await removePath(this.deps.layout.serverGroupFile(id));
  }

  private async joinGroup(groupId: string, serverId: string): Promise<void> {
    const group = await this.getServerGroup(groupId);
    if (group !== undefined) await writeRecord(this.deps.layout.serverGroupFile(groupId), { ...group, memberIds: [...new Set([...group.memberIds, serverId])] });
  }

  private async leaveGroup(groupId: string, serverId: string): Promise<void> {
    const group = await this.getServerGroup(groupId);
    if (group !== undefined) await writeRecord(this.deps.layout.serverGroupFile(groupId), { ...group, memberIds: group.memberIds.filter((member) => member !== serverId) });
  }
}
