/**
 * `GET /limits` (absolute quota limits plus the caller's rate limits) and `GET/PUT /mgmt/quotas/{project}`
 * (Trove's `limits/service.py`, `extensions/mgmt/quota/service.py`).
 */
import type { Router } from 'express';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { quotaResourceUnknown, QUOTA_RESOURCES } from '../../db/quotas.js';
import { contextOf } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTenant, requireAdmin } from '../middleware/policy.js';
import type { RateLimiter } from '../middleware/rate-limit.js';
import { quotaUpdate } from '../schemas/mgmt.js';
import { validateBody } from '../schemas/validate.js';
import { mountRoutes, param, reply, type Handler } from './route-table.js';

/** Epoch seconds as Trove's `timeutils.isotime`: `YYYY-MM-DDTHH:MM:SSZ`. */
function isoTime(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

export function limitRoutes(router: Router, deps: ApiDeps, limiter: RateLimiter): void {
  const limits: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'limits:index');
    const quotas = await deps.quotas.getQuotas(context.tenantId);
    const absolute: Record<string, unknown> = { verb: 'ABSOLUTE' };
    for (const quota of quotas) absolute[`max_${quota.resource}`] = quota.limit;
    const rates = limiter.limitsFor(context.projectId ?? context.tenantId).map((limit) => ({
      nextAvailable: isoTime(limit.resetTime),
      remaining: limit.remaining,
      unit: limit.unit,
      value: limit.value,
      verb: limit.verb,
      uri: limit.uri,
      regex: limit.regex,
    }));
    reply(res, 200, { limits: [absolute, ...rates] });
  };

  const showQuotas: Handler = async (req, res) => {
    const context = contextOf(req);
    const project = param(req, 'project');
    if (project !== context.tenantId && !context.isAdmin) {
      throw new TroveError(ErrorCode.FORBIDDEN, `Operation not allowed for tenant ${context.tenantId}.`);
    }
    const quotas = await deps.quotas.getQuotas(project);
    reply(res, 200, { quotas: quotas.map((quota) => ({ resource: quota.resource, in_use: quota.in_use, reserved: quota.reserved, limit: quota.limit })) });
  };

  const updateQuotas: Handler = async (req, res) => {
    const context = contextOf(req);
    requireAdmin(context);
    const body = validateBody<{ quotas: Record<string, number | null> }>(quotaUpdate, req.body);
    const requested: Record<string, number> = {};
    for (const [resource, limit] of Object.entries(body.quotas)) {
      if (limit === null || resource === 'xmlns') continue;
      if (limit < -1) throw new TroveError(ErrorCode.BAD_REQUEST, `Quota limit '${limit}' for '${resource}' is too small - must be at least '-1'.`);
      if (!(QUOTA_RESOURCES as readonly string[]).includes(resource)) throw quotaResourceUnknown([resource]);
      requested[resource] = limit;
    }
    const project = param(req, 'project');
    const after = await deps.quotas.updateQuotas(project, requested);
    const shown: Record<string, number> = {};
    for (const resource of Object.keys(requested)) shown[resource] = after[resource as keyof typeof after];
    reply(res, 200, { quotas: shown });
  };

  mountRoutes(router, [
    ['GET', '/limits', limits],
    ['GET', '/mgmt/quotas/:project', showQuotas],
    ['PUT', '/mgmt/quotas/:project', updateQuotas],
  ]);
}
