/** Errors of the messaging layer that callers and tests branch on. */
import { ErrorCode, TroveError } from '../errors/index.js';

/** Why an inbound message was refused; the label of the `trove_rpc_messages_rejected_total` counter. */
export type RejectReason =
  | 'malformed'
  | 'unsealed'
  | 'no_key'
  | 'bad_seal'
  | 'unknown_instance'
  | 'wrong_instance'
  | 'stale'
  | 'replayed';

/**
 * Thrown inside the RPC layer when an inbound message fails authentication, names an instance whose key is
 * unknown or not the receiver's, is replayed or stale, or is not a message at all. Such messages are
 * dropped, counted and logged without their contents; they never reach a handler.
 */
export class MessageRejectedError extends TroveError {
  readonly reason: RejectReason;

  constructor(reason: RejectReason, message: string, details?: Record<string, unknown>) {
    super(ErrorCode.MESSAGE_REJECTED, message, { details: { reason, ...details } });
    this.reason = reason;
  }
}

/** Thrown by transports when the broker did not take a message in time or the transport is closed. */
export class MessagingUnavailableError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.MESSAGING_UNAVAILABLE, message, details ? { details } : {});
  }
}
