/**
 * Changes to existing instances (Trove's `instance/service.py` `action`/`update`/`delete` and the model
 * methods behind them): each checks the policy on the instance's owner, gates on the instance's state
 * (422 when not ready), records the task in the database and casts the work to the taskmanager. Quota
 * changes (resize, delete) go through `runWithQuotas`. Configuration attach/detach talk to the guest
 * directly, as Trove's API does.
 */
import { Op } from 'sequelize';
import { ErrorCode, TroveError, UnprocessableError } from '../../../shared/errors/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { instanceTaskColumns, type InstanceRow } from '../../db/index.js';
import type { RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTarget } from '../middleware/policy.js';
import { ConfigurationService, configurationMismatch } from './configurations.js';
import { DatastoreService } from './datastores.js';
import { badRequest, idFromHref } from './errors.js';
import { checkVolumeSize } from './instance-create.js';
import { assertActionAllowed } from './instance-status.js';
import { RUNNING_BACKUP_STATES, type InstanceService, type LoadedInstance } from './instances.js';
import { rpcContextOf } from './rpc-context.js';

/** The validated body of PUT/PATCH `/instances/{id}`. */
export interface InstanceUpdateBody {
  name?: string;
  replica_of?: unknown;
  slave_of?: unknown;
  configuration?: string | null;
  datastore_version?: string;
  access?: { is_public?: boolean; allowed_cidrs?: string[] };
}

export class InstanceActions {
  private readonly configurations: ConfigurationService;
  private readonly datastores: DatastoreService;

  constructor(private readonly deps: ApiDeps, private readonly instances: InstanceService) {
    this.configurations = new ConfigurationService(deps.models);
    this.datastores = new DatastoreService(deps.models);
  }

  private authorize(context: RequestContext, rule: string, row: InstanceRow): void {
    authorizeOnTarget(this.deps.policy, context, `instance:${rule}`, row.tenant_id);
  }

  private async setTask(row: InstanceRow, task: Parameters<typeof instanceTaskColumns>[0], extra: Partial<InstanceRow> = {}): Promise<void> {
    await row.update({ ...instanceTaskColumns(task), task_start_time: new Date(), ...extra });
  }

  private async flavorRam(flavorId: string | null): Promise<number> {
    const flavor = flavorId === null ? undefined : await this.deps.flavors.getFlavor(flavorId);
    return flavor?.ram ?? 0;
  }

  /** Dispatches `POST /instances/{id}/action` on the first recognised key (Trove's order). */
  async action(context: RequestContext, id: string, body: Record<string, unknown>): Promise<void> {
    const known = ['restart', 'resize', 'promote_to_replica_source', 'eject_replica_source', 'reset_status'];
    const name = Object.keys(body).find((key) => known.includes(key));
    if (name === undefined) throw badRequest('Invalid request body.');
    const loaded = await this.instances.load(context, id);
    switch (name) {
      case 'restart':
        return this.restart(context, loaded);
      case 'resize': {
        const resize = body['resize'] as Record<string, unknown>;
        if ('volume' in resize) return this.resizeVolume(context, loaded, Number((resize['volume'] as { size: unknown }).size));
        return this.resizeFlavor(context, loaded, idFromHref(resize['flavorRef'] as string | number));
      }
      case 'promote_to_replica_source':
        return this.promote(context, loaded);
      case 'eject_replica_source':
        return this.eject(context, loaded);
      default:
        return this.resetStatus(context, loaded, typeof body['reset_status'] === 'object' && body['reset_status'] !== null && 'force_delete' in body['reset_status']);
    }
  }

  private async restart(context: RequestContext, loaded: LoadedInstance): Promise<void> {
    this.authorize(context, 'restart', loaded.row);
    assertActionAllowed(loaded.row.id, loaded.derived, loaded.backupRunning);
    if (loaded.row.cluster_id !== null && !context.isAdmin) throw clusterNotSupported();
    await this.setTask(loaded.row, 'REBOOTING');
    await this.deps.models.serviceStatuses.update(
      { status_id: SERVICE_STATUS_INFO.RESTARTING.code, status_description: SERVICE_STATUS_INFO.RESTARTING.description },
      { where: { instance_id: loaded.row.id } },
    );
    await this.deps.taskManager.restart({ instance_id: loaded.row.id }, { context: rpcContextOf(context) });
  }

