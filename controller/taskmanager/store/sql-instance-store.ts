/**
 * `InstanceStore` on the controller database (sequelize models of `controller/db`). `instances.addresses`
 * (added by migration 002, not part of Trove's model) is written with plain SQL.
 */
import { randomUUID } from 'node:crypto';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { SERVICE_STATUS_INFO, serviceStatusFromCode, type ServiceStatus } from '../../../shared/models/index.js';
import { instanceTaskColumns, instanceTaskFromCode, type TroveModels } from '../../db/index.js';
import type {
  ConfigurationOverrides,
  DatastoreVersionInfo,
  InstanceAccess,
  InstanceChanges,
  InstanceRecord,
  InstanceServerRef,
  InstanceStore,
  OverrideValue,
  ServiceStatusRecord,
} from './instance-store.js';

function parseAccess(text: string | null): InstanceAccess | null {
  if (text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as InstanceAccess) : null;
  } catch {
    return null;
  }
}

function splitWords(text: string | null, separator: RegExp): string[] {
  return (text ?? '').split(separator).map((part) => part.trim()).filter((part) => part !== '');
}

/** A stored configuration value converted by its rule's type (Trove's `load_items`). */
export function typedOverride(stored: string | null, dataType: string | undefined): OverrideValue {
  const text = stored ?? '';
  switch (dataType) {
    case 'boolean':
      return text !== '' && text.toLowerCase() !== 'false' && Number.parseInt(text, 10) !== 0;
    case 'integer': {
      const parsed = Number.parseInt(text, 10);
      return Number.isNaN(parsed) ? text : parsed;
    }
    case 'float': {
      const parsed = Number.parseFloat(text);
      return Number.isNaN(parsed) ? text : parsed;
    }
    default:
      return text;
  }
}

