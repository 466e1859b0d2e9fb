/** The codec for `enable_secure_rpc_messaging = false`: oslo's message exactly, nothing sealed. */
import { MessageRejectedError } from '../errors.js';
import { decodeFailure, encodeFailure, packContext, readArgs, readRequestHeader, unpackContext, writeRequestHeader, type InnerMessage } from '../envelope.js';
import { replyIds, type MessageCodec, type OpenedRequest, type ReplyParts } from './codec.js';

/** Writes a reply in oslo's clear form (shared with the Trove-compatible codec). */
export function plainReply(reply: ReplyParts, result: unknown): InnerMessage {
  return {
    result,
    failure: reply.failure === null ? null : encodeFailure(reply.failure),
    ending: true,
    _msg_id: reply.msgId,
    _unique_id: reply.uniqueId,
  };
}

export function createPlainCodec(): MessageCodec {
  return {
    name: 'plain',
    async sealRequest(parts) {
      const inner = writeRequestHeader(parts.header);
      inner['args'] = parts.args;
      return { inner: Object.assign(inner, packContext(parts.context)) };
    },
    async openRequest(inner): Promise<OpenedRequest> {
      if ('_sealed' in inner) throw new MessageRejectedError('no_key', 'Sealed message received but secure messaging is off');
      return { header: readRequestHeader(inner), args: readArgs(inner), context: unpackContext(inner), sealed: false };
    },
    sealReply(reply) {
      return plainReply(reply, reply.result ?? null);
    },
    openReply(inner) {
      const { msgId, uniqueId } = replyIds(inner);
      const failure = inner['failure'];
      return { msgId, uniqueId, result: inner['result'] ?? null, failure: failure === null || failure === undefined ? null : decodeFailure(failure) };
    },
  };
}
