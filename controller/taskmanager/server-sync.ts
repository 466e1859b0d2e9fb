/**
 * Keeps `instances.server_status` and `instances.addresses` current between flows: every
 * `server_status_sync_interval` seconds the taskmanager reads each live instance's server from the compute
 * backend and records what changed, so the API derives statuses from the database alone (a crashed VM or a
 * dead single-host agent shows up without anyone calling the backend per request). Instances being built or
 * deleted are left to their flows.
 */
import type { Logger } from '../../shared/logging/index.js';
import type { ComputeDriver } from '../compute/ports.js';
import { addressesOf } from './flows/common.js';
import type { InstanceStore } from './store/instance-store.js';

const PAGE = 500;

/** Options to configure the refresher. */
export interface ServerSyncOptions {
  instances: InstanceStore;
  compute: ComputeDriver;
  /** Seconds between passes; 0 disables. */
  intervalSeconds: number;
  logger: Logger;
}

export class ServerStatusSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: ServerSyncOptions) {
    this.logger = options.logger.child({ component: 'server-sync' });
  }

  start(): void {
    if (this.options.intervalSeconds <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.syncOnce(), this.options.intervalSeconds * 1000);
  }

  /** One pass over every instance with a server; returns how many rows changed. */
  syncOnce(): Promise<number> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        this.logger.warn({ err: error }, 'server status refresh failed');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<number> {
    const { instances, compute } = this.options;
    let changed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await instances.listWithServers(PAGE, after);
      for (const ref of page) {
        if (ref.task === 'BUILDING' || ref.task === 'DELETING') continue;
        try {
          const server = await compute.getServer(ref.computeInstanceId);
          const status = server?.status ?? null;
          if (status === ref.serverStatus) continue;
          await instances.update(ref.id, { serverStatus: status, addresses: server === undefined ? null : addressesOf(server) });
          this.logger.info({ instanceId: ref.id, from: ref.serverStatus, to: status }, 'server status changed');
          changed += 1;
        } catch (error) {
          this.logger.debug({ err: error, instanceId: ref.id }, 'could not read server status');
        }
      }
      if (page.length < PAGE) return changed;
      after = page[page.length - 1]?.id;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
