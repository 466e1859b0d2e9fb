/**
 * oslo.messaging's message shape (reference §4.3), shared by every codec: the AMQP body is
 * `{"oslo.version": "2.0", "oslo.message": "<inner JSON as a string>"}`; the inner request carries `method`
 * (Trove's snake_case name), `args`, `version`, `_unique_id`, for calls `_msg_id`, `_reply_q` and
 * `_timeout`, and the request context as one `_context_<key>` entry per key. Replies carry `result`,
 * `failure` (a JSON string), `ending`, `_msg_id` and `_unique_id`.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, fromErrorShape, isErrorCode, type ErrorShape } from '../errors/index.js';
import { MessageRejectedError } from './errors.js';

export const OSLO_VERSION = '2.0';

/** The decoded inner message (`oslo.message`). */
export type InnerMessage = Record<string, unknown>;

/** A uuid4 in hex without dashes, as oslo writes `_unique_id` and `_msg_id`. */
export function newMessageId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Serializes an inner message into the AMQP body. */
export function encodeEnvelope(inner: InnerMessage): string {
  return JSON.stringify({ 'oslo.version': OSLO_VERSION, 'oslo.message': JSON.stringify(inner) });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an AMQP body into the inner message. A dict without the envelope keys is a bare message, as in
 * oslo.messaging.
 * @throws MessageRejectedError ('malformed') for anything that is not a JSON object or an envelope of major version 2
 */
export function decodeEnvelope(body: string): InnerMessage {
  let outer: unknown;
  try {
    outer = JSON.parse(body);
  } catch {
    throw new MessageRejectedError('malformed', 'Message body is not JSON');
  }
  if (!isObject(outer)) throw new MessageRejectedError('malformed', 'Message body is not a JSON object');
  if (!('oslo.version' in outer) || !('oslo.message' in outer)) return outer;
  const version = outer['oslo.version'];
  if (typeof version !== 'string' || version.split('.')[0] !== '2') {
    throw new MessageRejectedError('malformed', `Unsupported envelope version ${JSON.stringify(version)}`);
  }
  const text = outer['oslo.message'];
  let inner: unknown;
  try {
    inner = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    inner = undefined;
  }
  if (!isObject(inner)) throw new MessageRejectedError('malformed', 'oslo.message is not a JSON object string');
  return inner;
}

/** The clear routing fields of a request. */
export interface RequestHeader {
  /** Trove's wire name, e.g. `get_filesystem_stats`. */
  method: string;
  version: string;
  uniqueId: string;
  /** Calls only: the correlation id the reply echoes. */
  msgId?: string;
  /** Calls only: where the reply goes. */
  replyQueue?: string;
}

/** Writes a request header in oslo's keys. */
export function writeRequestHeader(header: RequestHeader): InnerMessage {
  const inner: InnerMessage = { method: header.method, version: header.version, _unique_id: header.uniqueId };
  if (header.msgId !== undefined) {
    inner['_msg_id'] = header.msgId;
    inner['_reply_q'] = header.replyQueue;
    inner['_timeout'] = null;
  }
  return inner;
}

function optionalString(inner: InnerMessage, key: string): string | undefined {
  const value = inner[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new MessageRejectedError('malformed', `${key} must be a non-empty string`);
  return value;
}

/**
 * Reads and checks a request header.
 * @throws MessageRejectedError ('malformed') when a field is missing or of the wrong type
 */
export function readRequestHeader(inner: InnerMessage): RequestHeader {
  const method = optionalString(inner, 'method');
  if (method === undefined) throw new MessageRejectedError('malformed', 'Message has no method');
  const header: RequestHeader = { method, version: optionalString(inner, 'version') ?? '1.0', uniqueId: optionalString(inner, '_unique_id') ?? '' };
  if (header.uniqueId === '') throw new MessageRejectedError('malformed', 'Message has no _unique_id');
  const msgId = optionalString(inner, '_msg_id');
  const replyQueue = optionalString(inner, '_reply_q');
  if ((msgId === undefined) !== (replyQueue === undefined)) throw new MessageRejectedError('malformed', '_msg_id and _reply_q must come together');
  if (msgId !== undefined) {
    header.msgId = msgId;
    header.replyQueue = replyQueue;
  }
  return header;
}

/** Spreads a context dict into `_context_<key>` entries. */
export function packContext(context: Record<string, unknown>): InnerMessage {
  const packed: InnerMessage = {};
  for (const [key, value] of Object.entries(context)) packed[`_context_${key}`] = value;
  return packed;
}

/** Collects `_context_<key>` entries back into a dict. */
export function unpackContext(inner: InnerMessage): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inner)) {
    if (key.startsWith('_context_')) context[key.slice('_context_'.length)] = value;
  }
  return context;
}

/** The arguments of a request (`args`), which must be a dict. */
export function readArgs(inner: InnerMessage): Record<string, unknown> {
  const args = inner['args'] ?? {};
  if (!isObject(args)) throw new MessageRejectedError('malformed', 'args must be a JSON object');
  return args;
}

/**
 * oslo's failure string: `{"class", "module", "message", "tb", "args", "kwargs"}` as JSON text, plus the
 * trove-ts `code` and `details` that the caller rebuilds a typed error from.
 */
export function encodeFailure(shape: ErrorShape, className = 'TroveError'): string {
  return JSON.stringify({
    class: className,
    module: 'trove_ts.errors',
    message: shape.message,
    tb: [],
    args: [shape.message],
    kwargs: {},
    code: shape.code,
    ...(shape.details === undefined ? {} : { details: shape.details }),
  });
}

/**
 * Rebuilds a failure from its wire form. A failure without a trove-ts code (a stock Trove guest) becomes
 * GUEST_ERROR carrying the remote class and message, as Trove's `GuestError`.
 */
export function decodeFailure(failure: unknown): ErrorShape {
  let parsed: unknown = failure;
  if (typeof failure === 'string') {
    try {
      parsed = JSON.parse(failure);
    } catch {
      return { code: ErrorCode.GUEST_ERROR, message: failure };
    }
  }
  if (isObject(parsed) && isErrorCode(parsed['code'])) return fromErrorShape(parsed).toShape();
  if (isObject(parsed)) {
    const remoteClass = typeof parsed['class'] === 'string' ? `${parsed['class']}: ` : '';
    const message = typeof parsed['message'] === 'string' ? parsed['message'] : 'Remote error.';
    return { code: ErrorCode.GUEST_ERROR, message: `An error occurred communicating with the guest: ${remoteClass}${message}` };
  }
  return { code: ErrorCode.GUEST_ERROR, message: 'An error occurred communicating with the guest.' };
}
