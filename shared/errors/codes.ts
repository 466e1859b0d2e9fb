/**
 * The closed table of error codes used everywhere in trove-ts: API responses, RPC failures and CLI exits.
 *
 * Callers branch on `code`, never on message text. A new code must also be added to `HTTP_STATUS_BY_CODE`
 * (the compiler enforces it) and to docs/errors.md (a unit test enforces it).
 */
export const ErrorCode = {
  /** A request or argument is malformed or violates a rule; Trove's generic `TroveError` (400). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A request body failed schema validation (400, "Validation error: ..."). */
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  /** A database of that name already exists on the instance (400). */
  DATABASE_ALREADY_EXISTS: 'DATABASE_ALREADY_EXISTS',
  /** A user of that name and host already exists on the instance (400). */
  USER_ALREADY_EXISTS: 'USER_ALREADY_EXISTS',
  /** The flavor does not exist or is not allowed for the datastore version (400, as Trove). */
  FLAVOR_NOT_FOUND: 'FLAVOR_NOT_FOUND',
  /** The datastore version does not exist or is inactive (400, as Trove). */
  DATASTORE_VERSION_NOT_FOUND: 'DATASTORE_VERSION_NOT_FOUND',
  /** The requested network conflicts with reserved or management networks (400). */
  NETWORK_CONFLICT: 'NETWORK_CONFLICT',
  /** A configuration group is still attached to instances (400). */
  CONFIGURATION_IN_USE: 'CONFIGURATION_IN_USE',
  /** The request carries no valid credentials (401). Trove's `Forbidden` also maps here. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The caller may not touch this resource: wrong tenant in the URL, or an admin-only endpoint (403). */
  FORBIDDEN: 'FORBIDDEN',
  /** The policy engine refused the action (403, "Policy doesn't allow ... to be performed."). */
  POLICY_NOT_AUTHORIZED: 'POLICY_NOT_AUTHORIZED',
  /** The resource does not exist or belongs to another tenant (404). */
  NOT_FOUND: 'NOT_FOUND',
  /** Root was never enabled on the instance (404). */
  ROOT_HISTORY_NOT_FOUND: 'ROOT_HISTORY_NOT_FOUND',
  /** A quota resource name is not one of instances, ram, volumes, backups (404). */
  QUOTA_RESOURCE_UNKNOWN: 'QUOTA_RESOURCE_UNKNOWN',
  /** The HTTP method is not allowed on this route (405). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The resource is not in a state that allows the request, e.g. a backup that is not complete (409). */
  CONFLICT: 'CONFLICT',
  /** A rate limit or size limit was exceeded (413). */
  OVER_LIMIT: 'OVER_LIMIT',
  /** A project quota would be exceeded (413, "Quota exceeded for resources: [...]"). */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** The requested volume is larger than `max_accepted_volume_size` (413). */
  VOLUME_QUOTA_EXCEEDED: 'VOLUME_QUOTA_EXCEEDED',
  /** The request body is not JSON (415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The instance is not in a state that allows the action, or a value is invalid for the datastore (422). */
  UNPROCESSABLE_ENTITY: 'UNPROCESSABLE_ENTITY',
  /** The guest agent did not answer in time (Trove's `GuestTimeout`, an unmapped TroveError: 400). */
  GUEST_TIMEOUT: 'GUEST_TIMEOUT',
  /** The guest agent reported a failure it could not classify (Trove's `GuestError`, 400). */
  GUEST_ERROR: 'GUEST_ERROR',
  /** An RPC named a method the callee does not serve (500 if it ever reaches the API). */
  RPC_UNKNOWN_METHOD: 'RPC_UNKNOWN_METHOD',
  /** RPC arguments did not match the contract's schema (500 if it ever reaches the API). */
  RPC_BAD_ARGUMENTS: 'RPC_BAD_ARGUMENTS',
  /** A sealed message failed authentication, was replayed or stale, or came for another instance. */
  MESSAGE_REJECTED: 'MESSAGE_REJECTED',
  /** The messaging layer could not deliver a message (broker unreachable after retries). */
  MESSAGING_UNAVAILABLE: 'MESSAGING_UNAVAILABLE',
  /** A configuration file or option is invalid (process exit code 2). */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** Something failed that should not have; details are in the logs under the request id (500). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** A compute, volume or network backend call failed (500). */
  BACKEND_ERROR: 'BACKEND_ERROR',
  /** The feature exists in Trove but is not available in this deployment (501). */
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  /** The datastore does not support the operation (501, Trove's `DatastoreOperationNotSupported`). */
  DATASTORE_OPERATION_NOT_SUPPORTED: 'DATASTORE_OPERATION_NOT_SUPPORTED',
  /** A dependency (database, broker, Keystone) is unavailable (503). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose operations may succeed when retried unchanged. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.GUEST_TIMEOUT,
  ErrorCode.MESSAGING_UNAVAILABLE,
  ErrorCode.SERVICE_UNAVAILABLE,
]);

/** Type guard for strings that arrive from the wire. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value);
}
