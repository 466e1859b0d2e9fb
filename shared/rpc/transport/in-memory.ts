/**
 * An in-process broker for unit tests: several transports (one per simulated process) share one
 * `InMemoryBroker`; `createInMemoryTransport()` without a broker gets a private one, which is enough when all
 * clients and servers of a test use the same transport. It honours topics and server queues, round-robin
 * among consumers, prefetch, call TTLs, redelivery of released deliveries (and of unsettled ones when a
 * consumer closes), and can simulate an outage (`broker.setAvailable(false)`): publishes then wait until the
 * broker is back or their deadline passes, as with the AMQP transport.
 */
import { MessagingUnavailableError } from '../errors.js';
import { newMessageId } from '../envelope.js';
import {
  routingKey,
  type Address,
  type Consumer,
  type Delivery,
  type ListenOptions,
  type PublishOptions,
  type Transport,
  type WireMessage,
} from './transport.js';

interface Entry {
  message: WireMessage;
  expiresAt: number | undefined;
  redelivered: boolean;
}

class MemoryConsumer implements Consumer {
  readonly outstanding = new Map<Entry, MemoryQueue>();
  paused = false;
  closed = false;

  constructor(
    readonly queues: MemoryQueue[],
    readonly prefetch: number,
    readonly onDelivery: (delivery: Delivery) => void,
  ) {}

  hasCapacity(): boolean {
    return !this.paused && !this.closed && this.outstanding.size < this.prefetch;
  }

  pause(): void {
    this.paused = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.queues) queue.removeConsumer(this);
    const returned = [...this.outstanding];
    this.outstanding.clear();
    for (const [entry, queue] of returned) queue.requeue(entry);
  }
}

class MemoryQueue {
  readonly entries: Entry[] = [];
  private readonly consumers: MemoryConsumer[] = [];
  private next = 0;
  private scheduled = false;

  constructor(readonly name: string) {}

  push(entry: Entry): void {
    this.entries.push(entry);
    this.schedule();
  }

  requeue(entry: Entry): void {
    this.entries.unshift({ ...entry, redelivered: true });
    this.schedule();
  }

  addConsumer(consumer: MemoryConsumer): void {
    this.consumers.push(consumer);
    this.schedule();
  }

