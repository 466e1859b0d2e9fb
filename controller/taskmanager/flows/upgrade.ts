/**
 * `upgrade` (reference §8.4): service status UPGRADING → guest `pre_upgrade` (call) → guest `upgrade` (cast,
 * `upgrade_info` = what pre_upgrade returned plus the new version) → wait up to 600 s (polled every 5 s) for a
 * HEALTHY heartbeat newer than the cast → task NONE. The API has already recorded the new datastore version on
 * the instance. On failure the task becomes BUILDING_ERROR_SERVER, as in Trove, with a fault.
 *
 * `upgrade_info.datastore_version` carries the version number (the image tag the guest starts), which equals
 * the version name for every version `trove-manage` registers without `--version`.
 */
import { ErrorCode } from '../../../shared/errors/index.js';
import { StepFailure, type FlowDefinition } from '../engine/flow.js';
import { deadlineFor, waitFor } from '../engine/waits.js';
import { guestTimeoutMs, recordFault, requireInstance, requireVersion } from './common.js';

const UPGRADE_TIMEOUT_SECONDS = 600;

export const upgradeFlow: FlowDefinition = {
  kind: 'upgrade',
  steps: [
    {
      name: 'pre-upgrade',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        const version = await requireVersion(ctx, instance);
        await ctx.deps.instances.setServiceStatus(instance.id, 'UPGRADING');
        const info = await ctx.deps.guest(instance.id).preUpgrade({}, { timeoutMs: guestTimeoutMs(ctx, 'high'), context: ctx.rpcContext() });
        ctx.data['upgradeInfo'] = { ...info, datastore_version: version.version, datastore_version_name: version.name };
        await ctx.save();
      },
    },
    {
      name: 'upgrade',
      async run(ctx) {
        if (ctx.data['upgradeSentAt'] !== undefined) return;
        const instance = await requireInstance(ctx);
        await ctx.deps.guest(instance.id).upgrade({ upgrade_info: (ctx.data['upgradeInfo'] ?? {}) as Record<string, unknown> }, { context: ctx.rpcContext() });
        ctx.data['upgradeSentAt'] = ctx.deps.clock.now();
        await ctx.save();
      },
    },
    {
      name: 'wait-healthy',
      async run(ctx) {
        const since = Number(ctx.data['upgradeSentAt']);
        await waitFor(ctx, {
          intervalMs: 5000,
          deadline: await deadlineFor(ctx, 'upgradeDeadline', UPGRADE_TIMEOUT_SECONDS * 1000),
          probe: async () => {
            const status = await ctx.deps.instances.getServiceStatus(ctx.flow.instanceId);
            if (status?.status === 'FAILED' || status?.status === 'CRASHED') throw new StepFailure(`The guest reported ${status.status} during the upgrade.`, { code: ErrorCode.GUEST_ERROR });
            return status?.status === 'HEALTHY' && (status.updatedAt?.getTime() ?? 0) >= since ? true : undefined;
          },
          onTimeout: () => new StepFailure(`The guest was not healthy within ${UPGRADE_TIMEOUT_SECONDS} s of the upgrade.`, { code: ErrorCode.GUEST_TIMEOUT }),
        });
      },
    },
    {
      name: 'finish',
      async run(ctx) {
        await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'NONE' });
      },
    },
  ],
  async onFailure(ctx, error) {
    if ((await ctx.deps.instances.getInstance(ctx.flow.instanceId)) === undefined) return;
    await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'BUILDING_ERROR_SERVER' });
    await recordFault(ctx, `Upgrade failed: ${error.message}`, error);
  },
};
