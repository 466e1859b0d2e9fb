/**
 * `delete_instance` (reference §8.3): stop the datastore (errors ignored) → delete the server → ports and
 * floating IPs → security group → server group → wait until the server is gone (`server_delete_time_out`) →
 * volumes → mark the row deleted (task NONE, service status DELETED, faults soft-deleted). Every resource step
 * tolerates missing resources and backend failures, as Trove's does; the row is marked deleted in the end
 * either way, and what could not be removed is listed in the flow's journal and the logs.
 *
 * A delete cancels the flows recorded before it for the same instance (an unfinished create, say), and
 * works from what exists: ids in the row, and Trove's resource names for what an interrupted create made.
 */
import type { FlowContext, FlowDefinition, StepDefinition } from '../engine/flow.js';
import type { InstanceRecord } from '../store/instance-store.js';
import { deleteNetworkResources, deleteServer, deleteServerGroup, deleteVolumes, stopDatastore, waitServerGone } from './cleanup.js';

async function instanceOrGone(ctx: FlowContext): Promise<InstanceRecord | undefined> {
  const instance = await ctx.deps.instances.getInstance(ctx.flow.instanceId);
  if (instance === undefined) ctx.logger.info('instance already deleted; nothing to do');
  return instance;
}

function step(name: string, run: (ctx: FlowContext, instance: InstanceRecord) => Promise<void>): StepDefinition {
  return {
    name,
    async run(ctx) {
      const instance = await instanceOrGone(ctx);
      if (instance !== undefined) await run(ctx, instance);
    },
  };
}

export const deleteInstanceFlow: FlowDefinition = {
  kind: 'delete_instance',
  steps: [
    step('stop-datastore', stopDatastore),
    step('delete-server', deleteServer),
    step('delete-network', (ctx, instance) => deleteNetworkResources(ctx, instance.id)),
    step('delete-server-group', (ctx, instance) => deleteServerGroup(ctx, instance.id)),
    step('wait-server-gone', waitServerGone),
    step('delete-volumes', deleteVolumes),
    step('mark-deleted', async (ctx, instance) => {
      await ctx.deps.instances.markDeleted(instance.id);
      const leftovers = ctx.data['cleanupErrors'];
      if (Array.isArray(leftovers) && leftovers.length > 0) ctx.logger.warn({ leftovers }, 'instance deleted, but some resources could not be removed');
    }),
  ],
};
