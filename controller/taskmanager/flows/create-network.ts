/**
 * The network half of create (reference §8.2 steps 1-2): the locality server group, the instance security
 * group with one ingress rule per datastore port range and allowed CIDR, the user port (plus a floating IP for
 * public instances) and the management port. Each step first looks for what an interrupted run made (by id in
 * the flow's data, then by Trove's resource names) and creates only what is missing. Backends without these
 * resources (capabilities) skip them.
 */
import { isDatastoreManager, type DatastoreManager } from '../../../shared/config/index.js';
import { ErrorCode } from '../../../shared/errors/index.js';
import type { NicSpec, Port, SecurityGroup, SecurityGroupRuleRequest, ServerGroupPolicy } from '../../compute/ports.js';
import { StepFailure, type FlowContext, type StepDefinition } from '../engine/flow.js';
import { failWith, resourceName, securityGroupName } from './common.js';

/** One port range of `tcp_ports`/`udp_ports` ("3306" or "4567-4568"). */
export function parsePortRange(text: string): { min: number; max: number } {
  const match = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (!match || min < 1 || max > 65535 || min > max) throw new StepFailure(`Invalid port range '${text}' in the datastore's tcp_ports/udp_ports.`, { task: 'BUILDING_ERROR_SEC_GROUP', code: ErrorCode.CONFIG_INVALID });
  return { min, max };
}

/** The ingress rules an instance's security group needs for its datastore and access. */
export function ingressRules(ctx: FlowContext, manager: string, allowedCidrs: readonly string[] | undefined): SecurityGroupRuleRequest[] {
  if (!isDatastoreManager(manager)) throw new StepFailure(`Unknown datastore manager ${manager}.`, { task: 'BUILDING_ERROR_SEC_GROUP', code: ErrorCode.BAD_REQUEST });
  const options = ctx.deps.config[manager as DatastoreManager];
  const cidrs = allowedCidrs !== undefined && allowedCidrs.length > 0 ? allowedCidrs : [ctx.deps.config.DEFAULT.trove_security_group_rule_cidr];
  const rules: SecurityGroupRuleRequest[] = [];
  for (const [protocol, ranges] of [['tcp', options.tcp_ports], ['udp', options.udp_ports]] as const) {
    for (const range of ranges) {
      const { min, max } = parsePortRange(range);
      for (const cidr of cidrs) rules.push({ direction: 'ingress', protocol, portRangeMin: min, portRangeMax: max, remoteIpPrefix: cidr });
    }
  }
  return rules;
}

function sameRule(existing: SecurityGroup['rules'][number], wanted: SecurityGroupRuleRequest): boolean {
  return (
    existing.direction === wanted.direction &&
    existing.protocol === wanted.protocol &&
    existing.portRangeMin === wanted.portRangeMin &&
    existing.portRangeMax === wanted.portRangeMax &&
    existing.remoteIpPrefix === wanted.remoteIpPrefix
  );
}

/** Adds the rules a group lacks (existing equal rules are kept). */
export async function ensureRules(ctx: FlowContext, group: SecurityGroup, rules: readonly SecurityGroupRuleRequest[]): Promise<void> {
  for (const rule of rules) {
    if (group.rules.some((existing) => sameRule(existing, rule))) continue;
    await ctx.deps.backend.networks.addSecurityGroupRule(group.id, rule);
  }
}

/** Finds the instance's security group by name, or undefined. */
export async function findSecurityGroup(ctx: FlowContext, instanceId: string): Promise<SecurityGroup | undefined> {
  const found = await ctx.deps.backend.networks.findSecurityGroupsByName(securityGroupName(ctx, instanceId));
  return found[0];
}

const serverGroupStep: StepDefinition = {
  name: 'server-group',
  async run(ctx) {
    const locality = ctx.args['locality'];
    if (typeof locality !== 'string' || locality === '' || !ctx.deps.backend.capabilities.hasServerGroups) return;
    const compute = ctx.deps.backend.compute;
    const known = ctx.data['serverGroupId'];
    if (typeof known === 'string' && (await compute.getServerGroup(known)) !== undefined) return;
    try {
      const group = await compute.createServerGroup(`locality_${ctx.flow.instanceId}`, locality as ServerGroupPolicy);
      ctx.data['serverGroupId'] = group.id;
      await ctx.save();
    } catch (error) {
      throw failWith('BUILDING_ERROR_SERVER', 'Could not create the locality server group', error);
    }
  },
};

