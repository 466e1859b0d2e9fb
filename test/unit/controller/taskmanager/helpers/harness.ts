/**
 * A taskmanager under test without a database, broker or cloud: memory stores, the fake backend, a fake guest
 * agent serving the real guest contract on the in-memory transport, and a virtual clock whose sleeps advance
 * time at once (so usage_timeout waits take milliseconds).
 */
import { randomUUID } from 'node:crypto';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../../../shared/config/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import type { RpcHandlers } from '../../../../../shared/rpc/contract.js';
import {
  createInMemoryTransport,
  createRpcClient,
  guestAgentContract,
  guestTopic,
  serveRpc,
  type GuestAgentContract,
  type RpcServer,
  type Sealing,
  type Transport,
} from '../../../../../shared/rpc/index.js';
import type { ServiceStatus } from '../../../../../shared/models/index.js';
import { FlowRunner } from '../../../../../controller/taskmanager/engine/flow-runner.js';
import type { Clock, FlowDeps } from '../../../../../controller/taskmanager/engine/flow.js';
import { FLOW_DEFINITIONS } from '../../../../../controller/taskmanager/flows/index.js';
import type { FlowKind, FlowRecord } from '../../../../../controller/taskmanager/store/flow-store.js';
import type { DatastoreVersionInfo } from '../../../../../controller/taskmanager/store/instance-store.js';
import { FakeBackend, FULL_CAPABILITIES } from './fake-backend.js';
import { MemoryFlowStore, MemoryInstanceStore, type MemoryInstance } from './memory-stores.js';

/** Time that jumps forward on every sleep, yielding to the event loop so messages get delivered. */
export class VirtualClock implements Clock {
  current = Date.UTC(2026, 0, 1);
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

type GuestMethod = keyof GuestAgentContract['methods'];
type Behaviour = (args: Record<string, unknown>, instanceId: string) => Promise<unknown>;

const NULL_RESULTS: ReadonlySet<string> = new Set(['restart', 'startDbWithConfChanges', 'resetConfiguration', 'stopDb', 'mountVolume', 'unmountVolume', 'resizeFs', 'updateOverrides', 'applyOverrides', 'postUpgrade', 'disableRoot']);

/** A guest agent that records its calls and answers as a healthy guest would. */
export class FakeGuest {
  readonly calls: Array<{ instanceId: string; method: GuestMethod; args: Record<string, unknown> }> = [];
  private readonly behaviours = new Map<GuestMethod, Behaviour>();
  private readonly servers: RpcServer[] = [];

  /** @param heartbeat what the conductor does with the guest's status reports */
  constructor(private readonly transport: Transport, private readonly heartbeat: (instanceId: string, status: ServiceStatus) => void | Promise<void>) {
    // prepare and upgrade end with a healthy heartbeat, as a real guest's would through the conductor.
    this.on('prepare', async (_args, id) => this.heartbeat(id, 'HEALTHY'));
    this.on('upgrade', async (_args, id) => this.heartbeat(id, 'HEALTHY'));
    this.on('restart', async (_args, id) => this.heartbeat(id, 'HEALTHY'));
    this.on('preUpgrade', async () => ({ from_version: '10.11' }));
  }

  /** Replaces what the guest does for a method. */
  on(method: GuestMethod, behaviour: Behaviour): void {
    this.behaviours.set(method, behaviour);
  }

