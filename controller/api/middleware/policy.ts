/**
 * Policy checks as Trove makes them (`common/policy.py`): `authorizeOnTenant` for collections and creates
 * (target tenant = the caller's project) and `authorizeOnTarget` for one object (target tenant = the
 * object's owner). Management endpoints require an administrator instead (`requireAdmin`).
 */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { credentialsOf, type RequestContext } from '../context.js';
import type { PolicyEnforcer } from '../policy/index.js';

/** Checks an action on the caller's own project. @throws PolicyNotAuthorizedError (403) */
export function authorizeOnTenant(policy: PolicyEnforcer, context: RequestContext, action: string): void {
  policy.authorize(action, { tenant: context.projectId }, credentialsOf(context));
}

/** Checks an action on an object owned by `ownerTenantId`. @throws PolicyNotAuthorizedError (403) */
export function authorizeOnTarget(policy: PolicyEnforcer, context: RequestContext, action: string, ownerTenantId: string | null): void {
  policy.authorize(action, { tenant: ownerTenantId }, credentialsOf(context));
}

/**
 * Management endpoints are for administrators (Trove's `@admin_context`, which raises `Forbidden`: HTTP 401).
 * @throws TroveError UNAUTHORIZED
 */
export function requireAdmin(context: RequestContext): void {
  if (!context.isAdmin) {
    throw new TroveError(ErrorCode.UNAUTHORIZED, 'User does not have admin privileges.');
  }
}
