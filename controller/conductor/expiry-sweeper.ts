/**
 * Watches for silent guests. The API derives FAILED_TIMEOUT_GUESTAGENT in memory when an instance's last
 * heartbeat is older than `agent_heartbeat_expiry` (reference §2.3), so nothing is written here: the sweeper
 * only counts such instances for the `trove_conductor_silent_guests` gauge and logs when guests go silent
 * or come back, which is what operators alert on. Like the API, it considers only live instances with no
 * task whose status is not RESTART_REQUIRED.
 *
 * Expiry must exceed two heartbeat periods plus their jitter, or a healthy guest whose beat is delayed once
 * looks silent; `expiryMarginWarning` says when the configuration does not allow that.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { TroveConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../shared/models/index.js';
import type { ConductorMetrics } from './metrics.js';

/** Options to configure the sweeper. */
export interface ExpirySweeperOptions {
  sequelize: Sequelize;
  /** `agent_heartbeat_expiry`, seconds. */
  expirySeconds: number;
  /** `[conductor] expiry_sweep_interval`, seconds. */
  intervalSeconds: number;
  metrics: ConductorMetrics;
  logger: Logger;
  /** @default () => new Date() */
  now?: () => Date;
}

/** Instance ids listed in a log line about silent guests, at most. */
const LOGGED_IDS = 20;
/** `instances.task_id` of task NONE. */
const TASK_NONE = 1;

/** A warning when `agent_heartbeat_expiry` is not above 2 × `report_interval` × (1 + jitter); undefined when it is. */
export function expiryMarginWarning(config: TroveConfig): string | undefined {
  const needed = 2 * config.DEFAULT.report_interval * (1 + config.guest_agent.heartbeat_jitter);
  if (config.DEFAULT.agent_heartbeat_expiry > needed) return undefined;
  return `agent_heartbeat_expiry (${config.DEFAULT.agent_heartbeat_expiry} s) should exceed 2 x report_interval plus jitter (${needed.toFixed(1)} s); healthy guests may be reported as silent`;
}

export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastCount: number | undefined;
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(private readonly options: ExpirySweeperOptions) {
    this.logger = options.logger.child({ component: 'expiry-sweeper' });
    this.now = options.now ?? (() => new Date());
  }

  /** Sweeps now and then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweepSafely(), this.options.intervalSeconds * 1000);
    this.timer.unref();
    void this.sweepSafely();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Counts the silent guests once; returns their ids (at most `LOGGED_IDS` of them) and the count. */
  async sweep(): Promise<{ count: number; sample: string[] }> {
    const cutoff = new Date(this.now().getTime() - this.options.expirySeconds * 1000);
    const where = `FROM service_statuses s JOIN instances i ON i.id = s.instance_id
      WHERE (i.deleted IS NULL OR i.deleted = 0) AND i.task_id = ? AND s.status_id <> ? AND s.updated_at < ?`;
    const replacements = [TASK_NONE, SERVICE_STATUS_INFO.RESTART_REQUIRED.code, cutoff];
    const [counted] = await this.options.sequelize.query<{ silent: number }>(`SELECT COUNT(*) AS silent ${where}`, { replacements, type: QueryTypes.SELECT });
    const count = Number(counted?.silent ?? 0);
    const sample =
      count === 0
        ? []
        : (await this.options.sequelize.query<{ id: string }>(`SELECT i.id ${where} ORDER BY s.updated_at LIMIT ${LOGGED_IDS}`, { replacements, type: QueryTypes.SELECT })).map(
            (row) => row.id,
          );
    this.options.metrics.silentGuests.set(count);
    if (count !== this.lastCount) {
      if (count > 0) this.logger.warn({ silent: count, instances: sample, expirySeconds: this.options.expirySeconds }, 'guests silent for longer than agent_heartbeat_expiry');
      else if (this.lastCount !== undefined) this.logger.info('no silent guests');
      this.lastCount = count;
    }
    return { count, sample };
  }

  private async sweepSafely(): Promise<void> {
    if (this.running !== undefined) return;
    this.running = this.sweep().then(
      () => undefined,
      (error: unknown) => this.logger.warn({ err: error }, 'expiry sweep failed; will try again'),
    );
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
