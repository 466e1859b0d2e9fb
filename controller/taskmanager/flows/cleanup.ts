/**
 * Removal of an instance's compute, network and volume resources (reference §8.3), used by delete and by a
 * failed create when `cleanup_on_build_failure` is set. Every part tolerates a missing resource and a failing
 * backend (recorded in the flow's data and logged), so one broken resource never keeps the rest alive.
 */
import { ServerStatus } from '../../compute/ports.js';
import { waitFor } from '../engine/waits.js';
import type { FlowContext } from '../engine/flow.js';
import type { InstanceRecord } from '../store/instance-store.js';
import { guestTimeoutMs, resourceName, securityGroupName, tolerate } from './common.js';

/** Asks the guest to stop its datastore when the server runs (errors ignored, as Trove does). */
export async function stopDatastore(ctx: FlowContext, instance: InstanceRecord): Promise<void> {
  if (instance.computeInstanceId === null) return;
  const server = await ctx.deps.backend.compute.getServer(instance.computeInstanceId).catch(() => undefined);
  if (server === undefined || (server.status !== ServerStatus.ACTIVE && server.status !== ServerStatus.SHUTOFF)) return;
  try {
    await ctx.deps.guest(instance.id).stopDb({}, { timeoutMs: guestTimeoutMs(ctx, 'low'), context: ctx.rpcContext() });
  } catch (error) {
    ctx.logger.info({ err: error }, 'guest did not stop its datastore; deleting anyway');
  }
}

/** Starts deleting the server. */
export async function deleteServer(ctx: FlowContext, instance: InstanceRecord): Promise<void> {
  const serverId = instance.computeInstanceId;
  if (serverId === null) return;
  await tolerate(ctx, `delete server ${serverId}`, () => ctx.deps.backend.compute.deleteServer(serverId));
}

/** Deletes the instance's ports (and their floating IPs) and security group. */
export async function deleteNetworkResources(ctx: FlowContext, instanceId: string): Promise<void> {
  const networks = ctx.deps.backend.networks;
  await tolerate(ctx, 'delete ports', async () => {
    for (const port of await networks.findPortsByName(resourceName(instanceId))) {
      for (const floating of await networks.findFloatingIpsByPort(port.id)) await networks.deleteFloatingIp(floating.id);
      await networks.deletePort(port.id);
    }
  });
  if (ctx.deps.backend.capabilities.hasSecurityGroups) {
    await tolerate(ctx, 'delete security groups', async () => {
      for (const group of await networks.findSecurityGroupsByName(securityGroupName(ctx, instanceId))) await networks.deleteSecurityGroup(group.id);
    });
  }
}

/** Deletes the locality server group the create made, if any. */
export async function deleteServerGroup(ctx: FlowContext, instanceId: string): Promise<void> {
  const created = await ctx.deps.flowData(instanceId, 'create_instance');
  const groupId = created?.['serverGroupId'];
  if (typeof groupId !== 'string') return;
  await tolerate(ctx, `delete server group ${groupId}`, () => ctx.deps.backend.compute.deleteServerGroup(groupId));
}

/** Polls until the server is gone, up to `server_delete_time_out` (a server that lingers is logged, not fatal). */
export async function waitServerGone(ctx: FlowContext, instance: InstanceRecord): Promise<void> {
  const serverId = instance.computeInstanceId;
  if (serverId === null) return;
  const deadline = ctx.deps.clock.now() + ctx.deps.config.DEFAULT.server_delete_time_out * 1000;
  await tolerate(
    ctx,
    `wait for server ${serverId} to go`,
    () =>
      waitFor(ctx, {
        intervalMs: 2000,
        deadline,
        probe: async () => ((await ctx.deps.backend.compute.getServer(serverId)) === undefined ? true : undefined),
        onTimeout: () => new Error(`server ${serverId} still exists after ${ctx.deps.config.DEFAULT.server_delete_time_out} s`),
      }).then(() => undefined),
    1,
  );
}

/** Deletes the instance's volumes (by id and by Trove's name). */
export async function deleteVolumes(ctx: FlowContext, instance: InstanceRecord): Promise<void> {
  const volumes = ctx.deps.backend.volumes;
  await tolerate(ctx, 'delete volumes', async () => {
    const ids = new Set<string>();
    if (instance.volumeId !== null) ids.add(instance.volumeId);
    for (const volume of await volumes.findVolumesByName(resourceName(instance.id))) ids.add(volume.id);
    for (const id of ids) await volumes.deleteVolume(id);
  });
}

/** Everything above, in Trove's order. */
export async function removeResources(ctx: FlowContext, instance: InstanceRecord): Promise<void> {
  await deleteServer(ctx, instance);
  await deleteNetworkResources(ctx, instance.id);
  await deleteServerGroup(ctx, instance.id);
  await waitServerGone(ctx, instance);
  await deleteVolumes(ctx, instance);
}
