/**
 * A consumer of one or more queues over AMQP 1.0 links that survives reconnects: the transport calls
 * `attach` on every new connection. Credit is managed by hand so that about `prefetch` deliveries per
 * queue are unsettled at once (rhea's own window refills on arrival, not on settlement). Credit is topped
 * up in batches, once half of it is used: RabbitMQ 3.x sets the link credit from each flow frame without
 * counting deliveries in flight (rabbitmq-server#2597, fixed in 4.0), so every top-up may let a few extra
 * deliveries through (rhea then logs "Received transfer when credit was 0"); fewer top-ups, fewer extras.
 * A delivery settled after its connection died is ignored: the broker has already put it back.
 */
import type { Connection, EventContext, Receiver } from 'rhea';
import type { Logger } from '../../logging/index.js';
import type { QueueDeclaration } from './amqp-topology.js';
import type { Consumer, Delivery } from './transport.js';

/** Reads an AMQP body as text: a data section (what 0-9-1 publishers and we send) or a string value. */
export function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const section = body as { typecode?: number; content?: unknown } | undefined;
  if (section?.typecode === 0x75) {
    const content = section.content;
    if (Buffer.isBuffer(content)) return content.toString('utf8');
    if (Array.isArray(content) && content.every((part) => Buffer.isBuffer(part))) return Buffer.concat(content as Buffer[]).toString('utf8');
  }
  return undefined;
}

/** What a consumer needs from its transport. */
export interface ConsumerHost {
  source(queue: string): string;
  logger: Logger;
  /** The current connection generation; deliveries of older generations cannot be settled. */
  epoch(): number;
  /** Called when the consumer closes for good. */
  forget(consumer: AmqpConsumer): void;
}

export class AmqpConsumer implements Consumer {
  private receivers: Receiver[] = [];
  private paused = false;
  private closed = false;

  constructor(
    readonly queues: readonly QueueDeclaration[],
    private readonly onDelivery: (delivery: Delivery) => void,
    private readonly prefetch: number,
    private readonly host: ConsumerHost,
  ) {}

  /** Opens one receiver per queue on a fresh connection. */
  attach(connection: Connection): void {
    if (this.closed) return;
    const epoch = this.host.epoch();
    this.receivers = this.queues.map((declaration) => {
      const receiver = connection.open_receiver({ source: { address: this.host.source(declaration.queue) }, autoaccept: false, credit_window: 0 });
      const link = { receiver, outstanding: 0 };
      receiver.on('receiver_open', () => this.topUp(link));
      receiver.on('message', (context: EventContext) => this.onMessage(context, link, epoch));
      receiver.on('receiver_error', (context: EventContext) => {
        this.host.logger.warn({ queue: declaration.queue, error: String(context.receiver?.error ?? 'unknown') }, 'receiver closed by the broker');
      });
      return receiver;
    });
  }

  /** Forgets links of a dead connection. */
  detach(): void {
    this.receivers = [];
  }

  pause(): void {
    this.paused = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.host.forget(this);
    for (const receiver of this.receivers) {
      try {
        receiver.close();
      } catch {
        // the connection is already gone
      }
    }
    this.receivers = [];
  }

  private topUp(link: { receiver: Receiver; outstanding: number }): void {
    if (this.paused || this.closed) return;
    // rhea keeps the remaining link credit in `credit` (not in its typings).
    const available = (link.receiver as unknown as { credit: number }).credit + link.outstanding;
    if (available <= this.prefetch / 2) link.receiver.add_credit(this.prefetch - available);
  }

  private onMessage(context: EventContext, link: { receiver: Receiver; outstanding: number }, epoch: number): void {
    const receiver = link.receiver;
    const amqpDelivery = context.delivery;
    const message = context.message;
    if (amqpDelivery === undefined || message === undefined) return;
    if (this.paused || this.closed) {
      amqpDelivery.release();
      return;
    }
    const body = bodyText(message.body);
    if (body === undefined) {
      this.host.logger.warn({ queue: receiver.source?.address }, 'dropped a message without a text or data body');
      amqpDelivery.reject({ condition: 'amqp:decode-error', description: 'body must be JSON text' });
      this.topUp(link);
      return;
    }
    link.outstanding += 1;
    let settled = false;
    const settle = (how: 'accept' | 'release' | 'reject'): void => {
      if (settled) return;
      settled = true;
      link.outstanding -= 1;
      if (epoch !== this.host.epoch()) return;
      try {
        if (how === 'accept') amqpDelivery.accept();
        else if (how === 'release') amqpDelivery.release();
        else amqpDelivery.reject();
        this.topUp(link);
      } catch (error) {
        this.host.logger.debug({ err: error }, 'could not settle a delivery');
      }
    };
    const header = message as { first_acquirer?: boolean; delivery_count?: number };
    const delivery: Delivery = {
      message: { body },
      redelivered: header.first_acquirer === false || (header.delivery_count ?? 0) > 0,
      accept: () => settle('accept'),
      release: () => settle('release'),
      reject: () => settle('reject'),
    };
    this.onDelivery(delivery);
  }
}
