/**
 * trove-conductor's service: consumes the conductor topic (`[DEFAULT] conductor_queue`, also
 * `<topic>.<host>`) on `control_exchange`, opens each guest message with the sender's own instance key
 * (found by instance id in `instances.encrypted_key`, unwrapped with `inst_rpc_key_encr_key`), and applies
 * it: heartbeats in batches, everything else one message per transaction. Plaintext is accepted only when
 * `enable_secure_rpc_messaging = false`.
 *
 * Life cycle: created → running (`run()`) → stopping (`shutdown()`: no new messages, pending heartbeats
 * written at once, in-flight handlers finished) → stopped.
 */
import type { Sequelize } from 'sequelize';
import { register as defaultRegistry, type Registry } from 'prom-client';
import { assertRpcKeys, type TroveConfig } from '../../shared/config/index.js';
import { createInstanceKeyResolver, keyEncryptionKeysFromConfig } from '../../shared/crypto/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { conductorContract, instanceLookupSealing, rpcMetrics, serveRpc, type RpcServer, type Sealing, type Transport } from '../../shared/rpc/index.js';
import { ExpirySweeper, expiryMarginWarning } from './expiry-sweeper.js';
import { createSqlGuestRecords, type GuestRecords } from './guest-records.js';
import { HeartbeatBatcher } from './heartbeat-batcher.js';
import { createSqlHeartbeatStore, type HeartbeatStore } from './heartbeat-store.js';
import { createConductorHandlers } from './handlers.js';
import { createBatchedKeyLoader } from './key-loader.js';
import { conductorMetrics, type ConductorMetrics } from './metrics.js';

/** The service's state; see the module comment. */
export type ConductorState = 'created' | 'running' | 'stopping' | 'stopped';

/** Options to configure the conductor service. */
export interface ConductorServiceOptions {
  config: TroveConfig;
  logger: Logger;
  transport: Transport;
  /** The controller database; required unless `heartbeatStore`, `records` and `loadWrappedKey` are all given. */
  sequelize?: Sequelize;
  /** @default the SQL store over `sequelize` */
  heartbeatStore?: HeartbeatStore;
  /** @default the SQL records over `sequelize` */
  records?: GuestRecords;
  /** Loads an instance's wrapped key. @default batched SELECTs over `sequelize` */
  loadWrappedKey?: (instanceId: string) => Promise<string | null>;
  /** Where metrics are registered. @default prom-client's global registry */
  registry?: Registry;
  /** Run the expiry sweeper (one process of a deployment is enough). @default true when `sequelize` is given */
  expirySweeper?: boolean;
  /** Retry delay of casts whose handler failed (the RPC server doubles it per attempt, up to 30 s). @default 1000 */
  retryDelayMs?: number;
  /**
   * Attempts of a message whose handling failed (database down) before it is dropped; 12 attempts span about
   * 3.5 minutes with the default delay, so a database restart loses nothing. @default 12
   */
  maxAttempts?: number;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new TypeError(`ConductorService needs either sequelize or ${what}`);
  return value;
}

export class ConductorService {
  private current: ConductorState = 'created';
  private server: RpcServer | undefined;

  private constructor(
    private readonly options: ConductorServiceOptions,
    private readonly sealing: Sealing,
    private readonly batcher: HeartbeatBatcher,
    private readonly records: GuestRecords,
    private readonly sweeper: ExpirySweeper | undefined,
    readonly metrics: ConductorMetrics,
    private readonly registry: Registry,
  ) {}

