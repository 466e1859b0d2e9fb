/**
 * Matches replies to pending calls, one router per transport (every client of a process shares its reply
 * queue). Mechanics after Azure core-amqp's request/response link: a call registers a pending entry under
 * its `_msg_id` before publishing; the first reply that opens under the call's key settles it; a timeout
 * removes the entry and fails the call with GuestTimeoutError. Replies that do not authenticate are counted
 * and ignored, so a forged reply cannot pre-empt the real one.
 */
import { GuestTimeoutError, RemoteError, type ErrorShape } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { MessageCodec, PendingCallInfo } from './codecs/codec.js';
import { decodeEnvelope } from './envelope.js';
import { MessageRejectedError } from './errors.js';
import type { RpcMetrics } from './metrics.js';
import type { Transport, WireMessage } from './transport/transport.js';

interface PendingCall extends PendingCallInfo {
  codec: MessageCodec;
  logger: Logger;
  metrics: RpcMetrics;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Per-transport reply dispatch. */
export class ReplyRouter {
  private readonly pending = new Map<string, PendingCall>();
  private listening: Promise<unknown> | undefined;

  constructor(private readonly transport: Transport) {}

  /** Consumes the reply queue (once). */
  async ready(): Promise<void> {
    this.listening ??= this.transport.listenReplies((message) => this.onReply(message)).catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    await this.listening;
  }

  /** Registers a call; the promise settles with the result, a RemoteError or a GuestTimeoutError. */
  expect(call: PendingCallInfo & { codec: MessageCodec; logger: Logger; metrics: RpcMetrics; timeoutMs: number }): Promise<unknown> {
    const msgId = call.header.msgId as string;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        const seconds = Math.round(call.timeoutMs / 100) / 10;
        reject(new GuestTimeoutError(`Timeout waiting for a reply to '${call.header.method}' on ${call.topic} after ${seconds} s`, {
          topic: call.topic,
          method: call.header.method,
          timeoutMs: call.timeoutMs,
        }));
      }, call.timeoutMs);
      const entry: PendingCall = { ...call, resolve, reject, timer };
      this.pending.set(msgId, entry);
    });
  }

  /** Abandons a call (its publish failed). */
  cancel(msgId: string, error: Error): void {
    const entry = this.pending.get(msgId);
    if (entry === undefined) return;
    this.pending.delete(msgId);
    clearTimeout(entry.timer);
    entry.reject(error);
  }

  private onReply(message: WireMessage): void {
    let inner;
    try {
      inner = decodeEnvelope(message.body);
    } catch {
      return;
    }
    const msgId = inner['_msg_id'];
    if (typeof msgId !== 'string') return;
    const entry = this.pending.get(msgId);
    // A reply for a call that already finished (timeout, duplicate): nothing waits for it.
    if (entry === undefined) return;
    if (inner['ending'] === false && inner['result'] === undefined && inner['failure'] === undefined) return;
    let failure: ErrorShape | null;
    let result: unknown;
    try {
      ({ result, failure } = entry.codec.openReply(inner, entry));
    } catch (error) {
      const reason = error instanceof MessageRejectedError ? error.reason : 'malformed';
      entry.metrics.rejected.inc({ topic: entry.topic, reason });
      entry.logger.warn({ topic: entry.topic, method: entry.header.method, reason }, 'rejected RPC reply');
      return;
    }
    this.pending.delete(msgId);
    clearTimeout(entry.timer);
    if (failure !== null) entry.reject(new RemoteError(failure));
    else entry.resolve(result);
  }
}

const routers = new WeakMap<Transport, ReplyRouter>();

/** The reply router of a transport. */
export function replyRouterFor(transport: Transport): ReplyRouter {
  let router = routers.get(transport);
  if (router === undefined) {
    router = new ReplyRouter(transport);
    routers.set(transport, router);
  }
  return router;
}
