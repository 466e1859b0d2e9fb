/**
 * Typed RPC over a message broker (DESIGN D2/D3): contracts declared once (`contract.ts`, `contracts/`),
 * generic clients and servers over them, oslo.messaging's envelope, sealing codecs, and transports (AMQP 1.0
 * on RabbitMQ via rhea; in-memory for unit tests). See docs/messaging.md.
 */
export * from './contract.js';
export * from './contracts/index.js';
export { createRpcClient } from './client.js';
export type { RpcClientOptions } from './client.js';
export { serveRpc } from './server.js';
export type { RpcServer, RpcServerOptions } from './server.js';
export { createCodec, castTtlMs, taskmanagerSealing, guestSealing, instanceLookupSealing } from './sealing.js';
export type { Sealing, SealingTuning, CodecName } from './sealing.js';
export type { MessageCodec, OpenedRequest, RequestParts, ReplyParts, KeyUse, SealBinding } from './codecs/codec.js';
export { rpcTimeoutsFromConfig } from './timeouts.js';
export type { RpcTimeouts } from './timeouts.js';
export { rpcMetrics } from './metrics.js';
export type { RpcMetrics } from './metrics.js';
export { MessageRejectedError, MessagingUnavailableError } from './errors.js';
export type { RejectReason } from './errors.js';
export {
  encodeEnvelope,
  decodeEnvelope,
  newMessageId,
  writeRequestHeader,
  readRequestHeader,
  packContext,
  unpackContext,
  encodeFailure,
  decodeFailure,
  OSLO_VERSION,
} from './envelope.js';
export type { InnerMessage, RequestHeader } from './envelope.js';
export { routingKey } from './transport/transport.js';
export type { Transport, WireMessage, Address, Delivery, Consumer, PublishOptions, ListenOptions } from './transport/transport.js';
export { createInMemoryTransport, InMemoryBroker } from './transport/in-memory.js';
export type { InMemoryTransport, InMemoryTransportOptions } from './transport/in-memory.js';
export { connectTransport, AmqpTransport, amqpSettingsFromConfig } from './transport/amqp.js';
export type { AmqpTransportSettings } from './transport/amqp.js';
export { parseTransportUrl } from './transport/amqp-url.js';
export type { BrokerUrl, BrokerHost } from './transport/amqp-url.js';
export { addressScheme } from './transport/amqp-addresses.js';
export type { AddressFormat, AddressScheme } from './transport/amqp-addresses.js';
export { TopologySession, TopologyError } from './transport/amqp091.js';
