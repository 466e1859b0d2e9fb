/** In-memory `FlowStore` and `InstanceStore` with the semantics of the SQL ones, for unit tests of flows. */
import type { InstanceTask } from '../../../../../controller/db/index.js';
import type { FlowChanges, FlowKind, FlowRecord, FlowStore, NewFlow } from '../../../../../controller/taskmanager/store/flow-store.js';
import type {
  ConfigurationOverrides,
  DatastoreVersionInfo,
  InstanceAddressRecord,
  InstanceChanges,
  InstanceRecord,
  InstanceServerRef,
  InstanceStore,
  ServiceStatusRecord,
} from '../../../../../controller/taskmanager/store/instance-store.js';
import type { ServiceStatus } from '../../../../../shared/models/index.js';

const unfinished = (flow: FlowRecord) => flow.state === 'pending' || flow.state === 'running';
const clone = <T>(value: T): T => structuredClone(value);

export class MemoryFlowStore implements FlowStore {
  readonly flows = new Map<string, FlowRecord>();
  private sequence = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async insert(flow: NewFlow, owner: string, leaseUntil: Date): Promise<{ flow: FlowRecord; created: boolean }> {
    const existing = [...this.flows.values()].find((candidate) => flow.messageId !== null && candidate.messageId === flow.messageId);
    if (existing !== undefined) return { flow: clone(existing), created: false };
    // Distinct creation times keep the per-instance order deterministic.
    const created = new Date(this.now() + this.sequence++);
    const record: FlowRecord = {
      id: flow.id,
      instanceId: flow.instanceId,
      kind: flow.kind,
      step: flow.firstStep,
      state: 'running',
      attempts: 0,
      lastError: null,
      args: clone(flow.args),
      data: {},
      messageId: flow.messageId,
      requestId: flow.requestId,
      owner,
      leaseExpiresAt: leaseUntil,
      createdAt: created,
      updatedAt: created,
      finishedAt: null,
    };
    this.flows.set(record.id, record);
    return { flow: clone(record), created: true };
  }

  async get(id: string): Promise<FlowRecord | undefined> {
    const flow = this.flows.get(id);
    return flow === undefined ? undefined : clone(flow);
  }

  async claim(id: string, owner: string, leaseUntil: Date, now: Date, isDead?: (owner: string) => boolean): Promise<FlowRecord | undefined> {
    const flow = this.flows.get(id);
    if (flow === undefined || !unfinished(flow)) return undefined;
    const free = flow.owner === null || flow.owner === owner || flow.leaseExpiresAt === null || flow.leaseExpiresAt <= now || (isDead?.(flow.owner) ?? false);
    if (!free) return undefined;
    Object.assign(flow, { owner, leaseExpiresAt: leaseUntil, state: 'running' });
    return clone(flow);
  }

  async renew(ids: readonly string[], owner: string, leaseUntil: Date): Promise<string[]> {
    const held: string[] = [];
    for (const id of ids) {
      const flow = this.flows.get(id);
      if (flow !== undefined && flow.owner === owner && unfinished(flow)) {
        flow.leaseExpiresAt = leaseUntil;
        held.push(id);
      }
    }
    return held;
  }

  async update(id: string, owner: string, changes: FlowChanges): Promise<boolean> {
    const flow = this.flows.get(id);
    if (flow === undefined || flow.owner !== owner || !unfinished(flow)) return false;
    if (changes.step !== undefined) flow.step = changes.step;
    if (changes.attempts !== undefined) flow.attempts = changes.attempts;
    if (changes.lastError !== undefined) flow.lastError = changes.lastError;
    if (changes.data !== undefined) flow.data = clone(changes.data);
    if (changes.args !== undefined) flow.args = clone(changes.args);
    return true;
  }

  async finish(id: string, owner: string, state: 'succeeded' | 'failed' | 'cancelled', lastError?: string | null): Promise<boolean> {
    const flow = this.flows.get(id);
    if (flow === undefined || flow.owner !== owner) return false;
    if (!unfinished(flow) && !(state === 'cancelled' && flow.state === 'cancelled')) return false;
    flow.state = state;
    flow.finishedAt = new Date(this.now());
    flow.leaseExpiresAt = null;
    if (lastError !== undefined) flow.lastError = lastError;
    return true;
  }

  async release(id: string, owner: string, at: Date): Promise<void> {
    const flow = this.flows.get(id);
    if (flow !== undefined && flow.owner === owner && unfinished(flow)) flow.leaseExpiresAt = at;
  }

  async cancelEarlier(instanceId: string, flowId: string, createdAt: Date): Promise<number> {
    let count = 0;
    for (const flow of this.flows.values()) {
      if (flow.instanceId === instanceId && flow.id !== flowId && flow.createdAt <= createdAt && unfinished(flow)) {
        flow.state = 'cancelled';
        count += 1;
      }
    }
    return count;
  }

  async countEarlierUnfinished(instanceId: string, flowId: string, createdAt: Date): Promise<number> {
    return [...this.flows.values()].filter((flow) => flow.instanceId === instanceId && flow.id !== flowId && unfinished(flow) && flow.createdAt < createdAt).length;
  }

  async listClaimable(now: Date, limit: number): Promise<FlowRecord[]> {
    return [...this.flows.values()]
      .filter((flow) => unfinished(flow) && (flow.leaseExpiresAt === null || flow.leaseExpiresAt <= now))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map(clone);
  }

  async listHeldByOthers(owner: string, limit: number): Promise<FlowRecord[]> {
    return [...this.flows.values()].filter((flow) => unfinished(flow) && flow.owner !== owner).slice(0, limit).map(clone);
  }

