/**
 * Configuration groups (Trove's `configuration/models.py` and `service.py`): loading a group scoped to the
 * caller, validating values against the datastore version's parameter rules, storing values as Trove does
 * (strings, booleans as "1"/"0"), reading them back typed, and the overrides a guest receives.
 */
import { Op } from 'sequelize';
import type { ConfigurationParameterRow, ConfigurationRow, DatastoreConfigurationParameterRow, TroveModels } from '../../db/index.js';
import { ErrorCode, NotFoundError, TroveError, UnprocessableError } from '../../../shared/errors/index.js';
import type { RequestContext } from '../context.js';
import { badRequest } from './errors.js';

/** A configuration value as the API shows it and the guest receives it. */
export type ConfigValue = string | number | boolean | null;

const PASSWORD_KEYS = /(password|admin_pass|admin_password|auth_token|secret|token|credential)/i;

/** Trove's `mask_dict_password`: values of password-like keys become `***`. */
export function maskValues(values: Record<string, ConfigValue>): Record<string, ConfigValue> {
  const masked: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(values)) masked[key] = PASSWORD_KEYS.test(key) ? '***' : value;
  return masked;
}

/** How a value is stored in `configuration_parameters.configuration_value`. */
export function storedValue(value: unknown): string {
  if (value === true) return '1';
  if (value === false) return '0';
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A stored value converted by its rule's type (Trove's `load_items`). */
export function typedValue(stored: string | null, dataType: string | undefined): ConfigValue {
  const text = stored ?? '';
  switch (dataType) {
    case 'boolean':
      return Number.parseInt(text, 10) !== 0 && text !== '' && text.toLowerCase() !== 'false';
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

function matchesType(value: unknown, dataType: string): boolean {
  switch (dataType) {
    // Python: bool is an int, so true/false pass as integers; an integer literal is not a float.
    case 'integer':
      return typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value));
    case 'float':
      return typeof value === 'number' && !Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    default:
      return false;
  }
}

function bound(text: string | null, which: 'min' | 'max'): number | undefined {
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text.trim())) {
    throw badRequest(`Invalid or unsupported ${which} value defined in the configuration-parameters configuration file. Expected integer.`);
  }
  return Number(text);
}

export class ConfigurationService {
  constructor(private readonly models: TroveModels) {}

  /**
   * A group the caller may see (administrators see all).
   * @throws NotFoundError (404) "Configuration group with ID x could not be found."
   */
  async load(context: RequestContext, id: string): Promise<ConfigurationRow> {
    const where: Record<string, unknown> = { id, deleted: false };
    if (!context.isAdmin) where['tenant_id'] = context.tenantId;
    const row = await this.models.configurations.findOne({ where });
    if (row === null) throw new NotFoundError(`Configuration group with ID ${id} could not be found.`);
    return row;
  }

  async rules(datastoreVersionId: string): Promise<DatastoreConfigurationParameterRow[]> {
    return this.models.datastoreConfigurationParameters.findAll({ where: { datastore_version_id: datastoreVersionId }, order: [['name', 'ASC']] });
  }

  /**
   * Trove's `_validate_configuration`: every key must have a rule (case-insensitive), the JSON type must
   * match it exactly, integers must respect min/max.
   * @throws UnprocessableError (422) or TroveError BAD_REQUEST for a broken rule
   */
  validate(values: Record<string, unknown>, rules: readonly DatastoreConfigurationParameterRow[], datastoreName: string, versionName: string): void {
    const lookup = new Map(rules.map((rule) => [rule.name.toLowerCase(), rule]));
    if (lookup.size === 0) {
      throw new UnprocessableError(`Configuration groups are not supported for this datastore: ${datastoreName} ${versionName}`);
    }
    for (const [key, value] of Object.entries(values)) {
      const rule = lookup.get(key.toLowerCase());
      if (rule === undefined) {
        throw new UnprocessableError(`The configuration parameter ${key} is not supported for this datastore: ${datastoreName} ${versionName}.`);
      }
      if (!matchesType(value, rule.data_type)) {
        throw new UnprocessableError(`The value provided for the configuration parameter ${key} is not of type ${rule.data_type}.`);
      }
      if (typeof value === 'number' && Number.isInteger(value)) {
        const min = bound(rule.min_size, 'min');
        const max = bound(rule.max_size, 'max');
        if (min !== undefined && value < min) {
          throw new UnprocessableError(`The value for the configuration parameter ${key} is less than the minimum allowed: ${min}`);
        }
        if (max !== undefined && value > max) {
          throw new UnprocessableError(`The value for the configuration parameter ${key} is greater than the maximum allowed: ${max}`);
        }
      }
    }
  }

