/** Who made a request, as established by an authenticator (Keystone or noauth). */
import { TroveError, ErrorCode } from '../../../shared/errors/index.js';

export interface Identity {
  /** The project the token is scoped to (null for unscoped tokens). */
  projectId: string | null;
  userId: string | null;
  userName?: string;
  roles: string[];
  /** Epoch milliseconds after which the token is no longer valid (undefined: not known). */
  expiresAtMs?: number;
}

/** Turns a request's headers into an identity. */
export interface Authenticator {
  /**
   * @param token the `X-Auth-Token` header (never empty)
   * @param headers all request headers, lower-cased names
   * @param tenantId the tenant in the URL
   * @throws TroveError UNAUTHORIZED for a missing, invalid or expired token; SERVICE_UNAVAILABLE when the
   *   identity service cannot be reached
   */
  authenticate(token: string, headers: Readonly<Record<string, string | string[] | undefined>>, tenantId: string): Promise<Identity>;
  close?(): Promise<void>;
}

/** Thrown when a request has no valid credentials (HTTP 401). */
export class UnauthorizedError extends TroveError {
  constructor(message = 'Authentication required.') {
    super(ErrorCode.UNAUTHORIZED, message);
  }
}
