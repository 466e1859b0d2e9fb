/**
 * The default sealing codec (DESIGN D3): arguments and context of a request, and result and failure of a
 * reply, are sealed together with AES-256-GCM under a key derived from the sealing key. The clear header
 * stays oslo's (`method`, `version`, `_unique_id`, `_msg_id`, `_reply_q`) and is bound as associated data
 * together with the direction, the topic, the instance, the sent time and the message's lifetime:
 *
 *   "_sealed": {"v": 1, "alg": "A256GCM", "iid": "<instance>", "ts": <sent, epoch ms>, "ttl": <ms>,
 *               "n": "<nonce, base64url>", "ct": "<ciphertext ‖ tag, base64url>"}
 *
 * A receiver refuses, in this order: a message without a seal, a key it does not hold for the named
 * instance, a failed tag, and a sent time more than `maxClockSkewMs` in the future or older than the
 * message's lifetime (capped by `maxAgeMs`) plus the skew. Replays within the window are the server's
 * replay cache's job, keyed on the authenticated `_unique_id`.
 */
import { aeadOpen, aeadSeal, deriveKey, DecryptionError } from '../../crypto/index.js';
import { MessageRejectedError } from '../errors.js';
import { decodeFailure, readRequestHeader, writeRequestHeader, type InnerMessage, type RequestHeader } from '../envelope.js';
import { replyIds, type KeyUse, type MessageCodec, type OpenedRequest, type PendingCallInfo, type ReplyParts } from './codec.js';
import type { KeySource } from './key-source.js';

const FORMAT = 'trove-ts-rpc/1';

/** Options to configure the AEAD codec. */
export interface AeadCodecOptions {
  keys: KeySource;
  /** @default 300000 */
  maxClockSkewMs?: number;
  /** The longest lifetime a sender may declare (casts waiting for a guest to boot). @default 3600000 */
  maxAgeMs?: number;
  /** @default Date.now */
  now?: () => number;
}

interface SealedField {
  iid: string | undefined;
  ts: number;
  ttl: number;
  nonce: Buffer;
  sealed: Buffer;
}

function associatedData(direction: 'request' | 'reply', topic: string, header: RequestHeader, instanceId: string | undefined, ts: number, ttl: number): Buffer {
  return Buffer.from(JSON.stringify([
    FORMAT, direction, topic, header.method, header.version, instanceId ?? '', header.uniqueId, header.msgId ?? '', header.replyQueue ?? '', ts, ttl,
  ]), 'utf8');
}

function readSealed(inner: InnerMessage): SealedField {
  const field = inner['_sealed'];
  if (field === undefined) throw new MessageRejectedError('unsealed', 'Message is not sealed');
  const value = field as Record<string, unknown>;
  if (typeof field !== 'object' || field === null || value['v'] !== 1 || value['alg'] !== 'A256GCM') {
    throw new MessageRejectedError('malformed', 'Unsupported seal');
  }
  const { iid, ts, ttl, n, ct } = value;
  if ((iid !== undefined && typeof iid !== 'string') || !Number.isSafeInteger(ts) || !Number.isSafeInteger(ttl) || (ttl as number) < 0 || typeof n !== 'string' || typeof ct !== 'string') {
    throw new MessageRejectedError('malformed', 'Malformed seal');
  }
  return { iid, ts: ts as number, ttl: ttl as number, nonce: Buffer.from(n, 'base64url'), sealed: Buffer.from(ct, 'base64url') };
}

