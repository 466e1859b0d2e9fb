/**
 * Typed RPC clients generated from a contract: one async function per declared method, no hand-written
 * stubs. A call validates its arguments against the contract, seals them with the client's codec,
 * publishes to the topic and waits for the reply within the method's timeout class; a cast publishes to a
 * declared (durable) queue and resolves once the broker has the message.
 *
 * Caller-side validation means a bad argument fails fast with RPC_BAD_ARGUMENTS; servers validate again,
 * because a caller may be another version or a stock Trove process.
 */
import { randomUUID } from 'node:crypto';
import type { TroveConfig } from '../config/index.js';
import { ErrorCode, TroveError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { validate } from '../schema/index.js';
import { wireName, type CallOptions, type CallSpec, type Contract, type MethodSpec, type RpcClient } from './contract.js';
import type { MessageCodec } from './codecs/codec.js';
import { encodeEnvelope, newMessageId, type RequestHeader } from './envelope.js';
import { rpcMetrics, type RpcMetrics } from './metrics.js';
import { replyRouterFor } from './reply-router.js';
import { castTtlMs, createCodec, type Sealing } from './sealing.js';
import { rpcTimeoutsFromConfig, timeoutFor, type RpcTimeouts } from './timeouts.js';
import type { Transport } from './transport/transport.js';

/** Options to configure an RPC client. */
export interface RpcClientOptions {
  transport: Transport;
  /** The service topic, e.g. `taskmanager` or `guestTopic(id)`. */
  topic: string;
  /** Address one server of the topic (`<topic>.<server>`). */
  server?: string;
  sealing: Sealing;
  /** Timeouts per class, or the configuration to read them from. */
  timeouts: RpcTimeouts | TroveConfig;
  logger: Logger;
  /**
   * The instance whose key seals the messages (lookup sealing). @default the id in a `guestagent.<id>` topic
   */
  instanceId?: string;
  /** @default the counters in prom-client's global registry */
  metrics?: RpcMetrics;
  /** For tests of the clock window. @default Date.now */
  now?: () => number;
}

function isTimeouts(value: RpcTimeouts | TroveConfig): value is RpcTimeouts {
  return typeof (value as RpcTimeouts).lowMs === 'number';
}

function badArguments(method: string, errors: string[]): TroveError {
  return new TroveError(ErrorCode.RPC_BAD_ARGUMENTS, `Invalid arguments for RPC method '${method}': ${errors.join('; ')}`, { details: { method, errors } });
}

/** Creates a typed client for `contract` on one topic. */
export function createRpcClient<C extends Contract>(contract: C, options: RpcClientOptions): RpcClient<C> {
  const codec: MessageCodec = createCodec(options.sealing, options.now === undefined ? {} : { now: options.now });
  const timeouts = isTimeouts(options.timeouts) ? options.timeouts : rpcTimeoutsFromConfig(options.timeouts);
  const metrics = options.metrics ?? rpcMetrics();
  const logger = options.logger.child({ component: 'rpc-client', topic: options.topic });
  const guestPrefix = 'guestagent.';
  const instanceId = options.instanceId ?? (options.topic.startsWith(guestPrefix) ? options.topic.slice(guestPrefix.length) : undefined);
  const address = options.server === undefined ? { topic: options.topic } : { topic: options.topic, server: options.server };
  const router = replyRouterFor(options.transport);

  async function invoke(method: string, spec: MethodSpec, args: unknown, callOptions: CallOptions = {}): Promise<unknown> {
    const checked = validate(spec.args, args);
    if (!checked.ok) throw badArguments(wireName(method), checked.errors);
    const context: Record<string, unknown> = { ...callOptions.context };
    if (typeof context['request_id'] !== 'string') context['request_id'] = `req-${randomUUID()}`;
    const header: RequestHeader = { method: wireName(method), version: spec.version, uniqueId: newMessageId() };
    const parts = { header, args: checked.value as Record<string, unknown>, context };
    const binding = { topic: options.topic, ...(instanceId === undefined ? {} : { instanceId }) };

    if (spec.kind === 'cast') {
      const { inner } = await codec.sealRequest(parts, { ...binding, ttlMs: castTtlMs(options.sealing) });
      await options.transport.publish(address, { body: encodeEnvelope(inner) }, { ensureQueue: true, persistent: true });
      logger.debug({ method: header.method, uniqueId: header.uniqueId, requestId: context['request_id'] }, 'cast sent');
      return undefined;
    }

    const timeoutMs = callOptions.timeoutMs ?? timeoutFor(timeouts, spec.timeout);
    const deadline = Date.now() + timeoutMs;
    await router.ready();
    header.msgId = newMessageId();
    header.replyQueue = options.transport.replyQueue;
    const { inner, keyUse } = await codec.sealRequest(parts, { ...binding, ttlMs: timeoutMs });
    const reply = router.expect({ header, topic: options.topic, ...(keyUse === undefined ? {} : { keyUse }), codec, logger, metrics, timeoutMs });
    try {
      await options.transport.publish(address, { body: encodeEnvelope(inner), ttlMs: timeoutMs }, { deadline });
    } catch (error) {
      router.cancel(header.msgId, error as Error);
    }
    const result = await reply;
    const resultCheck = validate((spec as CallSpec).result, result);
    if (!resultCheck.ok) {
      throw new TroveError(ErrorCode.INTERNAL_ERROR, `Reply to '${header.method}' does not match the contract: ${resultCheck.errors.join('; ')}`, {
        details: { method: header.method, errors: resultCheck.errors },
      });
    }
    return resultCheck.value;
  }

  const client: Record<string, (args: unknown, callOptions?: CallOptions) => Promise<unknown>> = {};
  for (const [method, spec] of Object.entries(contract.methods)) {
    client[method] = (args, callOptions) => invoke(method, spec, args, callOptions);
  }
  return client as RpcClient<C>;
}
