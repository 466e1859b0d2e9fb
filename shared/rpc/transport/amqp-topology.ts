/**
 * The broker objects trove-ts needs, declared over AMQP 0-9-1 (see amqp091.ts) at every (re)connect and on
 * first use: the topic exchange `control_exchange`, server queues bound by their own name as routing key
 * (oslo's layout: `<topic>` and `<topic>.<server>`), and the process's reply queue with `x-expires`.
 */
import { TopologySession } from './amqp091.js';
import type { BrokerHost } from './amqp-url.js';

/** How objects are declared (from `[DEFAULT] control_exchange` and `[oslo_messaging_rabbit]`). */
export interface TopologySettings {
  vhost: string;
  exchange: string;
  /** `amqp_durable_queues` */
  durable: boolean;
  /** `amqp_auto_delete` */
  autoDelete: boolean;
  /** `rabbit_transient_queues_ttl` in ms, for the reply queue. */
  replyTtlMs: number;
  tls: boolean;
  timeoutMs: number;
}

/** A queue to declare: a server queue (bound to the exchange by its name) or a reply queue. */
export interface QueueDeclaration {
  queue: string;
  kind: 'server' | 'reply';
}

/** Declares the exchange and the given queues in one short 0-9-1 session. */
export async function declareTopology(host: BrokerHost, settings: TopologySettings, queues: readonly QueueDeclaration[]): Promise<void> {
  const session = await TopologySession.open(host, settings.vhost, { tls: settings.tls, timeoutMs: settings.timeoutMs });
  try {
    await session.declareExchange(settings.exchange, 'topic', { durable: settings.durable, autoDelete: settings.autoDelete });
    for (const declaration of queues) {
      if (declaration.kind === 'reply') {
        await session.declareQueue(declaration.queue, { durable: false, autoDelete: false, expiresMs: settings.replyTtlMs });
      } else {
        await session.declareQueue(declaration.queue, { durable: settings.durable, autoDelete: settings.autoDelete });
        await session.bindQueue(declaration.queue, settings.exchange, declaration.queue);
      }
    }
  } finally {
    await session.close();
  }
}
