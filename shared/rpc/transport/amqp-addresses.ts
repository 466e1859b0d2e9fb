/**
 * AMQP 1.0 addresses for RabbitMQ, from one place (`[oslo_messaging_rabbit] amqp_address_format`):
 * - v1 (RabbitMQ 3.x with the rabbitmq_amqp1_0 plugin): publish to `/exchange/<x>` with the routing key
 *   as the message subject (one link for every topic), replies to `/queue` with the queue as subject,
 *   consume `/amq/queue/<q>` (an existing queue; never redeclared, so its flags cannot clash).
 * - v2 (RabbitMQ 4.x): `/exchanges/<x>/<key>`, `/queues/<q>`, percent-encoded; one link per destination.
 * Topology itself (exchange, queues, bindings) is declared separately (amqp091.ts), because neither
 * format can bind a queue to an exchange.
 */

export type AddressFormat = 'v1' | 'v2';

/** A link target plus the per-message subject that completes it. */
export interface SendAddress {
  target: string;
  subject?: string;
}

/** Builds addresses in one format. */
export interface AddressScheme {
  /** Where to publish to `exchange` with `routingKey`. */
  publish(exchange: string, routingKey: string): SendAddress;
  /** Where to send a reply for a reply queue. */
  reply(queue: string): SendAddress;
  /** The source address to consume a queue. */
  source(queue: string): string;
}

function encode(segment: string): string {
  return encodeURIComponent(segment);
}

export function addressScheme(format: AddressFormat): AddressScheme {
  if (format === 'v2') {
    return {
      publish: (exchange, routingKey) => ({ target: `/exchanges/${encode(exchange)}/${encode(routingKey)}` }),
      reply: (queue) => ({ target: `/queues/${encode(queue)}` }),
      source: (queue) => `/queues/${encode(queue)}`,
    };
  }
  return {
    publish: (exchange, routingKey) => ({ target: `/exchange/${exchange}`, subject: routingKey }),
    reply: (queue) => ({ target: '/queue', subject: queue }),
    source: (queue) => `/amq/queue/${queue}`,
  };
}