  callsOf(method: GuestMethod): Array<Record<string, unknown>> {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  /** Starts serving `guestagent.<id>` (plain, or sealed with the instance's own key). */
  async serve(instanceId: string, sealing: Sealing = { mode: 'plain' }): Promise<void> {
    const handlers: Record<string, (args: unknown) => Promise<unknown>> = {};
    for (const method of Object.keys(guestAgentContract.methods) as GuestMethod[]) {
      handlers[method] = async (args) => {
        this.calls.push({ instanceId, method, args: args as Record<string, unknown> });
        const behaviour = this.behaviours.get(method);
        const result = behaviour === undefined ? undefined : await behaviour(args as Record<string, unknown>, instanceId);
        return result === undefined && NULL_RESULTS.has(method) ? null : result;
      };
    }
    this.servers.push(
      await serveRpc(guestAgentContract, handlers as unknown as RpcHandlers<GuestAgentContract>, {
        transport: this.transport,
        topic: guestTopic(instanceId),
        server: instanceId,
        sealing,
        logger: silentLogger(),
        maxAttempts: 1,
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop(100)));
  }
}

export const MARIADB_VERSION: DatastoreVersionInfo = {
  id: 'dsv-mariadb',
  name: '10.11',
  version: '10.11',
  manager: 'mariadb',
  datastoreName: 'mariadb',
  imageId: 'image-1',
  imageTags: [],
  packages: [],
};

/** Options of a harness. */
export interface HarnessOptions {
  config?: DeepPartial<TroveConfig>;
  backend?: FakeBackend;
  /** Guest call timeouts in ms. @default 2000 */
  guestTimeoutMs?: number;
  maxAttempts?: number;
}

export class Harness {
  readonly clock = new VirtualClock();
  readonly transport = createInMemoryTransport();
  readonly instances = new MemoryInstanceStore();
  readonly flows = new MemoryFlowStore(() => Date.now());
  readonly backend: FakeBackend;
  readonly guest: FakeGuest;
  readonly config: TroveConfig;
  readonly deps: FlowDeps;
  readonly hostFiles = new Map<string, string>();
  readonly runners: FlowRunner[] = [];

  constructor(options: HarnessOptions = {}) {
    this.config = defaultConfig({
      ...options.config,
      DEFAULT: { enable_secure_rpc_messaging: false, usage_timeout: 600, usage_sleep_time: 5, ...options.config?.DEFAULT },
    });
    this.backend = options.backend ?? new FakeBackend(FULL_CAPABILITIES);
    this.guest = new FakeGuest(this.transport, (id, status) => this.instances.heartbeat(id, status));
    const timeoutMs = options.guestTimeoutMs ?? 2000;
    const timeouts = { lowMs: timeoutMs, highMs: timeoutMs, snapshotMs: timeoutMs, defaultMs: timeoutMs };
    this.instances.addVersion(MARIADB_VERSION);
    this.deps = {
      config: this.config,
      instances: this.instances,
      backend: this.backend,
      guest: (instanceId) => createRpcClient(guestAgentContract, { transport: this.transport, topic: guestTopic(instanceId), sealing: { mode: 'plain' }, timeouts, logger: silentLogger() }),
      instanceKey: async () => 'k'.repeat(43),
      readHostFile: async (path) => this.hostFiles.get(path),
      flowData: async (instanceId, kind) => (await this.flows.latest(instanceId, kind))?.data,
      clock: this.clock,
      logger: silentLogger(),
    };
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  private readonly maxAttempts: number;

  /** A runner over the harness's stores (several may exist, like several taskmanagers). */
  runner(options: { owner?: string; isOwnerDead?: (owner: string) => boolean; leaseMs?: number } = {}): FlowRunner {
    const runner = new FlowRunner({
      store: this.flows,
      deps: this.deps,
      definitions: FLOW_DEFINITIONS,
      leaseMs: options.leaseMs ?? 60_000,
      maxAttempts: this.maxAttempts,
      retryDelayMs: 10,
      turnPollMs: 10,
      owner: options.owner ?? `test/${randomUUID().slice(0, 8)}`,
      isOwnerDead: options.isOwnerDead ?? (() => false),
      logger: silentLogger(),
    });
    this.runners.push(runner);
    return runner;
  }

  /** An instance in BUILDING with a served guest. */
  async instance(overrides: Partial<MemoryInstance> = {}): Promise<MemoryInstance> {
    const id = overrides.id ?? randomUUID();
    const instance = this.instances.addInstance({ ...overrides, datastoreVersionId: overrides.datastoreVersionId ?? MARIADB_VERSION.id, id });
    await this.guest.serve(id);
    return instance;
  }

  /** Create arguments as the API casts them. */
  createArgs(instanceId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      instance_id: instanceId,
      name: 'db1',
      flavor: { id: '2', name: 'm1.small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 0 },
      image_id: 'image-1',
      databases: [{ _name: 'app' }],
      users: [{ _name: 'app', _password: 'secret-pw-1', _host: '%', _databases: [{ _name: 'app' }] }],
      datastore_manager: 'mariadb',
      packages: '',
      volume_size: 2,
      root_password: null,
      nics: [],
      overrides: null,
      access: null,
      ds_version: '10.11',
      ...extra,
    };
  }

  /** Runs a flow to its end on `runner` and returns its record. */
  async run(runner: FlowRunner, kind: FlowKind, instanceId: string, args: Record<string, unknown>): Promise<FlowRecord> {
    const { flow } = await runner.submit(kind, instanceId, args, { messageId: randomUUID() });
    await runner.waitIdle();
    return (await this.flows.get(flow.id)) as FlowRecord;
  }

  heartbeat(instanceId: string, status: ServiceStatus): void {
    this.instances.heartbeat(instanceId, status);
  }

  async close(): Promise<void> {
    for (const runner of this.runners) await runner.shutdown(500);
    await this.guest.stop();
    await this.transport.close();
  }
}
