/** The request context forwarded with every cast and call (`_context_*`), as Trove's `TroveContext` sends it. */
import type { RequestContext } from '../context.js';

export function rpcContextOf(context: RequestContext): Record<string, unknown> {
  return {
    request_id: context.requestId,
    project_id: context.projectId,
    tenant: context.projectId,
    user: context.userId,
    user_id: context.userId,
    roles: context.roles,
    is_admin: context.isAdmin,
    auth_token: context.authToken,
  };
}
