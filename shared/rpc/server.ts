/**
 * Serves a contract on a topic: opens each message with the server's codec, deduplicates it by unique id,
 * validates it against the contract and runs the typed handler.
 *
 * Per message, in order:
 *   refused (malformed, unsealed, bad seal, wrong/unknown instance, stale) → dropped, counted, logged without contents
 *   already seen (redelivery, duplicate, replay) → settled without running the handler, counted
 *   unknown method / unsupported version / bad arguments → a typed failure reply (calls) or a logged drop (casts)
 *   handler ok → reply (calls), then settle
 *   handler failed → failure reply (calls); casts are redelivered with backoff until `maxAttempts`, then dropped
 *
 * Life cycle: running → stopping (no new deliveries; in-flight handlers finish) → stopped (links detached).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, toTroveError, type ErrorShape } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { validate } from '../schema/index.js';
import { methodForWireName, type Contract, type MethodSpec, type RpcContext, type RpcHandlers } from './contract.js';
import type { MessageCodec, OpenedRequest } from './codecs/codec.js';
import { decodeEnvelope, encodeEnvelope, newMessageId } from './envelope.js';
import { MessageRejectedError } from './errors.js';
import { rpcMetrics, type RpcMetrics } from './metrics.js';
import { createCodec, type Sealing } from './sealing.js';
import { SeenMessages } from './seen-messages.js';
import type { Consumer, Delivery, Transport } from './transport/transport.js';

/** Options to configure an RPC server. */
export interface RpcServerOptions {
  transport: Transport;
  topic: string;
  /** Server name: also consume `<topic>.<server>` (Trove: the host for services, the instance id for guests). */
  server?: string;
  sealing: Sealing;
  logger: Logger;
  /** Messages handled at once. @default 64 */
  concurrency?: number;
  /** Attempts of a failing cast before it is dropped. @default 5 */
  maxAttempts?: number;
  /** Delay before a failed cast is redelivered; doubles per attempt up to 30 s. @default 1000 */
  retryDelayMs?: number;
  /** How long unsealed messages' ids are remembered for deduplication. @default 600000 */
  dedupWindowMs?: number;
  /** Most ids remembered. @default 200000 */
  maxRememberedIds?: number;
  /** @default the counters in prom-client's global registry */
  metrics?: RpcMetrics;
  /** For tests of the clock window. @default Date.now */
  now?: () => number;
}

/** A running server. */
export interface RpcServer {
  readonly topic: string;
  /** Stops taking messages, waits up to `drainTimeoutMs` for in-flight handlers, detaches. @default 30000 */
  stop(drainTimeoutMs?: number): Promise<void>;
}

