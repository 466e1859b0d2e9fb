/**
 * `restart` and `reboot` (reference §8.4).
 *
 * restart: guest `restart` (call, high timeout) → task NONE. The task is reset whether or not the guest
 * managed, as Trove does; a failure is also recorded as a fault.
 *
 * reboot: guest `stop_db` (errors ignored) → reboot the server → wait for ACTIVE (polled every 3 s after 5 s,
 * up to `reboot_time_out`) → guest `restart` → wait for a HEALTHY heartbeat newer than the reboot (up to
 * twice `report_interval`) → task NONE, reset on failure too.
 */
import { ErrorCode } from '../../../shared/errors/index.js';
import { ServerStatus } from '../../compute/ports.js';
import { StepFailure, type FlowContext, type FlowDefinition } from '../engine/flow.js';
import { deadlineFor, waitFor } from '../engine/waits.js';
import { guestTimeoutMs, recordFault, refreshServer, requireInstance } from './common.js';
import { stopDatastore } from './cleanup.js';

async function resetTask(ctx: FlowContext, error: Error): Promise<void> {
  const instance = await ctx.deps.instances.getInstance(ctx.flow.instanceId);
  if (instance === undefined) return;
  await ctx.deps.instances.update(instance.id, { task: 'NONE' });
  await recordFault(ctx, `${ctx.flow.kind === 'reboot' ? 'Reboot' : 'Restart'} failed: ${error.message}`, error);
}

async function guestRestart(ctx: FlowContext): Promise<void> {
  const instance = await requireInstance(ctx);
  await ctx.deps.guest(instance.id).restart({}, { timeoutMs: guestTimeoutMs(ctx, 'high'), context: ctx.rpcContext() });
}

async function finish(ctx: FlowContext): Promise<void> {
  const instance = await requireInstance(ctx);
  if (instance.computeInstanceId !== null) await refreshServer(ctx, instance.computeInstanceId);
  await ctx.deps.instances.update(instance.id, { task: 'NONE' });
}

export const restartFlow: FlowDefinition = {
  kind: 'restart',
  steps: [
    { name: 'restart-datastore', run: guestRestart },
    { name: 'finish', run: finish },
  ],
  onFailure: resetTask,
};

export const rebootFlow: FlowDefinition = {
  kind: 'reboot',
  steps: [
    {
      name: 'stop-datastore',
      async run(ctx) {
        ctx.data['rebootStartedAt'] ??= ctx.deps.clock.now();
        await stopDatastore(ctx, await requireInstance(ctx));
      },
    },
    {
      name: 'reboot-server',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        if (instance.computeInstanceId === null) throw new StepFailure(`Instance ${instance.id} has no server.`, { code: ErrorCode.CONFLICT });
        await ctx.deps.backend.compute.rebootServer(instance.computeInstanceId);
      },
    },
    {
      name: 'wait-server',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        const serverId = instance.computeInstanceId as string;
        const seconds = ctx.deps.config.DEFAULT.reboot_time_out;
        await waitFor(ctx, {
          initialDelayMs: 5000,
          intervalMs: 3000,
          deadline: await deadlineFor(ctx, 'rebootDeadline', seconds * 1000),
          probe: async () => ((await refreshServer(ctx, serverId))?.status === ServerStatus.ACTIVE ? true : undefined),
          onTimeout: () => new StepFailure(`Server ${serverId} was not active ${seconds} s after the reboot.`, { code: ErrorCode.BACKEND_ERROR }),
        });
      },
    },
    { name: 'restart-datastore', run: guestRestart },
    {
      name: 'wait-healthy',
      async run(ctx) {
        const since = Number(ctx.data['rebootStartedAt'] ?? 0);
        const seconds = ctx.deps.config.DEFAULT.report_interval * 2;
        await waitFor(ctx, {
          intervalMs: 2000,
          deadline: await deadlineFor(ctx, 'healthyDeadline', seconds * 1000),
          probe: async () => {
            const status = await ctx.deps.instances.getServiceStatus(ctx.flow.instanceId);
            return status?.status === 'HEALTHY' && (status.updatedAt?.getTime() ?? 0) >= since ? true : undefined;
          },
          onTimeout: () => new StepFailure(`The guest did not report healthy within ${seconds} s of the reboot.`, { code: ErrorCode.GUEST_TIMEOUT }),
        });
      },
    },
    { name: 'finish', run: finish },
  ],
  onFailure: resetTask,
};
