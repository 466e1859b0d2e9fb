/**
 * A fake `ComputeBackend` for flow tests: servers, volumes, ports, security groups, floating IPs and server
 * groups kept in maps, every call recorded, failures injectable per method. Servers go BUILD → ACTIVE on the
 * first `getServer`, volumes creating → available, like a quick cloud.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, TroveError } from '../../../../../shared/errors/index.js';
import {
  ServerStatus,
  type ComputeBackend,
  type ComputeCapabilities,
  type CreatePortRequest,
  type CreateServerRequest,
  type CreateVolumeRequest,
  type FloatingIp,
  type Image,
  type Port,
  type SecurityGroup,
  type SecurityGroupRule,
  type SecurityGroupRuleRequest,
  type Server,
  type ServerGroup,
  type ServerGroupPolicy,
  type Volume,
} from '../../../../../controller/compute/ports.js';

export const FULL_CAPABILITIES: ComputeCapabilities = {
  backend: 'openstack',
  hasSecurityGroups: true,
  hasFloatingIps: true,
  hasServerGroups: true,
  hasUserNetworks: true,
  hasVolumeTypes: true,
  canExtendVolumeOnline: true,
  canResizeServer: true,
  canRebuildServer: true,
  volumeKind: 'block',
};

export const LOCAL_CAPABILITIES: ComputeCapabilities = {
  ...FULL_CAPABILITIES,
  backend: 'local-process',
  hasSecurityGroups: false,
  hasFloatingIps: false,
  hasServerGroups: false,
  hasUserNetworks: false,
  hasVolumeTypes: false,
  volumeKind: 'directory',
};

/** A backend failure as the real backends raise it. */
export function backendFailure(status: number, message = `backend answered ${status}`): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'fake', method: 'x', status } });
}

interface FakeServer extends Server {
  request: CreateServerRequest;
  pendingFlavor?: string;
}

export class FakeBackend implements ComputeBackend {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly servers = new Map<string, FakeServer>();
  readonly volumeMap = new Map<string, Volume>();
  readonly portMap = new Map<string, Port>();
  readonly groups = new Map<string, SecurityGroup>();
  readonly floating = new Map<string, FloatingIp>();
  readonly serverGroups = new Map<string, ServerGroup>();
  readonly images: ComputeBackend['images'];
  readonly flavors: ComputeBackend['flavors'];
  readonly compute: ComputeBackend['compute'];
  readonly volumes: ComputeBackend['volumes'];
  readonly networks: ComputeBackend['networks'];
  private readonly failures = new Map<string, Error[]>();
  private readonly blocked = new Map<string, Promise<void>>();
  /** Status a new server reaches on its first read. @default ACTIVE */
  bootStatus: ServerStatus = ServerStatus.ACTIVE;
  /** Status a new volume reaches on its first read. @default available */
  volumeReadyStatus = 'available';
  knownImages: Image[] = [{ id: 'image-1', name: 'guest', status: 'active', tags: ['trove'], createdAt: '2026-01-01T00:00:00Z', minDiskGb: 0, minRamMb: 0 }];

