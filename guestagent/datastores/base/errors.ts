/** Errors datastore drivers raise; all are `GUEST_ERROR`s whose messages are safe to return to callers. */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';

/** Thrown when the agent cannot reach its datastore as the admin user. */
export class DatastoreUnavailableError extends TroveError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.GUEST_ERROR, message, options);
  }
}
