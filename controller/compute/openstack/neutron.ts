/**
 * Neutron (networking API v2.0): security groups and rules, ports, floating IPs, and the network, subnet and
 * router lookups behind Trove's conflict and access checks, as the `NetworkDriver` port.
 */
import type {
  CreatePortRequest,
  FloatingIp,
  Network,
  NetworkDriver,
  Port,
  SecurityGroup,
  SecurityGroupRule,
  SecurityGroupRuleRequest,
  Subnet,
} from '../ports.js';
import { bool, num, objects, optNum, optStr, str, strings, type JsonObject } from './json.js';
import { segment, type ServiceClient } from './service-client.js';

/** Device owners of a router's interface on a subnet (legacy, DVR and HA routers). */
export const ROUTER_INTERFACE_OWNERS = [
  'network:router_interface',
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
] as const;

/** Neutron's API as the network port. */
export class NeutronClient implements NetworkDriver {
  constructor(private readonly client: ServiceClient) {}

  async createSecurityGroup(name: string, description: string): Promise<SecurityGroup> {
    const group = await this.client.send('POST', '/security-groups', 'security_group', {
      body: { security_group: { name, description } },
    });
    return toSecurityGroup(group);
  }

  async findSecurityGroupsByName(name: string): Promise<SecurityGroup[]> {
    const groups = await this.client.list('/security-groups', 'security_groups', { query: { name } });
    return groups.map(toSecurityGroup).filter((group) => group.name === name);
  }

  async deleteSecurityGroup(id: string): Promise<void> {
    await this.client.deleteIfExists(`/security-groups/${segment(id)}`);
  }

  async addSecurityGroupRule(securityGroupId: string, rule: SecurityGroupRuleRequest): Promise<SecurityGroupRule> {
    const ethertype = rule.ethertype ?? (rule.remoteIpPrefix?.includes(':') ? 'IPv6' : 'IPv4');
    const body: JsonObject = {
      security_group_id: securityGroupId,
      direction: rule.direction,
      ethertype,
      protocol: rule.protocol,
      port_range_min: rule.portRangeMin,
      port_range_max: rule.portRangeMax,
      remote_ip_prefix: rule.remoteIpPrefix,
    };
    const created = await this.client.send('POST', '/security-group-rules', 'security_group_rule', {
      body: { security_group_rule: body },
    });
    return toRule(created);
  }

  async deleteSecurityGroupRule(id: string): Promise<void> {
    await this.client.deleteIfExists(`/security-group-rules/${segment(id)}`);
  }

  async createPort(request: CreatePortRequest): Promise<Port> {
    const port: JsonObject = { name: request.name, description: request.description, network_id: request.networkId };
    if (request.subnetId || request.ipAddress) {
      const fixedIp: JsonObject = {};
      if (request.subnetId) fixedIp['subnet_id'] = request.subnetId;
      if (request.ipAddress) fixedIp['ip_address'] = request.ipAddress;
      port['fixed_ips'] = [fixedIp];
    }
    // Without the key Neutron applies the project's default group; an explicit list replaces it.
    if (request.securityGroupIds.length > 0) port['security_groups'] = request.securityGroupIds;
    return toPort(await this.client.send('POST', '/ports', 'port', { body: { port } }));
  }

  async findPortsByName(name: string): Promise<Port[]> {
    const ports = await this.client.list('/ports', 'ports', { query: { name } });
    return ports.map(toPort).filter((port) => port.name === name);
  }

  async deletePort(id: string): Promise<void> {
    await this.client.deleteIfExists(`/ports/${segment(id)}`);
  }

  async createFloatingIp(floatingNetworkId: string, portId: string): Promise<FloatingIp> {
    const created = await this.client.send('POST', '/floatingips', 'floatingip', {
      body: { floatingip: { floating_network_id: floatingNetworkId, port_id: portId } },
    });
    return toFloatingIp(created);
  }

  async findFloatingIpsByPort(portId: string): Promise<FloatingIp[]> {
    const ips = await this.client.list('/floatingips', 'floatingips', { query: { port_id: portId } });
    return ips.map(toFloatingIp).filter((ip) => ip.portId === portId);
  }

