/**
 * The AMQP 1.0 transport over RabbitMQ (rhea), one connection per process.
 *
 * Connection life cycle (rhea's own reconnect is off; this module owns it):
 *
 *   connecting ──(topology declared, AMQP open)──▶ open ──(socket lost, broker closed it)──▶ connecting
 *        ▲  └──(failure: next host, backoff with jitter)──┘                                       │
 *        └─────────────────────────────────────────────────────────────────────────────────────────┘
 *   close() from any state ──▶ closed (pending publishes fail with MessagingUnavailableError)
 *
 * Publishing: messages wait in an ordered outbox until the connection is open and the link has credit;
 * each resolves only when the broker accepts it (RabbitMQ confirms). A message the broker did not settle
 * before the connection dropped, or released, goes back to the outbox and is sent again, so nothing is
 * dropped across a broker restart (duplicates are possible; servers deduplicate on `_unique_id`).
 */
import rhea, { type Connection, type EventContext, type Delivery as AmqpDelivery, type Sender } from 'rhea';
import type { TroveConfig } from '../../config/index.js';
import type { Logger } from '../../logging/index.js';
import { newMessageId } from '../envelope.js';
import { MessagingUnavailableError } from '../errors.js';
import { TopologyError } from './amqp091.js';
import { addressScheme, type AddressFormat, type AddressScheme } from './amqp-addresses.js';
import { AmqpConsumer } from './amqp-consumer.js';
import { declareTopology, type QueueDeclaration, type TopologySettings } from './amqp-topology.js';
import { parseTransportUrl, type BrokerUrl } from './amqp-url.js';
import { routingKey, type Address, type Consumer, type Delivery, type ListenOptions, type PublishOptions, type Transport, type WireMessage } from './transport.js';

/** Options to configure the AMQP transport (all from configuration in `connectTransport`). */
export interface AmqpTransportSettings {
  broker: BrokerUrl;
  topology: TopologySettings;
  addressFormat: AddressFormat;
  processName: string;
  publishTimeoutMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  /** 0 disables AMQP heartbeats. */
  idleTimeoutMs: number;
}

interface PendingSend {
  target: string;
  subject: string | undefined;
  message: WireMessage;
  declare: QueueDeclaration | undefined;
  persistent: boolean;
  timer: NodeJS.Timeout;
  done: boolean;
  /** Waiting in the outbox (not sent on the current connection). */
  queued: boolean;
  /** The AMQP delivery while the broker has not settled it. */
  delivery: AmqpDelivery | undefined;
  resolve(): void;
  reject(error: Error): void;
}

type State = 'connecting' | 'open' | 'closed';

export class AmqpTransport implements Transport {
  readonly replyQueue = `reply_${newMessageId()}`;
  private state: State = 'connecting';
  private connection: Connection | undefined;
  private generation = 0;
  private hostIndex = 0;
  private delayMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly scheme: AddressScheme;
  private readonly logger: Logger;
  private readonly container;
  private readonly declared = new Set<string>();
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly replyListeners = new Set<(message: WireMessage) => void>();
  private replyConsumer: AmqpConsumer | undefined;
  private readonly senders = new Map<string, Sender>();
  private readonly outbox: PendingSend[] = [];
  private readonly unsettled = new Map<AmqpDelivery, PendingSend>();
  private pumping = false;
  private readonly openWaiters = new Set<(error?: Error) => void>();
  private lastError: Error | undefined;

  constructor(private readonly settings: AmqpTransportSettings, logger: Logger) {
    this.scheme = addressScheme(settings.addressFormat);
    this.delayMs = settings.reconnectInitialDelayMs;
    const id = `${settings.processName}-${process.pid}-${newMessageId().slice(0, 8)}`;
    this.container = rhea.create_container({ id });
    this.logger = logger.child({ component: 'amqp', connection: id });
  }

