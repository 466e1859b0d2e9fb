/**
 * `update_access` (reference §8.4): re-create the ingress rules of the instance's security group from the new
 * `allowed_cidrs`, add or remove the user port's floating IP for `is_public`, store `access`, task NONE. On
 * failure the task becomes UPDATING_ERROR_ACCESS with a fault. Backends without security groups or floating
 * IPs (capabilities) only record the new access.
 */
import type { FlowDefinition } from '../engine/flow.js';
import type { InstanceAccess } from '../store/instance-store.js';
import { recordFault, requireInstance, resourceName } from './common.js';
import { ensureFloatingIp, findSecurityGroup, ingressRules, ensureRules } from './create-network.js';

function accessArg(args: Record<string, unknown>): InstanceAccess {
  const access = (args['access'] ?? {}) as InstanceAccess;
  return {
    ...(access.is_public === undefined ? {} : { is_public: access.is_public === true }),
    ...(Array.isArray(access.allowed_cidrs) ? { allowed_cidrs: access.allowed_cidrs.map(String) } : {}),
  };
}

export const updateAccessFlow: FlowDefinition = {
  kind: 'update_access',
  steps: [
    {
      name: 'security-group',
      async run(ctx) {
        const { backend, config } = ctx.deps;
        if (!backend.capabilities.hasSecurityGroups || !config.DEFAULT.trove_security_groups_support) return;
        const instance = await requireInstance(ctx);
        const group = await findSecurityGroup(ctx, instance.id);
        if (group === undefined) return;
        const version = instance.datastoreVersionId === null ? undefined : await ctx.deps.instances.getDatastoreVersion(instance.datastoreVersionId);
        const wanted = ingressRules(ctx, version?.manager ?? '', accessArg(ctx.args).allowed_cidrs);
        for (const rule of group.rules) {
          if (rule.direction === 'ingress') await backend.networks.deleteSecurityGroupRule(rule.id);
        }
        await ensureRules(ctx, { ...group, rules: [] }, wanted);
      },
    },
    {
      name: 'floating-ip',
      async run(ctx) {
        const { backend } = ctx.deps;
        if (!backend.capabilities.hasFloatingIps) return;
        const instance = await requireInstance(ctx);
        const managementNetworks = ctx.deps.config.DEFAULT.management_networks;
        const userPort = (await backend.networks.findPortsByName(resourceName(instance.id))).find((port) => !managementNetworks.includes(port.networkId));
        if (userPort === undefined) return;
        if (accessArg(ctx.args).is_public === true) {
          await ensureFloatingIp(ctx, userPort);
        } else {
          for (const floating of await backend.networks.findFloatingIpsByPort(userPort.id)) await backend.networks.deleteFloatingIp(floating.id);
        }
      },
    },
    {
      name: 'record',
      async run(ctx) {
        await ctx.deps.instances.update(ctx.flow.instanceId, { access: accessArg(ctx.args), task: 'NONE' });
      },
    },
  ],
  async onFailure(ctx, error) {
    if ((await ctx.deps.instances.getInstance(ctx.flow.instanceId)) === undefined) return;
    await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'UPDATING_ERROR_ACCESS' });
    await recordFault(ctx, `Access update failed: ${error.message}`, error);
  },
};
