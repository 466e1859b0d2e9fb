/**
 * `resize_volume` and `resize_flavor` (reference §8.4).
 *
 * resize_volume: online (backend can extend in use and `online_volume_resize`): extend → wait until the
 * volume reports the new size → guest `resize_fs(online)`; offline: guest `stop_db` → `unmount_volume` →
 * detach → extend → attach → `resize_fs` → `mount_volume` → guest `restart`. Directory volumes (single-host
 * backends) have no filesystem to grow. Then `volume_size` is recorded and the task reset; a failure resets
 * the task and records a fault.
 *
 * resize_flavor: guest `stop_db` → server resize → wait for VERIFY_RESIZE (`resize_time_out`) → guest
 * `start_db_with_conf_changes` with the configuration rendered for the new flavor → confirm → `flavor_id`
 * recorded, task NONE. On failure after the server was resized: revert (wait for ACTIVE, `revert_time_out`),
 * guest `reset_configuration` with the old flavor's configuration and `restart`, task NONE, fault.
 */
import { ErrorCode } from '../../../shared/errors/index.js';
import { ServerStatus } from '../../compute/ports.js';
import { StepFailure, type FlowContext, type FlowDefinition, type StepDefinition } from '../engine/flow.js';
import { deadlineFor, waitFor } from '../engine/waits.js';
import { flavorId, flavorRam, guestTimeoutMs, recordFault, refreshServer, renderDatastoreConfig, requireInstance, requireVersion } from './common.js';

function newSize(ctx: FlowContext): number {
  return Number(ctx.args['new_size']);
}

async function volumeOf(ctx: FlowContext): Promise<{ instanceId: string; volumeId: string; serverId: string | null }> {
  const instance = await requireInstance(ctx);
  if (instance.volumeId === null) throw new StepFailure(`Instance ${instance.id} has no volume to resize.`, { code: ErrorCode.BAD_REQUEST });
  return { instanceId: instance.id, volumeId: instance.volumeId, serverId: instance.computeInstanceId };
}

function isOnline(ctx: FlowContext): boolean {
  return ctx.deps.backend.capabilities.canExtendVolumeOnline && ctx.deps.config.DEFAULT.online_volume_resize;
}

async function guestVolumeCall(ctx: FlowContext, call: 'stopDb' | 'unmountVolume' | 'mountVolume' | 'restart'): Promise<void> {
  const instance = await requireInstance(ctx);
  const version = await requireVersion(ctx, instance);
  const options = ctx.deps.config[version.manager as 'mysql' | 'mariadb' | 'postgresql'];
  const guest = ctx.deps.guest(instance.id);
  const rpc = { context: ctx.rpcContext() };
  if (call === 'stopDb') await guest.stopDb({}, { ...rpc, timeoutMs: guestTimeoutMs(ctx, 'low') });
  else if (call === 'restart') await guest.restart({}, rpc);
  else await guest[call]({ device_path: options.device_path, mount_point: options.mount_point }, rpc);
}

const offlineOnly = (name: string, run: (ctx: FlowContext) => Promise<void>): StepDefinition => ({
  name,
  run: async (ctx) => {
    if (!isOnline(ctx)) await run(ctx);
  },
});

