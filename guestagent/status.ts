/**
 * The guest's service status (Trove's `BaseDbStatus`): what the agent reports to the conductor. Before
 * prepare has completed the status comes from the prepare phase; afterwards from the datastore's health
 * probe, polled every `[guest_agent] status_check_interval`. While a lifecycle operation (restart, stop,
 * upgrade) runs, polling pauses so transient states are not reported (Trove's `restart_mode`); the final
 * state is probed and reported when the operation ends. Every change is announced to listeners at once.
 *
 *   NEW ──prepare──▶ BUILDING ──ok──▶ (probe: HEALTHY | RUNNING | SHUTDOWN | PAUSED | CRASHED | UNKNOWN)
 *                        └──error──▶ FAILED          HEALTHY + static overrides pending ▶ RESTART_REQUIRED
 */
import type { Logger } from '../shared/logging/index.js';
import { ServiceStatus } from '../shared/models/index.js';

/** Where the agent is in the instance's life. */
export type PreparePhase = 'new' | 'building' | 'failed' | 'ready';

/** The probe the tracker polls once prepared. */
export interface StatusProbe {
  probeStatus(): Promise<ServiceStatus>;
}

/** Called with every status change. */
export type StatusListener = (status: ServiceStatus, previous: ServiceStatus) => void;

/** Options to configure the status tracker. */
export interface StatusTrackerOptions {
  probe: StatusProbe;
  initialPhase: PreparePhase;
  /** Probe period, ms (`status_check_interval`). */
  checkIntervalMs: number;
  logger: Logger;
}

/** Tracks and announces the service status. */
export class StatusTracker {
  private phase: PreparePhase;
  private status: ServiceStatus;
  private restartRequired = false;
  private operations = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<StatusListener>();
  private readonly logger: Logger;

  constructor(private readonly options: StatusTrackerOptions) {
    this.phase = options.initialPhase;
    this.status = this.phaseStatus() ?? ServiceStatus.UNKNOWN;
    this.logger = options.logger.child({ component: 'status' });
  }

  get current(): ServiceStatus {
    return this.status;
  }

  get preparePhase(): PreparePhase {
    return this.phase;
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts periodic probing (after an initial probe). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.refresh().finally(() => {
          if (this.timer) tick();
        });
      }, this.options.checkIntervalMs);
      this.timer.unref();
    };
    void this.refresh();
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  beginPrepare(): void {
    this.phase = 'building';
    this.restartRequired = false;
    this.set(ServiceStatus.BUILDING);
  }

  async endPrepare(): Promise<void> {
    this.phase = 'ready';
    await this.refresh();
  }

  failPrepare(): void {
    this.phase = 'failed';
    this.set(ServiceStatus.FAILED);
  }

  /** Static overrides were written but need a restart; reported until the next (re)start. */
  markRestartRequired(): void {
    this.restartRequired = true;
    if (this.status === ServiceStatus.HEALTHY) this.set(ServiceStatus.RESTART_REQUIRED);
  }

  /**
   * Runs a lifecycle operation with probing paused; probes and reports the outcome afterwards.
   * `clearsRestartRequired`: the operation (re)starts the datastore with its files.
   */
  async during<T>(operation: () => Promise<T>, options: { clearsRestartRequired?: boolean } = {}): Promise<T> {
    this.operations++;
    try {
      const result = await operation();
      if (options.clearsRestartRequired) this.restartRequired = false;
      return result;
    } finally {
      this.operations--;
      await this.refresh();
    }
  }

  /** Probes now (after any probe already running) and reports a change. */
  refresh(): Promise<ServiceStatus> {
    const next = this.chain.then(() => this.computeAndSet());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private phaseStatus(): ServiceStatus | undefined {
    switch (this.phase) {
      case 'new':
        return ServiceStatus.NEW;
      case 'building':
        return ServiceStatus.BUILDING;
      case 'failed':
        return ServiceStatus.FAILED;
      case 'ready':
        return undefined;
    }
  }

  private async computeAndSet(): Promise<ServiceStatus> {
    let probed: ServiceStatus | undefined;
    if (this.phase === 'ready' && this.operations === 0) {
      try {
        probed = await this.options.probe.probeStatus();
      } catch (error) {
        this.logger.warn({ err: error }, 'status probe failed');
        probed = ServiceStatus.UNKNOWN;
      }
    }
    // The phase or an operation may have changed while the probe ran; they win over its result.
    const fromPhase = this.phaseStatus();
    let status: ServiceStatus;
    if (fromPhase !== undefined) status = fromPhase;
    else if (this.operations > 0 || probed === undefined) status = this.status;
    else status = probed === ServiceStatus.HEALTHY && this.restartRequired ? ServiceStatus.RESTART_REQUIRED : probed;
    this.set(status);
    return status;
  }

  private set(status: ServiceStatus): void {
    if (status === this.status) return;
    const previous = this.status;
    this.status = status;
    this.logger.info({ status, previous }, 'service status changed');
    for (const listener of this.listeners) {
      try {
        listener(status, previous);
      } catch (error) {
        this.logger.error({ err: error }, 'status listener failed');
      }
    }
  }
}
