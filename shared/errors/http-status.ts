/**
 * HTTP status and Trove fault name for every error code. The `Record` makes a new code without a status a
 * compile error. Statuses follow Trove 18's `wsgi.Controller.exception_map` (reference §1.1).
 */
import type { ErrorCode } from './codes.js';

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 400,
  DATABASE_ALREADY_EXISTS: 400,
  USER_ALREADY_EXISTS: 400,
  FLAVOR_NOT_FOUND: 400,
  DATASTORE_VERSION_NOT_FOUND: 400,
  NETWORK_CONFLICT: 400,
  CONFIGURATION_IN_USE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  POLICY_NOT_AUTHORIZED: 403,
  NOT_FOUND: 404,
  ROOT_HISTORY_NOT_FOUND: 404,
  QUOTA_RESOURCE_UNKNOWN: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  OVER_LIMIT: 413,
  QUOTA_EXCEEDED: 413,
  VOLUME_QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  GUEST_TIMEOUT: 400,
  GUEST_ERROR: 400,
  RPC_UNKNOWN_METHOD: 500,
  RPC_BAD_ARGUMENTS: 500,
  MESSAGE_REJECTED: 500,
  MESSAGING_UNAVAILABLE: 503,
  CONFIG_INVALID: 500,
  INTERNAL_ERROR: 500,
  BACKEND_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  DATASTORE_OPERATION_NOT_SUPPORTED: 501,
  SERVICE_UNAVAILABLE: 503,
};

/** Trove's fault names by HTTP status (`common/wsgi.py`); other statuses use `faultNameForStatus`'s fallback. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflict',
  413: 'overLimit',
  415: 'badMediaType',
  422: 'unprocessableEntity',
  500: 'instanceFault',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The top-level key of Trove's error body for an HTTP status. */
export function faultNameForStatus(status: number): string {
  return FAULT_NAMES[status] ?? (status >= 500 ? 'instanceFault' : 'badRequest');
}
