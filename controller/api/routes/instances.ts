/**
 * `/instances` (Trove's `InstanceController`): list, detail list, create (200), show, update/edit (202),
 * delete (202), actions (202), the instance's backups and its default configuration. Logs and modules are
 * routed in `unimplemented.ts`.
 */
import type { Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { contextOf } from '../context.js';
import { authorizeOnTarget, authorizeOnTenant } from '../middleware/policy.js';
import { instanceCreate, instanceEdit, instanceUpdate, resizeFlavorAction, resizeVolumeAction, restartAction } from '../schemas/instances.js';
import { validateBody } from '../schemas/validate.js';
import { renderDefaultConfiguration } from '../services/default-configuration.js';
import { badRequest } from '../services/errors.js';
import type { InstanceCreateBody } from '../services/instance-create.js';
import type { InstanceUpdateBody } from '../services/instance-actions.js';
import type { ApiServices } from '../services/index.js';
import { backupsView } from '../views/backup-view.js';
import { linkBaseOf, pagedCollection } from '../views/format.js';
import { instanceDetailView, instanceView } from '../views/instance-view.js';
import { mountRoutes, param, query, reply, replyEmpty, type Handler } from './route-table.js';
import { listBackups } from './backups.js';

/** The schema of an action body, chosen as Trove does: by its first key (and `resize` by volume/flavorRef). */
function actionSchema(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const first = Object.keys(body)[0];
  if (first === 'restart') return restartAction;
  if (first === 'resize') {
    const resize = (body as Record<string, unknown>)['resize'];
    if (typeof resize === 'object' && resize !== null && !Array.isArray(resize)) {
      const kind = Object.keys(resize)[0];
      if (kind === 'volume') return resizeVolumeAction;
      if (kind === 'flavorRef') return resizeFlavorAction;
    }
    throw badRequest("Validation error: resize must hold 'volume' or 'flavorRef'");
  }
  return undefined;
}

export function instanceRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const { instances, creator, actions } = services;

  const list = (detail: boolean): Handler => async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, detail ? 'instance:detail' : 'instance:index');
    const includeClustered = (query(req, 'include_clustered') ?? '').toLowerCase() === 'true';
    const { items, nextMarker } = await instances.list(context, { includeClustered });
    const data = await instances.toData(items, detail);
    const base = linkBaseOf(req, context.tenantId);
    const render = detail ? instanceDetailView : instanceView;
    reply(res, 200, pagedCollection(base, 'instances', data.map((item) => render(item, base, context.isAdmin)), nextMarker));
  };

  const show: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'instance:show', loaded.row.tenant_id);
    const [data] = await instances.toData([loaded], true);
    const used = await instances.volumeUsed(context, loaded);
    if (data === undefined) throw new Error('instance vanished while loading');
    if (used !== undefined) data.volumeUsed = used;
    reply(res, 200, { instance: instanceDetailView(data, linkBaseOf(req, context.tenantId), context.isAdmin) });
  };

  const create: Handler = async (req, res) => {
    const context = contextOf(req);
    const body = validateBody<{ instance: InstanceCreateBody }>(instanceCreate, req.body);
    const created = await creator.create(context, body.instance);
    const loaded = await instances.load({ ...context, isAdmin: true }, created.row.id);
    const [data] = await instances.toData([loaded], true);
    if (data === undefined) throw new Error('created instance vanished');
    if (created.rootPassword !== undefined) data.rootPassword = created.rootPassword;
    reply(res, 200, { instance: instanceDetailView(data, linkBaseOf(req, context.tenantId), context.isAdmin) });
  };

  const update = (patch: boolean): Handler => async (req, res) => {
    const context = contextOf(req);
    const body = validateBody<{ instance: InstanceUpdateBody }>(patch ? instanceEdit : instanceUpdate, req.body);
    await actions.update(context, param(req, 'id'), body.instance);
    replyEmpty(res, 202);
  };

  const remove: Handler = async (req, res) => {
    await actions.delete(contextOf(req), param(req, 'id'));
    replyEmpty(res, 202);
  };

  const action: Handler = async (req, res) => {
    const context = contextOf(req);
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body) || Object.keys(req.body).length === 0) {
      throw badRequest('Invalid request body.');
    }
    const schema = actionSchema(req.body);
    if (schema !== undefined) validateBody(schema, req.body);
    await actions.action(context, param(req, 'id'), req.body as Record<string, unknown>);
    replyEmpty(res, 202);
  };

  const backups: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'instance:backups', loaded.row.tenant_id);
    const { rows, nextMarker, versions } = await listBackups(deps, context, { instanceId: loaded.row.id, tenantId: null });
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, pagedCollection(base, 'backups', backupsView(rows, versions), nextMarker));
  };

  const configuration: Handler = async (req, res) => {
    const context = contextOf(req);
    const loaded = await instances.load(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'instance:configuration', loaded.row.tenant_id);
    const flavor = loaded.row.flavor_id === null ? undefined : await deps.flavors.getFlavor(loaded.row.flavor_id);
    reply(res, 200, { instance: { configuration: renderDefaultConfiguration(loaded.manager, flavor?.ram ?? 0) } });
  };

  mountRoutes(router, [
    ['GET', '/instances', list(false)],
    ['POST', '/instances', create],
    ['GET', '/instances/detail', list(true)],
    ['GET', '/instances/:id', show],
    ['PUT', '/instances/:id', update(false)],
    ['PATCH', '/instances/:id', update(true)],
    ['DELETE', '/instances/:id', remove],
    ['POST', '/instances/:id/action', action],
    ['GET', '/instances/:id/backups', backups],
    ['GET', '/instances/:id/configuration', configuration],
  ]);
}
