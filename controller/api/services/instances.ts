/**
 * Reading instances: loading rows scoped to the caller (another tenant's instance is 404, never 403),
 * assembling what the views show (statuses derived from the database alone, replicas, running backups,
 * configuration, faults) and paging lists the way Trove does (ordered by id, `id > marker`). A list costs a
 * fixed number of queries whatever the tenant's size.
 */
import { Op, QueryTypes, type WhereOptions } from 'sequelize';
import type { TroveConfig } from '../../../shared/config/index.js';
import type { DatastoreManager } from '../../../shared/config/index.js';
import { isDatastoreManager } from '../../../shared/config/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import type { InstanceAttributes, InstanceRow, TroveModels } from '../../db/index.js';
import type { RequestContext } from '../context.js';
import type { GuestClientFactory } from '../deps.js';
import type { InstanceAddress, InstanceData } from '../views/instance-view.js';
import { notFound } from './errors.js';
import { AGENT_INVALID_STATUSES, deriveStatus, type DerivedStatus } from './instance-status.js';
import { pageLimit, splitPage } from './paging.js';
import { rpcContextOf } from './rpc-context.js';

/** Backup states in which a backup counts as running (Trove's `BackupState.RUNNING_STATES`). */
export const RUNNING_BACKUP_STATES = ['NEW', 'BUILDING', 'SAVING'] as const;

/** An instance row with what its status derivation needed. */
export interface LoadedInstance {
  row: InstanceRow;
  derived: DerivedStatus;
  backupRunning: boolean;
  manager: DatastoreManager | null;
}

const INCLUDE = [
  { association: 'datastoreVersion', include: [{ association: 'datastore' }] },
  { association: 'serviceStatus' },
];

function parseJsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Parses the `instances.addresses` column: a JSON list of `{address, type, network}`. */
export function parseAddresses(raw: unknown): InstanceAddress[] {
  if (typeof raw !== 'string' || raw === '') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((item): item is InstanceAddress => typeof item === 'object' && item !== null && typeof (item as InstanceAddress).address === 'string')
      .map((item) => ({ address: item.address, type: typeof item.type === 'string' ? item.type : 'private', ...(item.network ? { network: item.network } : {}) }));
  } catch {
    return [];
  }
}

export class InstanceService {
  /** Whether `instances.addresses` exists (migration 002); checked once. */
  private addressColumn: Promise<boolean> | undefined;

  constructor(
    private readonly models: TroveModels,
    private readonly config: TroveConfig,
    private readonly guest: GuestClientFactory,
    private readonly now: () => number,
  ) {}

  private heartbeatExpiryMs(): number {
    return this.config.DEFAULT.agent_heartbeat_expiry * 1000;
  }

  /**
   * The caller's instance (an administrator may load any project's).
   * @throws NotFoundError (404) when it does not exist, is deleted or belongs to another tenant
   */
  async loadRow(context: RequestContext, id: string): Promise<InstanceRow> {
    const row = await this.models.instances.findOne({ where: { id, deleted: false }, include: INCLUDE });
    if (row === null || (!context.isAdmin && row.tenant_id !== context.tenantId)) throw notFound(id);
    return row;
  }

  /** Loads and derives the status of one instance. */
  async load(context: RequestContext, id: string): Promise<LoadedInstance> {
    const row = await this.loadRow(context, id);
    const running = await this.runningBackups([row.id]);
    return this.derive(row, running.has(row.id));
  }

  derive(row: InstanceRow, backupRunning: boolean): LoadedInstance {
    const status = row.serviceStatus ?? null;
    const derived = deriveStatus(
      {
        taskId: row.task_id,
        serverStatus: row.server_status,
        backupRunning,
        serviceStatusId: status?.status_id ?? SERVICE_STATUS_INFO.UNKNOWN.code,
        serviceUpdatedAt: status?.updated_at ?? null,
      },
      this.now(),
      this.heartbeatExpiryMs(),
    );
    const manager = row.datastoreVersion?.manager ?? null;
    return { row, derived, backupRunning, manager: manager !== null && isDatastoreManager(manager) ? manager : null };
  }

