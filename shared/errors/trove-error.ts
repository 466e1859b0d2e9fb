/**
 * The one error base class. Everything thrown across a boundary (HTTP, RPC, CLI) is, or is converted to, a
 * `TroveError` with a code from the closed table, a human message and optional structured details.
 */
import { ErrorCode, isErrorCode } from './codes.js';

/** The wire form of an error, as it crosses RPC and as it is logged. */
export interface ErrorShape {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class TroveError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  toShape(): ErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Thrown when a resource does not exist, or exists in another tenant (which callers must not learn). */
export class NotFoundError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.NOT_FOUND, message, details ? { details } : {});
  }
}

/** Thrown when input breaks a rule: a bad name, a bad value, a malformed body. */
export class ValidationError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.VALIDATION_ERROR, message, details ? { details } : {});
  }
}

/** Thrown when the instance's state does not allow the action (HTTP 422). */
export class UnprocessableError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.UNPROCESSABLE_ENTITY, message, details ? { details } : {});
  }
}

/** Thrown by RPC callers when the callee did not reply within the method's timeout class. */
export class GuestTimeoutError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.GUEST_TIMEOUT, message, details ? { details } : {});
  }
}

/** Thrown when a datastore driver does not implement an operation. */
export class NotSupportedError extends TroveError {
  constructor(operation: string, datastore: string) {
    super(
      ErrorCode.DATASTORE_OPERATION_NOT_SUPPORTED,
      `The '${operation}' operation is not supported for the '${datastore}' datastore.`,
      { details: { operation, datastore } },
    );
  }
}

/** Thrown on the caller side for a failure that came back over RPC; keeps the remote code. */
export class RemoteError extends TroveError {
  constructor(shape: ErrorShape) {
    super(shape.code, shape.message, shape.details ? { details: shape.details } : {});
  }
}

/** Thrown when configuration is invalid; processes exit with status 2. */
export class ConfigError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.CONFIG_INVALID, message, details ? { details } : {});
  }
}

/**
 * Normalizes anything thrown into a `TroveError`. Unknown errors become INTERNAL_ERROR with a generic
 * message, so internals (SQL, stack traces, file paths) never reach a client; the original stays as `cause`.
 */
export function toTroveError(error: unknown): TroveError {
  if (error instanceof TroveError) return error;
  return new TroveError(ErrorCode.INTERNAL_ERROR, 'Internal error.', { cause: error });
}

/** Rebuilds an error from its wire shape, tolerating garbage (an unknown code becomes INTERNAL_ERROR). */
export function fromErrorShape(value: unknown): TroveError {
  if (typeof value === 'object' && value !== null) {
    const shape = value as Partial<ErrorShape>;
    const message = typeof shape.message === 'string' ? shape.message : 'Remote error.';
    const code = isErrorCode(shape.code) ? shape.code : ErrorCode.INTERNAL_ERROR;
    const details =
      typeof shape.details === 'object' && shape.details !== null && !Array.isArray(shape.details)
        ? shape.details
        : undefined;
    return new RemoteError(details === undefined ? { code, message } : { code, message, details });
  }
  return new RemoteError({ code: ErrorCode.INTERNAL_ERROR, message: 'Remote error.' });
}