  async latest(instanceId: string, kind: FlowKind): Promise<FlowRecord | undefined> {
    const all = [...this.flows.values()].filter((flow) => flow.instanceId === instanceId && flow.kind === kind);
    const last = all.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    return last === undefined ? undefined : clone(last);
  }

  async isCancelled(id: string): Promise<boolean> {
    return this.flows.get(id)?.state === 'cancelled';
  }
}

/** A fault as recorded. */
export interface MemoryFault {
  instanceId: string;
  message: string;
  details: string;
  deleted: boolean;
}

/** Everything the memory instance store keeps per instance, visible to tests. */
export interface MemoryInstance extends InstanceRecord {
  addresses: InstanceAddressRecord[] | null;
  serviceStatus: ServiceStatus;
  serviceUpdatedAt: Date | null;
}

export class MemoryInstanceStore implements InstanceStore {
  readonly instances = new Map<string, MemoryInstance>();
  readonly versions = new Map<string, DatastoreVersionInfo>();
  readonly faults: MemoryFault[] = [];
  readonly rootHistory = new Map<string, string>();
  readonly configurations = new Map<string, ConfigurationOverrides>();
  readonly restartRules = new Map<string, Set<string>>();
  /** Every task an instance went through, in order. */
  readonly taskHistory = new Map<string, InstanceTask[]>();

  addVersion(version: DatastoreVersionInfo): void {
    this.versions.set(version.id, version);
  }

  addInstance(instance: Partial<MemoryInstance> & { id: string; datastoreVersionId: string }): MemoryInstance {
    const record: MemoryInstance = {
      name: `db-${instance.id.slice(0, 4)}`,
      tenantId: 'tenant-1',
      flavorId: '2',
      volumeSize: null,
      volumeId: null,
      computeInstanceId: null,
      configurationId: null,
      slaveOfId: null,
      task: 'BUILDING',
      serverStatus: null,
      encryptedKey: null,
      access: null,
      deleted: false,
      addresses: null,
      serviceStatus: 'NEW',
      serviceUpdatedAt: new Date(),
      ...instance,
    };
    this.instances.set(record.id, record);
    this.taskHistory.set(record.id, [record.task]);
    return record;
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const instance = this.instances.get(id);
    return instance === undefined || instance.deleted ? undefined : clone(instance);
  }

  async getDatastoreVersion(id: string): Promise<DatastoreVersionInfo | undefined> {
    const version = this.versions.get(id);
    return version === undefined ? undefined : clone(version);
  }

  async update(id: string, changes: InstanceChanges): Promise<void> {
    const instance = this.instances.get(id);
    if (instance === undefined) return;
    if (changes.task !== undefined) {
      instance.task = changes.task;
      this.taskHistory.get(id)?.push(changes.task);
    }
    if (changes.serverStatus !== undefined) instance.serverStatus = changes.serverStatus;
    if (changes.volumeId !== undefined) instance.volumeId = changes.volumeId;
    if (changes.volumeSize !== undefined) instance.volumeSize = changes.volumeSize;
    if (changes.computeInstanceId !== undefined) instance.computeInstanceId = changes.computeInstanceId;
    if (changes.flavorId !== undefined) instance.flavorId = changes.flavorId;
    if (changes.configurationId !== undefined) instance.configurationId = changes.configurationId;
    if (changes.datastoreVersionId !== undefined) instance.datastoreVersionId = changes.datastoreVersionId;
    if (changes.addresses !== undefined) instance.addresses = changes.addresses === null ? null : clone(changes.addresses);
    if (changes.access !== undefined) instance.access = changes.access === null ? null : clone(changes.access);
  }

  async getServiceStatus(instanceId: string): Promise<ServiceStatusRecord | undefined> {
    const instance = this.instances.get(instanceId);
    return instance === undefined ? undefined : { status: instance.serviceStatus, updatedAt: instance.serviceUpdatedAt };
  }

  async setServiceStatus(instanceId: string, status: ServiceStatus): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (instance !== undefined) instance.serviceStatus = status;
  }

  /** What the conductor would do on a heartbeat. */
  heartbeat(instanceId: string, status: ServiceStatus): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) return;
    instance.serviceStatus = status;
    instance.serviceUpdatedAt = new Date();
  }

  async addFault(instanceId: string, message: string, details: string): Promise<void> {
    this.faults.push({ instanceId, message: message.slice(0, 255), details, deleted: false });
  }

  async recordRootEnabled(instanceId: string, user: string): Promise<void> {
    if (!this.rootHistory.has(instanceId)) this.rootHistory.set(instanceId, user);
  }

  async markDeleted(instanceId: string): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) return;
    Object.assign(instance, { deleted: true, task: 'NONE', configurationId: null, slaveOfId: null, addresses: null, serviceStatus: 'DELETED' });
    this.taskHistory.get(instanceId)?.push('NONE');
    for (const fault of this.faults) if (fault.instanceId === instanceId) fault.deleted = true;
  }

  async configurationOverrides(configurationId: string): Promise<ConfigurationOverrides | undefined> {
    const group = this.configurations.get(configurationId);
    return group === undefined ? undefined : clone(group);
  }

  async parametersNeedRestart(datastoreVersionId: string, names: readonly string[]): Promise<boolean> {
    const rules = this.restartRules.get(datastoreVersionId) ?? new Set<string>();
    return names.some((name) => rules.has(name.toLowerCase()));
  }

  async listWithServers(limit: number, afterId?: string): Promise<InstanceServerRef[]> {
    return [...this.instances.values()]
      .filter((instance) => !instance.deleted && instance.computeInstanceId !== null && (afterId === undefined || instance.id > afterId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((instance) => ({ id: instance.id, computeInstanceId: instance.computeInstanceId as string, serverStatus: instance.serverStatus, task: instance.task }));
  }
}
