/**
 * `create_instance` (reference §8.2): validate → server group → security group → ports → volume (and wait
 * for it) → server (image by id or tags, `nova_keypair`, first-boot files) → wait for the server → `prepare`
 * (cast; the guest's queue is declared by the cast itself, so the message waits until the guest listens) →
 * wait until the guest reports RUNNING, INSTANCE_READY or HEALTHY (`usage_timeout`) → task NONE.
 *
 * On failure the instance gets the error task of the failed step (BUILDING_ERROR_SEC_GROUP, _PORT, _VOLUME,
 * _SERVER, or BUILDING_ERROR_TIMEOUT_GA with service status FAILED_TIMEOUT_GUESTAGENT), an `instance_faults`
 * row, and its resources are kept for inspection or removed (`cleanup_on_build_failure`).
 */
import { ErrorCode } from '../../../shared/errors/index.js';
import { READY_STATUSES, SERVICE_STATUS_INFO, type ServiceStatus } from '../../../shared/models/index.js';
import { ServerStatus, type Image, type NicSpec, type VolumeMapping } from '../../compute/ports.js';
import { FlowAbortedError, StepFailure, type FlowContext, type FlowDefinition, type StepDefinition } from '../engine/flow.js';
import { deadlineFor, waitFor } from '../engine/waits.js';
import { buildGuestBoot, cloudinitPath } from '../guest-files.js';
import type { InstanceRecord } from '../store/instance-store.js';
import { removeResources } from './cleanup.js';
import { createNetworkSteps } from './create-network.js';
import { addressesOf, failWith, flavorId, flavorRam, recordFault, refreshServer, renderDatastoreConfig, requireInstance, requireVersion, resourceName } from './common.js';

/** Service statuses during which the create keeps waiting (reference §8.2 step 9). */
const STILL_BUILDING: ReadonlySet<ServiceStatus> = new Set<ServiceStatus>(['NEW', 'BUILDING', 'UNKNOWN', 'DELETED']);

const validateStep: StepDefinition = {
  name: 'validate',
  async run(ctx) {
    const instance = await requireInstance(ctx);
    await requireVersion(ctx, instance);
    if (instance.task !== 'BUILDING') {
      throw new StepFailure(`Instance ${instance.id} is not building (task ${instance.task}); create_instance ignored.`, { code: ErrorCode.CONFLICT });
    }
    if (typeof ctx.args['slave_of_id'] === 'string' && ctx.args['slave_of_id'] !== '') {
      throw new StepFailure('Replicas are not supported by this taskmanager yet.', { task: 'BUILDING_ERROR_REPLICA', code: ErrorCode.NOT_IMPLEMENTED });
    }
    if (typeof ctx.args['backup_id'] === 'string' && ctx.args['backup_id'] !== '') {
      throw new StepFailure('Restoring from a backup is not supported by this taskmanager yet.', { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.NOT_IMPLEMENTED });
    }
  },
};

const volumeStep: StepDefinition = {
  name: 'volume',
  async run(ctx) {
    const size = ctx.args['volume_size'];
    if (typeof size !== 'number' || size <= 0) return;
    const { backend, config, instances, clock } = ctx.deps;
    const instance = await requireInstance(ctx);
    const name = resourceName(instance.id);
    let volumeId = instance.volumeId;
    try {
      if (volumeId !== null && (await backend.volumes.getVolume(volumeId)) === undefined) volumeId = null;
      if (volumeId === null) volumeId = (await backend.volumes.findVolumesByName(name))[0]?.id ?? null;
      if (volumeId === null) {
        const requestedType = typeof ctx.args['volume_type'] === 'string' ? ctx.args['volume_type'] : config.DEFAULT.cinder_volume_type;
        const zone = ctx.args['availability_zone'];
        const volume = await backend.volumes.createVolume({
          name,
          sizeGb: size,
          ...(backend.capabilities.hasVolumeTypes && requestedType ? { volumeType: requestedType } : {}),
          ...(config.DEFAULT.enable_volume_az && typeof zone === 'string' && zone !== '' ? { availabilityZone: zone } : {}),
          description: `Data volume of trove instance ${instance.id}`,
          metadata: { trove_instance_id: instance.id },
        });
        volumeId = volume.id;
        await keepOrDiscard(ctx, volume.id, async (current) => current.volumeId, () => backend.volumes.deleteVolume(volume.id));
      }
      await instances.update(instance.id, { volumeId });
    } catch (error) {
      throw failWith('BUILDING_ERROR_VOLUME', 'Could not create the data volume', error);
    }
    const id = volumeId;
    await waitFor(ctx, {
      intervalMs: 2000,
      deadline: clock.now() + config.DEFAULT.volume_time_out * 1000,
      probe: async () => {
        const volume = await backend.volumes.getVolume(id);
        if (volume === undefined) throw new StepFailure(`Volume ${id} disappeared while it was being created.`, { task: 'BUILDING_ERROR_VOLUME', code: ErrorCode.BACKEND_ERROR });
        if (volume.status.startsWith('error')) throw new StepFailure(`Volume ${id} went to status ${volume.status}.`, { task: 'BUILDING_ERROR_VOLUME', code: ErrorCode.BACKEND_ERROR });
        return volume.status === 'available' || volume.status === 'in-use' ? true : undefined;
      },
      onTimeout: () => new StepFailure(`Volume ${id} was not available after ${config.DEFAULT.volume_time_out} s.`, { task: 'BUILDING_ERROR_VOLUME', code: ErrorCode.BACKEND_ERROR }),
    });
  },
};

