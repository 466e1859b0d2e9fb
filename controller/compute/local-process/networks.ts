/**
 * Networking of the local-process backend. There is one network, `local`, whose subnet is `[local_compute]
 * address_range`; a port is an address allocated from it. Security groups and floating IPs do not exist on a
 * single host (`hasSecurityGroups`/`hasFloatingIps` are false): their methods are no-ops with empty results,
 * and allocating a floating IP is refused.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type {
  CreatePortRequest,
  FloatingIp,
  Network,
  NicSpec,
  NetworkDriver,
  Port,
  SecurityGroup,
  SecurityGroupRule,
  SecurityGroupRuleRequest,
  Subnet,
} from '../ports.js';
import type { AddressPool, AddressRange } from './addresses.js';
import { listRecords, readRecord, removePath, writeRecord, type StateLayout } from './state.js';

/** What a new server's NICs gave it; filled as it goes, so a caller's cleanup sees what was taken before a failure. */
export interface NicPlacement {
  address: string | undefined;
  ownsAddress: boolean;
  portIds: string[];
}

/**
 * Gives a new server its address from its NICs: a port's fixed IP, else one allocated from the pool for
 * `owner` (a requested fixed IP when given), else any free one. Returns the address.
 * @throws TroveError BACKEND_ERROR (400, reported as `service`) for a port that does not exist
 */
export async function placeNics(placement: NicPlacement, nics: readonly NicSpec[], networks: LocalNetworkDriver, pool: AddressPool, owner: string, service: string): Promise<string> {
  for (const nic of nics) {
    if ('portId' in nic) {
      const port = await networks.getPort(nic.portId);
      if (port === undefined) throw new TroveError(ErrorCode.BACKEND_ERROR, `Port ${nic.portId} does not exist.`, { details: { service, method: 'createServer', status: 400 } });
      placement.portIds.push(port.id);
      placement.address ??= port.fixedIps[0]?.ipAddress;
    } else if (placement.address === undefined) {
      placement.address = await pool.allocate(owner, nic.fixedIp);
      placement.ownsAddress = true;
    }
  }
  if (placement.address === undefined) {
    placement.address = await pool.allocate(owner);
    placement.ownsAddress = true;
  }
  return placement.address;
}

/** The one network of the backend. */
export const LOCAL_NETWORK_ID = 'local';
export const LOCAL_SUBNET_ID = 'local-subnet';

export class LocalNetworkDriver implements NetworkDriver {
  constructor(
    private readonly layout: StateLayout,
    private readonly pool: AddressPool,
    private readonly range: AddressRange,
  ) {}

  async createSecurityGroup(name: string, description: string): Promise<SecurityGroup> {
    return { id: `local-${randomUUID()}`, name, description, rules: [] };
  }

  async findSecurityGroupsByName(): Promise<SecurityGroup[]> {
    return [];
  }

  async deleteSecurityGroup(): Promise<void> {}

  async addSecurityGroupRule(securityGroupId: string, rule: SecurityGroupRuleRequest): Promise<SecurityGroupRule> {
    return { id: `local-${randomUUID()}`, securityGroupId, ethertype: 'IPv4', ...rule };
  }

  async deleteSecurityGroupRule(): Promise<void> {}

  async createPort(request: CreatePortRequest): Promise<Port> {
    if (request.networkId !== LOCAL_NETWORK_ID) {
      throw new TroveError(ErrorCode.BACKEND_ERROR, `Network ${request.networkId} does not exist on this host (only '${LOCAL_NETWORK_ID}').`, { details: { service: 'local-process', method: 'createPort', status: 404 } });
    }
    const id = randomUUID();
    const address = await this.pool.allocate(`port:${id}`, request.ipAddress);
    const port: Port = {
      id,
      name: request.name,
      description: request.description,
      networkId: LOCAL_NETWORK_ID,
      fixedIps: [{ subnetId: LOCAL_SUBNET_ID, ipAddress: address }],
      securityGroupIds: [...request.securityGroupIds],
      deviceId: null,
      status: 'DOWN',
    };
    try {
      await writeRecord(this.layout.portFile(id), port);
    } catch (error) {
      await this.pool.release(address, `port:${id}`);
      throw error;
    }
    return port;
  }

  /** A port by id (the compute driver binds servers to ports). */
  async getPort(id: string): Promise<Port | undefined> {
    return readRecord<Port>(this.layout.portFile(id));
  }

  /** Records the server a port is bound to. */
  async bindPort(id: string, serverId: string | null): Promise<void> {
    const port = await this.getPort(id);
    if (port === undefined) return;
    await writeRecord(this.layout.portFile(id), { ...port, deviceId: serverId, status: serverId === null ? 'DOWN' : 'ACTIVE' });
  }

  async findPortsByName(name: string): Promise<Port[]> {
    const ports = await listRecords<Port>(this.layout.portsDir(), (entry) => (entry.endsWith('.json') ? `${this.layout.portsDir()}/${entry}` : undefined));
    return ports.filter((port) => port.name === name);
  }

  async deletePort(id: string): Promise<void> {
    const port = await this.getPort(id);
    if (port === undefined) return;
    for (const fixed of port.fixedIps) await this.pool.release(fixed.ipAddress, `port:${id}`);
    await removePath(this.layout.portFile(id));
  }

  async createFloatingIp(): Promise<FloatingIp> {
    throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Floating IPs do not exist on the local-process backend.');
  }

  async findFloatingIpsByPort(): Promise<FloatingIp[]> {
    return [];
  }

  async setFloatingIpPort(): Promise<FloatingIp> {
    throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Floating IPs do not exist on the local-process backend.');
  }

  async deleteFloatingIp(): Promise<void> {}

  async getNetwork(id: string): Promise<Network | undefined> {
    return id === LOCAL_NETWORK_ID ? { id, name: 'local', subnetIds: [LOCAL_SUBNET_ID], isExternal: false } : undefined;
  }

  async getSubnet(id: string): Promise<Subnet | undefined> {
    if (id !== LOCAL_SUBNET_ID) return undefined;
    return { id, name: 'local', networkId: LOCAL_NETWORK_ID, cidr: this.range.cidr, ipVersion: 4, gatewayIp: null };
  }

  async listSubnets(networkId: string): Promise<Subnet[]> {
    const subnet = networkId === LOCAL_NETWORK_ID ? await this.getSubnet(LOCAL_SUBNET_ID) : undefined;
    return subnet === undefined ? [] : [subnet];
  }

  async findExternalNetwork(): Promise<Network | undefined> {
    return undefined;
  }

  async subnetHasRouter(): Promise<boolean> {
    return false;
  }
}