function versionSupported(requested: string, served: string): boolean {
  const [reqMajor, reqMinor = '0'] = requested.split('.');
  const [major, minor = '0'] = served.split('.');
  return reqMajor === major && Number(reqMinor) <= Number(minor);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts serving `handlers` for `contract` on a topic. */
export async function serveRpc<C extends Contract>(contract: C, handlers: RpcHandlers<C>, options: RpcServerOptions): Promise<RpcServer> {
  const codec: MessageCodec = createCodec(options.sealing, options.now === undefined ? {} : { now: options.now });
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? rpcMetrics();
  const topic = options.topic;
  const logger = options.logger.child({ component: 'rpc-server', topic });
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const dedupWindowMs = options.dedupWindowMs ?? 600_000;
  const seen = new SeenMessages(options.maxRememberedIds ?? 200_000, now);
  const attempts = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const table = handlers as unknown as Record<string, (args: unknown, context: RpcContext) => Promise<unknown>>;
  let stopping = false;

  function refuse(delivery: Delivery, error: MessageRejectedError, extra: Record<string, unknown> = {}): void {
    metrics.rejected.inc({ topic, reason: error.reason });
    logger.warn({ reason: error.reason, ...extra, ...(error.details ?? {}) }, `rejected RPC message: ${error.message}`);
    delivery.reject();
  }

  async function reply(request: OpenedRequest, result: unknown, failure: ErrorShape | null): Promise<void> {
    const { msgId, replyQueue } = request.header;
    if (msgId === undefined || replyQueue === undefined) return;
    const inner = codec.sealReply({ msgId, uniqueId: newMessageId(), result, failure }, request, topic);
    try {
      await options.transport.sendReply(replyQueue, { body: encodeEnvelope(inner) });
    } catch (error) {
      logger.warn({ method: request.header.method, err: error }, 'could not send RPC reply');
    }
  }

  function fail(code: ErrorCode, message: string, details: Record<string, unknown>): ErrorShape {
    return { code, message, details };
  }

  async function dispatch(request: OpenedRequest): Promise<{ ok: true; result: unknown } | { ok: false; failure: ErrorShape; handlerFailed: boolean }> {
    const wire = request.header.method;
    const method = methodForWireName(contract, wire);
    if (method === undefined) {
      return { ok: false, handlerFailed: false, failure: fail(ErrorCode.RPC_UNKNOWN_METHOD, `Unknown RPC method '${wire}' on ${topic}`, { method: wire }) };
    }
    const spec = contract.methods[method] as MethodSpec;
    if (!versionSupported(request.header.version, contract.version)) {
      return {
        ok: false,
        handlerFailed: false,
        failure: fail(ErrorCode.RPC_UNKNOWN_METHOD, `Endpoint does not support RPC version ${request.header.version}. Attempted method: ${wire}`, { method: wire, version: request.header.version }),
      };
    }
    const checked = validate(spec.args, request.args);
    if (!checked.ok) {
      return { ok: false, handlerFailed: false, failure: fail(ErrorCode.RPC_BAD_ARGUMENTS, `Invalid arguments for RPC method '${wire}': ${checked.errors.join('; ')}`, { method: wire, errors: checked.errors }) };
    }
    const requestId = typeof request.context['request_id'] === 'string' ? request.context['request_id'] : `req-${randomUUID()}`;
    const context: RpcContext = { requestId, values: request.context, uniqueId: request.header.uniqueId };
    if (request.instanceId !== undefined) context.instanceId = request.instanceId;
    try {
      return { ok: true, result: await (table[method] as (args: unknown, context: RpcContext) => Promise<unknown>)(checked.value, context) };
    } catch (error) {
      const troveError = toTroveError(error);
      metrics.handlerFailures.inc({ topic, method: wire });
      logger.error({ method: wire, requestId, code: troveError.code, err: error }, 'RPC handler failed');
      return { ok: false, handlerFailed: true, failure: troveError.toShape() };
    }
  }

  async function handle(delivery: Delivery): Promise<void> {
    if (stopping) {
      delivery.release();
      return;
    }
    let request: OpenedRequest;
    try {
      request = await codec.openRequest(decodeEnvelope(delivery.message.body), topic);
    } catch (error) {
      if (error instanceof MessageRejectedError) {
        refuse(delivery, error);
        return;
      }
      // A transient failure while finding the key (database down): try the message again later.
      logger.error({ err: error }, 'could not open RPC message; will retry');
      await sleep(retryDelayMs);
      delivery.release();
      return;
    }
    const { header } = request;
    const seenId = `${request.instanceId ?? ''}/${header.uniqueId}`;
    if (seen.get(seenId) !== undefined) {
      if (request.sealed && !delivery.redelivered) {
        refuse(delivery, new MessageRejectedError('replayed', 'Message id was already taken'), { method: header.method, uniqueId: header.uniqueId });
        return;
      }
      metrics.duplicates.inc({ topic });
      logger.debug({ method: header.method, uniqueId: header.uniqueId }, 'duplicate RPC message skipped');
      delivery.accept();
      return;
    }
    const expiresAt = Math.max(request.expiresAt ?? 0, now() + dedupWindowMs);
    seen.set(seenId, 'running', expiresAt);

    const outcome = await dispatch(request);
    const isCall = header.msgId !== undefined;
    if (outcome.ok) {
      await reply(request, outcome.result ?? null, null);
    } else if (isCall) {
      if (!outcome.handlerFailed) logger.warn({ method: header.method, code: outcome.failure.code }, outcome.failure.message);
      await reply(request, null, outcome.failure);
    } else if (!outcome.handlerFailed) {
      logger.warn({ method: header.method, code: outcome.failure.code, uniqueId: header.uniqueId }, `cast dropped: ${outcome.failure.message}`);
    } else {
      const attempt = (attempts.get(seenId) ?? 0) + 1;
      if (attempt < maxAttempts) {
        attempts.set(seenId, attempt);
        seen.delete(seenId);
        if (!stopping) await sleep(Math.min(retryDelayMs * 2 ** (attempt - 1), 30_000));
        delivery.release();
        return;
      }
      metrics.dropped.inc({ topic, method: header.method });
      logger.error({ method: header.method, uniqueId: header.uniqueId, attempts: attempt }, 'cast dropped after its last attempt failed');
    }
    attempts.delete(seenId);
    seen.set(seenId, 'done', expiresAt);
    delivery.accept();
  }

  function onDelivery(delivery: Delivery): void {
    const task = handle(delivery).catch((error: unknown) => {
      logger.error({ err: error }, 'unexpected failure handling an RPC message');
      delivery.release();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  const address = options.server === undefined ? { topic } : { topic, server: options.server };
  const consumer: Consumer = await options.transport.listen(address, onDelivery, { prefetch: options.concurrency ?? 64 });
  logger.info({ server: options.server, codec: codec.name }, 'RPC server started');

  return {
    topic,
    async stop(drainTimeoutMs = 30_000): Promise<void> {
      if (stopping) return;
      stopping = true;
      consumer.pause();
      let timer: NodeJS.Timeout | undefined;
      const drained = Promise.allSettled([...inFlight]);
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      if (inFlight.size > 0) logger.warn({ inFlight: inFlight.size }, 'RPC server stopped with handlers still running');
      await consumer.close();
      logger.info('RPC server stopped');
    },
  };
}