/**
 * Confirms this taskmanager still owns the flow before it records a resource it just created. One that lost
 * the flow while the backend call ran (paused, cut off from the database) removes what it made, unless the
 * instance already records that very resource (a backend that returned the same server again).
 */
async function keepOrDiscard(ctx: FlowContext, createdId: string, recorded: (instance: InstanceRecord) => Promise<string | null>, discard: () => Promise<void>): Promise<void> {
  try {
    await ctx.save();
  } catch (error) {
    if (error instanceof FlowAbortedError) {
      const current = await ctx.deps.instances.getInstance(ctx.flow.instanceId);
      if (current === undefined || (await recorded(current)) !== createdId) {
        ctx.logger.warn({ createdId }, 'flow lost while creating a resource; removing it');
        await discard().catch((discardError: unknown) => ctx.logger.error({ err: discardError, createdId }, 'could not remove the orphaned resource'));
      }
    }
    throw error;
  }
}

async function chooseImage(ctx: FlowContext, imageId: string | null, tags: readonly string[]): Promise<Image> {
  const images = ctx.deps.backend.images;
  const image = imageId !== null ? await images.getImage(imageId) : tags.length > 0 ? await images.findNewestImageByTags(tags) : undefined;
  if (image === undefined) {
    const what = imageId !== null ? `Image ${imageId}` : `An active image with tags ${tags.join(', ') || '(none)'}`;
    throw new StepFailure(`${what} was not found for the datastore version.`, { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.NOT_FOUND });
  }
  return image;
}

const serverStep: StepDefinition = {
  name: 'server',
  async run(ctx) {
    const { backend, config, instances } = ctx.deps;
    const instance = await requireInstance(ctx);
    if (instance.computeInstanceId !== null && (await backend.compute.getServer(instance.computeInstanceId)) !== undefined) return;
    const version = await requireVersion(ctx, instance);
    try {
      const image = await chooseImage(ctx, version.imageId, version.imageTags);
      const boot = buildGuestBoot(
        config,
        { instanceId: instance.id, manager: version.manager, datastoreVersion: version.version, tenantId: instance.tenantId, instanceKey: await ctx.deps.instanceKey(instance.id) },
        { guestConfig: await ctx.deps.readHostFile(config.DEFAULT.guest_config), cloudinit: await ctx.deps.readHostFile(cloudinitPath(config, version.manager)) },
      );
      const flavor = ctx.args['flavor'] as Record<string, unknown>;
      const volumeSize = ctx.args['volume_size'];
      const volume: VolumeMapping | undefined =
        instance.volumeId !== null && typeof volumeSize === 'number'
          ? { volumeId: instance.volumeId, deviceName: config.DEFAULT.block_device_mapping, sizeGb: volumeSize, deleteOnTermination: true }
          : undefined;
      const zone = ctx.args['availability_zone'];
      const keyName = config.DEFAULT.nova_keypair;
      const serverGroupId = ctx.data['serverGroupId'];
      ctx.data['serverRequested'] = true;
      await ctx.save();
      const server = await backend.compute.createServer({
        name: instance.name,
        imageId: image.id,
        flavorId: flavorId(flavor),
        ...(keyName ? { keyName } : {}),
        nics: Array.isArray(ctx.data['nics']) ? (ctx.data['nics'] as NicSpec[]) : [],
        ...(volume === undefined ? {} : { volume }),
        boot,
        ...(typeof zone === 'string' && zone !== '' ? { availabilityZone: zone } : {}),
        ...(typeof serverGroupId === 'string' ? { serverGroupId } : {}),
        metadata: { trove_project_id: instance.tenantId ?? '', trove_user_id: instance.tenantId ?? '', trove_instance_id: instance.id },
        configDrive: config.DEFAULT.use_nova_server_config_drive,
      });
      await keepOrDiscard(ctx, server.id, async (current) => current.computeInstanceId, () => backend.compute.deleteServer(server.id));
      await instances.update(instance.id, { computeInstanceId: server.id, serverStatus: server.status, addresses: addressesOf(server) });
    } catch (error) {
      throw failWith('BUILDING_ERROR_SERVER', 'Could not create the server', error);
    }
  },
};