  constructor(readonly capabilities: ComputeCapabilities = FULL_CAPABILITIES) {
    this.images = {
      getImage: async (id) => {
        this.record('getImage', id);
        return this.knownImages.find((image) => image.id === id);
      },
      findNewestImageByTags: async (tags) => {
        this.record('findNewestImageByTags', tags);
        return this.knownImages.find((image) => tags.every((tag) => image.tags.includes(tag)));
      },
    };
    this.flavors = {
      listFlavors: async () => [],
      getFlavor: async () => undefined,
      listVolumeTypes: async () => [],
    };
    this.compute = {
      createServer: (request) => this.call('createServer', [request], async () => this.createServer(request)),
      getServer: (id) => this.call('getServer', [id], async () => this.getServer(id)),
      deleteServer: (id) => this.call('deleteServer', [id], async () => void this.servers.delete(id)),
      rebootServer: (id, hard) => this.call('rebootServer', [id, hard], async () => this.setStatus(id, ServerStatus.ACTIVE)),
      resizeServer: (id, flavorId) =>
        this.call('resizeServer', [id, flavorId], async () => {
          const server = this.mustServer(id);
          server.pendingFlavor = flavorId;
          server.status = ServerStatus.VERIFY_RESIZE;
        }),
      confirmResize: (id) =>
        this.call('confirmResize', [id], async () => {
          const server = this.mustServer(id);
          server.flavorId = server.pendingFlavor ?? server.flavorId;
          delete server.pendingFlavor;
          server.status = ServerStatus.ACTIVE;
        }),
      revertResize: (id) =>
        this.call('revertResize', [id], async () => {
          const server = this.mustServer(id);
          delete server.pendingFlavor;
          server.status = ServerStatus.ACTIVE;
        }),
      rebuildServer: (id, request) => this.call('rebuildServer', [id, request], async () => void this.mustServer(id)),
      createServerGroup: (name, policy) => this.call('createServerGroup', [name, policy], async () => this.createServerGroup(name, policy)),
      getServerGroup: (id) => this.call('getServerGroup', [id], async () => this.serverGroups.get(id)),
      deleteServerGroup: (id) => this.call('deleteServerGroup', [id], async () => void this.serverGroups.delete(id)),
    };
    this.volumes = {
      createVolume: (request) => this.call('createVolume', [request], async () => this.createVolume(request)),
      getVolume: (id) => this.call('getVolume', [id], async () => this.getVolume(id)),
      findVolumesByName: (name) => this.call('findVolumesByName', [name], async () => [...this.volumeMap.values()].filter((volume) => volume.name === name)),
      deleteVolume: (id) => this.call('deleteVolume', [id], async () => void this.volumeMap.delete(id)),
      extendVolume: (id, size) =>
        this.call('extendVolume', [id, size], async () => {
          const volume = this.volumeMap.get(id);
          if (volume === undefined) throw backendFailure(404);
          volume.sizeGb = size;
        }),
      attachVolume: (serverId, volumeId, device) =>
        this.call('attachVolume', [serverId, volumeId, device], async () => {
          const attachment = { serverId, ...(device === undefined ? {} : { device }) };
          this.volumeMap.get(volumeId)?.attachments.push(attachment);
          return attachment;
        }),
      detachVolume: (serverId, volumeId) =>
        this.call('detachVolume', [serverId, volumeId], async () => {
          const volume = this.volumeMap.get(volumeId);
          if (volume !== undefined) volume.attachments = volume.attachments.filter((attachment) => attachment.serverId !== serverId);
        }),
      listVolumeTypes: async () => [],
    };
    this.networks = {
      createSecurityGroup: (name, description) =>
        this.call('createSecurityGroup', [name, description], async () => {
          const group: SecurityGroup = { id: randomUUID(), name, description, rules: [] };
          this.groups.set(group.id, group);
          return group;
        }),
      findSecurityGroupsByName: (name) => this.call('findSecurityGroupsByName', [name], async () => [...this.groups.values()].filter((group) => group.name === name).map((group) => structuredClone(group))),
      deleteSecurityGroup: (id) => this.call('deleteSecurityGroup', [id], async () => void this.groups.delete(id)),
      addSecurityGroupRule: (groupId, rule) => this.call('addSecurityGroupRule', [groupId, rule], async () => this.addRule(groupId, rule)),
      deleteSecurityGroupRule: (id) =>
        this.call('deleteSecurityGroupRule', [id], async () => {
          for (const group of this.groups.values()) group.rules = group.rules.filter((rule) => rule.id !== id);
        }),
      createPort: (request) => this.call('createPort', [request], async () => this.createPort(request)),
      findPortsByName: (name) => this.call('findPortsByName', [name], async () => [...this.portMap.values()].filter((port) => port.name === name)),
      deletePort: (id) => this.call('deletePort', [id], async () => void this.portMap.delete(id)),
      createFloatingIp: (networkId, portId) =>
        this.call('createFloatingIp', [networkId, portId], async () => {
          const ip: FloatingIp = { id: randomUUID(), floatingIpAddress: '203.0.113.9', floatingNetworkId: networkId, portId, fixedIpAddress: null };
          this.floating.set(ip.id, ip);
          return ip;
        }),
      findFloatingIpsByPort: (portId) => this.call('findFloatingIpsByPort', [portId], async () => [...this.floating.values()].filter((ip) => ip.portId === portId)),
      setFloatingIpPort: async () => {
        throw new Error('not used');
      },
      deleteFloatingIp: (id) => this.call('deleteFloatingIp', [id], async () => void this.floating.delete(id)),
      getNetwork: async (id) => ({ id, name: id, subnetIds: [`${id}-subnet`], isExternal: id === 'public' }),
      getSubnet: async (id) => ({ id, name: id, networkId: id.replace(/-subnet$/, ''), cidr: '192.0.2.0/24', ipVersion: 4, gatewayIp: null }),
      listSubnets: async () => [],
      findExternalNetwork: async () => ({ id: 'public', name: 'public', subnetIds: [], isExternal: true }),
      subnetHasRouter: async () => true,
    };
  }