  private async resizeVolume(context: RequestContext, loaded: LoadedInstance, newSize: number): Promise<void> {
    this.authorize(context, 'resize_volume', loaded.row);
    const row = loaded.row;
    if (row.cluster_id !== null) throw clusterNotSupported();
    if (!row.volume_size) throw badRequest(`Instance ${row.id} has no volume.`);
    if (newSize <= row.volume_size) throw badRequest(`The new volume 'size' must be larger than the current volume size of '${row.volume_size}'.`);
    checkVolumeSize(newSize, this.deps.config.DEFAULT.max_accepted_volume_size);
    assertActionAllowed(row.id, loaded.derived, loaded.backupRunning);
    const replicaIds = (await this.instances.replicasOf([row.id])).get(row.id) ?? [];
    const targets = [loaded];
    for (const replicaId of replicaIds) {
      const replica = await this.instances.load({ ...context, isAdmin: true }, replicaId);
      assertActionAllowed(replica.row.id, replica.derived, replica.backupRunning);
      targets.push(replica);
    }
    for (const target of targets) {
      await this.deps.quotas.runWithQuotas(row.tenant_id ?? context.tenantId, { volumes: newSize - (row.volume_size ?? 0) }, async () => {
        await this.setTask(target.row, 'RESIZING');
        await this.deps.taskManager.resizeVolume({ instance_id: target.row.id, new_size: newSize }, { context: rpcContextOf(context) });
      });
    }
  }

  private async resizeFlavor(context: RequestContext, loaded: LoadedInstance, newFlavorId: string): Promise<void> {
    this.authorize(context, 'resize_flavor', loaded.row);
    const row = loaded.row;
    assertActionAllowed(row.id, loaded.derived, loaded.backupRunning);
    if (row.cluster_id !== null) throw clusterNotSupported();
    if (row.flavor_id === newFlavorId) throw badRequest(`The new flavor id must be different than the current flavor id of '${row.flavor_id}'.`);
    const newFlavor = await this.deps.flavors.getFlavor(newFlavorId);
    if (newFlavor === undefined) throw new TroveError(ErrorCode.FLAVOR_NOT_FOUND, `Resource ${newFlavorId} cannot be found.`);
    const oldFlavor = row.flavor_id === null ? undefined : await this.deps.flavors.getFlavor(row.flavor_id);
    if (oldFlavor === undefined) throw new TroveError(ErrorCode.FLAVOR_NOT_FOUND, `Resource ${row.flavor_id ?? ''} cannot be found.`);
    if (this.instances.volumeSupport(loaded.manager) && newFlavor.ephemeral !== 0) {
      throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Local storage support is not enabled.');
    }
    await this.deps.quotas.runWithQuotas(row.tenant_id ?? context.tenantId, { ram: newFlavor.ram - oldFlavor.ram }, async () => {
      await this.setTask(row, 'RESIZING');
      await this.deps.taskManager.resizeFlavor(
        { instance_id: row.id, old_flavor: { ...oldFlavor }, new_flavor: { ...newFlavor } },
        { context: rpcContextOf(context) },
      );
    });
  }

  private async promote(context: RequestContext, loaded: LoadedInstance): Promise<void> {
    this.authorize(context, 'promote_to_replica_source', loaded.row);
    assertActionAllowed(loaded.row.id, loaded.derived, loaded.backupRunning);
    const sourceId = loaded.row.slave_of_id;
    if (sourceId === null) throw badRequest(`Instance ${loaded.row.id} is not a replica.`);
    const members = await this.deps.models.instances.findAll({ where: { deleted: false, [Op.or]: [{ id: sourceId }, { slave_of_id: sourceId }] } });
    for (const member of members) await this.setTask(member, 'PROMOTING');
    await this.deps.taskManager.promoteToReplicaSource({ instance_id: loaded.row.id }, { context: rpcContextOf(context) });
  }

