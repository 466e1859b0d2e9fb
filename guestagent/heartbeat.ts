/**
 * Heartbeats to the conductor (reference §3.4): `heartbeat(instance_id, payload, sent)` every
 * `report_interval` seconds, each delay varied by ±`heartbeat_jitter` so a fleet restarted together does not
 * beat in lockstep, plus one immediately on every status change. `sent` is float epoch seconds with
 * microseconds, the conductor's ordering key: sends are serialized so they leave in `sent` order, and the
 * conductor drops any older than the last it stored. A failed send is logged and the next beat retries;
 * heartbeats are never queued up (only the latest status matters).
 *
 * The payload carries Trove's `service_status` (the status description) and, for trove-ts conductors, the
 * guest's RPC contract version (`guest_contract_version`); stock conductors ignore extra keys.
 */
import type { Logger } from '../shared/logging/index.js';
import { SERVICE_STATUS_INFO, type ServiceStatus } from '../shared/models/index.js';

/** What a heartbeat says. */
export interface HeartbeatPayload {
  service_status: string;
  guest_contract_version: string;
}

/** Sends one heartbeat cast (the conductor client's `heartbeat`). */
export type HeartbeatSend = (args: { instance_id: string; payload: HeartbeatPayload; sent: number }) => Promise<void>;

/** Options to configure the heartbeat sender. */
export interface HeartbeatOptions {
  instanceId: string;
  send: HeartbeatSend;
  /** The status to report at each beat. */
  status: () => ServiceStatus;
  /** `report_interval`, ms. */
  intervalMs: number;
  /** `[guest_agent] heartbeat_jitter`: fraction of the interval added or removed at random. */
  jitter: number;
  contractVersion: string;
  logger: Logger;
  /** @default Math.random */
  random?: () => number;
  /** Epoch milliseconds with sub-millisecond precision. @default performance.timeOrigin + performance.now() */
  clock?: () => number;
}

/** The current time as Trove's `sent`: float seconds with microseconds. */
export function sentNow(clock: () => number = () => performance.timeOrigin + performance.now()): number {
  return Math.round(clock() * 1000) / 1_000_000;
}

/** Sends heartbeats on a jittered period and on demand. */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly logger: Logger;
  private readonly random: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.logger = options.logger.child({ component: 'heartbeat' });
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next periodic beat: the interval ± jitter. */
  nextDelayMs(): number {
    const spread = this.options.jitter * (2 * this.random() - 1);
    return Math.max(1, Math.round(this.options.intervalMs * (1 + spread)));
  }

  /** Starts the periodic beats; the first one is sent at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.beat();
    this.schedule();
  }

  /** Sends a beat now (a status change); the periodic schedule restarts from here. */
  beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const next = this.sending.then(() => this.sendOnce());
    this.sending = next;
    if (this.timer) this.schedule();
    return next;
  }

  /** Stops beating and waits for a send in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beat();
      if (!this.stopped) this.schedule();
    }, this.nextDelayMs());
  }

  private async sendOnce(): Promise<void> {
    const status = this.options.status();
    const description = SERVICE_STATUS_INFO[status].description;
    try {
      await this.options.send({
        instance_id: this.options.instanceId,
        payload: { service_status: description, guest_contract_version: this.options.contractVersion },
        sent: sentNow(this.options.clock),
      });
      this.logger.debug({ status: description }, 'heartbeat sent');
    } catch (error) {
      this.logger.warn({ err: error, status: description }, 'heartbeat not sent; the next beat retries');
    }
  }
}
