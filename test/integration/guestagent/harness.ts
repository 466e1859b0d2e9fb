/**
 * A real guest agent stack for integration tests, without the messaging layer: the Docker engine, the
 * datastore driver from the registry, the status tracker and the RPC handlers of `service.ts`, over a
 * throw-away mount point. Each harness gets its own instance id, container name and loopback address
 * (127.20.x.y on the engine's standard port) and removes its containers by label in `cleanup()`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../shared/config/index.js';
import { createLogger, silentLogger, type Logger } from '../../../shared/logging/index.js';
import type { GuestAgentContract, RpcContext, RpcHandlers } from '../../../shared/rpc/index.js';
import { DockerodeRuntime } from '../../../guestagent/docker/dockerode-runtime.js';
import { datastoreLabels } from '../../../guestagent/docker/reconcile.js';
import type { DatastoreDriver } from '../../../guestagent/datastores/base/datastore-driver.js';
import { loadDriverFactory } from '../../../guestagent/datastores/registry.js';
import { createGuestService } from '../../../guestagent/service.js';
import { StatusTracker } from '../../../guestagent/status.js';
import { VolumeManager } from '../../../guestagent/volume.js';
import { TempDir } from '../../helpers/tmp.js';

export type TestManager = 'mariadb' | 'postgresql';

export const VERSIONS: Record<TestManager, string> = { mariadb: '10.11', postgresql: '15' };
export const PORTS: Record<TestManager, number> = { mariadb: 3306, postgresql: 5432 };

/** An RPC context for direct handler calls. */
export const context: RpcContext = { requestId: 'req-test', values: {}, uniqueId: 'test' };

/** A random address in the agent's test range. */
export function testAddress(): string {
  return `127.20.${randomInt(1, 255)}.${randomInt(1, 255)}`;
}

/** The agent's pieces, as `GuestAgent` wires them. */
export interface AgentStack {
  driver: DatastoreDriver;
  status: StatusTracker;
  service: RpcHandlers<GuestAgentContract>;
}

export class GuestHarness {
  readonly instanceId = `agent-test-${randomUUID()}`;
  readonly containerName: string;
  readonly bindHost: string;
  readonly port: number;
  readonly tmp = new TempDir('trove-agent-it-');
  readonly config: TroveConfig;
  readonly runtime: DockerodeRuntime;
  readonly logger: Logger;
  stack!: AgentStack;

  constructor(
    readonly manager: TestManager,
    overrides: DeepPartial<TroveConfig> = {},
  ) {
    this.containerName = `trove-test-agent-${this.instanceId.slice(-12)}`;
    this.bindHost = testAddress();
    this.port = PORTS[manager];
    const level = process.env['TROVE_TEST_LOG'];
    this.logger = level ? createLogger({ name: 'agent-test', level }) : silentLogger();
    this.config = defaultConfig({
      ...overrides,
      DEFAULT: { guest_id: this.instanceId, datastore_manager: manager, datastore_version: VERSIONS[manager], state_change_poll_time: 1, state_change_wait_time: 120, enable_secure_rpc_messaging: false, ...overrides.DEFAULT },
      guest_agent: { container_name: this.containerName, datastore_bind_host: this.bindHost, status_check_interval: 0.5, ...overrides.guest_agent },
      [manager]: { mount_point: this.tmp.join('volume'), device_path: '', ...(overrides[manager] as object | undefined) },
    });
    this.runtime = new DockerodeRuntime({ logger: this.logger });
  }

  get mountPoint(): string {
    return this.config[this.manager].mount_point;
  }

  /** Builds a fresh driver/status/service (as a restarted agent would) and reconciles. */
  async start(): Promise<AgentStack> {
    const volume = new VolumeManager({ fstype: 'ext3', formatOptions: '-m 5', mountOptions: 'defaults', formatTimeoutMs: 60_000 }, this.logger);
    const driver = (await loadDriverFactory(this.manager))({ instanceId: this.instanceId, config: this.config, options: this.config[this.manager], runtime: this.runtime, volume, logger: this.logger });
    await driver.reconcile();
    const phase = (await driver.isPrepared()) ? 'ready' : (await driver.prepareFailure()) !== null ? 'failed' : 'new';
    const status = new StatusTracker({ probe: driver, initialPhase: phase, checkIntervalMs: 500, logger: this.logger });
    const service = createGuestService({ driver, status, volume, devicePath: '', logger: this.logger });
    this.stack = { driver, status, service };
    return this.stack;
  }

  /** Removes every container of this instance and the temporary directory. */
  async cleanup(): Promise<void> {
    this.stack?.status.stop();
    for (const info of await this.runtime.listByLabels(datastoreLabels(this.instanceId))) await this.runtime.remove(info.id, { force: true });
    this.tmp.cleanup();
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs `work` and returns what it threw (fails the test if it did not throw). */
export async function rejectionOf(work: () => Promise<unknown>): Promise<Error & { code?: unknown; errno?: unknown }> {
  try {
    await work();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error('expected a rejection');
}
