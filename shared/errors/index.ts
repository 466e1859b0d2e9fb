export { ErrorCode, RETRYABLE_CODES, isErrorCode } from './codes.js';
export { HTTP_STATUS_BY_CODE, faultNameForStatus } from './http-status.js';
export {
  TroveError,
  NotFoundError,
  ValidationError,
  UnprocessableError,
  GuestTimeoutError,
  NotSupportedError,
  RemoteError,
  ConfigError,
  toTroveError,
  fromErrorShape,
} from './trove-error.js';
export type { ErrorShape } from './trove-error.js';