  removeConsumer(consumer: MemoryConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private pickConsumer(): MemoryConsumer | undefined {
    for (let tried = 0; tried < this.consumers.length; tried++) {
      const consumer = this.consumers[(this.next + tried) % this.consumers.length];
      if (consumer?.hasCapacity()) {
        this.next = (this.next + tried + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  private dispatch(): void {
    while (this.entries.length > 0) {
      const head = this.entries[0] as Entry;
      if (head.expiresAt !== undefined && head.expiresAt <= Date.now()) {
        this.entries.shift();
        continue;
      }
      const consumer = this.pickConsumer();
      if (consumer === undefined) return;
      this.entries.shift();
      consumer.outstanding.set(head, this);
      let settled = false;
      const settle = (requeue: boolean): void => {
        if (settled) return;
        settled = true;
        if (!consumer.outstanding.delete(head)) return;
        if (requeue) this.requeue(head);
        this.schedule();
      };
      const delivery: Delivery = {
        message: head.message,
        redelivered: head.redelivered,
        accept: () => settle(false),
        reject: () => settle(false),
        release: () => settle(true),
      };
      consumer.onDelivery(delivery);
    }
  }
}

/** The shared state of simulated processes: queues by name. */
export class InMemoryBroker {
  private readonly queues = new Map<string, MemoryQueue>();
  private available = true;
  private readonly waiters = new Set<() => void>();

  /** The queue of that name, created when `create` is set. */
  queue(name: string, create: boolean): MemoryQueue | undefined {
    let queue = this.queues.get(name);
    if (queue === undefined && create) {
      queue = new MemoryQueue(name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Messages waiting (not handed out) in a queue; 0 when it does not exist. */
  depth(name: string): number {
    return this.queues.get(name)?.entries.length ?? 0;
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Simulates an outage (false) and recovery (true). */
  setAvailable(available: boolean): void {
    this.available = available;
    if (available) {
      for (const wake of [...this.waiters]) wake();
    }
  }

  /** Resolves when the broker is available; rejects at the deadline. */
  async whenAvailable(deadline: number): Promise<void> {
    if (this.available) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new MessagingUnavailableError('Broker unavailable: message not accepted before its deadline'));
      }, Math.max(0, deadline - Date.now()));
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}

/** Options to configure an in-memory transport. */
export interface InMemoryTransportOptions {
  /** Share a broker between transports to simulate several processes. @default a new broker */
  broker?: InMemoryBroker;
  /** @default 60000 */
  publishTimeoutMs?: number;
}

/** A transport over an in-memory broker; `broker` is exposed for tests. */
export interface InMemoryTransport extends Transport {
  readonly broker: InMemoryBroker;
}

/** Creates an in-process transport (see the module comment). */
export function createInMemoryTransport(options: InMemoryTransportOptions = {}): InMemoryTransport {
  const broker = options.broker ?? new InMemoryBroker();
  const publishTimeoutMs = options.publishTimeoutMs ?? 60_000;
  const replyQueue = `reply_${newMessageId()}`;
  const consumers = new Set<MemoryConsumer>();
  const replyListeners = new Set<(message: WireMessage) => void>();
  let replyConsumer: MemoryConsumer | undefined;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new MessagingUnavailableError('Transport is closed');
  }

  async function deliver(queueName: string, message: WireMessage, create: boolean, deadline: number): Promise<void> {
    assertOpen();
    await broker.whenAvailable(deadline);
    assertOpen();
    const queue = broker.queue(queueName, create);
    // Unroutable messages vanish, as a non-mandatory AMQP publish does.
    queue?.push({ message: { ...message }, expiresAt: message.ttlMs === undefined ? undefined : Date.now() + message.ttlMs, redelivered: false });
  }

  function consume(queues: MemoryQueue[], onDelivery: (delivery: Delivery) => void, prefetch: number): MemoryConsumer {
    const consumer = new MemoryConsumer(queues, prefetch, onDelivery);
    consumers.add(consumer);
    for (const queue of queues) queue.addConsumer(consumer);
    return consumer;
  }

  return {
    broker,
    replyQueue,
    async publish(address: Address, message: WireMessage, publishOptions: PublishOptions = {}): Promise<void> {
      await deliver(routingKey(address), message, publishOptions.ensureQueue ?? false, publishOptions.deadline ?? Date.now() + publishTimeoutMs);
    },
    async sendReply(queue: string, message: WireMessage): Promise<void> {
      await deliver(queue, message, false, Date.now() + publishTimeoutMs);
    },
    async listen(address: Address, onDelivery: (delivery: Delivery) => void, listenOptions: ListenOptions): Promise<Consumer> {
      assertOpen();
      const names = address.server === undefined ? [address.topic] : [address.topic, routingKey(address)];
      const consumer = consume(names.map((name) => broker.queue(name, true) as MemoryQueue), onDelivery, listenOptions.prefetch);
      return {
        pause: () => consumer.pause(),
        close: async () => {
          consumers.delete(consumer);
          await consumer.close();
        },
      };
    },
    async listenReplies(onReply: (message: WireMessage) => void): Promise<() => void> {
      assertOpen();
      replyListeners.add(onReply);
      replyConsumer ??= consume([broker.queue(replyQueue, true) as MemoryQueue], (delivery) => {
        delivery.accept();
        for (const listener of [...replyListeners]) listener(delivery.message);
      }, 1000);
      return () => {
        replyListeners.delete(onReply);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const consumer of [...consumers]) await consumer.close();
      consumers.clear();
      replyListeners.clear();
    },
  };
}
