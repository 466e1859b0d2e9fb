/**
 * Configuration groups on an instance (reference §2.4 "Configuration attach"):
 *
 * attach_configuration: guest `update_overrides` with the group's typed values → record the group and task
 * RESTART_REQUIRED → when no value needs a restart, guest `apply_overrides` and task NONE. The user clears
 * RESTART_REQUIRED with the restart action.
 *
 * detach_configuration: guest `update_overrides({}, remove)` → no group; RESTART_REQUIRED when the group had
 * values that only a restart undoes, else NONE.
 *
 * update_overrides (a group's values changed while attached): guest `update_overrides` → `apply_overrides`
 * and task NONE, or task RESTART_REQUIRED when a changed value needs a restart.
 *
 * A failure resets the task to NONE (the group stays as it was) and records a fault.
 */
import { ErrorCode } from '../../../shared/errors/index.js';
import { StepFailure, type FlowContext, type FlowDefinition } from '../engine/flow.js';
import type { OverrideValue } from '../store/instance-store.js';
import { recordFault, requireInstance } from './common.js';

async function failed(ctx: FlowContext, error: Error): Promise<void> {
  if ((await ctx.deps.instances.getInstance(ctx.flow.instanceId)) === undefined) return;
  await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'NONE' });
  await recordFault(ctx, `Configuration change failed: ${error.message}`, error);
}

async function groupValues(ctx: FlowContext, configurationId: string): Promise<{ values: Record<string, OverrideValue>; restartRequired: boolean }> {
  const group = await ctx.deps.instances.configurationOverrides(configurationId);
  if (group === undefined) throw new StepFailure(`Configuration group ${configurationId} does not exist.`, { code: ErrorCode.NOT_FOUND });
  return group;
}

export const attachConfigurationFlow: FlowDefinition = {
  kind: 'attach_configuration',
  steps: [
    {
      name: 'update-overrides',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        const { values } = await groupValues(ctx, String(ctx.args['configuration_id']));
        await ctx.deps.guest(instance.id).updateOverrides({ overrides: values }, { context: ctx.rpcContext() });
      },
    },
    {
      name: 'record',
      async run(ctx) {
        await ctx.deps.instances.update(ctx.flow.instanceId, { configurationId: String(ctx.args['configuration_id']), task: 'RESTART_REQUIRED' });
      },
    },
    {
      name: 'apply',
      async run(ctx) {
        const { values, restartRequired } = await groupValues(ctx, String(ctx.args['configuration_id']));
        if (restartRequired) return;
        await ctx.deps.guest(ctx.flow.instanceId).applyOverrides({ overrides: values }, { context: ctx.rpcContext() });
        await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'NONE' });
      },
    },
  ],
  onFailure: failed,
};

export const detachConfigurationFlow: FlowDefinition = {
  kind: 'detach_configuration',
  steps: [
    {
      name: 'update-overrides',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        if (ctx.data['previousConfigurationId'] === undefined) {
          ctx.data['previousConfigurationId'] = instance.configurationId;
          await ctx.save();
        }
        await ctx.deps.guest(instance.id).updateOverrides({ overrides: {}, remove: true }, { context: ctx.rpcContext() });
      },
    },
    {
      name: 'record',
      async run(ctx) {
        const previous = ctx.data['previousConfigurationId'];
        const restart = typeof previous === 'string' ? ((await ctx.deps.instances.configurationOverrides(previous))?.restartRequired ?? false) : false;
        await ctx.deps.instances.update(ctx.flow.instanceId, { configurationId: null, task: restart ? 'RESTART_REQUIRED' : 'NONE' });
      },
    },
  ],
  onFailure: failed,
};

export const updateOverridesFlow: FlowDefinition = {
  kind: 'update_overrides',
  steps: [
    {
      name: 'update-overrides',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        await ctx.deps.guest(instance.id).updateOverrides({ overrides: ctx.args['overrides'] as Record<string, OverrideValue> }, { context: ctx.rpcContext() });
      },
    },
    {
      name: 'apply',
      async run(ctx) {
        const instance = await requireInstance(ctx);
        const overrides = ctx.args['overrides'] as Record<string, OverrideValue>;
        const restart = instance.datastoreVersionId !== null && (await ctx.deps.instances.parametersNeedRestart(instance.datastoreVersionId, Object.keys(overrides)));
        if (restart) {
          await ctx.deps.instances.update(instance.id, { task: 'RESTART_REQUIRED' });
          return;
        }
        await ctx.deps.guest(instance.id).applyOverrides({ overrides }, { context: ctx.rpcContext() });
        if (instance.task !== 'RESTART_REQUIRED') await ctx.deps.instances.update(instance.id, { task: 'NONE' });
      },
    },
  ],
  onFailure: failed,
};