  /** Ids among `ids` with a running backup. */
  async runningBackups(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.models.backups.findAll({
      attributes: ['instance_id'],
      where: { instance_id: { [Op.in]: [...ids] }, state: { [Op.in]: [...RUNNING_BACKUP_STATES] }, deleted: false },
      raw: true,
    });
    return new Set(rows.map((row) => row.instance_id).filter((id): id is string => id !== null));
  }

  /** Replica ids by source id. */
  async replicasOf(ids: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (ids.length === 0) return result;
    const rows = await this.models.instances.findAll({
      attributes: ['id', 'slave_of_id'],
      where: { slave_of_id: { [Op.in]: [...ids] }, deleted: false },
      order: [['id', 'ASC']],
      raw: true,
    });
    for (const row of rows) {
      if (row.slave_of_id === null) continue;
      result.set(row.slave_of_id, [...(result.get(row.slave_of_id) ?? []), row.id]);
    }
    return result;
  }

  /**
   * Addresses the taskmanager recorded in `instances.addresses`, by instance id. Read with the row when the
   * model maps the column, otherwise with one query for the whole page.
   */
  async addressesFor(rows: readonly InstanceRow[]): Promise<Map<string, InstanceAddress[]>> {
    const result = new Map<string, InstanceAddress[]>();
    if (rows.length === 0) return result;
    if ('addresses' in this.models.instances.getAttributes()) {
      for (const row of rows) {
        const raw = typeof row.getDataValue === 'function' ? row.getDataValue('addresses' as keyof InstanceAttributes) : (row as unknown as Record<string, unknown>)['addresses'];
        result.set(row.id, parseAddresses(raw));
      }
      return result;
    }
    const sequelize = this.models.instances.sequelize;
    if (sequelize === undefined) return result;
    this.addressColumn ??= sequelize
      .getQueryInterface()
      .describeTable('instances')
      .then((columns) => 'addresses' in columns)
      .catch(() => false);
    if (!(await this.addressColumn)) return result;
    const found = await sequelize.query<{ id: string; addresses: string | null }>('SELECT id, addresses FROM instances WHERE id IN (:ids)', {
      replacements: { ids: rows.map((row) => row.id) },
      type: QueryTypes.SELECT,
    });
    for (const item of found) result.set(item.id, parseAddresses(item.addresses));
    return result;
  }

  /** Whether instances of this datastore manager get a volume (`[<manager>] volume_support`). */
  volumeSupport(manager: DatastoreManager | null): boolean {
    return manager === null ? false : this.config[manager].volume_support;
  }

