/**
 * Authentication and tenant scoping of `/v1.0/{tenant_id}/...` (Trove's authtoken + `TenantBasedAuth` +
 * `ContextMiddleware`): the `X-Auth-Token` is validated by the configured authenticator, the token's project
 * must equal the tenant in the URL (403 otherwise) unless the caller is an administrator, who may act on any
 * project. The resulting `RequestContext` is attached to the request.
 */
import type { RequestHandler } from 'express';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { UnauthorizedError, type Authenticator } from '../auth/identity.js';
import { requestMetaOf, setContext, type RequestContext } from '../context.js';

/** Options to configure the auth middleware. */
export interface AuthOptions {
  authenticator: Authenticator;
  /** Roles that make a caller an administrator (`[DEFAULT] admin_roles`). */
  adminRoles: readonly string[];
  logger: Logger;
}

const TENANT_PATTERN = /^[^/]{1,255}$/;

export function authenticate(options: AuthOptions): RequestHandler {
  const adminRoles = new Set(options.adminRoles.map((role) => role.toLowerCase()));
  return async (req, _res, next) => {
    const tenantId = String(req.params['tenantId'] ?? '');
    const raw = req.headers['x-auth-token'];
    const token = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (!token) throw new UnauthorizedError('Authentication required: the request has no X-Auth-Token header.');
    if (!TENANT_PATTERN.test(tenantId)) throw new TroveError(ErrorCode.NOT_FOUND, 'The resource could not be found.');
    const identity = await options.authenticator.authenticate(token, req.headers, tenantId);
    const isAdmin = identity.roles.some((role) => adminRoles.has(role.toLowerCase()));
    if (identity.projectId !== tenantId && !isAdmin) {
      throw new TroveError(ErrorCode.FORBIDDEN, `User with tenant id ${identity.projectId ?? ''} cannot access this resource.`);
    }
    const meta = requestMetaOf(req);
    const logger = (meta?.logger ?? options.logger).child({ tenantId, userId: identity.userId });
    const context: RequestContext = {
      requestId: meta?.requestId ?? 'req-unknown',
      tenantId,
      projectId: identity.projectId,
      userId: identity.userId,
      roles: identity.roles,
      isAdmin,
      authToken: token,
      logger,
    };
    const limit = req.query['limit'];
    const marker = req.query['marker'];
    if (typeof limit === 'string') context.limit = limit;
    if (typeof marker === 'string') context.marker = marker;
    setContext(req, context);
    next();
  };
}
