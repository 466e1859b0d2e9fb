/** Errors raised by the crypto primitives; callers map them to rejected messages or configuration failures. */
import { ErrorCode, TroveError } from '../errors/index.js';

/** Thrown when a ciphertext fails authentication, is truncated or is not valid encoding; never says which. */
export class DecryptionError extends TroveError {
  constructor(message = 'Ciphertext could not be authenticated or decrypted.') {
    super(ErrorCode.MESSAGE_REJECTED, message);
  }
}

/**
 * Thrown when a stored instance key cannot be unwrapped: an unknown key id (the wrapping key was retired
 * from `inst_rpc_key_encr_old_keys`), a wrong key-encryption key, or a damaged value.
 */
export class KeyUnwrapError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.CONFIG_INVALID, message, details ? { details } : {});
  }
}