  async setFloatingIpPort(id: string, portId: string | null): Promise<FloatingIp> {
    const updated = await this.client.send('PUT', `/floatingips/${segment(id)}`, 'floatingip', {
      body: { floatingip: { port_id: portId } },
    });
    return toFloatingIp(updated);
  }

  async deleteFloatingIp(id: string): Promise<void> {
    await this.client.deleteIfExists(`/floatingips/${segment(id)}`);
  }

  async getNetwork(id: string): Promise<Network | undefined> {
    const network = await this.client.findObject(`/networks/${segment(id)}`, 'network');
    return network && toNetwork(network);
  }

  async getSubnet(id: string): Promise<Subnet | undefined> {
    const subnet = await this.client.findObject(`/subnets/${segment(id)}`, 'subnet');
    return subnet && toSubnet(subnet);
  }

  async listSubnets(networkId: string): Promise<Subnet[]> {
    const subnets = await this.client.list('/subnets', 'subnets', { query: { network_id: networkId } });
    return subnets.map(toSubnet).filter((subnet) => subnet.networkId === networkId);
  }

  async findExternalNetwork(): Promise<Network | undefined> {
    const networks = await this.client.list('/networks', 'networks', { query: { 'router:external': true } });
    return networks.map(toNetwork).find((network) => network.isExternal);
  }

  async subnetHasRouter(subnetId: string): Promise<boolean> {
    const ports = await this.client.list('/ports', 'ports', {
      query: { device_owner: ROUTER_INTERFACE_OWNERS, fixed_ips: `subnet_id=${subnetId}` },
    });
    return ports.some(
      (port) =>
        (ROUTER_INTERFACE_OWNERS as readonly string[]).includes(str(port, 'device_owner')) &&
        objects(port, 'fixed_ips').some((fixedIp) => str(fixedIp, 'subnet_id') === subnetId),
    );
  }
}

function toRule(rule: JsonObject): SecurityGroupRule {
  return {
    id: str(rule, 'id'),
    securityGroupId: str(rule, 'security_group_id'),
    direction: str(rule, 'direction') === 'egress' ? 'egress' : 'ingress',
    ethertype: str(rule, 'ethertype') === 'IPv6' ? 'IPv6' : 'IPv4',
    protocol: optStr(rule, 'protocol'),
    portRangeMin: optNum(rule, 'port_range_min'),
    portRangeMax: optNum(rule, 'port_range_max'),
    remoteIpPrefix: optStr(rule, 'remote_ip_prefix'),
  };
}

function toSecurityGroup(group: JsonObject): SecurityGroup {
  return {
    id: str(group, 'id'),
    name: str(group, 'name'),
    description: str(group, 'description'),
    rules: objects(group, 'security_group_rules').map(toRule),
  };
}

function toPort(port: JsonObject): Port {
  return {
    id: str(port, 'id'),
    name: str(port, 'name'),
    description: str(port, 'description'),
    networkId: str(port, 'network_id'),
    fixedIps: objects(port, 'fixed_ips').map((fixedIp) => ({ subnetId: str(fixedIp, 'subnet_id'), ipAddress: str(fixedIp, 'ip_address') })),
    securityGroupIds: strings(port, 'security_groups'),
    deviceId: str(port, 'device_id') || null,
    status: str(port, 'status'),
  };
}

function toFloatingIp(ip: JsonObject): FloatingIp {
  return {
    id: str(ip, 'id'),
    floatingIpAddress: str(ip, 'floating_ip_address'),
    floatingNetworkId: str(ip, 'floating_network_id'),
    portId: optStr(ip, 'port_id'),
    fixedIpAddress: optStr(ip, 'fixed_ip_address'),
  };
}

function toNetwork(network: JsonObject): Network {
  return {
    id: str(network, 'id'),
    name: str(network, 'name'),
    subnetIds: strings(network, 'subnets'),
    isExternal: bool(network, 'router:external'),
  };
}

function toSubnet(subnet: JsonObject): Subnet {
  return {
    id: str(subnet, 'id'),
    name: str(subnet, 'name'),
    networkId: str(subnet, 'network_id'),
    cidr: str(subnet, 'cidr'),
    ipVersion: num(subnet, 'ip_version', 4) === 6 ? 6 : 4,
    gatewayIp: optStr(subnet, 'gateway_ip'),
  };
}