const serverActiveStep: StepDefinition = {
  name: 'server-active',
  async run(ctx) {
    const instance = await requireInstance(ctx);
    const serverId = instance.computeInstanceId as string;
    const deadline = await deadlineFor(ctx, 'readyDeadline', buildTimeoutMs(ctx));
    await waitFor(ctx, {
      intervalMs: 2000,
      deadline,
      probe: async () => {
        const server = await refreshServer(ctx, serverId);
        if (server === undefined) throw new StepFailure(`Server ${serverId} disappeared while building.`, { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.BACKEND_ERROR });
        if (server.status === ServerStatus.ERROR) {
          throw new StepFailure(`Server ${serverId} went to ERROR${server.fault ? `: ${server.fault.message}` : ''}.`, { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.BACKEND_ERROR });
        }
        return server.status === ServerStatus.ACTIVE ? true : undefined;
      },
      onTimeout: () => new StepFailure(`Server ${serverId} was not active in time.`, { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.BACKEND_ERROR }),
    });
  },
};

function buildTimeoutMs(ctx: FlowContext): number {
  const defaults = ctx.deps.config.DEFAULT;
  const restoring = typeof ctx.args['backup_id'] === 'string' && ctx.args['backup_id'] !== '';
  return (restoring ? defaults.restore_usage_timeout : defaults.usage_timeout) * 1000;
}

const prepareStep: StepDefinition = {
  name: 'prepare',
  async run(ctx) {
    if (ctx.data['prepareSentAt'] !== undefined) return;
    const { config } = ctx.deps;
    const instance = await requireInstance(ctx);
    const version = await requireVersion(ctx, instance);
    const manager = version.manager as 'mysql' | 'mariadb' | 'postgresql';
    const options = config[manager];
    const flavor = ctx.args['flavor'] as Record<string, unknown>;
    const ram = flavorRam(flavor);
    const hasVolume = instance.volumeId !== null;
    const block = ctx.deps.backend.capabilities.volumeKind === 'block';
    const devicePath = hasVolume && block ? options.device_path : hasVolume ? '' : null;
    const rootPassword = typeof ctx.args['root_password'] === 'string' ? ctx.args['root_password'] : null;
    await ctx.deps.guest(instance.id).prepare(
      {
        packages: version.packages,
        databases: (ctx.args['databases'] ?? []) as never,
        memory_mb: ram,
        users: (ctx.args['users'] ?? []) as never,
        device_path: devicePath,
        // A directory volume's place is the backend's business (the guest's own configuration names it).
        mount_point: block ? options.mount_point : null,
        backup_info: null,
        config_contents: renderDatastoreConfig(version.manager, ram, instance.id),
        root_password: rootPassword,
        overrides: (ctx.args['overrides'] ?? null) as never,
        cluster_config: (ctx.args['cluster_config'] ?? null) as never,
        snapshot: null,
        modules: [],
        ds_version: version.version,
      },
      { context: ctx.rpcContext() },
    );
    if (rootPassword !== null) await ctx.deps.instances.recordRootEnabled(instance.id, 'root');
    // The guest has the secrets now: the journal must not keep them.
    ctx.args = scrubSecrets(ctx.args);
    ctx.data['prepareSentAt'] = ctx.deps.clock.now();
    await ctx.save({ withArgs: true });
  },
};

