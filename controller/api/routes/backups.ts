/**
 * `/backups` and `/backup_strategies` (Trove's `backup/service.py`). Creating a backup checks the instance's
 * state, reserves `backups +1`, records the backup (NEW) and casts `create_backup` to the taskmanager;
 * deleting releases the quota and casts `delete_backup` (children first, as Trove does).
 */
import { Op, type WhereOptions } from 'sequelize';
import type { Router } from 'express';
import { ErrorCode, TroveError, UnprocessableError } from '../../../shared/errors/index.js';
import type { BackupAttributes, BackupRow } from '../../db/index.js';
import { contextOf, type RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTarget, authorizeOnTenant } from '../middleware/policy.js';
import { backupCreate, backupStrategyCreate } from '../schemas/backups.js';
import { validateBody } from '../schemas/validate.js';
import { DatastoreService } from '../services/datastores.js';
import { badRequest, idFromHref, notFound } from '../services/errors.js';
import { assertActionAllowed } from '../services/instance-status.js';
import type { ApiServices } from '../services/index.js';
import { RUNNING_BACKUP_STATES } from '../services/instances.js';
import { rpcContextOf } from '../services/rpc-context.js';
import { backupStrategyView, backupView, backupsView, type VersionLookup } from '../views/backup-view.js';
import { linkBaseOf, pagedCollection } from '../views/format.js';
import { mountRoutes, param, query, reply, replyEmpty, type Handler } from './route-table.js';

/** Trove's `bool_from_string`. */
function truthy(value: string | undefined): boolean {
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes((value ?? '').trim().toLowerCase());
}

/**
 * One page of backups, newest first (Trove pages backups by offset: the marker is the number already shown).
 * `tenantId` null means every project.
 */
export async function listBackups(
  deps: ApiDeps,
  context: RequestContext,
  filters: { instanceId?: string; tenantId: string | null; datastoreVersionIds?: string[] },
): Promise<{ rows: BackupRow[]; nextMarker: string | null; versions: VersionLookup }> {
  const offset = context.marker !== undefined && /^\d+$/.test(context.marker) ? Number(context.marker) : 0;
  if (context.marker !== undefined && context.marker !== '' && !/^\d+$/.test(context.marker)) throw badRequest(`Invalid marker '${context.marker}'.`);
  const limitText = context.limit;
  if (limitText !== undefined && limitText !== '' && (!/^\d+$/.test(limitText) || Number(limitText) < 1)) throw badRequest(`Invalid limit '${limitText}': it must be a positive integer.`);
  const limit = limitText ? Number(limitText) : deps.config.DEFAULT.backups_page_size;
  const where: WhereOptions<BackupAttributes> & Record<string, unknown> = { deleted: false };
  if (filters.tenantId !== null) where['tenant_id'] = filters.tenantId;
  if (filters.instanceId !== undefined) where['instance_id'] = filters.instanceId;
  if (filters.datastoreVersionIds !== undefined) where['datastore_version_id'] = { [Op.in]: filters.datastoreVersionIds };
  const rows = await deps.models.backups.findAll({ where, order: [['updated', 'DESC'], ['id', 'ASC']], limit, offset });
  const versions = await new DatastoreService(deps.models).versionsWithDatastores(rows.map((row) => row.datastore_version_id).filter((id): id is string => id !== null));
  return { rows, nextMarker: rows.length < limit ? null : String(offset + limit), versions };
}

/** Loads a backup the caller may see. @throws NotFoundError (404) */
async function loadBackup(deps: ApiDeps, context: RequestContext, id: string): Promise<BackupRow> {
  const row = await deps.models.backups.findOne({ where: { id, deleted: false } });
  if (row === null || (!context.isAdmin && row.tenant_id !== context.tenantId)) throw notFound(id);
  return row;
}

async function versionLookup(deps: ApiDeps, row: BackupRow): Promise<VersionLookup> {
  return new DatastoreService(deps.models).versionsWithDatastores(row.datastore_version_id === null ? [] : [row.datastore_version_id]);
}

interface BackupCreateBody {
  name: string;
  instance?: string;
  description?: string;
  parent_id?: string;
  incremental?: number;
  swift_container?: string;
  restore_from?: { remote_location: string; local_datastore_version_id: string; size: number };
}

