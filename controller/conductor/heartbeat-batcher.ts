/**
 * Collects heartbeats and writes them in batches (DESIGN §6: a deliberate deviation from Trove's one UPDATE
 * per heartbeat). A batch closes after `batchMs` from its first heartbeat or when it holds `batchSize`; one
 * batch is written at a time while the next one fills. `submit` resolves only after the batch holding the
 * heartbeat has committed, and the RPC server settles the message only then: a crash before COMMIT leaves
 * the messages unsettled, so the broker delivers them again (at least once). A failed batch rejects every
 * heartbeat in it, and the RPC server releases their messages for redelivery.
 *
 * Life cycle: open → draining (`drain()`: every heartbeat is written at once, no more waiting) → closed
 * (`close()`: pending heartbeats written; later submissions are refused).
 */
import type { Logger } from '../../shared/logging/index.js';
import type { HeartbeatEntry, PlannedOutcome } from './heartbeat-plan.js';
import type { HeartbeatStore } from './heartbeat-store.js';
import type { ConductorMetrics } from './metrics.js';

/** Options to configure the batcher. */
export interface HeartbeatBatcherOptions {
  store: HeartbeatStore;
  /** `[conductor] heartbeat_batch_ms`: the longest a heartbeat waits for its batch to fill; 0 = next tick. */
  batchMs: number;
  /** `[conductor] heartbeat_batch_size`. */
  batchSize: number;
  metrics: ConductorMetrics;
  logger: Logger;
  /** Monotonic milliseconds, for latencies. @default performance.now */
  clock?: () => number;
}

/** The batcher's state; see the module comment. */
export type BatcherState = 'open' | 'draining' | 'closed';

interface Waiting {
  entry: HeartbeatEntry;
  arrivedAt: number;
  resolve(outcome: PlannedOutcome): void;
  reject(error: unknown): void;
}

/** Thrown by `submit` after `close()`: the heartbeat was not taken and its message must be redelivered. */
export class BatcherClosedError extends Error {
  constructor() {
    super('The heartbeat batcher is closed');
    this.name = 'BatcherClosedError';
  }
}

export class HeartbeatBatcher {
  private pending: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private writing: Promise<void> | undefined;
  private due = false;
  private current: BatcherState = 'open';
  private readonly clock: () => number;
  private readonly logger: Logger;

  constructor(private readonly options: HeartbeatBatcherOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError('heartbeat batch size must be a positive integer');
    if (!Number.isFinite(options.batchMs) || options.batchMs < 0) throw new RangeError('heartbeat batch time must be zero or more milliseconds');
    this.clock = options.clock ?? (() => performance.now());
    this.logger = options.logger.child({ component: 'heartbeat-batcher' });
  }

  get state(): BatcherState {
    return this.current;
  }

  /** Heartbeats waiting for a batch (not counting the batch being written). */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Queues a heartbeat; resolves with its fate once its batch has committed. */
  submit(entry: HeartbeatEntry): Promise<PlannedOutcome> {
    if (this.current === 'closed') return Promise.reject(new BatcherClosedError());
    return new Promise<PlannedOutcome>((resolve, reject) => {
      this.pending.push({ entry, arrivedAt: this.clock(), resolve, reject });
      if (this.pending.length >= this.options.batchSize || this.current === 'draining') this.markDue();
      else this.armTimer();
    });
  }

  /** Stops waiting for batches to fill: what is pending, and what arrives from now on, is written at once. */
  drain(): void {
    if (this.current === 'open') this.current = 'draining';
    if (this.pending.length > 0) this.markDue();
  }

  /** Writes everything pending, waits for it, and refuses later heartbeats. */
  async close(): Promise<void> {
    this.drain();
    this.current = 'closed';
    while (this.writing !== undefined || this.pending.length > 0) {
      if (this.writing === undefined) this.markDue();
      await this.writing;
    }
    this.clearTimers();
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.immediate !== undefined || this.due) return;
    if (this.options.batchMs === 0) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.markDue();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.markDue();
      }, this.options.batchMs);
    }
  }

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** A batch should be written as soon as the previous one is done. */
  private markDue(): void {
    this.due = true;
    this.clearTimers();
    if (this.writing === undefined) this.writing = this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.due && this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.batchSize);
        // A full batch may already wait behind this one; otherwise the rest waits for its own timer.
        this.due = this.pending.length >= this.options.batchSize || this.current !== 'open';
        await this.write(batch);
      }
    } finally {
      this.due = false;
      this.writing = undefined;
      if (this.pending.length > 0) {
        if (this.pending.length >= this.options.batchSize || this.current !== 'open') this.markDue();
        else this.armTimer();
      }
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    const { metrics } = this.options;
    const started = this.clock();
    let outcomes: PlannedOutcome[];
    try {
      outcomes = await this.options.store.applyBatch(batch.map((waiting) => waiting.entry));
    } catch (error) {
      this.logger.error({ err: error, size: batch.length }, 'heartbeat batch failed; its messages will be redelivered');
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    const finished = this.clock();
    metrics.batchSize.observe(batch.length);
    metrics.batchSeconds.observe((finished - started) / 1000);
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index] ?? 'unknown_instance';
      metrics.heartbeats.inc({ outcome });
      metrics.heartbeatSettleSeconds.observe((finished - waiting.arrivedAt) / 1000);
      waiting.resolve(outcome);
    });
    this.logger.debug({ size: batch.length, ms: Math.round(finished - started) }, 'heartbeat batch written');
  }
}