  /** Makes the next call(s) of `method` throw `error` (once per queued error). */
  failNext(method: string, ...errors: Error[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
  }

  /** Makes the next call of `method` wait until the returned function is called (a taskmanager dying mid-call). */
  blockNext(method: string): () => void {
    let release: () => void = () => undefined;
    this.blocked.set(method, new Promise<void>((resolve) => {
      release = resolve;
    }));
    return () => release();
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  setStatus(serverId: string, status: ServerStatus): void {
    this.mustServer(serverId).status = status;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  private async call<T>(method: string, args: unknown[], run: () => Promise<T>): Promise<T> {
    this.calls.push({ method, args });
    const gate = this.blocked.get(method);
    if (gate !== undefined) {
      this.blocked.delete(method);
      await gate;
    }
    const queued = this.failures.get(method);
    const failure = queued?.shift();
    if (failure !== undefined) throw failure;
    return run();
  }

  private mustServer(id: string): FakeServer {
    const server = this.servers.get(id);
    if (server === undefined) throw backendFailure(404, `server ${id} not found`);
    return server;
  }

  private createServer(request: CreateServerRequest): Server {
    const id = randomUUID();
    const address = (this.servers.size + 10) % 250;
    const server: FakeServer = {
      id,
      name: request.name,
      status: ServerStatus.BUILD,
      addresses: { private: [{ address: `10.0.0.${address}`, version: 4, type: 'fixed' }] },
      flavorId: request.flavorId,
      imageId: request.imageId,
      metadata: { ...request.metadata },
      request,
    };
    this.servers.set(id, server);
    return structuredClone({ ...server, request: undefined }) as unknown as Server;
  }

  private getServer(id: string): Server | undefined {
    const server = this.servers.get(id);
    if (server === undefined) return undefined;
    if (server.status === ServerStatus.BUILD) server.status = this.bootStatus;
    const { request: _request, pendingFlavor: _pending, ...plain } = server;
    return structuredClone(plain);
  }

  private createVolume(request: CreateVolumeRequest): Volume {
    const volume: Volume = { id: randomUUID(), name: request.name, sizeGb: request.sizeGb, status: 'creating', volumeType: request.volumeType ?? null, attachments: [], metadata: { ...(request.metadata ?? {}) } };
    this.volumeMap.set(volume.id, volume);
    return structuredClone(volume);
  }

  private getVolume(id: string): Volume | undefined {
    const volume = this.volumeMap.get(id);
    if (volume === undefined) return undefined;
    if (volume.status === 'creating') volume.status = this.volumeReadyStatus;
    return structuredClone(volume);
  }

  private addRule(groupId: string, rule: SecurityGroupRuleRequest): SecurityGroupRule {
    const group = this.groups.get(groupId);
    if (group === undefined) throw backendFailure(404);
    const created: SecurityGroupRule = { id: randomUUID(), securityGroupId: groupId, ethertype: 'IPv4', ...rule };
    group.rules.push(created);
    return created;
  }

  private createPort(request: CreatePortRequest): Port {
    const port: Port = {
      id: randomUUID(),
      name: request.name,
      description: request.description,
      networkId: request.networkId,
      fixedIps: [{ subnetId: request.subnetId ?? `${request.networkId}-subnet`, ipAddress: request.ipAddress ?? '192.0.2.20' }],
      securityGroupIds: [...request.securityGroupIds],
      deviceId: null,
      status: 'DOWN',
    };
    this.portMap.set(port.id, port);
    return port;
  }

  private createServerGroup(name: string, policy: ServerGroupPolicy): ServerGroup {
    const group: ServerGroup = { id: randomUUID(), name, policy, memberIds: [] };
    this.serverGroups.set(group.id, group);
    return group;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