  private async eject(context: RequestContext, loaded: LoadedInstance): Promise<void> {
    this.authorize(context, 'eject_replica_source', loaded.row);
    const replicas = await this.deps.models.instances.findAll({ where: { slave_of_id: loaded.row.id, deleted: false } });
    if (replicas.length === 0) throw badRequest(`Instance ${loaded.row.id} is not a replica source.`);
    const updatedAt = loaded.row.serviceStatus?.updated_at?.getTime() ?? 0;
    const now = this.deps.now?.() ?? Date.now();
    if (now - updatedAt < this.deps.config.DEFAULT.agent_heartbeat_expiry * 1000) {
      throw badRequest(`Replica Source ${loaded.row.id} cannot be ejected as it has a current heartbeat`);
    }
    for (const member of [loaded.row, ...replicas]) await this.setTask(member, 'EJECTING');
    await this.deps.taskManager.ejectReplicaSource({ instance_id: loaded.row.id }, { context: rpcContextOf(context) });
  }

  /** Trove's reset_status: task NONE, service status UNKNOWN, running backups FAILED. Database only. */
  private async resetStatus(context: RequestContext, loaded: LoadedInstance, forceDelete: boolean): Promise<void> {
    this.authorize(context, forceDelete ? 'force_delete' : 'reset_status', loaded.row);
    await this.deps.sequelize.transaction(async (transaction) => {
      await loaded.row.update({ ...instanceTaskColumns('NONE') }, { transaction });
      await this.deps.models.serviceStatuses.update(
        { status_id: SERVICE_STATUS_INFO.UNKNOWN.code, status_description: SERVICE_STATUS_INFO.UNKNOWN.description },
        { where: { instance_id: loaded.row.id }, transaction },
      );
      await this.deps.models.backups.update(
        { state: 'FAILED' },
        { where: { instance_id: loaded.row.id, state: { [Op.in]: [...RUNNING_BACKUP_STATES] }, deleted: false }, transaction },
      );
    });
  }

  /** DELETE /instances/{id}: releases quota, sets DELETING and casts delete_instance. */
  async delete(context: RequestContext, id: string): Promise<void> {
    const loaded = await this.instances.load(context, id);
    const row = loaded.row;
    this.authorize(context, 'delete', row);
    if (loaded.derived.status === 'BUILD') throw new UnprocessableError(`Instance ${row.id} is not ready. (Status is ${loaded.derived.status}).`);
    if (row.cluster_id !== null) throw clusterNotSupported();
    const replicas = await this.deps.models.instances.count({ where: { slave_of_id: row.id, deleted: false } });
    if (replicas > 0) throw new TroveError(ErrorCode.FORBIDDEN, 'Detach replicas before deleting replica source.');
    const deltas: Record<string, number> = { instances: -1, ram: -(await this.flavorRam(row.flavor_id)) };
    if (this.instances.volumeSupport(loaded.manager)) deltas['volumes'] = -(row.volume_size ?? 0);
    await this.deps.quotas.runWithQuotas(row.tenant_id ?? context.tenantId, deltas, async () => {
      await this.setTask(row, 'DELETING', { configuration_id: null });
      await this.deps.taskManager.deleteInstance({ instance_id: row.id }, { context: rpcContextOf(context) });
    });
  }

  /** PUT/PATCH /instances/{id}: name plus at most one other attribute. */
  async update(context: RequestContext, id: string, body: InstanceUpdateBody): Promise<void> {
    const keys = Object.keys(body);
    const named = body.name !== undefined && body.name !== '';
    if ((named && keys.length > 2) || (!named && keys.length >= 2)) {
      throw badRequest("Only one attribute (except 'name') is allowed to update.");
    }
    const loaded = await this.instances.load(context, id);
    const row = loaded.row;
    this.authorize(context, 'update', row);
    if (named) await row.update({ name: body.name as string });
    if ('replica_of' in body || 'slave_of' in body) {
      assertActionAllowed(row.id, loaded.derived, loaded.backupRunning);
      if (row.slave_of_id === null) throw badRequest(`Instance ${row.id} is not a replica.`);
      await this.setTask(row, 'DETACHING');
      await this.deps.taskManager.detachReplica({ instance_id: row.id }, { context: rpcContextOf(context) });
    } else if ('configuration' in body) {
      if (body.configuration) await this.attachConfiguration(context, loaded, idFromHref(body.configuration));
      else await this.detachConfiguration(context, loaded);
    } else if (body.datastore_version !== undefined) {
      await this.upgrade(context, loaded, body.datastore_version);
    } else if (body.access !== undefined) {
      await this.setTask(row, 'UPDATING');
      await this.deps.taskManager.updateAccess({ instance_id: row.id, access: { ...body.access } }, { context: rpcContextOf(context) });
    }
  }

