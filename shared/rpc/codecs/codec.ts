/**
 * The codec layer between typed calls and the wire (style guide §7.7): a codec turns a request's arguments
 * and context into the inner oslo message (sealing them when a key applies) and back, and does the same for
 * replies. Handlers and callers only ever see plain values. Three codecs: `plain` (secure messaging off),
 * `aead` (the default: AES-256-GCM with bound context) and `trove-compat` (Trove 18's format).
 */
import type { ErrorShape } from '../../errors/index.js';
import type { InnerMessage, RequestHeader } from '../envelope.js';

/** A request before sealing or after opening. */
export interface RequestParts {
  header: RequestHeader;
  args: Record<string, unknown>;
  context: Record<string, unknown>;
}

/** The key that sealed a request; its reply is sealed and opened with the same key. */
export interface KeyUse {
  key: string;
  /** The instance the key belongs to; undefined for the shared taskmanager key. */
  instanceId?: string;
}

/** What a sealed request is bound to besides its header. */
export interface SealBinding {
  /** The service topic (without a server suffix). */
  topic: string;
  /** The instance whose key seals the request (guest topics on the controller side). */
  instanceId?: string;
  /** How long the message may legitimately wait before being handled: the call timeout, or the cast maximum age. */
  ttlMs: number;
}

/** A request as the server sees it after opening. */
export interface OpenedRequest extends RequestParts {
  /** The instance whose key authenticated the sender. */
  instanceId?: string;
  keyUse?: KeyUse;
  /** True when the message was sealed (and so its unique id is authentic). */
  sealed: boolean;
  /** Epoch ms after which the message would be refused as stale; replay records may be forgotten then. */
  expiresAt?: number;
}

/** A reply before sealing or after opening. */
export interface ReplyParts {
  msgId: string;
  uniqueId: string;
  result: unknown;
  failure: ErrorShape | null;
}

/** What a caller remembers about its call to open the reply. */
export interface PendingCallInfo {
  header: RequestHeader;
  topic: string;
  keyUse?: KeyUse;
}

/** Seals and opens requests and replies; see the module comment. */
export interface MessageCodec {
  readonly name: 'plain' | 'aead' | 'trove-compat';
  /** @throws MessageRejectedError ('no_key') when the controller holds no key for the target instance */
  sealRequest(parts: RequestParts, binding: SealBinding): Promise<{ inner: InnerMessage; keyUse?: KeyUse }>;
  /**
   * @throws MessageRejectedError when the message must be dropped; any other error is transient (a key
   * lookup that failed) and the message should be retried
   */
  openRequest(inner: InnerMessage, topic: string): Promise<OpenedRequest>;
  sealReply(reply: ReplyParts, request: OpenedRequest, topic: string): InnerMessage;
  /** @throws MessageRejectedError when the reply does not authenticate; the caller keeps waiting */
  openReply(inner: InnerMessage, call: PendingCallInfo): ReplyParts;
}

/** Reads the correlation fields every reply carries in clear. */
export function replyIds(inner: InnerMessage): { msgId: string; uniqueId: string } {
  const msgId = inner['_msg_id'];
  const uniqueId = inner['_unique_id'];
  return { msgId: typeof msgId === 'string' ? msgId : '', uniqueId: typeof uniqueId === 'string' ? uniqueId : '' };
}