const securityGroupStep: StepDefinition = {
  name: 'security-group',
  async run(ctx) {
    const { backend, config } = ctx.deps;
    if (!backend.capabilities.hasSecurityGroups || !config.DEFAULT.trove_security_groups_support) return;
    const instanceId = ctx.flow.instanceId;
    try {
      let group = await findSecurityGroup(ctx, instanceId);
      if (group === undefined) {
        group = await backend.networks.createSecurityGroup(securityGroupName(ctx, instanceId), `Security Group for ${instanceId}`);
      }
      ctx.data['securityGroupId'] = group.id;
      await ctx.save();
      const access = (ctx.args['access'] ?? null) as { allowed_cidrs?: string[] } | null;
      await ensureRules(ctx, group, ingressRules(ctx, String(ctx.args['datastore_manager']), access?.allowed_cidrs));
    } catch (error) {
      throw failWith('BUILDING_ERROR_SEC_GROUP', 'Could not create the security group', error);
    }
  },
};

interface NicArg {
  network_id?: string;
  subnet_id?: string;
  ip_address?: string;
}

async function ensurePort(ctx: FlowContext, key: string, request: { networkId: string; subnetId?: string; ipAddress?: string; securityGroupIds: string[]; description: string }): Promise<Port> {
  const networks = ctx.deps.backend.networks;
  const name = resourceName(ctx.flow.instanceId);
  const known = ctx.data[key];
  const existing = (await networks.findPortsByName(name)).find((port) => (typeof known === 'string' ? port.id === known : port.networkId === request.networkId));
  if (existing !== undefined) return existing;
  const port = await networks.createPort({ name, ...request });
  ctx.data[key] = port.id;
  await ctx.save();
  return port;
}

const portsStep: StepDefinition = {
  name: 'ports',
  async run(ctx) {
    const { backend, config } = ctx.deps;
    if (!backend.capabilities.hasUserNetworks) return;
    const instanceId = ctx.flow.instanceId;
    const managementNetworks = config.DEFAULT.management_networks;
    const nics = ((ctx.args['nics'] ?? []) as NicArg[]).filter((nic) => nic.network_id === undefined || !managementNetworks.includes(nic.network_id));
    const groupId = typeof ctx.data['securityGroupId'] === 'string' ? [ctx.data['securityGroupId']] : [];
    const ports: NicSpec[] = [];
    try {
      const user = nics[0];
      if (user !== undefined) {
        let networkId = user.network_id;
        if (networkId === undefined && user.subnet_id !== undefined) networkId = (await backend.networks.getSubnet(user.subnet_id))?.networkId;
        if (networkId === undefined) throw new StepFailure('The user network or subnet does not exist.', { task: 'BUILDING_ERROR_PORT', code: ErrorCode.NOT_FOUND });
        const port = await ensurePort(ctx, 'userPortId', {
          networkId,
          ...(user.subnet_id === undefined ? {} : { subnetId: user.subnet_id }),
          ...(user.ip_address === undefined ? {} : { ipAddress: user.ip_address }),
          securityGroupIds: groupId,
          description: `User port for trove instance ${instanceId}`,
        });
        ports.push({ portId: port.id });
        await ensureFloatingIp(ctx, port);
      }
      const management = managementNetworks[managementNetworks.length - 1];
      if (management !== undefined) {
        const groups = config.DEFAULT.management_security_groups.length > 0 ? [...config.DEFAULT.management_security_groups] : groupId;
        const port = await ensurePort(ctx, 'managementPortId', { networkId: management, securityGroupIds: groups, description: `Management port for trove instance ${instanceId}` });
        ports.push({ portId: port.id });
      }
    } catch (error) {
      throw failWith('BUILDING_ERROR_PORT', 'Could not create the instance ports', error);
    }
    ctx.data['nics'] = ports;
    await ctx.save();
  },
};

/** Gives a public instance's user port a floating IP (when the backend has floating IPs). */
export async function ensureFloatingIp(ctx: FlowContext, port: Port): Promise<void> {
  const { backend, config } = ctx.deps;
  const access = (ctx.args['access'] ?? null) as { is_public?: boolean } | null;
  if (access?.is_public !== true || !backend.capabilities.hasFloatingIps) return;
  if ((await backend.networks.findFloatingIpsByPort(port.id)).length > 0) return;
  const publicNetwork = config.network.public_network_id ?? (await backend.networks.findExternalNetwork())?.id;
  if (publicNetwork === undefined) throw new StepFailure('No external network for the floating IP of a public instance.', { task: 'BUILDING_ERROR_PORT', code: ErrorCode.NOT_FOUND });
  if (config.network.enable_access_check) {
    const subnetId = port.fixedIps[0]?.subnetId;
    if (subnetId !== undefined && !(await backend.networks.subnetHasRouter(subnetId))) {
      throw new StepFailure(`The user subnet ${subnetId} has no router, so a public instance cannot be reached.`, { task: 'BUILDING_ERROR_PORT', code: ErrorCode.NETWORK_CONFLICT });
    }
  }
  const floating = await backend.networks.createFloatingIp(publicNetwork, port.id);
  ctx.data['floatingIpId'] = floating.id;
  await ctx.save();
}

/** The network steps of create, in order. */
export const createNetworkSteps: readonly StepDefinition[] = [serverGroupStep, securityGroupStep, portsStep];