const resizeVolumeSteps: StepDefinition[] = [
  {
    name: 'check',
    async run(ctx) {
      const instance = await requireInstance(ctx);
      if (!Number.isInteger(newSize(ctx)) || newSize(ctx) <= (instance.volumeSize ?? 0)) {
        throw new StepFailure(`The new volume size ${String(ctx.args['new_size'])} must be larger than ${instance.volumeSize ?? 0} GB.`, { code: ErrorCode.BAD_REQUEST });
      }
      await volumeOf(ctx);
    },
  },
  offlineOnly('stop-datastore', (ctx) => guestVolumeCall(ctx, 'stopDb')),
  offlineOnly('unmount', async (ctx) => {
    if (ctx.deps.backend.capabilities.volumeKind === 'block') await guestVolumeCall(ctx, 'unmountVolume');
  }),
  offlineOnly('detach', async (ctx) => {
    const { volumeId, serverId } = await volumeOf(ctx);
    if (serverId !== null) await ctx.deps.backend.volumes.detachVolume(serverId, volumeId);
  }),
  {
    name: 'extend',
    async run(ctx) {
      const { volumeId } = await volumeOf(ctx);
      const volumes = ctx.deps.backend.volumes;
      const size = newSize(ctx);
      if (((await volumes.getVolume(volumeId))?.sizeGb ?? 0) < size) await volumes.extendVolume(volumeId, size);
      const seconds = ctx.deps.config.DEFAULT.volume_time_out;
      await waitFor(ctx, {
        intervalMs: 2000,
        deadline: await deadlineFor(ctx, 'extendDeadline', seconds * 1000),
        probe: async () => {
          const volume = await volumes.getVolume(volumeId);
          if (volume === undefined || volume.status.startsWith('error')) throw new StepFailure(`Volume ${volumeId} failed to extend (${volume?.status ?? 'gone'}).`, { code: ErrorCode.BACKEND_ERROR });
          return volume.sizeGb >= size && (volume.status === 'in-use' || volume.status === 'available') ? true : undefined;
        },
        onTimeout: () => new StepFailure(`Volume ${volumeId} did not reach ${size} GB within ${seconds} s.`, { code: ErrorCode.BACKEND_ERROR }),
      });
    },
  },
  offlineOnly('attach', async (ctx) => {
    const { volumeId, serverId } = await volumeOf(ctx);
    if (serverId === null) return;
    const volume = await ctx.deps.backend.volumes.getVolume(volumeId);
    if (volume?.attachments.some((attachment) => attachment.serverId === serverId)) return;
    await ctx.deps.backend.volumes.attachVolume(serverId, volumeId, `/dev/${ctx.deps.config.DEFAULT.block_device_mapping}`);
  }),
  {
    name: 'resize-filesystem',
    async run(ctx) {
      if (ctx.deps.backend.capabilities.volumeKind !== 'block') return;
      const instance = await requireInstance(ctx);
      const version = await requireVersion(ctx, instance);
      const options = ctx.deps.config[version.manager as 'mysql' | 'mariadb' | 'postgresql'];
      await ctx.deps.guest(instance.id).resizeFs({ device_path: options.device_path, mount_point: options.mount_point, online: isOnline(ctx) }, { context: ctx.rpcContext() });
    },
  },
  offlineOnly('mount', async (ctx) => {
    if (ctx.deps.backend.capabilities.volumeKind === 'block') await guestVolumeCall(ctx, 'mountVolume');
  }),
  offlineOnly('restart-datastore', (ctx) => guestVolumeCall(ctx, 'restart')),
  {
    name: 'finish',
    async run(ctx) {
      await ctx.deps.instances.update(ctx.flow.instanceId, { volumeSize: newSize(ctx), task: 'NONE' });
    },
  },
];

async function resetWithFault(ctx: FlowContext, error: Error, what: string): Promise<void> {
  if ((await ctx.deps.instances.getInstance(ctx.flow.instanceId)) === undefined) return;
  await ctx.deps.instances.update(ctx.flow.instanceId, { task: 'NONE' });
  await recordFault(ctx, `${what} failed: ${error.message}`, error);
}

export const resizeVolumeFlow: FlowDefinition = {
  kind: 'resize_volume',
  steps: resizeVolumeSteps,
  onFailure: (ctx, error) => resetWithFault(ctx, error, 'Volume resize'),
};

async function serverOf(ctx: FlowContext): Promise<string> {
  const instance = await requireInstance(ctx);
  if (instance.computeInstanceId === null) throw new StepFailure(`Instance ${instance.id} has no server.`, { code: ErrorCode.CONFLICT });
  return instance.computeInstanceId;
}

async function waitServer(ctx: FlowContext, key: string, seconds: number, wanted: readonly string[]): Promise<void> {
  const serverId = await serverOf(ctx);
  await waitFor(ctx, {
    intervalMs: 5000,
    deadline: await deadlineFor(ctx, key, seconds * 1000),
    probe: async () => {
      const server = await refreshServer(ctx, serverId);
      if (server === undefined || server.status === ServerStatus.ERROR) throw new StepFailure(`Server ${serverId} ${server === undefined ? 'disappeared' : 'went to ERROR'} during the resize.`, { code: ErrorCode.BACKEND_ERROR });
      return wanted.includes(server.status) ? true : undefined;
    },
    onTimeout: () => new StepFailure(`Server ${serverId} did not reach ${wanted.join(' or ')} within ${seconds} s.`, { code: ErrorCode.BACKEND_ERROR }),
  });
}