  /** The view data of loaded instances; `detail` adds configuration and fault. */
  async toData(loaded: readonly LoadedInstance[], detail: boolean): Promise<InstanceData[]> {
    const ids = loaded.map((item) => item.row.id);
    const replicas = await this.replicasOf(ids);
    const addresses = await this.addressesFor(loaded.map((item) => item.row));
    const configurations = new Map<string, string>();
    const faults = new Map<string, { message: string; created: Date | null; details: string | null }>();
    if (detail && ids.length > 0) {
      const configIds = [...new Set(loaded.map((item) => item.row.configuration_id).filter((id): id is string => id !== null))];
      if (configIds.length > 0) {
        for (const config of await this.models.configurations.findAll({ attributes: ['id', 'name'], where: { id: { [Op.in]: configIds } } })) {
          configurations.set(config.id, config.name);
        }
      }
      const faultRows = await this.models.instanceFaults.findAll({
        where: { instance_id: { [Op.in]: ids }, deleted: false },
        order: [['created', 'ASC']],
      });
      for (const fault of faultRows) faults.set(fault.instance_id, { message: fault.message, created: fault.updated, details: fault.details });
    }
    return loaded.map((item) => {
      const row = item.row;
      const version = row.datastoreVersion ?? null;
      const data: InstanceData = {
        id: row.id,
        name: row.name,
        tenantId: row.tenant_id,
        status: item.derived.status,
        operatingStatus: item.derived.operatingStatus,
        flavorId: row.flavor_id,
        datastoreName: version?.datastore?.name ?? null,
        datastoreVersionName: version?.name ?? null,
        datastoreVersionNumber: version?.version ?? null,
        region: row.region_id,
        volumeSupport: this.volumeSupport(item.manager),
        volumeSize: row.volume_size,
        hostname: row.hostname,
        addresses: addresses.get(row.id) ?? [],
        slaveOfId: row.slave_of_id,
        replicaIds: replicas.get(row.id) ?? [],
        access: parseJsonObject(row.access),
        created: row.created,
        updated: row.updated,
        serviceStatusUpdated: row.serviceStatus?.updated_at ?? null,
        clusterId: row.cluster_id,
        shardId: row.shard_id,
        serverId: row.compute_instance_id,
        volumeId: row.volume_id,
        encryptedRpcMessaging: row.encrypted_key !== null,
      };
      if (detail) {
        const configName = row.configuration_id === null ? undefined : configurations.get(row.configuration_id);
        data.configuration = row.configuration_id !== null && configName !== undefined ? { id: row.configuration_id, name: configName } : null;
        data.fault = faults.get(row.id) ?? null;
      }
      return data;
    });
  }

  /**
   * One page of the tenant's instances (Trove's `Instances.load`): ordered by id, after `marker`, at most
   * `instances_page_size`; clustered instances only with `include_clustered`.
   */
  async list(context: RequestContext, options: { includeClustered: boolean; tenantId?: string | null; deleted?: boolean }): Promise<{ items: LoadedInstance[]; nextMarker: string | null }> {
    const limit = pageLimit(context.limit, this.config.DEFAULT.instances_page_size);
    const where: WhereOptions<InstanceAttributes> & Record<string, unknown> = { deleted: options.deleted ?? false };
    const tenant = options.tenantId === undefined ? context.tenantId : options.tenantId;
    if (tenant !== null) where['tenant_id'] = tenant;
    if (!options.includeClustered) where['cluster_id'] = null;
    if (context.marker !== undefined && context.marker !== '') where['id'] = { [Op.gt]: context.marker };
    // Lists only read the rows: plain objects (`raw`) spare sequelize's model instances, its largest cost here.
    const rows = (await this.models.instances.findAll({ where, include: INCLUDE, order: [['id', 'ASC']], limit: limit + 1, raw: true, nest: true })) as unknown as InstanceRow[];
    const { page, nextMarker } = splitPage(rows, limit, (row) => row.id);
    const running = await this.runningBackups(page.map((row) => row.id));
    const items = page.map((row) => this.derive(row, running.has(row.id)));
    // Trove shows each page newest first.
    items.sort((a, b) => (b.row.created?.getTime() ?? 0) - (a.row.created?.getTime() ?? 0));
    return { items, nextMarker };
  }

  /**
   * The filesystem usage the guest reports, for `show` (Trove swallows guest errors here). Skipped while
   * the guest cannot answer: during builds, reboots and resizes, and when its heartbeat expired.
   */
  async volumeUsed(context: RequestContext, loaded: LoadedInstance): Promise<number | undefined> {
    const derived = loaded.derived;
    if (AGENT_INVALID_STATUSES.has(derived.status) || derived.status === 'ERROR' || derived.serviceStatus === 'FAILED_TIMEOUT_GUESTAGENT') return undefined;
    try {
      const stats = await this.guest(loaded.row.id).getFilesystemStats({ fs_path: null }, { context: rpcContextOf(context) });
      return typeof stats.used === 'number' ? stats.used : undefined;
    } catch (error) {
      context.logger.warn({ err: error, instanceId: loaded.row.id }, 'guest did not report filesystem usage');
      return undefined;
    }
  }
}
