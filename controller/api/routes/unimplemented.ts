/**
 * Routes of features this deployment does not offer yet: modules, clusters and guest logs. They are routed
 * so clients get Trove's answers instead of a bare 404: empty lists (nothing can exist), 404 for an id
 * (Trove's `ClusterNotFound`/`NotFound`), and 501 `notImplemented` for anything that would create or change.
 * Instance-scoped routes load the instance first, so another tenant's instance stays a 404.
 */
import type { Router } from 'express';
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';
import { contextOf } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTarget, authorizeOnTenant, requireAdmin } from '../middleware/policy.js';
import type { ApiServices } from '../services/index.js';
import { mountRoutes, param, reply, type Handler } from './route-table.js';

function notImplemented(feature: string): TroveError {
  return new TroveError(ErrorCode.NOT_IMPLEMENTED, `${feature} are not supported by this deployment.`);
}

export function unimplementedRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const emptyList = (rule: string, key: string): Handler => async (req, res) => {
    authorizeOnTenant(deps.policy, contextOf(req), rule);
    reply(res, 200, { [key]: [] });
  };
  const refuse = (rule: string, feature: string): Handler => async (req) => {
    authorizeOnTenant(deps.policy, contextOf(req), rule);
    throw notImplemented(feature);
  };
  const moduleNotFound: Handler = async (req) => {
    authorizeOnTenant(deps.policy, contextOf(req), 'module:show');
    throw new NotFoundError(`Resource ${param(req, 'id')} cannot be found.`);
  };
  const clusterNotFound: Handler = async (req) => {
    authorizeOnTenant(deps.policy, contextOf(req), 'cluster:show');
    throw new NotFoundError(`Cluster '${param(req, 'id')}' cannot be found.`);
  };
  const instanceScoped = (rule: string, feature: string, list?: string): Handler => async (req, res) => {
    const context = contextOf(req);
    const row = await services.instances.loadRow(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, rule, row.tenant_id);
    if (list !== undefined) {
      reply(res, 200, { [list]: [] });
      return;
    }
    throw notImplemented(feature);
  };
  const logs = (): Handler => async (req) => {
    const context = contextOf(req);
    const row = await services.instances.loadRow(context, param(req, 'id'));
    authorizeOnTarget(deps.policy, context, 'instance:guest_log_list', row.tenant_id);
    throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Log actions are not supported.');
  };
  const mgmtClusters: Handler = async (req, res) => {
    requireAdmin(contextOf(req));
    reply(res, 200, { clusters: [] });
  };
  const mgmtCluster: Handler = async (req) => {
    requireAdmin(contextOf(req));
    throw new NotFoundError(`Cluster '${param(req, 'id')}' cannot be found.`);
  };

  mountRoutes(router, [
    ['GET', '/modules', emptyList('module:index', 'modules')],
    ['POST', '/modules', refuse('module:create', 'Modules')],
    ['GET', '/modules/:id', moduleNotFound],
    ['PUT', '/modules/:id', moduleNotFound],
    ['DELETE', '/modules/:id', moduleNotFound],
    ['GET', '/modules/:id/instances', moduleNotFound],
    ['PUT', '/modules/:id/instances', moduleNotFound],
    ['GET', '/instances/:id/modules', instanceScoped('instance:module_list', 'Modules', 'modules')],
    ['POST', '/instances/:id/modules', instanceScoped('instance:module_apply', 'Modules')],
    ['DELETE', '/instances/:id/modules/:moduleId', instanceScoped('instance:module_remove', 'Modules')],
    ['GET', '/instances/:id/log', logs()],
    ['POST', '/instances/:id/log', logs()],
    ['GET', '/clusters', emptyList('cluster:index', 'clusters')],
    ['POST', '/clusters', refuse('cluster:create', 'Clusters')],
    ['GET', '/clusters/:id', clusterNotFound],
    ['POST', '/clusters/:id', clusterNotFound],
    ['DELETE', '/clusters/:id', clusterNotFound],
    ['GET', '/clusters/:id/instances/:instanceId', clusterNotFound],
    ['GET', '/clusters/:id/root', clusterNotFound],
    ['POST', '/clusters/:id/root', clusterNotFound],
    ['GET', '/mgmt/clusters', mgmtClusters],
    ['GET', '/mgmt/clusters/:id', mgmtCluster],
    ['POST', '/mgmt/clusters/:id/action', mgmtCluster],
  ]);
}