  async items(configurationId: string): Promise<ConfigurationParameterRow[]> {
    return this.models.configurationParameters.findAll({ where: { configuration_id: configurationId, deleted: false }, order: [['configuration_key', 'ASC']] });
  }

  /** The group's values typed by their rules (Trove's `load_items`). */
  async typedValues(group: ConfigurationRow): Promise<Record<string, ConfigValue>> {
    const [items, rules] = await Promise.all([this.items(group.id), this.rules(group.datastore_version_id)]);
    const byName = new Map(rules.map((rule) => [rule.name, rule.data_type]));
    const values: Record<string, ConfigValue> = {};
    for (const item of items) values[item.configuration_key] = typedValue(item.configuration_value, byName.get(item.configuration_key));
    return values;
  }

  /** Whether any value of the group needs a datastore restart to take effect. */
  async needsRestart(group: ConfigurationRow): Promise<boolean> {
    const [items, rules] = await Promise.all([this.items(group.id), this.rules(group.datastore_version_id)]);
    const restart = new Set(rules.filter((rule) => rule.restart_required).map((rule) => rule.name.toLowerCase()));
    return items.some((item) => restart.has(item.configuration_key.toLowerCase()));
  }

  /** Number of the caller's live instances using a group. */
  async instanceCount(context: RequestContext, configurationId: string): Promise<number> {
    const where: Record<string, unknown> = { configuration_id: configurationId, deleted: false };
    if (!context.isAdmin) where['tenant_id'] = context.tenantId;
    return this.models.instances.count({ where });
  }

  /** Replaces (`replace`) or merges the stored values of a group. */
  async saveValues(groupId: string, values: Record<string, unknown>, replace: boolean): Promise<void> {
    await this.models.configurations.sequelize!.transaction(async (transaction) => {
      const now = new Date();
      if (replace) {
        await this.models.configurationParameters.update(
          { deleted: true, deleted_at: now },
          { where: { configuration_id: groupId, deleted: false }, transaction },
        );
      }
      for (const [key, value] of Object.entries(values)) {
        // The primary key is (configuration_id, configuration_key): a deleted row is revived, not duplicated.
        await this.models.configurationParameters.upsert(
          { configuration_id: groupId, configuration_key: key, configuration_value: storedValue(value), deleted: false, deleted_at: null },
          { transaction },
        );
      }
    });
  }

  /** Datastore and version names of groups, for list views. */
  async versionNames(versionIds: readonly string[]): Promise<Map<string, { datastoreName: string | null; versionName: string | null; versionNumber: string | null }>> {
    const result = new Map<string, { datastoreName: string | null; versionName: string | null; versionNumber: string | null }>();
    const unique = [...new Set(versionIds)];
    if (unique.length === 0) return result;
    const versions = await this.models.datastoreVersions.findAll({ where: { id: { [Op.in]: unique } }, include: [{ association: 'datastore' }] });
    for (const version of versions) {
      result.set(version.id, { datastoreName: version.datastore?.name ?? null, versionName: version.name, versionNumber: version.version });
    }
    return result;
  }
}

/** Thrown when a configuration group's datastore version differs from the instance's (400). */
export function configurationMismatch(configVersion: string, instanceVersion: string): TroveError {
  return new TroveError(
    ErrorCode.BAD_REQUEST,
    `Datastore Version on Configuration ${configVersion} does not match the Datastore Version on the instance ${instanceVersion}.`,
  );
}
