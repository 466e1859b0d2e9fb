/**
 * The guest agent as a long-lived component: `GuestAgent.create` checks its identity and configuration,
 * connects the container engine, picks the datastore driver from the registry and reconciles leftover
 * containers; `run` serves `guestagent.<guest_id>` (sealed with the instance key) and starts status probing
 * and heartbeats; `shutdown` stops taking messages, drains in-flight calls and stops the timers.
 *
 *   created ──run()──▶ running ──shutdown()──▶ stopping ──▶ stopped
 */
import type { TroveConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logging/index.js';
import {
  conductorContract,
  createRpcClient,
  guestAgentContract,
  guestSealing,
  guestTopic,
  serveRpc,
  type RpcServer,
  type Sealing,
  type Transport,
} from '../shared/rpc/index.js';
import type { ContainerRuntime } from './docker/container-runtime.js';
import { DockerodeRuntime } from './docker/dockerode-runtime.js';
import type { DatastoreDriver } from './datastores/base/datastore-driver.js';
import { loadDriverFactory } from './datastores/registry.js';
import { HeartbeatSender } from './heartbeat.js';
import { guestIdentity, type GuestIdentity } from './identity.js';

export { guestIdentity, type GuestIdentity } from './identity.js';
import { createGuestService } from './service.js';
import { StatusTracker, type PreparePhase } from './status.js';
import { VolumeManager } from './volume.js';

/** The agent's life cycle (see the module comment). */
export type AgentState = 'created' | 'running' | 'stopping' | 'stopped';

/** Options to configure the agent; the runtime and volume manager are injectable for tests. */
export interface GuestAgentOptions {
  config: TroveConfig;
  logger: Logger;
  transport: Transport;
  /** @default the Docker engine at `[guest_agent] docker_socket` */
  runtime?: ContainerRuntime;
  /** @default host commands (blkid, mkfs, mount) */
  volume?: VolumeManager;
}

/** One instance's guest agent. */
export class GuestAgent {
  private currentState: AgentState = 'created';
  private server: RpcServer | undefined;
  private unsubscribe: (() => void) | undefined;

  private constructor(
    private readonly options: GuestAgentOptions,
    readonly identity: GuestIdentity,
    readonly driver: DatastoreDriver,
    readonly status: StatusTracker,
    private readonly heartbeat: HeartbeatSender,
    private readonly sealing: Sealing,
    private readonly volume: VolumeManager,
    private readonly logger: Logger,
  ) {}

  get state(): AgentState {
    return this.currentState;
  }

  /**
   * Builds the agent: identity, keys, container engine, driver, reconciliation.
   * @throws ConfigError for a missing guest_id, an unknown datastore or missing/unsafe keys
   */
  static async create(options: GuestAgentOptions): Promise<GuestAgent> {
    const { config } = options;
    const identity = guestIdentity(config);
    const sealing = guestSealing(config);
    const logger = options.logger.child({ instanceId: identity.guestId, manager: identity.manager });
    const datastoreOptions = config[identity.manager as 'mysql' | 'mariadb' | 'postgresql'];
    const runtime = options.runtime ?? new DockerodeRuntime({ socketPath: config.guest_agent.docker_socket, logger });
    await runtime.ping();
    const registry = config.guest_agent.container_registry;
    if (registry) {
      await runtime.login({ serveraddress: registry, username: config.guest_agent.container_registry_username, password: config.guest_agent.container_registry_password });
    }
    const volume =
      options.volume ??
      new VolumeManager(
        { fstype: config.DEFAULT.volume_fstype, formatOptions: config.DEFAULT.format_options, mountOptions: config.DEFAULT.mount_options, formatTimeoutMs: config.DEFAULT.volume_format_timeout * 1000 },
        logger.child({ component: 'volume' }),
      );
    const driver = (await loadDriverFactory(identity.manager))({ instanceId: identity.guestId, config, options: datastoreOptions, runtime, volume, logger });
    await driver.reconcile();
    const phase: PreparePhase = (await driver.isPrepared()) ? 'ready' : (await driver.prepareFailure()) !== null ? 'failed' : 'new';
    const status = new StatusTracker({ probe: driver, initialPhase: phase, checkIntervalMs: config.guest_agent.status_check_interval * 1000, logger });
    const conductor = createRpcClient(conductorContract, { transport: options.transport, topic: config.DEFAULT.conductor_queue, sealing, timeouts: config, logger, instanceId: identity.guestId });
    const heartbeat = new HeartbeatSender({
      instanceId: identity.guestId,
      send: (args) => conductor.heartbeat(args),
      status: () => status.current,
      intervalMs: config.DEFAULT.report_interval * 1000,
      jitter: config.guest_agent.heartbeat_jitter,
      contractVersion: guestAgentContract.version,
      logger,
    });
    logger.info({ phase, mountPoint: driver.mountPoint }, 'guest agent created');
    return new GuestAgent(options, identity, driver, status, heartbeat, sealing, volume, logger);
  }

  /** Serves the guest topic and starts probing and heartbeats. */
  async run(): Promise<void> {
    if (this.currentState !== 'created') throw new Error(`cannot run an agent in state ${this.currentState}`);
    const { config, transport } = this.options;
    const handlers = createGuestService({
      driver: this.driver,
      status: this.status,
      volume: this.volume,
      devicePath: config[this.identity.manager as 'mysql' | 'mariadb' | 'postgresql'].device_path,
      logger: this.logger,
    });
    this.server = await serveRpc(guestAgentContract, handlers, {
      transport,
      topic: guestTopic(this.identity.guestId),
      server: this.identity.guestId,
      sealing: this.sealing,
      logger: this.logger,
    });
    // Probe first: the first heartbeat of a restarted agent must carry the real status, not `unknown`.
    await this.status.refresh();
    this.unsubscribe = this.status.onChange(() => void this.heartbeat.beat());
    this.status.start();
    this.heartbeat.start();
    this.currentState = 'running';
    this.logger.info({ topic: guestTopic(this.identity.guestId) }, 'serving');
  }

  /** Stops serving after in-flight calls finish (up to `[guest_agent] drain_timeout`). */
  async shutdown(): Promise<void> {
    if (this.currentState === 'stopped' || this.currentState === 'stopping') return;
    this.currentState = 'stopping';
    await this.server?.stop(this.options.config.guest_agent.drain_timeout * 1000);
    this.unsubscribe?.();
    this.status.stop();
    await this.heartbeat.stop();
    await this.driver.close();
    this.currentState = 'stopped';
  }
}