export function backupRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const index: Handler = async (req, res) => {
    const context = contextOf(req);
    const projectId = query(req, 'project_id');
    const allProjects = truthy(query(req, 'all_projects'));
    authorizeOnTenant(deps.policy, context, projectId || allProjects ? 'backup:index:all_projects' : 'backup:index');
    let datastoreVersionIds: string[] | undefined;
    const datastoreRef = query(req, 'datastore');
    if (datastoreRef) {
      const datastore = await services.datastores.loadDatastore(datastoreRef);
      datastoreVersionIds = (await services.datastores.listVersions(datastore, false)).map((version) => version.id);
    }
    const instanceId = query(req, 'instance_id');
    const { rows, nextMarker, versions } = await listBackups(deps, context, {
      tenantId: projectId ? projectId : allProjects ? null : context.tenantId,
      ...(instanceId ? { instanceId } : {}),
      ...(datastoreVersionIds ? { datastoreVersionIds } : {}),
    });
    reply(res, 200, pagedCollection(linkBaseOf(req, context.tenantId), 'backups', backupsView(rows, versions), nextMarker));
  };

  const show: Handler = async (req, res) => {
    const context = contextOf(req);
    const backup = await loadBackup(deps, context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'backup:show', backup.tenant_id);
    reply(res, 200, { backup: backupView(backup, await versionLookup(deps, backup)) });
  };

  const create: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'backup:create');
    const data = validateBody<{ backup: BackupCreateBody }>(backupCreate, req.body).backup;
    if (data.swift_container !== undefined && !/^[A-Za-z0-9._-]+$/.test(data.swift_container)) {
      throw badRequest(`Invalid swift container name '${data.swift_container}'.`);
    }
    const backup = data.restore_from ? await restoreRecord(deps, context, data) : await createBackup(deps, services, context, data);
    reply(res, 202, { backup: backupView(backup, await versionLookup(deps, backup)) });
  };

  const remove: Handler = async (req, res) => {
    const context = contextOf(req);
    const backup = await loadBackup(deps, context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'backup:delete', backup.tenant_id);
    await deleteBackup(deps, context, backup.id);
    replyEmpty(res, 202);
  };

  const strategyCreate: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'backup_strategy:create');
    const data = validateBody<{ backup_strategy: { instance_id?: string; swift_container: string } }>(backupStrategyCreate, req.body).backup_strategy;
    const instanceId = data.instance_id ?? '';
    if (instanceId !== '') await services.instances.loadRow(context, instanceId);
    const strategies = deps.models.backupStrategy;
    const existing = await strategies.findOne({ where: { tenant_id: context.tenantId, instance_id: instanceId } });
    const strategy = existing
      ? await existing.update({ swift_container: data.swift_container })
      : await strategies.create({ tenant_id: context.tenantId, instance_id: instanceId, backend: 'swift', swift_container: data.swift_container });
    reply(res, 202, { backup_strategy: backupStrategyView(strategy) });
  };

  const strategyScope = (req: Parameters<Handler>[0], context: RequestContext): string => {
    const tenantId = query(req, 'project_id') ?? context.tenantId;
    if (tenantId !== context.tenantId && !context.isAdmin) throw new TroveError(ErrorCode.FORBIDDEN, `Operation not allowed for tenant ${context.tenantId}.`);
    return tenantId;
  };

  const strategyIndex: Handler = async (req, res) => {
    const context = contextOf(req);
    const tenantId = strategyScope(req, context);
    authorizeOnTenant(deps.policy, context, 'backup_strategy:index');
    const instanceId = query(req, 'instance_id');
    const rows = await deps.models.backupStrategy.findAll({ where: { tenant_id: tenantId, ...(instanceId ? { instance_id: instanceId } : {}) }, order: [['created', 'ASC']] });
    reply(res, 200, { backup_strategies: rows.map(backupStrategyView) });
  };

  const strategyDelete: Handler = async (req, res) => {
    const context = contextOf(req);
    const tenantId = strategyScope(req, context);
    authorizeOnTenant(deps.policy, context, 'backup_strategy:delete');
    await deps.models.backupStrategy.destroy({ where: { tenant_id: tenantId, instance_id: query(req, 'instance_id') ?? '' } });
    replyEmpty(res, 202);
  };

  mountRoutes(router, [
    ['GET', '/backups', index],
    ['POST', '/backups', create],
    ['GET', '/backups/:id', show],
    ['DELETE', '/backups/:id', remove],
    ['GET', '/backup_strategies', strategyIndex],
    ['POST', '/backup_strategies', strategyCreate],
    ['DELETE', '/backup_strategies', strategyDelete],
  ]);
}

