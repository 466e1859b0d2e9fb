/**
 * prom-client counters of the RPC layer, registered once per registry. A process exports them with the rest
 * of its metrics (`register.metrics()`); tests pass their own `Registry`.
 */
import { Counter, register as defaultRegistry, type Registry } from 'prom-client';

/** The RPC layer's counters. */
export interface RpcMetrics {
  /** Inbound messages refused (bad seal, wrong or unknown instance, replayed, stale, malformed, unsealed). */
  rejected: Counter<'topic' | 'reason'>;
  /** Redelivered or duplicated messages skipped because their unique id was already handled. */
  duplicates: Counter<'topic'>;
  /** Handler failures (calls answered with a failure, casts released for redelivery). */
  handlerFailures: Counter<'topic' | 'method'>;
  /** Casts dropped after their last attempt failed. */
  dropped: Counter<'topic' | 'method'>;
}

const byRegistry = new WeakMap<Registry, RpcMetrics>();

/** The RPC counters in `registry` (created on first use). @default prom-client's global registry */
export function rpcMetrics(registry: Registry = defaultRegistry): RpcMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: RpcMetrics = {
    rejected: new Counter({ name: 'trove_rpc_messages_rejected_total', help: 'Inbound RPC messages refused, by reason.', labelNames: ['topic', 'reason'], registers }),
    duplicates: new Counter({ name: 'trove_rpc_messages_duplicate_total', help: 'Inbound RPC messages skipped as already handled.', labelNames: ['topic'], registers }),
    handlerFailures: new Counter({ name: 'trove_rpc_handler_failures_total', help: 'RPC handler failures.', labelNames: ['topic', 'method'], registers }),
    dropped: new Counter({ name: 'trove_rpc_casts_dropped_total', help: 'Casts dropped after their last attempt failed.', labelNames: ['topic', 'method'], registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
