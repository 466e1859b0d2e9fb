/**
 * Instance creation as Trove's API does it (reference §1.3, §8.1, `instance/service.py` `create` and
 * `instance/models.py` `Instance.create`): validate the request, reserve quota (`instances +1`,
 * `ram +flavor.ram`, `volumes +size`), create the `instances` rows (task BUILDING, a wrapped per-instance RPC
 * key) with their `service_statuses` (NEW), generate the root password when `root_on_create`, then cast
 * `create_instance` to the taskmanager. Rows are written in one transaction; if the cast fails the rows are
 * marked deleted and the quota reservation is rolled back, so a failed create leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';
import { SERVICE_STATUS_INFO, type SerializedSchema, type SerializedUser } from '../../../shared/models/index.js';
import { isDatastoreManager, type DatastoreManager } from '../../../shared/config/index.js';
import { instanceTaskColumns, type DatastoreRow, type DatastoreVersionRow, type InstanceRow } from '../../db/index.js';
import type { Flavor } from '../../compute/ports.js';
import type { RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTenant } from '../middleware/policy.js';
import { ConfigurationService, configurationMismatch } from './configurations.js';
import { nameRulesFor, reservedNames, validatedDatabases, validatedUsers } from './datastore-objects.js';
import { DatastoreService } from './datastores.js';
import { badRequest, idFromHref, notFound } from './errors.js';
import { assertActionAllowed } from './instance-status.js';
import type { InstanceService } from './instances.js';
import { generatePassword } from './passwords.js';
import { rpcContextOf } from './rpc-context.js';

/** The validated `{"instance": {...}}` body. */
export interface InstanceCreateBody {
  name: string;
  flavorRef?: string | number;
  volume?: { size: number | string; type?: string | null };
  datastore?: { type?: string; version?: string; version_number?: string };
  databases?: Array<{ name: string; character_set?: string; collate?: string }>;
  users?: Array<{ name: string; password: string; host?: string; databases?: Array<{ name: string }> }>;
  restorePoint?: { backupRef: string };
  availability_zone?: string;
  nics?: Array<Record<string, string>>;
  configuration?: string | null;
  replica_of?: string;
  replica_count?: number;
  modules?: Array<{ id: string }>;
  locality?: string;
  region_name?: string;
  access?: { is_public?: boolean; allowed_cidrs?: string[] };
}

/** What create returns for the view. */
export interface CreatedInstance {
  row: InstanceRow;
  rootPassword: string | undefined;
}

function flavorDict(flavor: Flavor): Record<string, unknown> {
  return { id: flavor.id, name: flavor.name, ram: flavor.ram, vcpus: flavor.vcpus, disk: flavor.disk, ephemeral: flavor.ephemeral };
}

/** Trove's `validate_volume_size`. */
export function checkVolumeSize(size: number | undefined, maxAccepted: number): number {
  if (size === undefined || Number.isNaN(size)) throw new TroveError(ErrorCode.BAD_REQUEST, 'Volume size was not specified.');
  if (size > maxAccepted) {
    throw new TroveError(ErrorCode.VOLUME_QUOTA_EXCEEDED, `Volume 'size' cannot exceed maximum of ${maxAccepted} GB, ${size} cannot be accepted.`);
  }
  return size;
}

/** Parses an IPv4 CIDR into [address, prefix] (the address as an unsigned number). */
function parseCidr(cidr: string): [number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (prefix > 32) return undefined;
  // Arithmetic rather than bitwise operators: JS bitwise operators work on signed 32-bit values.
  return [octets.reduce((value, octet) => value * 256 + octet, 0), prefix];
}

/** Whether two IPv4 CIDRs overlap. */
export function cidrsOverlap(left: string, right: string): boolean {
  const a = parseCidr(left);
  const b = parseCidr(right);
  if (a === undefined || b === undefined) return false;
  const prefix = Math.min(a[1], b[1]);
  const size = 2 ** (32 - prefix);
  return Math.floor(a[0] / size) === Math.floor(b[0] / size);
}

export class InstanceCreator {
  private readonly datastores: DatastoreService;
  private readonly configurations: ConfigurationService;
  private readonly instances: InstanceService;