async function flavorConfig(ctx: FlowContext, which: 'old_flavor' | 'new_flavor'): Promise<string> {
  const instance = await requireInstance(ctx);
  const version = await requireVersion(ctx, instance);
  return renderDatastoreConfig(version.manager, flavorRam(ctx.args[which] as Record<string, unknown>), instance.id);
}

const resizeFlavorSteps: StepDefinition[] = [
  {
    name: 'stop-datastore',
    async run(ctx) {
      await flavorConfig(ctx, 'new_flavor');
      await guestVolumeCall(ctx, 'stopDb');
    },
  },
  {
    name: 'resize-server',
    async run(ctx) {
      const serverId = await serverOf(ctx);
      ctx.data['serverResized'] = true;
      await ctx.save();
      const server = await ctx.deps.backend.compute.getServer(serverId);
      if (server?.status === ServerStatus.VERIFY_RESIZE) return;
      await ctx.deps.backend.compute.resizeServer(serverId, flavorId(ctx.args['new_flavor'] as Record<string, unknown>));
    },
  },
  { name: 'wait-resized', run: (ctx) => waitServer(ctx, 'resizeDeadline', ctx.deps.config.DEFAULT.resize_time_out, [ServerStatus.VERIFY_RESIZE]) },
  {
    name: 'start-datastore',
    async run(ctx) {
      const instance = await requireInstance(ctx);
      const version = await requireVersion(ctx, instance);
      await ctx.deps.guest(instance.id).startDbWithConfChanges({ config_contents: await flavorConfig(ctx, 'new_flavor'), ds_version: version.version }, { context: ctx.rpcContext() });
    },
  },
  {
    name: 'confirm',
    async run(ctx) {
      const serverId = await serverOf(ctx);
      if ((await ctx.deps.backend.compute.getServer(serverId))?.status === ServerStatus.VERIFY_RESIZE) await ctx.deps.backend.compute.confirmResize(serverId);
      ctx.data['confirmed'] = true;
      await ctx.save();
    },
  },
  {
    name: 'finish',
    async run(ctx) {
      const serverId = await serverOf(ctx);
      await refreshServer(ctx, serverId);
      await ctx.deps.instances.update(ctx.flow.instanceId, { flavorId: flavorId(ctx.args['new_flavor'] as Record<string, unknown>), task: 'NONE' });
    },
  },
];

async function revertFlavor(ctx: FlowContext, error: Error): Promise<void> {
  const instance = await ctx.deps.instances.getInstance(ctx.flow.instanceId);
  if (instance === undefined) return;
  if (ctx.data['serverResized'] === true && ctx.data['confirmed'] !== true && instance.computeInstanceId !== null) {
    try {
      const server = await ctx.deps.backend.compute.getServer(instance.computeInstanceId);
      if (server?.status === ServerStatus.VERIFY_RESIZE) await ctx.deps.backend.compute.revertResize(instance.computeInstanceId);
      await waitServer(ctx, 'revertDeadline', ctx.deps.config.DEFAULT.revert_time_out, [ServerStatus.ACTIVE]);
    } catch (revertError) {
      ctx.logger.error({ err: revertError }, 'could not revert the server resize');
    }
  }
  try {
    const guest = ctx.deps.guest(instance.id);
    await guest.resetConfiguration({ configuration: { config_contents: await flavorConfig(ctx, 'old_flavor') } }, { context: ctx.rpcContext() });
    await guest.restart({}, { context: ctx.rpcContext() });
  } catch (guestError) {
    ctx.logger.error({ err: guestError }, 'could not restore the datastore configuration after a failed resize');
  }
  await resetWithFault(ctx, error, 'Flavor resize');
}

export const resizeFlavorFlow: FlowDefinition = {
  kind: 'resize_flavor',
  steps: resizeFlavorSteps,
  onFailure: revertFlavor,
};