  /** Starts connecting; resolves at the first open connection or fails after `waitMs`. */
  async start(waitMs: number): Promise<void> {
    this.connectOnce();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.openWaiters.delete(done);
        reject(new MessagingUnavailableError(`Cannot connect to the message broker: ${this.lastError?.message ?? 'timed out'}`));
      }, waitMs);
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.openWaiters.delete(done);
        if (error) reject(error);
        else resolve();
      };
      this.openWaiters.add(done);
    });
  }

  async publish(address: Address, message: WireMessage, options: PublishOptions = {}): Promise<void> {
    const key = routingKey(address);
    const { target, subject } = this.scheme.publish(this.settings.topology.exchange, key);
    await this.enqueue(target, subject, message, options.ensureQueue ? { queue: key, kind: 'server' } : undefined, options.deadline, options.persistent ?? false);
  }

  async sendReply(queue: string, message: WireMessage): Promise<void> {
    const { target, subject } = this.scheme.reply(queue);
    await this.enqueue(target, subject, message, undefined, undefined, false);
  }

  async listen(address: Address, onDelivery: (delivery: Delivery) => void, options: ListenOptions): Promise<Consumer> {
    const names = address.server === undefined ? [address.topic] : [address.topic, routingKey(address)];
    return this.addConsumer(names.map((queue) => ({ queue, kind: 'server' as const })), onDelivery, options.prefetch);
  }

  async listenReplies(onReply: (message: WireMessage) => void): Promise<() => void> {
    this.replyListeners.add(onReply);
    if (this.replyConsumer === undefined) {
      this.replyConsumer = await this.addConsumer([{ queue: this.replyQueue, kind: 'reply' }], (delivery) => {
        delivery.accept();
        for (const listener of [...this.replyListeners]) listener(delivery.message);
      }, 1000);
    }
    return () => {
      this.replyListeners.delete(onReply);
    };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    const error = new MessagingUnavailableError('Transport is closed');
    for (const waiter of [...this.openWaiters]) waiter(error);
    for (const pending of [...this.outbox, ...this.unsettled.values()]) this.finish(pending, error);
    for (const consumer of [...this.consumers]) await consumer.close();
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined && connection.is_open()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        connection.once('connection_close', () => {
          clearTimeout(timer);
          resolve();
        });
        connection.close();
      });
    }
    connection?.socket?.destroy();
    this.logger.debug('transport closed');
  }

  private async addConsumer(queues: QueueDeclaration[], onDelivery: (delivery: Delivery) => void, prefetch: number): Promise<AmqpConsumer> {
    if (this.state === 'closed') throw new MessagingUnavailableError('Transport is closed');
    const consumer = new AmqpConsumer(queues, onDelivery, prefetch, {
      source: (queue) => this.scheme.source(queue),
      logger: this.logger,
      epoch: () => this.generation,
      forget: (closed) => this.consumers.delete(closed),
    });
    this.consumers.add(consumer);
    if (this.state === 'open') {
      try {
        await this.attachConsumer(consumer);
      } catch (error) {
        this.consumers.delete(consumer);
        throw error;
      }
    }
    return consumer;
  }

  /** Declares what a consumer needs (unless already declared on this connection) and opens its links. */
  private async attachConsumer(consumer: AmqpConsumer): Promise<void> {
    const generation = this.generation;
    const missing = consumer.queues.filter((declaration) => !this.declared.has(declaration.queue));
    if (missing.length > 0) await this.declare(missing);
    if (this.state === 'open' && generation === this.generation && this.connection !== undefined && this.consumers.has(consumer)) {
      consumer.attach(this.connection);
    }
  }

  private async declare(queues: readonly QueueDeclaration[]): Promise<void> {
    const host = this.settings.broker.hosts[this.hostIndex % this.settings.broker.hosts.length];
    if (host === undefined) throw new MessagingUnavailableError('No broker host configured');
    await declareTopology(host, this.settings.topology, queues);
    for (const declaration of queues) this.declared.add(declaration.queue);
  }

  private enqueue(target: string, subject: string | undefined, message: WireMessage, declare: QueueDeclaration | undefined, deadline: number | undefined, persistent: boolean): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new MessagingUnavailableError('Transport is closed'));
    return new Promise<void>((resolve, reject) => {
      const waitMs = Math.max(0, (deadline ?? Date.now() + this.settings.publishTimeoutMs) - Date.now());
      const pending: PendingSend = {
        target, subject, message, declare, persistent, resolve, reject, done: false, queued: true, delivery: undefined,
        timer: setTimeout(() => {
          this.finish(pending, new MessagingUnavailableError(`The message broker did not accept the message within ${Math.round(waitMs / 1000)} s${this.lastError ? `: ${this.lastError.message}` : ''}`));
        }, waitMs),
      };
      this.outbox.push(pending);
      void this.pump();
    });
  }

  private finish(pending: PendingSend, error?: Error): void {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    if (pending.queued) {
      const index = this.outbox.indexOf(pending);
      if (index >= 0) this.outbox.splice(index, 1);
      pending.queued = false;
    }
    if (pending.delivery !== undefined) this.unsettled.delete(pending.delivery);
    pending.delivery = undefined;
    if (error) pending.reject(error);
    else pending.resolve();
  }

  /** Sends outbox messages in order while the connection is open and links have credit. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'open' && this.connection !== undefined && this.outbox.length > 0) {
        const pending = this.outbox[0] as PendingSend;
        if (pending.declare !== undefined && !this.declared.has(pending.declare.queue)) {
          const generation = this.generation;
          try {
            await this.declare([pending.declare]);
          } catch (error) {
            if (error instanceof TopologyError && typeof error.details?.['replyCode'] === 'number' && [403, 406].includes(error.details['replyCode'])) {
              this.finish(pending, error);
              continue;
            }
            this.lastError = error as Error;
            this.logger.warn({ err: error }, 'queue declaration failed; waiting for the connection');
            if (generation === this.generation) this.connectionLost(error as Error);
            return;
          }
          continue;
        }
        const sender = this.senderFor(pending.target);
        if (!sender.sendable()) return;
        this.outbox.shift();
        pending.queued = false;
        const delivery = sender.send({
          subject: pending.subject,
          durable: pending.persistent,
          ...(pending.message.ttlMs === undefined ? {} : { ttl: pending.message.ttlMs }),
          content_type: 'application/json',
          content_encoding: 'utf-8',
          body: rhea.message.data_section(Buffer.from(pending.message.body, 'utf8')),
        });
        pending.delivery = delivery;
        this.unsettled.set(delivery, pending);
      }
    } finally {
      this.pumping = false;
    }
  }

  private senderFor(target: string): Sender {
    const existing = this.senders.get(target);
    if (existing !== undefined) return existing;
    const connection = this.connection as Connection;
    const sender = connection.open_sender({ target: { address: target } });
    sender.on('sendable', () => void this.pump());
    sender.on('accepted', (context: EventContext) => this.settled(context, 'accepted'));
    sender.on('released', (context: EventContext) => this.settled(context, 'released'));
    sender.on('modified', (context: EventContext) => this.settled(context, 'released'));
    sender.on('rejected', (context: EventContext) => this.settled(context, 'rejected'));
    sender.on('sender_error', (context: EventContext) => {
      this.logger.warn({ target, error: String(context.sender?.error ?? 'unknown') }, 'sender closed by the broker');
    });
    sender.on('sender_close', () => {
      if (this.senders.get(target) === sender) this.senders.delete(target);
      this.requeueUnsettled((entry) => entry.target === target);
    });
    this.senders.set(target, sender);
    return sender;
  }

  private settled(context: EventContext, outcome: 'accepted' | 'released' | 'rejected'): void {
    const delivery = context.delivery;
    const pending = delivery === undefined ? undefined : this.unsettled.get(delivery);
    if (delivery === undefined || pending === undefined) return;
    this.unsettled.delete(delivery);
    pending.delivery = undefined;
    if (outcome === 'accepted') {
      this.finish(pending);
    } else if (outcome === 'rejected') {
      const remote = (delivery.remote_state as { error?: { description?: string } } | undefined)?.error?.description;
      this.finish(pending, new MessagingUnavailableError(`The message broker rejected the message${remote ? `: ${remote}` : ''}`));
    } else {
      setTimeout(() => {
        if (this.state === 'closed' || !this.isPending(pending)) return;
        pending.queued = true;
        this.outbox.unshift(pending);
        void this.pump();
      }, 100);
    }
  }

  private isPending(pending: PendingSend): boolean {
    return !pending.done && !pending.queued;
  }

  private requeueUnsettled(match: (entry: PendingSend) => boolean): void {
    const again = [...this.unsettled].filter(([, entry]) => match(entry));
    for (const [delivery, entry] of again) {
      this.unsettled.delete(delivery);
      entry.delivery = undefined;
      entry.queued = true;
    }
    this.outbox.unshift(...again.map(([, entry]) => entry));
  }

  private connectOnce(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const hosts = this.settings.broker.hosts;
    const host = hosts[this.hostIndex % hosts.length];
    if (host === undefined) return;
    const queues: QueueDeclaration[] = [...this.consumers].flatMap((consumer) => [...consumer.queues]);
    this.declared.clear();
    declareTopology(host, this.settings.topology, queues)
      .then(() => {
        for (const declaration of queues) this.declared.add(declaration.queue);
        if (this.state === 'closed') return;
        const common = {
          host: host.host,
          port: host.port,
          username: host.username,
          password: host.password,
          hostname: `vhost:${this.settings.topology.vhost}`,
          reconnect: false,
          idle_time_out: this.settings.idleTimeoutMs,
        };
        const connection = this.settings.topology.tls
          ? this.container.connect({ ...common, transport: 'tls', servername: host.host })
          : this.container.connect({ ...common, transport: 'tcp' });
        this.watch(connection, host.host, host.port);
      })
      .catch((error: unknown) => this.attemptFailed(error as Error));
  }

  private watch(connection: Connection, hostName: string, port: number): void {
    let opened = false;
    let ended = false;
    // rhea may report one failure several ways (connection_close, then disconnected); act on the first.
    const lost = (error: Error): void => {
      if (ended) return;
      ended = true;
      if (!opened) this.attemptFailed(error);
      else if (this.connection === connection) this.connectionLost(error);
      try {
        connection.socket?.destroy();
      } catch {
        // already closed
      }
    };
    connection.on('connection_open', () => {
      if (this.state === 'closed') {
        ended = true;
        connection.close();
        return;
      }
      opened = true;
      this.connection = connection;
      this.generation += 1;
      this.state = 'open';
      this.delayMs = this.settings.reconnectInitialDelayMs;
      this.lastError = undefined;
      this.logger.info({ host: hostName, port }, 'connected to the message broker');
      for (const consumer of this.consumers) {
        this.attachConsumer(consumer).catch((error: unknown) => this.logger.error({ err: error, queues: consumer.queues.map((entry) => entry.queue) }, 'cannot consume'));
      }
      for (const waiter of [...this.openWaiters]) waiter();
      void this.pump();
    });
    connection.on('connection_close', (context: EventContext) => lost(new Error(`broker closed the connection: ${String(context.connection.error ?? 'no reason')}`)));
    connection.on('disconnected', (context: EventContext) => lost(new Error(`disconnected: ${String((context as { error?: Error }).error?.message ?? 'socket closed')}`)));
    connection.on('connection_error', (context: EventContext) => this.logger.warn({ error: String(context.connection.error ?? '') }, 'connection error'));
    connection.on('error', (error: Error) => this.logger.warn({ err: error }, 'AMQP error'));
    connection.on('protocol_error', (error: Error) => this.logger.warn({ err: error }, 'AMQP protocol error'));
  }

  private attemptFailed(error: Error): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.logger.warn({ err: error.message, retryInMs: this.delayMs }, 'cannot connect to the message broker');
    this.hostIndex += 1;
    this.scheduleReconnect();
  }

  private connectionLost(error: Error): void {
    if (this.state !== 'open') return;
    this.state = 'connecting';
    this.lastError = error;
    this.logger.warn({ err: error.message }, 'lost the connection to the message broker; reconnecting');
    const connection = this.connection;
    this.connection = undefined;
    this.generation += 1;
    this.senders.clear();
    for (const consumer of this.consumers) consumer.detach();
    this.requeueUnsettled(() => true);
    try {
      connection?.socket?.destroy();
    } catch {
      // already closed
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed') return;
    const jittered = Math.round(this.delayMs * (0.8 + Math.random() * 0.4));
    this.delayMs = Math.min(this.delayMs * 2, this.settings.reconnectMaxDelayMs);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectOnce(), jittered);
  }
}

/** The transport settings a configuration describes. */
export function amqpSettingsFromConfig(config: TroveConfig, processName: string): AmqpTransportSettings {
  const rabbit = config.oslo_messaging_rabbit;
  const broker = parseTransportUrl(config.DEFAULT.transport_url);
  return {
    broker,
    topology: {
      vhost: broker.vhost,
      exchange: config.DEFAULT.control_exchange,
      durable: rabbit.amqp_durable_queues,
      autoDelete: rabbit.amqp_auto_delete,
      replyTtlMs: rabbit.rabbit_transient_queues_ttl * 1000,
      tls: rabbit.ssl,
      timeoutMs: 10_000,
    },
    addressFormat: rabbit.amqp_address_format as AddressFormat,
    processName,
    publishTimeoutMs: rabbit.publish_timeout * 1000,
    reconnectInitialDelayMs: rabbit.reconnect_initial_delay_ms,
    reconnectMaxDelayMs: rabbit.reconnect_max_delay_ms,
    idleTimeoutMs: rabbit.heartbeat_timeout_threshold * 1000,
  };
}

/**
 * Connects to the broker named by `transport_url` (first host first, the others on failure) and declares
 * `control_exchange`. Waits for the first connection at most `publish_timeout`.
 * @throws ConfigError for a malformed transport_url; MessagingUnavailableError when no broker answers in time
 */
export async function connectTransport(config: TroveConfig, logger: Logger, options: { processName: string }): Promise<Transport> {
  const settings = amqpSettingsFromConfig(config, options.processName);
  const transport = new AmqpTransport(settings, logger);
  try {
    await transport.start(settings.publishTimeoutMs);
  } catch (error) {
    await transport.close();
    throw error;
  }
  return transport;
}
