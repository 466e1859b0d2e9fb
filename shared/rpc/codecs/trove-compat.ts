/**
 * `rpc_codec = trove-compat`: Trove 18's secure messaging format (reference §5.2), for fleets that mix
 * trove-ts with stock Trove processes.
 * - Requests to guests and API ↔ taskmanager (`SecureSerializer`): each argument value becomes
 *   base64(IV ‖ AES-CBC(json)); the context becomes the single key `_context_context`.
 * - Guest → conductor (`ConductorGuestSerializer`): each argument becomes the JSON string
 *   `{"entity": <b64>, "csz-instance-id": <guest id>}`; the context adds `_context_csz-instance-id`.
 * - Replies: `result` is sealed like an argument; `failure` stays clear.
 * The format has no integrity, freshness or binding; trove-ts at least fails closed: a message that does not
 * decrypt to JSON under the expected key is refused instead of being passed through as Trove does.
 */
import { pythonJsonDumps, troveOpenValue, troveSealValue, DecryptionError } from '../../crypto/index.js';
import { MessageRejectedError } from '../errors.js';
import { decodeFailure, readArgs, readRequestHeader, unpackContext, writeRequestHeader, type InnerMessage } from '../envelope.js';
import { replyIds, type KeyUse, type MessageCodec, type OpenedRequest } from './codec.js';
import { plainReply } from './plain.js';
import type { KeySource } from './key-source.js';

const INSTANCE_FIELD = 'csz-instance-id';

function open(text: unknown, key: string): unknown {
  try {
    return troveOpenValue(text, key);
  } catch (error) {
    if (error instanceof DecryptionError) throw new MessageRejectedError('bad_seal', 'Value does not decrypt under the expected key');
    throw error;
  }
}

function openGuestEntity(entity: unknown, key: string, instanceId: string): unknown {
  let wrapper: unknown;
  try {
    wrapper = typeof entity === 'string' ? JSON.parse(entity) : undefined;
  } catch {
    wrapper = undefined;
  }
  const fields = wrapper as Record<string, unknown> | undefined;
  if (typeof wrapper !== 'object' || wrapper === null || fields === undefined || !('entity' in fields)) {
    throw new MessageRejectedError('unsealed', 'Argument is not a sealed guest entity');
  }
  if (fields[INSTANCE_FIELD] !== instanceId) throw new MessageRejectedError('wrong_instance', 'Argument names another instance');
  return open(fields['entity'], key);
}

export function createTroveCompatCodec(options: { keys: KeySource }): MessageCodec {
  const keys = options.keys;

  return {
    name: 'trove-compat',
    async sealRequest(parts, binding) {
      const keyUse = await keys.outgoing(binding.instanceId);
      const inner: InnerMessage = writeRequestHeader(parts.header);
      const args: Record<string, unknown> = {};
      if (keys.mode === 'instance') {
        const guestId = keyUse.instanceId as string;
        for (const [name, value] of Object.entries(parts.args)) {
          args[name] = pythonJsonDumps({ entity: troveSealValue(value, keyUse.key), [INSTANCE_FIELD]: guestId });
        }
        inner['args'] = args;
        inner['_context_context'] = troveSealValue(parts.context, keyUse.key);
        inner[`_context_${INSTANCE_FIELD}`] = guestId;
      } else {
        for (const [name, value] of Object.entries(parts.args)) args[name] = troveSealValue(value, keyUse.key);
        inner['args'] = args;
        inner['_context_context'] = troveSealValue(parts.context, keyUse.key);
      }
      return { inner, keyUse };
    },
    async openRequest(inner, topic): Promise<OpenedRequest> {
      void topic;
      const header = readRequestHeader(inner);
      const packed = unpackContext(inner);
      if (!('context' in packed)) throw new MessageRejectedError('unsealed', 'Message context is not sealed');
      const claimed = packed[INSTANCE_FIELD];
      if (claimed !== undefined && typeof claimed !== 'string') throw new MessageRejectedError('malformed', `${INSTANCE_FIELD} must be a string`);
      const keyUse: KeyUse = await keys.incoming(keys.mode === 'lookup' ? claimed : undefined);
      const context = open(packed['context'], keyUse.key);
      if (typeof context !== 'object' || context === null || Array.isArray(context)) throw new MessageRejectedError('malformed', 'Sealed context is not an object');
      const args: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(readArgs(inner))) {
        args[name] = keys.mode === 'lookup' ? openGuestEntity(value, keyUse.key, keyUse.instanceId as string) : open(value, keyUse.key);
      }
      const opened: OpenedRequest = { header, args, context: context as Record<string, unknown>, keyUse, sealed: true };
      if (keyUse.instanceId !== undefined) opened.instanceId = keyUse.instanceId;
      return opened;
    },
    sealReply(reply, request) {
      if (request.keyUse === undefined) throw new Error('Cannot seal a reply to an unsealed request');
      return plainReply(reply, troveSealValue(reply.result ?? null, request.keyUse.key));
    },
    openReply(inner, call) {
      if (call.keyUse === undefined) throw new MessageRejectedError('no_key', 'Call was not sealed');
      const { msgId, uniqueId } = replyIds(inner);
      const failure = inner['failure'];
      if (failure !== null && failure !== undefined) return { msgId, uniqueId, result: null, failure: decodeFailure(failure) };
      return { msgId, uniqueId, result: open(inner['result'], call.keyUse.key), failure: null };
    },
  };
}