  constructor(private readonly deps: ApiDeps, instances: InstanceService) {
    this.datastores = new DatastoreService(deps.models);
    this.configurations = new ConfigurationService(deps.models);
    this.instances = instances;
  }

  async create(context: RequestContext, body: InstanceCreateBody): Promise<CreatedInstance> {
    const { config, policy } = this.deps;
    authorizeOnTenant(policy, context, 'instance:create');

    const slaveOfId = body.replica_of;
    const replicaCount = body.replica_count;
    if (slaveOfId !== undefined) {
      if (body.flavorRef !== undefined) throw badRequest('Cannot specify flavor when creating replicas.');
      if (body.datastore !== undefined && Object.keys(body.datastore).length > 0) throw badRequest('Cannot specify datastore when creating replicas.');
      if (body.volume !== undefined) throw badRequest('Cannot specify volume when creating replicas.');
      if (body.locality !== undefined) throw badRequest('Cannot specify locality when creating replicas.');
    } else if (replicaCount !== undefined && replicaCount > 1) {
      throw badRequest(`Replica count only valid when creating replicas. Cannot create ${replicaCount} instances.`);
    }

    let flavorId = body.flavorRef === undefined ? undefined : idFromHref(body.flavorRef);
    let volumeSize = body.volume === undefined ? undefined : Number(body.volume.size);
    let volumeType = body.volume?.type ?? null;
    let datastore: DatastoreRow;
    let version: DatastoreVersionRow;
    let source: InstanceRow | undefined;
    if (slaveOfId !== undefined) {
      const found = await this.deps.models.instances.findOne({ where: { id: slaveOfId, deleted: false } });
      if (found === null || (!context.isAdmin && found.tenant_id !== context.tenantId)) throw notFound(slaveOfId);
      if (found.slave_of_id !== null) throw new TroveError(ErrorCode.UNAUTHORIZED, `Cannot create a replica of a replica ${slaveOfId}`);
      source = found;
      flavorId = found.flavor_id ?? undefined;
      volumeSize = found.volume_size ?? undefined;
      version = await this.datastores.loadVersionById(found.datastore_version_id ?? '');
      datastore = await this.datastores.loadDatastore(version.datastore_id ?? '');
    } else {
      ({ datastore, version } = await this.datastores.resolve({
        type: body.datastore?.type,
        version: body.datastore?.version,
        versionNumber: body.datastore?.version_number,
        defaultDatastore: config.DEFAULT.default_datastore,
      }));
    }
    if (flavorId === undefined) throw badRequest('flavorRef is required.');
    const manager: DatastoreManager | null = version.manager !== null && isDatastoreManager(version.manager) ? version.manager : null;
    if (manager === null) throw badRequest(`Datastore manager ${version.manager ?? ''} cannot be found.`);

    const rules = nameRulesFor(manager);
    const reserved = reservedNames(config, manager);
    const databases: SerializedSchema[] = validatedDatabases(body.databases ?? [], rules, reserved.dbs);
    const users: SerializedUser[] = validatedUsers(body.users ?? [], rules, reserved.users, databases.map((database) => database._name));
    if (slaveOfId !== undefined && (databases.length > 0 || users.length > 0)) throw badRequest('Cannot create a replica with users or databases.');

    const configurationId = body.configuration ? idFromHref(body.configuration) : undefined;
    if (configurationId !== undefined) authorizeOnTenant(policy, context, 'instance:update');
    if (body.modules !== undefined && body.modules.length > 0) authorizeOnTenant(policy, context, 'instance:module_apply');
    if (users.length > 0) authorizeOnTenant(policy, context, 'instance:extension:user:create');
    if (databases.length > 0) authorizeOnTenant(policy, context, 'instance:extension:database:create');
    if (body.modules !== undefined && body.modules.length > 0) {
      throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Modules are not available in this deployment.');
    }

    const backupId = body.restorePoint ? idFromHref(body.restorePoint.backupRef) : undefined;
    const nics = (body.nics ?? []).map((nic) => ({ ...nic }));
    if (nics.length > 0) this.checkNic(nics[0] as Record<string, string>, slaveOfId !== undefined);
    if (body.locality !== undefined && !['affinity', 'anti-affinity'].includes(body.locality)) {
      throw badRequest(`Invalid locality '${body.locality}'. Must be one of ['affinity', 'anti-affinity']`);
    }

    // Instance.create: flavor restrictions of the version, then the flavor itself.
    const boundFlavors = await this.datastores.metadataValues(version.id, 'flavor');
    if (boundFlavors.length > 0 && !boundFlavors.includes(flavorId)) {
      throw new NotFoundError(`Flavor ${flavorId} is not supported for datastore version ${version.id}`);
    }
    const flavor = await this.deps.flavors.getFlavor(flavorId);
    if (flavor === undefined) throw new TroveError(ErrorCode.FLAVOR_NOT_FOUND, `Resource ${flavorId} cannot be found.`);

    const deltas: Record<string, number> = { instances: 1, ram: flavor.ram };
    const volumeSupport = config[manager].volume_support;
    if (volumeSupport) {
      await this.checkVolumeType(volumeType, version.id);
      volumeSize = checkVolumeSize(volumeSize, config.DEFAULT.max_accepted_volume_size);
      deltas['volumes'] = volumeSize;
    } else {
      if (volumeSize !== undefined) throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'Volume support is not enabled.');
      volumeType = null;
    }
    if (backupId !== undefined) await this.checkBackup(context, backupId, datastore, volumeSize ?? flavor.disk);
    if (source !== undefined) {
      if (!config[manager].replication_strategy) throw badRequest(`Replication is not supported for the '${datastore.name ?? ''}' datastore.`);
      const loaded = await this.instances.load({ ...context, isAdmin: true }, source.id);
      assertActionAllowed(source.id, loaded.derived, loaded.backupRunning);
    }

