/**
 * The taskmanager as a long-lived component. `TaskManager.create` wires the flow journal, the instance store,
 * the compute backend and the guest clients; `run` serves the `taskmanager` topic (sealed with
 * `taskmanager_rpc_encr_key`), resumes flows left by a dead taskmanager and starts the server-status refresh;
 * `shutdown` stops taking casts, hands running flows back (another taskmanager, or this one restarted,
 * resumes them at their step) and stops the refresh.
 *
 *   created ──run()──▶ running ──shutdown()──▶ stopping ──▶ stopped
 */
import { readFile } from 'node:fs/promises';
import type { Sequelize } from 'sequelize';
import type { TroveConfig } from '../../shared/config/index.js';
import { createInstanceKeyResolver, keyEncryptionKeysFromConfig, type InstanceKeyResolver } from '../../shared/crypto/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  createRpcClient,
  guestAgentContract,
  guestTopic,
  instanceLookupSealing,
  serveRpc,
  taskManagerContract,
  taskmanagerSealing,
  type RpcServer,
  type Sealing,
  type Transport,
} from '../../shared/rpc/index.js';
import type { TroveModels } from '../db/index.js';
import type { ComputeBackend } from '../compute/ports.js';
import { FlowRunner } from './engine/flow-runner.js';
import { systemClock, type Clock, type FlowDeps } from './engine/flow.js';
import { FLOW_DEFINITIONS } from './flows/index.js';
import { createTaskManagerHandlers } from './handlers.js';
import { ServerStatusSync } from './server-sync.js';
import { createArgsCipher } from './store/args-cipher.js';
import type { FlowStore } from './store/flow-store.js';
import type { InstanceStore } from './store/instance-store.js';
import { SqlFlowStore } from './store/sql-flow-store.js';
import { SqlInstanceStore } from './store/sql-instance-store.js';

export type TaskManagerState = 'created' | 'running' | 'stopping' | 'stopped';

/** Options to configure the taskmanager; the stores and clock are injectable for tests. */
export interface TaskManagerOptions {
  config: TroveConfig;
  logger: Logger;
  transport: Transport;
  backend: ComputeBackend;
  /** The controller database (used to build the stores unless they are given). */
  database?: { sequelize: Sequelize; models: TroveModels };
  stores?: { flows: FlowStore; instances: InstanceStore };
  /** Finds wrapped instance keys; @default the `encrypted_key` column through the instance store */
  loadWrappedKey?: (instanceId: string) => Promise<string | null>;
  clock?: Clock;
  /** Lease owner name. @default `<hostname>/<pid>/<random>` */
  owner?: string;
  /** @default `ownerProcessGone` */
  isOwnerDead?: (owner: string) => boolean;
  /** First delay before a failed step is retried, ms. @default 2000 */
  retryDelayMs?: number;
}

async function readHostFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class TaskManager {
  private currentState: TaskManagerState = 'created';
  private server: RpcServer | undefined;

  private constructor(
    private readonly options: TaskManagerOptions,
    readonly runner: FlowRunner,
    readonly stores: { flows: FlowStore; instances: InstanceStore },
    private readonly sync: ServerStatusSync,
    private readonly logger: Logger,
  ) {}

  get state(): TaskManagerState {
    return this.currentState;
  }

  /**
   * Wires the taskmanager.
   * @throws ConfigError when secure messaging is on and a controller key is missing, short or Trove's default
   */
  static async create(options: TaskManagerOptions): Promise<TaskManager> {
    const { config } = options;
    const logger = options.logger.child({ component: 'taskmanager' });
    taskmanagerSealing(config);
    let stores = options.stores;
    if (stores === undefined) {
      if (options.database === undefined) throw new Error('TaskManager needs a database or stores');
      const secure = config.DEFAULT.enable_secure_rpc_messaging;
      const cipher = createArgsCipher(secure ? config.DEFAULT.inst_rpc_key_encr_key : null);
      stores = { flows: new SqlFlowStore(options.database.sequelize, cipher), instances: new SqlInstanceStore(options.database.sequelize, options.database.models) };
    }
    const instanceStore = stores.instances;
    const loadWrapped = options.loadWrappedKey ?? (async (id: string) => (await instanceStore.getInstance(id))?.encryptedKey ?? null);
    const resolver: InstanceKeyResolver | undefined = config.DEFAULT.enable_secure_rpc_messaging
      ? createInstanceKeyResolver({ loadWrapped, keys: keyEncryptionKeysFromConfig(config), legacy: config.DEFAULT.rpc_codec === 'trove-compat' })
      : undefined;
    const guestSealing: Sealing = instanceLookupSealing(config, async (id) => (resolver === undefined ? null : resolver.resolveKey(id)));
    const clock = options.clock ?? systemClock;
    const flows = stores.flows;
    const deps: FlowDeps = {
      config,
      instances: instanceStore,
      backend: options.backend,
      guest: (instanceId) =>
        createRpcClient(guestAgentContract, { transport: options.transport, topic: guestTopic(instanceId), sealing: guestSealing, timeouts: config, logger, instanceId }),
      instanceKey: async (instanceId) => (resolver === undefined ? null : resolver.resolveKey(instanceId)),
      readHostFile,
      flowData: async (instanceId, kind) => (await flows.latest(instanceId, kind))?.data,
      clock,
      logger,
    };
    const runner = new FlowRunner({
      store: flows,
      deps,
      definitions: FLOW_DEFINITIONS,
      leaseMs: config.DEFAULT.taskmanager_flow_lease * 1000,
      maxAttempts: config.DEFAULT.taskmanager_step_attempts,
      logger,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.isOwnerDead === undefined ? {} : { isOwnerDead: options.isOwnerDead }),
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    });
    const sync = new ServerStatusSync({ instances: instanceStore, compute: options.backend.compute, intervalSeconds: config.DEFAULT.server_status_sync_interval, logger });
    return new TaskManager(options, runner, stores, sync, logger);
  }

  /** Serves the taskmanager topic, resumes abandoned flows and starts the server-status refresh. */
  async run(): Promise<void> {
    if (this.currentState !== 'created') throw new Error(`cannot run a taskmanager in state ${this.currentState}`);
    const { config, transport } = this.options;
    await this.runner.start();
    this.server = await serveRpc(taskManagerContract, createTaskManagerHandlers(this.runner, this.stores.instances, this.logger), {
      transport,
      topic: config.DEFAULT.taskmanager_queue,
      server: config.DEFAULT.host,
      sealing: taskmanagerSealing(config),
      logger: this.logger,
      maxAttempts: config.oslo_messaging_rabbit.cast_max_attempts,
    });
    this.sync.start();
    this.currentState = 'running';
    this.logger.info({ topic: config.DEFAULT.taskmanager_queue, owner: this.runner.ownerName, backend: this.options.backend.capabilities.backend }, 'taskmanager running');
  }

  /** Stops taking casts and hands running flows back. */
  async shutdown(): Promise<void> {
    if (this.currentState === 'stopping' || this.currentState === 'stopped') return;
    this.currentState = 'stopping';
    await this.server?.stop(10_000);
    await this.sync.stop();
    await this.runner.shutdown(10_000);
    this.currentState = 'stopped';
  }
}
