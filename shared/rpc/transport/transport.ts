/**
 * The port between the RPC layer and a message broker. A transport moves opaque bodies (the oslo envelope as
 * JSON text) between topics and reply queues; it knows nothing of methods, codecs or keys. Two
 * implementations: AMQP 1.0 over RabbitMQ (`amqp.ts`) and an in-process broker for unit tests
 * (`in-memory.ts`).
 *
 * Routing follows oslo.messaging: a server on topic T (server S) consumes queue `T` (routing key `T`) and
 * queue `T.S` (routing key `T.S`); a publish to `{topic: T}` reaches one consumer of `T`, a publish to
 * `{topic: T, server: S}` reaches that server.
 */

/** A message as the transport carries it. */
export interface WireMessage {
  /** The AMQP body: JSON text of the oslo envelope. */
  body: string;
  /** Milliseconds after which the broker may drop the message (calls). */
  ttlMs?: number;
}

/** Where a message goes, or what a server consumes. */
export interface Address {
  topic: string;
  /** A server name: the queue `<topic>.<server>`. */
  server?: string;
}

/** The routing key (and queue name) of an address. */
export function routingKey(address: Address): string {
  return address.server === undefined ? address.topic : `${address.topic}.${address.server}`;
}

/** Options of one publish. */
export interface PublishOptions {
  /**
   * Declare the destination queue (and its binding) before publishing, so the message waits for a server
   * that has not started yet. Casts set it; calls do not (an absent server means a timeout, as in Trove).
   */
  ensureQueue?: boolean;
  /**
   * Epoch milliseconds by which the broker must have taken the message; until then the transport retries
   * across reconnects. @default now + the transport's publish timeout
   */
  deadline?: number;
  /** Ask the broker to keep the message on disk (casts); calls and replies are transient. @default false */
  persistent?: boolean;
}

/** A message handed to a consumer; exactly one of accept/release/reject settles it. */
export interface Delivery {
  readonly message: WireMessage;
  /** True when the broker delivered this message before (released, or a connection was lost before settling). */
  readonly redelivered: boolean;
  /** Done: the broker forgets the message. */
  accept(): void;
  /** Not done: the broker delivers it again (to this or another consumer). */
  release(): void;
  /** Poison: the broker drops it (or dead-letters it where configured). */
  reject(): void;
}

/** Options of a consumer. */
export interface ListenOptions {
  /** Deliveries held unsettled at once (AMQP link credit). */
  prefetch: number;
}

/** A running consumer of one address. */
export interface Consumer {
  /** Stops taking deliveries; deliveries already handed out may still be settled. */
  pause(): void;
  /** Detaches; deliveries not yet settled return to the queue. */
  close(): Promise<void>;
}

/** A connection to a broker shared by every client and server of a process. */
export interface Transport {
  /** This process's reply queue (`reply_<hex>`); replies to its calls arrive there. */
  readonly replyQueue: string;
  /**
   * Publishes to a topic. Resolves once the broker has taken responsibility for the message (an unroutable
   * message counts as taken, as with oslo's non-mandatory publishes).
   * @throws MessagingUnavailableError when the deadline passes or the transport is closed
   */
  publish(address: Address, message: WireMessage, options?: PublishOptions): Promise<void>;
  /** Sends a reply to a caller's reply queue. @throws MessagingUnavailableError as `publish` */
  sendReply(replyQueue: string, message: WireMessage): Promise<void>;
  /** Consumes an address: queue `<topic>`, plus `<topic>.<server>` when a server is named. */
  listen(address: Address, onDelivery: (delivery: Delivery) => void, options: ListenOptions): Promise<Consumer>;
  /**
   * Receives the messages that arrive on this process's reply queue (consuming it from the first call on).
   * Returns a function that removes the listener.
   */
  listenReplies(onReply: (message: WireMessage) => void): Promise<() => void>;
  /** Closes every consumer and the connection; pending publishes fail with MessagingUnavailableError. */
  close(): Promise<void>;
}