    let overrides: Record<string, unknown> | null = null;
    if (configurationId !== undefined) {
      const group = await this.configurations.load(context, configurationId);
      if (group.datastore_version_id !== version.id) throw configurationMismatch(group.datastore_version_id, version.id);
      overrides = await this.configurations.typedValues(group);
    }

    for (const network of config.DEFAULT.management_networks) nics.push({ network_id: network });

    const multiReplica = slaveOfId !== undefined && replicaCount !== undefined && replicaCount > 1;
    const count = multiReplica ? (replicaCount as number) : 1;
    const regionName = body.region_name ?? config.service_credentials.region_name;
    const access = body.access ?? null;
    const rootOnCreate = config[manager].root_on_create && backupId === undefined;

    return this.deps.quotas.runWithQuotas(context.tenantId, deltas, async () => {
      const rows: InstanceRow[] = [];
      const rootPasswords: Array<string | null> = [];
      await this.deps.sequelize.transaction(async (transaction) => {
        for (let index = 0; index < count; index++) {
          const id = randomUUID();
          const row = await this.deps.models.instances.create(
            {
              id,
              name: multiReplica ? `${body.name}-${index + 1}` : body.name,
              flavor_id: flavorId,
              tenant_id: context.tenantId,
              volume_size: volumeSupport ? (volumeSize ?? null) : null,
              datastore_version_id: version.id,
              ...instanceTaskColumns('BUILDING'),
              task_start_time: new Date(),
              configuration_id: configurationId ?? null,
              slave_of_id: slaveOfId ?? null,
              region_id: regionName,
              encrypted_key: await this.deps.instanceKeys.issueWrappedKey(),
              access: access === null ? null : JSON.stringify(access),
              deleted: false,
            },
            { transaction },
          );
          await this.deps.models.serviceStatuses.create(
            { instance_id: id, status_id: SERVICE_STATUS_INFO.NEW.code, status_description: SERVICE_STATUS_INFO.NEW.description, updated_at: new Date() },
            { transaction },
          );
          rows.push(row);
          rootPasswords.push(rootOnCreate ? generatePassword(config[manager].default_password_length) : null);
        }
      });
      const ids = rows.map((row) => row.id);
      try {
        await this.deps.taskManager.createInstance(
          {
            instance_id: count > 1 ? ids : (ids[0] as string),
            // Several replicas are named `<name>-1..n` in their rows; the taskmanager reads the names there.
            name: body.name,
            flavor: flavorDict(flavor),
            image_id: version.image_id,
            databases,
            users,
            datastore_manager: manager,
            packages: version.packages,
            volume_size: volumeSupport ? (volumeSize ?? null) : null,
            backup_id: backupId ?? null,
            availability_zone: body.availability_zone ?? null,
            root_password: count > 1 ? null : (rootPasswords[0] ?? null),
            nics,
            overrides: overrides as Record<string, string | number | boolean | null> | null,
            slave_of_id: slaveOfId ?? null,
            cluster_config: null,
            volume_type: volumeType,
            modules: [],
            locality: body.locality ?? null,
            access: access as Record<string, unknown> | null,
            ds_version: version.version,
          },
          { context: rpcContextOf(context) },
        );
      } catch (error) {
        await this.discard(rows);
        context.logger.error({ err: error, instanceIds: ids }, 'create_instance could not be sent to the taskmanager');
        throw error;
      }
      const created = rows[count - 1] as InstanceRow;
      return { row: created, rootPassword: rootPasswords[count - 1] ?? undefined };
    });
  }

  /** Marks rows of a create that could not be handed over as deleted. */
  private async discard(rows: readonly InstanceRow[]): Promise<void> {
    for (const row of rows) {
      await row.update({ deleted: true, deleted_at: new Date(), ...instanceTaskColumns('NONE') });
      await this.deps.models.serviceStatuses.update(
        { status_id: SERVICE_STATUS_INFO.DELETED.code, status_description: SERVICE_STATUS_INFO.DELETED.description },
        { where: { instance_id: row.id } },
      );
    }
  }

  /** Trove's `_check_nic` without Neutron lookups: a network or subnet is required, an IP needs a subnet. */
  private checkNic(nic: Record<string, string>, isReplica: boolean): void {
    if (isReplica && nic['ip_address']) throw badRequest('Cannot specify IP address when creating replicas.');
    const network = nic['network_id'] ?? nic['net-id'];
    if (!network && !nic['subnet_id']) throw badRequest('Instance network or subnet needs to be specified.');
    if (!nic['subnet_id'] && nic['ip_address']) throw badRequest('Instance subnet needs to be specified.');
    if (network !== undefined) nic['network_id'] = network;
    delete nic['net-id'];
    const reserved = this.deps.config.DEFAULT.reserved_network_cidrs;
    if (nic['ip_address'] && reserved.some((cidr) => cidrsOverlap(`${nic['ip_address']}/32`, cidr))) {
      throw badRequest('User network conflicts with the reserved network.');
    }
  }

  private async checkVolumeType(volumeType: string | null, versionId: string): Promise<void> {
    const allowed = await this.datastores.metadataValues(versionId, 'volume_type');
    if (allowed.length === 0) return;
    if (volumeType === null) throw badRequest(`A volume type is required for datastore version ${versionId}.`);
    if (!allowed.includes(volumeType)) throw new NotFoundError(`The volume type ${volumeType} is not valid for datastore version ${versionId}.`);
  }

  private async checkBackup(context: RequestContext, backupId: string, datastore: DatastoreRow, targetSize: number): Promise<void> {
    const backup = await this.deps.models.backups.findOne({ where: { id: backupId, deleted: false } });
    if (backup === null || (!context.isAdmin && backup.tenant_id !== context.tenantId)) throw notFound(backupId);
    if (backup.state !== 'COMPLETED') {
      throw new TroveError(ErrorCode.CONFLICT, `Unable to create instance because backup ${backupId} is not completed. Actual state: ${backup.state}.`);
    }
    if ((backup.size ?? 0) > targetSize) {
      throw new TroveError(ErrorCode.FORBIDDEN, `Backup is too large for given flavor or volume. Backup size: ${backup.size ?? 0} GBs. Available size: ${targetSize} GBs.`);
    }
    if (backup.datastore_version_id !== null) {
      const versions = await this.datastores.versionsWithDatastores([backup.datastore_version_id]);
      const backupDatastore = versions.get(backup.datastore_version_id)?.datastore;
      if (backupDatastore && backupDatastore.id !== datastore.id) {
        throw badRequest(`The datastore from which the backup was taken, ${backupDatastore.name ?? ''}, does not match the destination datastore of ${datastore.name ?? ''}.`);
      }
    }
  }
}