  /** Trove's `_validate_can_perform_assign`: the server must be ACTIVE and no task may run. */
  private assertCanAssign(loaded: LoadedInstance): void {
    let status: string | undefined;
    if (loaded.derived.serverStatus !== 'ACTIVE') status = loaded.derived.serverStatus;
    else if (loaded.derived.task !== 'NONE') status = loaded.derived.task;
    if (status !== undefined) {
      throw badRequest(`The operation you have requested cannot be executed because the instance status is currently: ${status}.`);
    }
  }

  private async attachConfiguration(context: RequestContext, loaded: LoadedInstance, configurationId: string): Promise<void> {
    const row = loaded.row;
    if (row.configuration_id !== null) {
      throw badRequest(`Instance ${row.id} already has a Configuration Group attached: ${row.configuration_id}.`);
    }
    this.assertCanAssign(loaded);
    const group = await this.configurations.load(context, configurationId);
    if (group.datastore_version_id !== row.datastore_version_id) throw configurationMismatch(group.datastore_version_id, row.datastore_version_id ?? '');
    await this.applyGroup(context, row, group.id);
  }

  /**
   * Sends a group's values to the guest (`update_overrides`), records the group with task RESTART_REQUIRED,
   * and applies the values live (`apply_overrides`, task NONE) when none needs a restart.
   */
  async applyGroup(context: RequestContext, row: InstanceRow, configurationId: string): Promise<void> {
    const group = await this.configurations.load({ ...context, isAdmin: true }, configurationId);
    const overrides = (await this.configurations.typedValues(group)) as Record<string, string | number | boolean | null>;
    const guest = this.deps.guest(row.id);
    const rpc = { context: rpcContextOf(context) };
    await guest.updateOverrides({ overrides }, rpc);
    await row.update({ ...instanceTaskColumns('RESTART_REQUIRED'), configuration_id: configurationId });
    if (!(await this.configurations.needsRestart(group))) {
      await guest.applyOverrides({ overrides }, rpc);
      await row.update({ ...instanceTaskColumns('NONE') });
    }
  }

  private async detachConfiguration(context: RequestContext, loaded: LoadedInstance): Promise<void> {
    const row = loaded.row;
    if (row.configuration_id === null) return;
    this.assertCanAssign(loaded);
    const group = await this.configurations.load({ ...context, isAdmin: true }, row.configuration_id);
    const needsRestart = await this.configurations.needsRestart(group);
    const guest = this.deps.guest(row.id);
    await guest.updateOverrides({ overrides: {}, remove: true }, { context: rpcContextOf(context) });
    await row.update({ ...instanceTaskColumns('RESTART_REQUIRED'), configuration_id: null });
    // Without restart-only values, the defaults take effect on the next apply; Trove releases the task then.
    if (!needsRestart) await row.update({ ...instanceTaskColumns('NONE') });
  }

  private async upgrade(context: RequestContext, loaded: LoadedInstance, versionRef: string): Promise<void> {
    const row = loaded.row;
    const current = row.datastoreVersion;
    const datastore = await this.datastores.loadDatastore(current?.datastore_id ?? '');
    const target = await this.datastores.loadVersion(datastore, versionRef);
    if (target.name === current?.name) return;
    await this.setTask(row, 'UPGRADING', { datastore_version_id: target.id });
    await this.deps.taskManager.upgrade({ instance_id: row.id, datastore_version_id: target.id }, { context: rpcContextOf(context) });
  }
}

function clusterNotSupported(): TroveError {
  return new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Operation not supported for instances that are part of a cluster.');
}