  /**
   * Builds the service without touching the broker.
   * @throws ConfigError when secure messaging is on and a controller key is missing, short or Trove's default
   */
  static async create(options: ConductorServiceOptions): Promise<ConductorService> {
    const { config, sequelize } = options;
    const logger = options.logger.child({ component: 'conductor' });
    const registry = options.registry ?? defaultRegistry;
    const metrics = conductorMetrics(registry);

    let sealing: Sealing = { mode: 'plain' };
    if (config.DEFAULT.enable_secure_rpc_messaging) {
      assertRpcKeys(config, 'controller');
      const loadWrapped = options.loadWrappedKey ?? createBatchedKeyLoader(required(sequelize, 'loadWrappedKey'), { maxBatch: 500 });
      const resolver = createInstanceKeyResolver({
        loadWrapped,
        keys: keyEncryptionKeysFromConfig(config),
        legacy: config.DEFAULT.rpc_codec === 'trove-compat',
        cacheSize: config.conductor.instance_key_cache_size,
      });
      sealing = instanceLookupSealing(config, (instanceId) => resolver.resolveKey(instanceId));
    } else {
      logger.warn('enable_secure_rpc_messaging is off: guest messages are accepted in plaintext and not authenticated');
    }

    const store =
      options.heartbeatStore ??
      createSqlHeartbeatStore(required(sequelize, 'heartbeatStore'), {
        onRetry: (attempt, error) => {
          metrics.batchRetries.inc();
          logger.warn({ attempt, reason: (error as Error).message }, 'heartbeat batch hit a lock conflict; retrying');
        },
      });
    const batcher = new HeartbeatBatcher({
      store,
      batchMs: config.conductor.heartbeat_batch_ms,
      batchSize: config.conductor.heartbeat_batch_size,
      metrics,
      logger,
    });
    const records = options.records ?? createSqlGuestRecords(required(sequelize, 'records'));

    const margin = expiryMarginWarning(config);
    if (margin !== undefined) logger.warn(margin);
    const sweeper =
      (options.expirySweeper ?? true) && sequelize !== undefined
        ? new ExpirySweeper({
            sequelize,
            expirySeconds: config.DEFAULT.agent_heartbeat_expiry,
            intervalSeconds: config.conductor.expiry_sweep_interval,
            metrics,
            logger,
          })
        : undefined;
    return new ConductorService({ ...options, logger }, sealing, batcher, records, sweeper, metrics, registry);
  }

  get state(): ConductorState {
    return this.current;
  }

  /** Heartbeats received and waiting for their batch to be written. */
  get pendingHeartbeats(): number {
    return this.batcher.pendingCount;
  }

  /** The topic consumed. */
  get topic(): string {
    return this.options.config.DEFAULT.conductor_queue;
  }

  /** Starts consuming. */
  async run(): Promise<void> {
    if (this.current !== 'created') throw new Error(`Cannot run a conductor that is ${this.current}`);
    const { config, logger, transport } = this.options;
    const topic = this.topic;
    const rpc = rpcMetrics(this.registry);
    const handlers = createConductorHandlers({
      batcher: this.batcher,
      records: this.records,
      secure: this.sealing.mode !== 'plain',
      metrics: this.metrics,
      rpcMetrics: rpc,
      topic,
      logger,
    });
    this.server = await serveRpc(conductorContract, handlers, {
      transport,
      topic,
      server: config.DEFAULT.host,
      sealing: this.sealing,
      logger,
      // Enough unsettled messages that full batches keep waiting while one is written: the transport
      // tops credit up only after half of it is used.
      concurrency: 4 * config.conductor.heartbeat_batch_size + 64,
      metrics: rpc,
      maxAttempts: this.options.maxAttempts ?? 12,
      ...(this.options.retryDelayMs === undefined ? {} : { retryDelayMs: this.options.retryDelayMs }),
    });
    this.sweeper?.start();
    this.current = 'running';
    logger.info(
      { topic, server: config.DEFAULT.host, batchMs: config.conductor.heartbeat_batch_ms, batchSize: config.conductor.heartbeat_batch_size, sealing: this.sealing.mode },
      'conductor consuming',
    );
  }

  /** Stops consuming, writes pending heartbeats and waits for in-flight messages. */
  async shutdown(): Promise<void> {
    if (this.current === 'stopped' || this.current === 'stopping') return;
    this.current = 'stopping';
    this.batcher.drain();
    await this.server?.stop();
    await this.batcher.close();
    await this.sweeper?.stop();
    this.current = 'stopped';
  }
}
