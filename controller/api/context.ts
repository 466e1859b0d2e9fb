/**
 * The per-request context of the API: who is calling (after authentication), for which tenant, with which
 * request id and logger. Route handlers read it with `contextOf(req)`; it is attached by the auth middleware.
 */
import type { Request } from 'express';
import { ErrorCode, TroveError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { PolicyCredentials } from './policy/index.js';

export interface RequestContext {
  /** `req-<uuid>`, echoed in `X-OpenStack-Request-ID` and carried through RPC. */
  requestId: string;
  /** The tenant in the URL: the project whose resources the request addresses. */
  tenantId: string;
  /** The project of the caller's token (equals `tenantId` unless an admin acts across projects). */
  projectId: string | null;
  userId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** The caller's token, forwarded to guests (backups use it for object storage); never logged. */
  authToken: string;
  logger: Logger;
  /** Query `limit` and `marker`, as Trove's context carries them. */
  limit?: string;
  marker?: string;
}

const CONTEXT = Symbol('trove.context');
const REQUEST_META = Symbol('trove.request');

/** What is known before authentication: the request id and a logger bound to it. */
export interface RequestMeta {
  requestId: string;
  logger: Logger;
  startedAt: bigint;
}

type Tagged = Request & { [CONTEXT]?: RequestContext; [REQUEST_META]?: RequestMeta };

export function setRequestMeta(req: Request, meta: RequestMeta): void {
  (req as Tagged)[REQUEST_META] = meta;
}

export function requestMetaOf(req: Request): RequestMeta | undefined {
  return (req as Tagged)[REQUEST_META];
}

export function setContext(req: Request, context: RequestContext): void {
  (req as Tagged)[CONTEXT] = context;
}

/** The authenticated context. @throws TroveError INTERNAL_ERROR when called before authentication */
export function contextOf(req: Request): RequestContext {
  const context = (req as Tagged)[CONTEXT];
  if (context === undefined) throw new TroveError(ErrorCode.INTERNAL_ERROR, 'Request context missing.');
  return context;
}

/** The credentials the policy engine evaluates, from a context. */
export function credentialsOf(context: RequestContext): PolicyCredentials {
  return {
    project_id: context.projectId,
    tenant: context.projectId,
    user_id: context.userId,
    user: context.userId,
    roles: context.roles,
    is_admin: context.isAdmin,
  };
}
