/**
 * `/configurations` (Trove's `ConfigurationsController`): list, create (200), show, the instances using a
 * group, update (PUT: replace values, 202), edit (PATCH: merge values, 200) and delete (202; refused while
 * attached). Updates are re-applied to the attached instances through their guests, as Trove does.
 */
import { Op } from 'sequelize';
import type { Router } from 'express';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { ConfigurationRow } from '../../db/index.js';
import { contextOf, type RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTarget, authorizeOnTenant } from '../middleware/policy.js';
import { configurationCreate, configurationEdit, configurationUpdate } from '../schemas/configurations.js';
import { validateBody } from '../schemas/validate.js';
import { storedValue, type ConfigValue } from '../services/configurations.js';
import type { ApiServices } from '../services/index.js';
import { pageLimit, splitPage } from '../services/paging.js';
import { configurationDetailView, configurationView } from '../views/configuration-view.js';
import { linkBaseOf, pagedCollection } from '../views/format.js';
import { mountRoutes, param, reply, replyEmpty, type Handler } from './route-table.js';

interface GroupBody {
  name?: string;
  description?: string;
  values?: Record<string, unknown>;
  datastore?: { type?: string; version?: string; version_number?: string };
}

export function configurationRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const { configurations, datastores } = services;

  const names = async (group: ConfigurationRow) => (await configurations.versionNames([group.datastore_version_id])).get(group.datastore_version_id);

  const validateValues = async (group: ConfigurationRow, values: Record<string, unknown>): Promise<void> => {
    const version = await datastores.loadVersionById(group.datastore_version_id);
    const datastore = await datastores.loadDatastore(version.datastore_id ?? '');
    configurations.validate(values, await configurations.rules(version.id), datastore.name ?? '', version.name ?? '');
  };

  /** Re-applies a changed group to the caller's single (non-clustered) instances that use it. */
  const refreshInstances = async (context: RequestContext, groupId: string): Promise<void> => {
    const rows = await deps.models.instances.findAll({ where: { tenant_id: context.tenantId, configuration_id: groupId, cluster_id: null, deleted: false } });
    for (const row of rows) {
      const full = await services.instances.loadRow(context, row.id);
      await services.actions.applyGroup(context, full, groupId);
    }
  };

  const index: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'configuration:index');
    const limit = pageLimit(context.limit, deps.config.DEFAULT.configurations_page_size);
    const where: Record<string, unknown> = { deleted: false };
    if (!context.isAdmin) where['tenant_id'] = context.tenantId;
    if (context.marker) where['id'] = { [Op.gt]: context.marker };
    const rows = await deps.models.configurations.findAll({ where, order: [['id', 'ASC']], limit: limit + 1 });
    const { page, nextMarker } = splitPage(rows, limit, (row) => row.id);
    const versionNames = await configurations.versionNames(page.map((row) => row.datastore_version_id));
    const items = page.map((row) => configurationView(row, versionNames.get(row.datastore_version_id)));
    reply(res, 200, pagedCollection(linkBaseOf(req, context.tenantId), 'configurations', items, nextMarker));
  };

  const create: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'configuration:create');
    const body = validateBody<{ configuration: Required<Pick<GroupBody, 'name' | 'values'>> & GroupBody }>(configurationCreate, req.body).configuration;
    const { datastore, version } = await datastores.resolve({
      type: body.datastore?.type,
      version: body.datastore?.version,
      versionNumber: body.datastore?.version_number,
      defaultDatastore: deps.config.DEFAULT.default_datastore,
    });
    const values = body.values;
    if (Object.keys(values).length > 0) configurations.validate(values, await configurations.rules(version.id), datastore.name ?? '', version.name ?? '');
    const group = await deps.sequelize.transaction(async (transaction) => {
      const created = await deps.models.configurations.create(
        { name: body.name, description: body.description ?? null, tenant_id: context.tenantId, datastore_version_id: version.id, deleted: false },
        { transaction },
      );
      for (const [key, value] of Object.entries(values)) {
        await deps.models.configurationParameters.create(
          { configuration_id: created.id, configuration_key: key, configuration_value: storedValue(value), deleted: false },
          { transaction },
        );
      }
      return created;
    });
    reply(res, 200, { configuration: configurationDetailView(group, await names(group), values as Record<string, ConfigValue>, 0) });
  };

  const show: Handler = async (req, res) => {
    const context = contextOf(req);
    const group = await configurations.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'configuration:show', group.tenant_id);
    const values = await configurations.typedValues(group);
    const count = await configurations.instanceCount(context, group.id);
    reply(res, 200, { configuration: configurationDetailView(group, await names(group), values, count) });
  };

  const instances: Handler = async (req, res) => {
    const context = contextOf(req);
    const group = await configurations.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'configuration:instances', group.tenant_id);
    const limit = pageLimit(context.limit, deps.config.DEFAULT.instances_page_size);
    const where: Record<string, unknown> = { configuration_id: group.id, deleted: false };
    if (!context.isAdmin) where['tenant_id'] = context.tenantId;
    if (context.marker) where['id'] = { [Op.gt]: context.marker };
    const rows = await deps.models.instances.findAll({ attributes: ['id', 'name'], where, order: [['id', 'ASC']], limit: limit + 1 });
    const { page, nextMarker } = splitPage(rows, limit, (row) => row.id);
    reply(res, 200, pagedCollection(linkBaseOf(req, context.tenantId), 'instances', page.map((row) => ({ id: row.id, name: row.name })), nextMarker));
  };

  const update: Handler = async (req, res) => {
    const context = contextOf(req);
    const group = await configurations.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'configuration:update', group.tenant_id);
    const body = validateBody<{ configuration: GroupBody }>(configurationUpdate, req.body).configuration;
    if (body.values !== undefined) await validateValues(group, body.values);
    const changes: Partial<ConfigurationRow> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.description !== undefined) changes.description = body.description;
    await group.update(changes);
    await configurations.saveValues(group.id, body.values ?? {}, true);
    await refreshInstances(context, group.id);
    replyEmpty(res, 202);
  };

  const edit: Handler = async (req, res) => {
    const context = contextOf(req);
    const group = await configurations.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'configuration:edit', group.tenant_id);
    const body = validateBody<{ configuration: GroupBody }>(configurationEdit, req.body).configuration;
    if (body.values !== undefined) {
      await validateValues(group, body.values);
      await configurations.saveValues(group.id, body.values, false);
      await group.update({ updated: new Date() });
    }
    await refreshInstances(context, group.id);
    replyEmpty(res, 200);
  };

  const remove: Handler = async (req, res) => {
    const context = contextOf(req);
    const group = await configurations.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'configuration:delete', group.tenant_id);
    const attached = await deps.models.instances.count({ where: { configuration_id: group.id, deleted: false } });
    if (attached > 0) {
      throw new TroveError(
        ErrorCode.CONFIGURATION_IN_USE,
        'A configuration group cannot be deleted if it is associated with one or more non-terminated instances. Detach the configuration group from all non-terminated instances and please try again.',
      );
    }
    await deps.sequelize.transaction(async (transaction) => {
      const now = new Date();
      await deps.models.configurationParameters.update({ deleted: true, deleted_at: now }, { where: { configuration_id: group.id, deleted: false }, transaction });
      await group.update({ deleted: true, deleted_at: now }, { transaction });
    });
    replyEmpty(res, 202);
  };

  mountRoutes(router, [
    ['GET', '/configurations', index],
    ['POST', '/configurations', create],
    ['GET', '/configurations/:id', show],
    ['PUT', '/configurations/:id', update],
    ['PATCH', '/configurations/:id', edit],
    ['DELETE', '/configurations/:id', remove],
    ['GET', '/configurations/:id/instances', instances],
  ]);
}
