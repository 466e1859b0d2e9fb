/**
 * Real-broker helpers for the RPC integration tests: every run uses its own exchange and topic names, and
 * deletes what it declared (queues, reply queues, the exchange) afterwards, because other engineers' tests
 * share the broker at 127.0.0.1:5672.
 */
import { randomBytes } from 'node:crypto';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../shared/config/index.js';
import { TopologySession } from '../../../shared/rpc/index.js';

export const BROKER = { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' };

/** A name unique to this run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A configuration pointing at the local broker, with this run's exchange. */
export function brokerConfig(exchange: string, overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
  return defaultConfig({
    ...overrides,
    DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/', control_exchange: exchange, ...overrides.DEFAULT },
    oslo_messaging_rabbit: { reconnect_initial_delay_ms: 100, reconnect_max_delay_ms: 1000, ...overrides.oslo_messaging_rabbit },
  });
}

/** Deletes queues and an exchange, ignoring those that do not exist. */
export async function deleteTopology(exchange: string, queues: Iterable<string>): Promise<void> {
  for (const queue of queues) {
    const session = await TopologySession.open(BROKER, '/', { tls: false, timeoutMs: 5000 });
    try {
      await session.deleteQueue(queue);
    } catch {
      // already gone
    } finally {
      await session.close();
    }
  }
  const session = await TopologySession.open(BROKER, '/', { tls: false, timeoutMs: 5000 });
  try {
    await session.deleteExchange(exchange);
  } catch {
    // already gone
  } finally {
    await session.close();
  }
}
