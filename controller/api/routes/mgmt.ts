/**
 * Management endpoints (Trove's `extensions/routes/mgmt.py`), for administrators only (Trove's
 * `@admin_context`: a non-admin gets 401): instances across projects with their actions, datastore versions
 * (create, list, show, PATCH edit, delete) and configuration parameters. Quotas are in `limits.ts`.
 */
import { randomUUID } from 'node:crypto';
import { Op } from 'sequelize';
import type { Router } from 'express';
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';
import { isDatastoreManager } from '../../../shared/config/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { instanceTaskColumns, type DatastoreVersionRow } from '../../db/index.js';
import { contextOf, type RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { requireAdmin } from '../middleware/policy.js';
import { configurationParameterCreate, configurationParameterUpdate } from '../schemas/configurations.js';
import { mgmtInstanceActions } from '../schemas/instances.js';
import { datastoreVersionCreate, datastoreVersionEdit } from '../schemas/mgmt.js';
import { validateBody } from '../schemas/validate.js';
import { badRequest } from '../services/errors.js';
import type { ApiServices } from '../services/index.js';
import type { LoadedInstance } from '../services/instances.js';
import { RUNNING_BACKUP_STATES } from '../services/instances.js';
import { rpcContextOf } from '../services/rpc-context.js';
import { configurationParameterView } from '../views/datastore-view.js';
import { formatDate, linkBaseOf, pagedCollection } from '../views/format.js';
import { instanceDetailView, type InstanceData } from '../views/instance-view.js';
import { mountRoutes, param, query, reply, replyEmpty, type Handler } from './route-table.js';

function mgmtInstanceView(data: InstanceData, loaded: LoadedInstance, base: ReturnType<typeof linkBaseOf>): Record<string, unknown> {
  const view = instanceDetailView(data, base, true);
  const row = loaded.row;
  view['server'] = row.compute_instance_id === null ? null : { id: row.compute_instance_id, name: row.name, status: loaded.derived.serverStatus, tenant_id: row.tenant_id, host: null };
  view['service_status'] = SERVICE_STATUS_INFO[loaded.derived.storedServiceStatus].apiStatus;
  view['tenant_id'] = row.tenant_id;
  view['deleted'] = Boolean(row.deleted);
  view['deleted_at'] = formatDate(row.deleted_at);
  view['task_description'] = row.task_description;
  return view;
}

function mgmtVersionView(version: DatastoreVersionRow, datastoreName: string | null, isDefault: boolean): Record<string, unknown> {
  return {
    id: version.id,
    name: version.name,
    version: version.version,
    datastore_id: version.datastore_id,
    datastore_name: datastoreName,
    datastore_manager: version.manager,
    image: version.image_id,
    image_tags: version.image_tags ? version.image_tags.split(',') : [''],
    packages: version.packages ? version.packages.split(',') : [''],
    active: Boolean(version.active),
    default: isDefault,
  };
}

export function mgmtRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const { instances, datastores } = services;
  const admin = (handler: Handler): Handler => async (req, res) => {
    requireAdmin(contextOf(req));
    await handler(req, res);
  };

  const loadAny = async (context: RequestContext, id: string, includeDeleted = false): Promise<LoadedInstance> => {
    if (!includeDeleted) return instances.load(context, id);
    const row = await deps.models.instances.findOne({ where: { id }, include: [{ association: 'datastoreVersion', include: [{ association: 'datastore' }] }, { association: 'serviceStatus' }] });
    if (row === null) throw new NotFoundError(`Resource ${id} cannot be found.`);
    return instances.derive(row, (await instances.runningBackups([id])).has(id));
  };

  const index: Handler = async (req, res) => {
    const context = contextOf(req);
    const deleted = (query(req, 'deleted') ?? '').toLowerCase();
    const { items, nextMarker } = await instances.list(context, {
      includeClustered: (query(req, 'include_clustered') ?? '').toLowerCase() === 'true',
      tenantId: query(req, 'project_id') ?? null,
      deleted: deleted === 'true',
    });
    const data = await instances.toData(items, true);
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, pagedCollection(base, 'instances', data.map((item, index) => mgmtInstanceView(item, items[index] as LoadedInstance, base)), nextMarker));
  };

  const show: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await loadAny(context, param(req, 'id'), (query(req, 'deleted') ?? '').toLowerCase() === 'true');
    const [data] = await instances.toData([loaded], true);
    if (data === undefined) throw new Error('instance vanished');
    const view = mgmtInstanceView(data, loaded, linkBaseOf(req, context.tenantId));
    const history = await deps.models.rootEnabledHistory.findByPk(loaded.row.id);
    if (history !== null) {
      view['root_enabled'] = formatDate(history.created);
      view['root_enabled_by'] = history.user;
    }
    view['volume'] = loaded.row.volume_id === null ? null : { id: loaded.row.volume_id, size: loaded.row.volume_size };
    view['guest_status'] = { state_description: SERVICE_STATUS_INFO[loaded.derived.storedServiceStatus].description };
    reply(res, 200, { instance: view });
  };

  const action: Handler = async (req, res) => {
    const context = contextOf(req);
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0) throw badRequest('Invalid request body.');
    const keys = Object.keys(body);
    for (const key of keys) if (!(key in mgmtInstanceActions)) throw badRequest(`Invalid instance action: ${key}`);
    if (keys.length > 1) throw badRequest('Only one action can be specified per request.');
    const name = keys[0] as string;
    validateBody(mgmtInstanceActions[name] as Record<string, unknown>, body);
    const loaded = await instances.load(context, param(req, 'id'));
    const row = loaded.row;
    const rpc = { context: rpcContextOf(context) };
    const setTask = (task: Parameters<typeof instanceTaskColumns>[0]) => row.update({ ...instanceTaskColumns(task), task_start_time: new Date() });
    switch (name) {
      case 'stop':
        await deps.guest(row.id).stopDb({ do_not_start_on_reboot: false }, rpc);
        break;
      case 'reboot':
        await setTask('REBOOTING');
        await deps.taskManager.reboot({ instance_id: row.id }, rpc);
        break;
      case 'migrate':
        await setTask('MIGRATING');
        await deps.taskManager.migrate({ instance_id: row.id, host: ((body['migrate'] as Record<string, unknown>)['host'] as string | undefined) ?? null }, rpc);
        break;
      case 'rebuild':
        await setTask('BUILDING');
        await deps.taskManager.rebuild({ instance_id: row.id, image_id: (body['rebuild'] as { image_id: string }).image_id }, rpc);
        break;
      default:
        await row.update({ ...instanceTaskColumns('NONE') });
        await deps.models.backups.update({ state: 'FAILED' }, { where: { instance_id: row.id, state: { [Op.in]: [...RUNNING_BACKUP_STATES] }, deleted: false } });
    }
    replyEmpty(res, 202);
  };

  const rootHistory: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    const history = await deps.models.rootEnabledHistory.findByPk(loaded.row.id);
    reply(res, 200, { root_history: { id: loaded.row.id, enabled: history ? formatDate(history.created) : 'Never', user: history?.user ?? 'Nobody' } });
  };

  const rpcPing: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    await deps.guest(loaded.row.id).rpcPing({}, { context: rpcContextOf(context) });
    replyEmpty(res, 204);
  };

  const guestInfo = (method: 'getDiagnostics' | 'getHwinfo', key: string): Handler => async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    const result = await deps.guest(loaded.row.id)[method]({}, { context: rpcContextOf(context) });
    reply(res, 200, { [key]: result });
  };

  const versionIndex: Handler = async (_req, res) => {
    const versions = await deps.models.datastoreVersions.findAll({ order: [['name', 'ASC']] });
    const owners = await datastores.versionsWithDatastores(versions.map((version) => version.id));
    reply(res, 200, {
      versions: versions.map((version) => {
        const datastore = owners.get(version.id)?.datastore ?? null;
        return mgmtVersionView(version, datastore?.name ?? null, datastore?.default_version_id === version.id);
      }),
    });
  };

  const versionShow: Handler = async (req, res) => {
    const version = await datastores.loadVersionById(param(req, 'id'));
    const datastore = await datastores.loadDatastore(version.datastore_id ?? '');
    reply(res, 200, { version: mgmtVersionView(version, datastore.name, datastore.default_version_id === version.id) });
  };

  const versionCreate: Handler = async (req, res) => {
    const data = validateBody<{ version: { name: string; datastore_name: string; datastore_manager: string; active: boolean; image?: string; image_tags?: string[]; packages?: string[]; default?: boolean; version?: string } }>(
      datastoreVersionCreate,
      req.body,
    ).version;
    if (!data.image && !(data.image_tags && data.image_tags.length > 0)) throw badRequest('Image must be specified.');
    if (!isDatastoreManager(data.datastore_manager)) throw badRequest(`Datastore manager ${data.datastore_manager} cannot be found.`);
    const versionNumber = data.version ?? data.name;
    await deps.sequelize.transaction(async (transaction) => {
      const [datastore] = await deps.models.datastores.findOrCreate({ where: { name: data.datastore_name }, defaults: { id: randomUUID(), name: data.datastore_name }, transaction });
      const existing = await deps.models.datastoreVersions.findOne({ where: { datastore_id: datastore.id, name: data.name, version: versionNumber }, transaction });
      if (existing !== null) throw new TroveError(ErrorCode.BAD_REQUEST, `The datastore version '${data.name}(${versionNumber})' already exists.`);
      const version = await deps.models.datastoreVersions.create(
        {
          datastore_id: datastore.id,
          name: data.name,
          version: versionNumber,
          manager: data.datastore_manager,
          image_id: data.image ?? null,
          image_tags: data.image_tags?.join(',') ?? null,
          packages: data.packages?.join(',') ?? null,
          active: data.active,
        },
        { transaction },
      );
      if (data.default) await datastore.update({ default_version_id: version.id }, { transaction });
    });
    replyEmpty(res, 202);
  };

  const versionEdit: Handler = async (req, res) => {
    const body = validateBody<{ name?: string; datastore_manager?: string; image?: string; image_tags?: string[]; packages?: string[]; active?: boolean; default?: boolean }>(
      datastoreVersionEdit,
      req.body ?? {},
    );
    const version = await datastores.loadVersionById(param(req, 'id'));
    const datastore = await datastores.loadDatastore(version.datastore_id ?? '');
    if (body.datastore_manager !== undefined && !isDatastoreManager(body.datastore_manager)) throw badRequest(`Datastore manager ${body.datastore_manager} cannot be found.`);
    let imageId = body.image ?? (body.image_tags !== undefined ? '' : version.image_id);
    const imageTags = body.image_tags !== undefined ? body.image_tags.join(',') : version.image_tags;
    if (!imageId && !imageTags) throw badRequest('Image must be specified.');
    if (imageId === '') imageId = null;
    await version.update({
      name: body.name ?? version.name,
      manager: body.datastore_manager ?? version.manager,
      image_id: imageId,
      image_tags: imageTags,
      packages: body.packages !== undefined ? body.packages.join(',') : version.packages,
      active: body.active ?? version.active,
    });
    if (body.default === true) await datastore.update({ default_version_id: version.id });
    else if (body.default === false && datastore.default_version_id === version.id) await datastore.update({ default_version_id: null });
    replyEmpty(res, 202);
  };

  const versionDelete: Handler = async (req, res) => {
    const id = param(req, 'id');
    const inUse = async (model: 'instances' | 'backups' | 'configurations', resource: string) => {
      const count = await (deps.models[model] as typeof deps.models.instances).count({ where: { datastore_version_id: id, deleted: false } });
      if (count > 0) throw badRequest(`Datastore version is in use by ${resource}.`);
    };
    await inUse('instances', 'instance');
    await inUse('backups', 'backup');
    await inUse('configurations', 'configuration');
    const version = await datastores.loadVersionById(id);
    const datastore = await datastores.loadDatastore(version.datastore_id ?? '');
    await deps.sequelize.transaction(async (transaction) => {
      await deps.models.datastoreConfigurationParameters.destroy({ where: { datastore_version_id: id }, transaction });
      if (datastore.default_version_id === id) await datastore.update({ default_version_id: null }, { transaction });
      await version.destroy({ transaction });
    });
    replyEmpty(res, 202);
  };

  const parameterIndex: Handler = async (req, res) => {
    const version = await datastores.loadVersionById(param(req, 'version'));
    reply(res, 200, { 'configuration-parameters': (await services.configurations.rules(version.id)).map(configurationParameterView) });
  };

  const loadParameter = async (versionId: string, name: string) => {
    const rule = await deps.models.datastoreConfigurationParameters.findOne({ where: { datastore_version_id: versionId, name } });
    if (rule === null) throw new NotFoundError(`Resource ${name} cannot be found.`);
    return rule;
  };

  const parameterShow: Handler = async (req, res) => {
    const version = await datastores.loadVersionById(param(req, 'version'));
    reply(res, 200, configurationParameterView(await loadParameter(version.id, param(req, 'name'))));
  };

  /** Trove's `_validate_data_type`: integers need min and max with min <= max. */
  const bounds = (parameter: Record<string, unknown>): { min: string | null; max: string | null } => {
    const min = (parameter['min'] ?? parameter['min_size']) as string | undefined;
    const max = (parameter['max'] ?? parameter['max_size']) as string | undefined;
    if (parameter['data_type'] !== 'integer') return { min: null, max: null };
    if (max === undefined) throw badRequest('max_size is required for integer data type.');
    if (min === undefined) throw badRequest('min_size is required for integer data type.');
    if (!/^\d+$/.test(String(min)) || !/^\d+$/.test(String(max))) throw badRequest('min_size and max_size must be integers.');
    if (BigInt(String(max)) < BigInt(String(min))) throw badRequest('max_size must be greater than or equal to min_size.');
    return { min: String(min), max: String(max) };
  };

  const parameterCreate: Handler = async (req, res) => {
    const parameter = validateBody<{ 'configuration-parameter': Record<string, unknown> }>(configurationParameterCreate, req.body)['configuration-parameter'];
    const { min, max } = bounds(parameter);
    const version = await datastores.loadVersionById(param(req, 'version'));
    const existing = await deps.models.datastoreConfigurationParameters.findOne({ where: { datastore_version_id: version.id, name: parameter['name'] as string } });
    if (existing !== null) throw badRequest(`${String(parameter['name'])} parameter already exists for datastore version ${version.id}`);
    const rule = await deps.models.datastoreConfigurationParameters.create({
      name: parameter['name'] as string,
      datastore_version_id: version.id,
      restart_required: Boolean(parameter['restart_required']),
      data_type: parameter['data_type'] as string,
      min_size: min,
      max_size: max,
    });
    reply(res, 200, configurationParameterView(rule));
  };

  const parameterUpdate: Handler = async (req, res) => {
    const parameter = validateBody<{ 'configuration-parameter': Record<string, unknown> }>(configurationParameterUpdate, req.body)['configuration-parameter'];
    const { min, max } = bounds(parameter);
    const version = await datastores.loadVersionById(param(req, 'version'));
    const rule = await loadParameter(version.id, param(req, 'name'));
    await rule.update({ restart_required: Boolean(parameter['restart_required']), data_type: parameter['data_type'] as string, min_size: min, max_size: max });
    reply(res, 200, configurationParameterView(rule));
  };

  const parameterDelete: Handler = async (req, res) => {
    const removed = await deps.models.datastoreConfigurationParameters.destroy({ where: { datastore_version_id: param(req, 'version'), name: param(req, 'name') } });
    if (removed === 0) throw badRequest(`Parameter ${param(req, 'name')} does not exist in the database.`);
    replyEmpty(res, 204);
  };

  mountRoutes(router, [
    ['GET', '/mgmt/instances', admin(index)],
    ['GET', '/mgmt/instances/:id', admin(show)],
    ['POST', '/mgmt/instances/:id/action', admin(action)],
    ['GET', '/mgmt/instances/:id/root', admin(rootHistory)],
    ['GET', '/mgmt/instances/:id/rpc_ping', admin(rpcPing)],
    ['GET', '/mgmt/instances/:id/diagnostics', admin(guestInfo('getDiagnostics', 'diagnostics'))],
    ['GET', '/mgmt/instances/:id/hwinfo', admin(guestInfo('getHwinfo', 'hwinfo'))],
    ['GET', '/mgmt/datastore-versions', admin(versionIndex)],
    ['POST', '/mgmt/datastore-versions', admin(versionCreate)],
    ['GET', '/mgmt/datastore-versions/:id', admin(versionShow)],
    ['PATCH', '/mgmt/datastore-versions/:id', admin(versionEdit)],
    ['DELETE', '/mgmt/datastore-versions/:id', admin(versionDelete)],
    ['GET', '/mgmt/datastores/versions/:version/parameters', admin(parameterIndex)],
    ['POST', '/mgmt/datastores/versions/:version/parameters', admin(parameterCreate)],
    ['GET', '/mgmt/datastores/versions/:version/parameters/:name', admin(parameterShow)],
    ['PUT', '/mgmt/datastores/versions/:version/parameters/:name', admin(parameterUpdate)],
    ['DELETE', '/mgmt/datastores/versions/:version/parameters/:name', admin(parameterDelete)],
  ]);
}