function parsePlaintext(plain: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(plain.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new MessageRejectedError('malformed', 'Sealed content is not a JSON object');
}

export function createAeadCodec(options: AeadCodecOptions): MessageCodec {
  const skew = options.maxClockSkewMs ?? 300_000;
  const maxAge = options.maxAgeMs ?? 3_600_000;
  const now = options.now ?? Date.now;

  function seal(keyUse: KeyUse, aad: Buffer, content: unknown, ts: number, ttl: number): Record<string, unknown> {
    const box = aeadSeal(deriveKey(keyUse.key, 'rpc-aead/1'), Buffer.from(JSON.stringify(content), 'utf8'), aad);
    return {
      v: 1,
      alg: 'A256GCM',
      ...(keyUse.instanceId === undefined ? {} : { iid: keyUse.instanceId }),
      ts,
      ttl,
      n: box.nonce.toString('base64url'),
      ct: box.sealed.toString('base64url'),
    };
  }

  function open(keyUse: KeyUse, field: SealedField, aad: Buffer): Record<string, unknown> {
    let plain: Buffer;
    try {
      plain = aeadOpen(deriveKey(keyUse.key, 'rpc-aead/1'), { nonce: field.nonce, sealed: field.sealed }, aad);
    } catch (error) {
      if (error instanceof DecryptionError) throw new MessageRejectedError('bad_seal', 'Message does not authenticate', { instanceId: field.iid });
      throw error;
    }
    const current = now();
    if (field.ts > current + skew || current > field.ts + Math.min(field.ttl, maxAge) + skew) {
      throw new MessageRejectedError('stale', 'Message sent time is outside the accepted window', { ageMs: current - field.ts });
    }
    return parsePlaintext(plain);
  }

  return {
    name: 'aead',
    async sealRequest(parts, binding) {
      const keyUse = await options.keys.outgoing(binding.instanceId);
      const ts = now();
      const ttl = Math.min(Math.max(0, Math.round(binding.ttlMs)), maxAge);
      const aad = associatedData('request', binding.topic, parts.header, keyUse.instanceId, ts, ttl);
      const inner = { ...writeRequestHeader(parts.header), _sealed: seal(keyUse, aad, { args: parts.args, context: parts.context }, ts, ttl) };
      return { inner, keyUse };
    },
    async openRequest(inner, topic): Promise<OpenedRequest> {
      const header = readRequestHeader(inner);
      const field = readSealed(inner);
      const keyUse = await options.keys.incoming(field.iid);
      const content = open(keyUse, field, associatedData('request', topic, header, field.iid, field.ts, field.ttl));
      const args = content['args'];
      const context = content['context'];
      if (typeof args !== 'object' || args === null || Array.isArray(args) || typeof context !== 'object' || context === null || Array.isArray(context)) {
        throw new MessageRejectedError('malformed', 'Sealed request lacks args or context');
      }
      const opened: OpenedRequest = {
        header,
        args: args as Record<string, unknown>,
        context: context as Record<string, unknown>,
        keyUse,
        sealed: true,
        expiresAt: field.ts + Math.min(field.ttl, maxAge) + skew,
      };
      if (keyUse.instanceId !== undefined) opened.instanceId = keyUse.instanceId;
      return opened;
    },
    sealReply(reply: ReplyParts, request: OpenedRequest, topic: string): InnerMessage {
      if (request.keyUse === undefined) throw new Error('Cannot seal a reply to an unsealed request');
      const ts = now();
      const header: RequestHeader = { ...request.header, uniqueId: reply.uniqueId };
      const aad = associatedData('reply', topic, header, request.keyUse.instanceId, ts, 0);
      return {
        result: null,
        failure: null,
        ending: true,
        _msg_id: reply.msgId,
        _unique_id: reply.uniqueId,
        _sealed: seal(request.keyUse, aad, { result: reply.result ?? null, failure: reply.failure }, ts, 0),
      };
    },
    openReply(inner: InnerMessage, call: PendingCallInfo): ReplyParts {
      if (call.keyUse === undefined) throw new MessageRejectedError('no_key', 'Call was not sealed');
      const { msgId, uniqueId } = replyIds(inner);
      const field = readSealed(inner);
      if (field.iid !== call.keyUse.instanceId) throw new MessageRejectedError('wrong_instance', 'Reply names another instance', { claimed: field.iid });
      const header: RequestHeader = { ...call.header, uniqueId };
      const content = open(call.keyUse, field, associatedData('reply', call.topic, header, field.iid, field.ts, field.ttl));
      const failure = content['failure'];
      return { msgId, uniqueId, result: content['result'] ?? null, failure: failure === null || failure === undefined ? null : decodeFailure(failure) };
    },
  };
}