/** The create arguments without passwords. */
export function scrubSecrets(args: Record<string, unknown>): Record<string, unknown> {
  const users = Array.isArray(args['users'])
    ? (args['users'] as Array<Record<string, unknown>>).map((user) => {
        const copy = { ...user };
        delete copy['_password'];
        return copy;
      })
    : args['users'];
  const copy: Record<string, unknown> = { ...args, users };
  delete copy['root_password'];
  return copy;
}

const waitGuestStep: StepDefinition = {
  name: 'wait-guest',
  async run(ctx) {
    const { config, instances } = ctx.deps;
    const instance = await requireInstance(ctx);
    const serverId = instance.computeInstanceId as string;
    const deadline = await deadlineFor(ctx, 'readyDeadline', buildTimeoutMs(ctx));
    const seconds = Math.round(buildTimeoutMs(ctx) / 1000);
    await waitFor(ctx, {
      intervalMs: config.DEFAULT.usage_sleep_time * 1000,
      deadline,
      probe: async () => {
        const status = (await instances.getServiceStatus(instance.id))?.status ?? 'NEW';
        if (READY_STATUSES.has(status)) return true;
        const server = await refreshServer(ctx, serverId);
        if (server === undefined || server.status === ServerStatus.ERROR) {
          throw new StepFailure(`Server ${serverId} ${server === undefined ? 'disappeared' : 'went to ERROR'} while the guest was preparing.`, { task: 'BUILDING_ERROR_SERVER', code: ErrorCode.BACKEND_ERROR });
        }
        if (STILL_BUILDING.has(status)) return undefined;
        throw new StepFailure(`The guest reported '${SERVICE_STATUS_INFO[status].description}' instead of becoming ready.`, { task: 'BUILDING_ERROR_TIMEOUT_GA', code: ErrorCode.GUEST_ERROR, details: { serviceStatus: status } });
      },
      onTimeout: () => new StepFailure(`The guest did not become ready within ${seconds} s.`, { task: 'BUILDING_ERROR_TIMEOUT_GA', code: ErrorCode.GUEST_TIMEOUT }),
    });
  },
};

const finishStep: StepDefinition = {
  name: 'finish',
  async run(ctx) {
    const instance = await requireInstance(ctx);
    if (instance.computeInstanceId !== null) await refreshServer(ctx, instance.computeInstanceId);
    await ctx.deps.instances.update(instance.id, { task: 'NONE' });
  },
};

async function onCreateFailure(ctx: FlowContext, error: Error, step: string): Promise<void> {
  const { instances, config } = ctx.deps;
  const instance = await instances.getInstance(ctx.flow.instanceId);
  if (instance === undefined || instance.task !== 'BUILDING') return;
  const task = error instanceof StepFailure && error.task !== undefined ? error.task : step === 'wait-guest' || step === 'prepare' ? 'BUILDING_ERROR_TIMEOUT_GA' : 'BUILDING_ERROR_SERVER';
  // The error task goes last: whoever sees the instance in ERROR can already read the fault and the status.
  await recordFault(ctx, error.message, error);
  if (task === 'BUILDING_ERROR_TIMEOUT_GA' && config.DEFAULT.update_status_on_fail) await instances.setServiceStatus(instance.id, 'FAILED_TIMEOUT_GUESTAGENT');
  await instances.update(instance.id, { task });
  if (config.DEFAULT.cleanup_on_build_failure) {
    ctx.logger.info('removing the resources of the failed build (cleanup_on_build_failure)');
    await removeResources(ctx, (await instances.getInstance(instance.id)) ?? instance);
    await instances.update(instance.id, { computeInstanceId: null, volumeId: null, serverStatus: null, addresses: null });
  }
}

export const createInstanceFlow: FlowDefinition = {
  kind: 'create_instance',
  steps: [validateStep, ...createNetworkSteps, volumeStep, serverStep, serverActiveStep, prepareStep, waitGuestStep, finishStep],
  onFailure: onCreateFailure,
};
