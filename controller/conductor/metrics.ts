/**
 * prom-client metrics of trove-conductor: what happened to each heartbeat and guest message, how large and
 * how slow the heartbeat batches are, and how many guests have gone silent. Registered once per registry, so
 * tests (and several services in one process) use their own `Registry`.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

/** What became of a heartbeat. */
export type HeartbeatOutcome =
  /** Written: status and `updated_at` set, last-seen time stored. */
  | 'applied'
  /** Not newer than the last heartbeat stored for the instance (`conductor_lastseen`). */
  | 'stale'
  /** Replaced in its batch by a newer heartbeat of the same instance. */
  | 'coalesced'
  /** The stored status is RESTART_REQUIRED, which only a restart clears (Trove ignores the heartbeat). */
  | 'restart_required'
  /** No `service_statuses` row for the instance. */
  | 'unknown_instance'
  /** The reported status description is not one of Trove's. */
  | 'unknown_status'
  /** Sealed by one instance but naming another, or unsealed although secure messaging is on. */
  | 'rejected';

/** What became of an `update_backup`, `report_root`, `notify_end` or `notify_exc_info` message. */
export type MessageOutcome = 'applied' | 'stale' | 'ignored' | 'invalid' | 'rejected';

/** The conductor's metrics. */
export interface ConductorMetrics {
  heartbeats: Counter<'outcome'>;
  messages: Counter<'method' | 'outcome'>;
  /** Heartbeats per database batch (after coalescing). */
  batchSize: Histogram;
  /** Time to apply one batch: its transaction, from BEGIN to COMMIT. */
  batchSeconds: Histogram;
  /** Time from a heartbeat's arrival to the commit of its batch (when its message is settled). */
  heartbeatSettleSeconds: Histogram;
  /** Batch transactions retried after a deadlock or lock timeout. */
  batchRetries: Counter;
  /** Active instances whose last heartbeat is older than `agent_heartbeat_expiry` (expiry sweeper). */
  silentGuests: Gauge;
}

const byRegistry = new WeakMap<Registry, ConductorMetrics>();

/** The conductor's metrics in `registry`, created on first use. @default prom-client's global registry */
export function conductorMetrics(registry: Registry = defaultRegistry): ConductorMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: ConductorMetrics = {
    heartbeats: new Counter({ name: 'trove_conductor_heartbeats_total', help: 'Heartbeats received, by outcome.', labelNames: ['outcome'], registers }),
    messages: new Counter({
      name: 'trove_conductor_messages_total',
      help: 'Guest messages other than heartbeats, by method and outcome.',
      labelNames: ['method', 'outcome'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'trove_conductor_heartbeat_batch_size',
      help: 'Heartbeats written per database batch.',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'trove_conductor_heartbeat_batch_seconds',
      help: 'Time to apply one heartbeat batch transaction.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    heartbeatSettleSeconds: new Histogram({
      name: 'trove_conductor_heartbeat_settle_seconds',
      help: 'Time from a heartbeat\'s arrival to the commit of its batch.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchRetries: new Counter({ name: 'trove_conductor_heartbeat_batch_retries_total', help: 'Heartbeat batches retried after a deadlock or lock wait timeout.', registers }),
    silentGuests: new Gauge({ name: 'trove_conductor_silent_guests', help: 'Active instances whose last heartbeat is older than agent_heartbeat_expiry.', registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
