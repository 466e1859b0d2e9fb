/** `[oslo_messaging_rabbit]` and `[upgrade_levels]`: broker details beyond transport_url. */
import { opt } from '../options.js';

export const rabbitGroup = {
  amqp_durable_queues: opt.boolean(true, 'Declare the RPC exchange and server queues durable. trove-ts: default true (Trove: false) so casts survive a broker restart; set false only to share queues with stock Trove processes that keep their default.'),
  amqp_auto_delete: opt.boolean(false, 'Declare RPC queues auto-delete.'),
  rabbit_transient_queues_ttl: opt.integer(1800, 'Seconds an unused reply or fanout queue lives.', { min: 1 }),
  heartbeat_timeout_threshold: opt.integer(60, 'Seconds without broker traffic after which the connection is considered dead (0 disables).', { min: 0 }),
  amqp_address_format: opt.string('v1', 'trove-ts: AMQP 1.0 address format: v1 (RabbitMQ 3.x with the rabbitmq_amqp1_0 plugin) or v2 (RabbitMQ 4.x).', { choices: ['v1', 'v2'] }),
  reconnect_initial_delay_ms: opt.integer(200, 'trove-ts: first delay before reconnecting to the broker (doubles up to the maximum).', { min: 10 }),
  reconnect_max_delay_ms: opt.integer(10000, 'trove-ts: longest delay between reconnect attempts.', { min: 100 }),
  prefetch: opt.integer(64, 'trove-ts: messages a consumer may hold unsettled at once.', { min: 1 }),
  ssl: opt.boolean(false, 'Connect to the broker with TLS.'),
  publish_timeout: opt.integer(60, 'trove-ts: seconds a message may wait for the broker (while reconnecting) before the sender gets MESSAGING_UNAVAILABLE.', { min: 1 }),
  cast_max_attempts: opt.integer(5, 'trove-ts: times a cast handler is tried (the message is redelivered after each failure) before the cast is dropped, logged and counted.', { min: 1 }),
  sealed_cast_max_age: opt.integer(3600, 'trove-ts: seconds a sealed cast may wait in its queue (e.g. prepare for a guest still booting) before it is refused as stale; calls use their timeout.', { min: 1 }),
};

export const upgradeLevelsGroup = {
  taskmanager: opt.string('latest', 'RPC version cap for the taskmanager.'),
  guestagent: opt.string('latest', 'RPC version cap for guest agents.'),
  conductor: opt.string('latest', 'RPC version cap for the conductor.'),
};