export class SqlInstanceStore implements InstanceStore {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly models: TroveModels,
  ) {}

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const row = await this.models.instances.findOne({ where: { id, deleted: false } });
    if (row === null) return undefined;
    return {
      id: row.id,
      name: row.name ?? '',
      tenantId: row.tenant_id,
      flavorId: row.flavor_id,
      volumeSize: row.volume_size,
      volumeId: row.volume_id,
      computeInstanceId: row.compute_instance_id,
      datastoreVersionId: row.datastore_version_id,
      configurationId: row.configuration_id,
      slaveOfId: row.slave_of_id,
      task: instanceTaskFromCode(row.task_id) ?? 'NONE',
      serverStatus: row.server_status,
      encryptedKey: row.encrypted_key,
      access: parseAccess(row.access),
      deleted: row.deleted === true,
    };
  }

  async getDatastoreVersion(id: string): Promise<DatastoreVersionInfo | undefined> {
    const version = await this.models.datastoreVersions.findOne({ where: { id }, include: [{ association: 'datastore' }] });
    if (version === null) return undefined;
    return {
      id: version.id,
      name: version.name ?? '',
      version: version.version ?? version.name ?? '',
      manager: version.manager ?? '',
      datastoreName: version.datastore?.name ?? '',
      imageId: version.image_id === null || version.image_id === '' ? null : version.image_id,
      imageTags: splitWords(version.image_tags, /,/),
      packages: splitWords(version.packages, /[\s,]+/),
    };
  }

  async update(id: string, changes: InstanceChanges): Promise<void> {
    const values: Record<string, unknown> = {};
    if (changes.task !== undefined) Object.assign(values, instanceTaskColumns(changes.task), { task_start_time: new Date() });
    if (changes.serverStatus !== undefined) values['server_status'] = changes.serverStatus;
    if (changes.volumeId !== undefined) values['volume_id'] = changes.volumeId;
    if (changes.volumeSize !== undefined) values['volume_size'] = changes.volumeSize;
    if (changes.computeInstanceId !== undefined) values['compute_instance_id'] = changes.computeInstanceId;
    if (changes.flavorId !== undefined) values['flavor_id'] = changes.flavorId;
    if (changes.configurationId !== undefined) values['configuration_id'] = changes.configurationId;
    if (changes.datastoreVersionId !== undefined) values['datastore_version_id'] = changes.datastoreVersionId;
    if (changes.access !== undefined) values['access'] = changes.access === null ? null : JSON.stringify(changes.access);
    if (Object.keys(values).length > 0) await this.models.instances.update(values, { where: { id } });
    if (changes.addresses !== undefined) {
      await this.sequelize.query('UPDATE `instances` SET `addresses` = ? WHERE `id` = ?', {
        replacements: [changes.addresses === null ? null : JSON.stringify(changes.addresses), id],
        type: QueryTypes.UPDATE,
      });
    }
  }

  async getServiceStatus(instanceId: string): Promise<ServiceStatusRecord | undefined> {
    const row = await this.models.serviceStatuses.findOne({ where: { instance_id: instanceId } });
    if (row === null) return undefined;
    return { status: serviceStatusFromCode(row.status_id) ?? 'UNKNOWN', updatedAt: row.updated_at };
  }

  async setServiceStatus(instanceId: string, status: ServiceStatus): Promise<void> {
    const info = SERVICE_STATUS_INFO[status];
    const [count] = await this.models.serviceStatuses.update(
      { status_id: info.code, status_description: info.description },
      { where: { instance_id: instanceId } },
    );
    if (count === 0) {
      await this.models.serviceStatuses.create({ instance_id: instanceId, status_id: info.code, status_description: info.description, updated_at: new Date() });
    }
  }

  async addFault(instanceId: string, message: string, details: string): Promise<void> {
    await this.models.instanceFaults.create({ id: randomUUID(), instance_id: instanceId, message: message.slice(0, 255), details, deleted: false });
  }

  async recordRootEnabled(instanceId: string, user: string): Promise<void> {
    await this.models.rootEnabledHistory.findOrCreate({ where: { id: instanceId }, defaults: { id: instanceId, user, created: new Date() } });
  }

  async markDeleted(instanceId: string): Promise<void> {
    const deleted = SERVICE_STATUS_INFO.DELETED;
    await this.sequelize.transaction(async (transaction) => {
      const now = new Date();
      await this.models.instances.update(
        { deleted: true, deleted_at: now, ...instanceTaskColumns('NONE'), configuration_id: null, slave_of_id: null },
        { where: { id: instanceId }, transaction },
      );
      await this.sequelize.query('UPDATE `instances` SET `addresses` = NULL WHERE `id` = ?', { replacements: [instanceId], type: QueryTypes.UPDATE, transaction });
      await this.models.serviceStatuses.update({ status_id: deleted.code, status_description: deleted.description }, { where: { instance_id: instanceId }, transaction });
      await this.models.instanceFaults.update({ deleted: true, deleted_at: now }, { where: { instance_id: instanceId, deleted: false }, transaction });
    });
  }

  async configurationOverrides(configurationId: string): Promise<ConfigurationOverrides | undefined> {
    const group = await this.models.configurations.findOne({ where: { id: configurationId } });
    if (group === null) return undefined;
    const [items, rules] = await Promise.all([
      this.models.configurationParameters.findAll({ where: { configuration_id: configurationId, deleted: false } }),
      this.models.datastoreConfigurationParameters.findAll({ where: { datastore_version_id: group.datastore_version_id } }),
    ]);
    const byName = new Map(rules.map((rule) => [rule.name.toLowerCase(), rule]));
    const values: Record<string, OverrideValue> = {};
    let restartRequired = false;
    for (const item of items) {
      const rule = byName.get(item.configuration_key.toLowerCase());
      values[item.configuration_key] = typedOverride(item.configuration_value, rule?.data_type);
      if (rule?.restart_required) restartRequired = true;
    }
    return { values, restartRequired };
  }

  async parametersNeedRestart(datastoreVersionId: string, names: readonly string[]): Promise<boolean> {
    if (names.length === 0) return false;
    const wanted = new Set(names.map((name) => name.toLowerCase()));
    const rules = await this.models.datastoreConfigurationParameters.findAll({ where: { datastore_version_id: datastoreVersionId, restart_required: true } });
    return rules.some((rule) => wanted.has(rule.name.toLowerCase()));
  }

  async listWithServers(limit: number, afterId?: string): Promise<InstanceServerRef[]> {
    const where: Record<string | symbol, unknown> = { deleted: false, compute_instance_id: { [Op.ne]: null } };
    if (afterId !== undefined) where['id'] = { [Op.gt]: afterId };
    const rows = await this.models.instances.findAll({ where, order: [['id', 'ASC']], limit, attributes: ['id', 'compute_instance_id', 'server_status', 'task_id'] });
    return rows.map((row) => ({
      id: row.id,
      computeInstanceId: row.compute_instance_id as string,
      serverStatus: row.server_status,
      task: instanceTaskFromCode(row.task_id) ?? 'NONE',
    }));
  }
}