async function createBackup(deps: ApiDeps, services: ApiServices, context: RequestContext, data: BackupCreateBody): Promise<BackupRow> {
  if (!data.instance) throw new TroveError(ErrorCode.BAD_REQUEST, 'Unable to create Backup: instance is missing.');
  const instanceId = idFromHref(data.instance);
  const loaded = await services.instances.load(context, instanceId);
  assertActionAllowed(loaded.row.id, loaded.derived, loaded.backupRunning);
  if (loaded.row.cluster_id !== null) throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Operation not supported for instances that are part of a cluster.');
  const version = loaded.row.datastoreVersion;
  let swiftContainer = data.swift_container;
  if (!swiftContainer) {
    const strategies = deps.models.backupStrategy;
    const strategy =
      (await strategies.findOne({ where: { tenant_id: context.tenantId, instance_id: instanceId } })) ??
      (await strategies.findOne({ where: { tenant_id: context.tenantId, instance_id: '' } }));
    swiftContainer = strategy?.swift_container ?? undefined;
  }
  let parent: { location: string | null; checksum: string | null } | null = null;
  let parentId: string | null = null;
  if (data.parent_id) {
    const found = await loadBackup(deps, context, data.parent_id);
    parent = { location: found.location, checksum: found.checksum };
    parentId = found.id;
  } else if (data.incremental) {
    const last = await deps.models.backups.findOne({
      where: { instance_id: instanceId, tenant_id: loaded.row.tenant_id, state: 'COMPLETED', deleted: false },
      order: [['updated', 'DESC']],
    });
    if (last !== null) {
      parent = { location: last.location, checksum: last.checksum };
      parentId = last.id;
    }
  }
  return deps.quotas.runWithQuotas(context.tenantId, { backups: 1 }, async () => {
    const row = await deps.models.backups.create({
      name: data.name,
      description: data.description ?? null,
      tenant_id: context.tenantId,
      state: 'NEW',
      instance_id: instanceId,
      parent_id: parentId,
      datastore_version_id: version?.id ?? null,
      deleted: false,
      backup_type: parent ? 'incremental' : 'full',
    });
    const backupInfo = {
      id: row.id,
      name: data.name,
      description: data.description ?? null,
      instance_id: instanceId,
      backup_type: row.backup_type,
      checksum: null,
      parent,
      datastore: version?.datastore?.name ?? null,
      datastore_version: version?.name ?? null,
      swift_container: swiftContainer ?? null,
    };
    try {
      await deps.taskManager.createBackup({ instance_id: instanceId, backup_info: backupInfo }, { context: rpcContextOf(context) });
    } catch (error) {
      await row.update({ deleted: true, deleted_at: new Date(), state: 'FAILED' });
      throw error;
    }
    return row;
  });
}

/** A backup record for an object restored from another region (`restore_from`): state RESTORED, no work. */
async function restoreRecord(deps: ApiDeps, context: RequestContext, data: BackupCreateBody): Promise<BackupRow> {
  const from = data.restore_from as NonNullable<BackupCreateBody['restore_from']>;
  const version = await new DatastoreService(deps.models).loadVersionById(from.local_datastore_version_id);
  return deps.quotas.runWithQuotas(context.tenantId, { backups: 1 }, async () =>
    deps.models.backups.create({
      name: data.name,
      description: data.description ?? null,
      tenant_id: context.tenantId,
      state: 'RESTORED',
      instance_id: null,
      datastore_version_id: version.id,
      deleted: false,
      location: from.remote_location,
      backup_type: 'full',
      size: from.size,
    }),
  );
}

/** Deletes a backup and, first, its incremental children. */
async function deleteBackup(deps: ApiDeps, context: RequestContext, id: string): Promise<void> {
  const children = await deps.models.backups.findAll({ where: { parent_id: id, deleted: false } });
  for (const child of children) await deleteBackup(deps, context, child.id);
  const backup = await deps.models.backups.findOne({ where: { id, deleted: false } });
  if (backup === null) return;
  if ((RUNNING_BACKUP_STATES as readonly string[]).includes(backup.state)) {
    throw new UnprocessableError(`Backup ${id} cannot be deleted because it is running.`);
  }
  await deps.quotas.runWithQuotas(backup.tenant_id ?? context.tenantId, { backups: -1 }, async () => {
    await deps.taskManager.deleteBackup({ backup_id: id }, { context: rpcContextOf(context) });
  });
}
