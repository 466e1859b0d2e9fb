/**
 * 001: Trove 18 (Zed) schema, the end state of Trove's sqlalchemy-migrate versions 001-048 (reference §10):
 * the same tables, columns, types, indexes, unique keys and foreign keys, so a Trove database and ours are
 * interchangeable. Tables are created only when missing, and every existing table must have this
 * migration's columns: pointing trove-ts at an existing Zed database adopts it, an older one is refused.
 *
 * Frozen: later schema changes go into new migrations, never here.
 */
import { QueryTypes } from 'sequelize';
import { createTableSql, type Migration, type MigrationContext, type TableSpec } from './types.js';

const ID = 'VARCHAR(36) NOT NULL';
const S36 = 'VARCHAR(36) NULL';
const S255 = 'VARCHAR(255) NULL';
const DT = 'DATETIME NULL';
const DT_NN = 'DATETIME NOT NULL';
const BOOL = 'TINYINT(1) NULL';
const BOOL_NN = 'TINYINT(1) NOT NULL';
const INT = 'INT NULL';
const pk = (...columns: string[]) => `PRIMARY KEY (${columns.map((c) => `\`${c}\``).join(', ')})`;
const key = (name: string, ...columns: string[]) => `KEY \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')})`;
const unique = (name: string, ...columns: string[]) => `UNIQUE KEY \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')})`;
const fk = (name: string, column: string, table: string, actions = '') => `CONSTRAINT \`${name}\` FOREIGN KEY (\`${column}\`) REFERENCES \`${table}\` (\`id\`)${actions}`;
const CASCADE = ' ON DELETE CASCADE ON UPDATE CASCADE';
const softDelete = (nullable: boolean) => [['deleted', nullable ? BOOL : BOOL_NN], ['deleted_at', DT]] as const;

/** In creation order: a table comes after the tables its foreign keys reference. */
export const TROVE_TABLES: readonly TableSpec[] = [
  { name: 'service_images', columns: [['id', ID], ['service_name', S255], ['image_id', S255]], keys: [pk('id')] },
  {
    name: 'service_statuses',
    columns: [['id', ID], ['instance_id', ID], ['status_id', 'INT NOT NULL'], ['status_description', 'VARCHAR(64) NOT NULL'], ['updated_at', DT]],
    keys: [pk('id'), key('service_statuses_instance_id', 'instance_id')],
  },
  { name: 'root_enabled_history', columns: [['id', ID], ['user', S255], ['created', DT]], keys: [pk('id')] },
  {
    name: 'agent_heartbeats',
    columns: [['id', ID], ['instance_id', ID], ['guest_agent_version', S255], ...softDelete(true), ['updated_at', DT_NN]],
    keys: [pk('id'), unique('ix_agent_heartbeats_instance_id', 'instance_id'), key('ix_agent_heartbeats_guest_agent_version', 'guest_agent_version'), key('ix_agent_heartbeats_deleted', 'deleted')],
  },
  { name: 'dns_records', columns: [['name', 'VARCHAR(255) NOT NULL'], ['record_id', 'VARCHAR(64) NULL']], keys: [pk('name')] },
  {
    name: 'usage_events',
    columns: [['id', ID], ['instance_name', S36], ['tenant_id', S36], ['nova_instance_id', S36], ['instance_size', INT], ['nova_volume_id', S36], ['volume_size', INT], ['end_time', DT], ['updated', DT]],
    keys: [pk('id')],
  },
  {
    name: 'quotas',
    columns: [['id', ID], ['created', DT], ['updated', DT], ['tenant_id', S36], ['resource', 'VARCHAR(255) NOT NULL'], ['hard_limit', INT]],
    keys: [pk('id'), unique('tenant_id', 'tenant_id', 'resource')],
  },
  {
    name: 'quota_usages',
    columns: [['id', ID], ['created', DT], ['updated', DT], ['tenant_id', S36], ['in_use', INT], ['reserved', INT], ['resource', 'VARCHAR(255) NOT NULL']],
    keys: [pk('id'), unique('tenant_id', 'tenant_id', 'resource')],
  },
  {
    name: 'reservations',
    columns: [['created', DT], ['updated', DT], ['id', ID], ['usage_id', S36], ['delta', 'INT NOT NULL'], ['status', S36]],
    keys: [pk('id')],
  },
  {
    name: 'security_groups',
    columns: [['id', ID], ['name', S255], ['description', S255], ['user', S255], ['tenant_id', S255], ['created', DT], ['updated', DT], ...softDelete(true)],
    keys: [pk('id')],
  },
  {
    name: 'security_group_rules',
    columns: [['id', ID], ['group_id', S36], ['parent_group_id', S36], ['protocol', S255], ['from_port', INT], ['to_port', INT], ['cidr', S255], ['created', DT], ['updated', DT], ...softDelete(true)],
    keys: [pk('id'), fk('security_group_rules_ibfk_1', 'group_id', 'security_groups', CASCADE), fk('security_group_rules_ibfk_2', 'parent_group_id', 'security_groups', CASCADE)],
  },
  { name: 'datastores', columns: [['id', ID], ['name', S255], ['default_version_id', S36]], keys: [pk('id'), unique('name', 'name')] },
  {
    name: 'datastore_versions',
    columns: [['id', ID], ['datastore_id', S36], ['name', S255], ['image_id', S36], ['packages', 'VARCHAR(511) NULL'], ['active', BOOL_NN], ['manager', S255], ['image_tags', S255], ['version', S255]],
    keys: [pk('id'), unique('ds_versions', 'datastore_id', 'name', 'version'), fk('datastore_versions_ibfk_1', 'datastore_id', 'datastores')],
  },
  {
    name: 'configurations',
    columns: [['id', ID], ['name', 'VARCHAR(64) NOT NULL'], ['description', 'VARCHAR(256) NULL'], ['tenant_id', ID], ['datastore_version_id', ID], ...softDelete(false), ['created', DT], ['updated', DT]],
    keys: [pk('id')],
  },
  {
    name: 'configuration_parameters',
    columns: [['configuration_id', ID], ['configuration_key', 'VARCHAR(128) NOT NULL'], ['configuration_value', 'VARCHAR(128) NULL'], ...softDelete(false)],
    keys: [pk('configuration_id', 'configuration_key'), fk('configuration_parameters_ibfk_1', 'configuration_id', 'configurations')],
  },
  {
    name: 'conductor_lastseen',
    // Trove's Float(precision=32): MySQL stores a float of more than 24 bits of precision as DOUBLE.
    columns: [['instance_id', ID], ['method_name', ID], ['sent', 'DOUBLE NULL']],
    keys: [pk('instance_id', 'method_name')],
  },
  {
    name: 'capabilities',
    columns: [['id', ID], ['name', S255], ['description', 'VARCHAR(255) NOT NULL'], ['enabled', BOOL]],
    keys: [pk('id'), unique('name', 'name')],
  },
  {
    name: 'capability_overrides',
    columns: [['id', ID], ['datastore_version_id', S36], ['capability_id', S36], ['enabled', BOOL]],
    keys: [
      pk('id'),
      unique('idx_datastore_capabilities_enabled', 'datastore_version_id', 'capability_id'),
      fk('capability_overrides_ibfk_1', 'datastore_version_id', 'datastore_versions'),
      fk('capability_overrides_ibfk_2', 'capability_id', 'capabilities'),
    ],
  },
  {
    name: 'backups',
    columns: [
      ['id', ID], ['name', 'VARCHAR(255) NOT NULL'], ['description', 'VARCHAR(512) NULL'], ['location', 'VARCHAR(1024) NULL'], ['backup_type', 'VARCHAR(32) NULL'],
      ['size', 'FLOAT NULL'], ['tenant_id', S36], ['state', 'VARCHAR(32) NOT NULL'], ['instance_id', S36], ['checksum', 'VARCHAR(32) NULL'], ['backup_timestamp', DT],
      ['deleted', BOOL], ['created', DT], ['updated', DT], ['deleted_at', DT], ['parent_id', S36], ['datastore_version_id', S36],
    ],
    keys: [pk('id'), key('backups_instance_id', 'instance_id'), key('backups_deleted', 'deleted'), fk('backups_ibfk_1', 'datastore_version_id', 'datastore_versions')],
  },
  {
    name: 'clusters',
    columns: [
      ['id', ID], ['created', DT_NN], ['updated', DT_NN], ['name', 'VARCHAR(255) NOT NULL'], ['task_id', 'INT NOT NULL'], ['tenant_id', ID],
      ['datastore_version_id', ID], ...softDelete(true), ['configuration_id', S36],
    ],
    keys: [
      pk('id'), key('clusters_tenant_id', 'tenant_id'), key('clusters_deleted', 'deleted'),
      fk('clusters_ibfk_1', 'datastore_version_id', 'datastore_versions'), fk('clusters_ibfk_2', 'configuration_id', 'configurations'),
    ],
  },
  {
    name: 'instances',
    columns: [
      ['id', ID], ['created', DT], ['updated', DT], ['name', S255], ['hostname', S255], ['compute_instance_id', S36], ['task_id', INT],
      ['task_description', S255], ['task_start_time', DT], ['volume_id', S36], ['flavor_id', S255], ['volume_size', INT], ['tenant_id', S36],
      ['server_status', 'VARCHAR(64) NULL'], ...softDelete(true), ['datastore_version_id', S36], ['configuration_id', S36], ['slave_of_id', S36],
      ['cluster_id', S36], ['shard_id', S36], ['type', 'VARCHAR(64) NULL'], ['region_id', S255], ['encrypted_key', S255], ['access', 'TEXT NULL'],
    ],
    keys: [
      pk('id'), key('instances_tenant_id', 'tenant_id'), key('instances_deleted', 'deleted'), key('instances_cluster_id', 'cluster_id'),
      fk('instances_ibfk_1', 'datastore_version_id', 'datastore_versions'), fk('instances_ibfk_2', 'configuration_id', 'configurations'),
      fk('instances_ibfk_3', 'slave_of_id', 'instances'), fk('instances_ibfk_4', 'cluster_id', 'clusters'),
    ],
  },
  {
    name: 'security_group_instance_associations',
    columns: [['id', ID], ['security_group_id', S36], ['instance_id', S36], ['created', DT], ['updated', DT], ...softDelete(true)],
    keys: [
      pk('id'),
      fk('security_group_instance_associations_ibfk_1', 'security_group_id', 'security_groups', CASCADE),
      fk('security_group_instance_associations_ibfk_2', 'instance_id', 'instances', CASCADE),
    ],
  },
  {
    name: 'datastore_configuration_parameters',
    columns: [
      ['id', ID], ['name', 'VARCHAR(128) NOT NULL'], ['datastore_version_id', ID], ['restart_required', BOOL_NN], ['max_size', 'VARCHAR(40) NULL'],
      ['min_size', 'VARCHAR(40) NULL'], ['data_type', 'VARCHAR(128) NOT NULL'],
    ],
    keys: [
      pk('id', 'name', 'datastore_version_id'),
      unique('UQ_datastore_configuration_parameters_datastore_version_id_name', 'datastore_version_id', 'name'),
      fk('datastore_configuration_parameters_ibfk_1', 'datastore_version_id', 'datastore_versions'),
    ],
  },
  {
    name: 'datastore_version_metadata',
    columns: [
      ['id', ID], ['datastore_version_id', S36], ['key', 'VARCHAR(128) NOT NULL'], ['value', 'VARCHAR(128) NULL'], ['created', DT_NN],
      ...softDelete(false), ['updated_at', DT],
    ],
    keys: [
      pk('id'),
      unique('UQ_datastore_version_metadata_datastore_version_id_key_value', 'datastore_version_id', 'key', 'value'),
      fk('datastore_version_metadata_ibfk_1', 'datastore_version_id', 'datastore_versions', ' ON DELETE CASCADE'),
    ],
  },
  {
    name: 'modules',
    columns: [
      ['id', 'VARCHAR(64) NOT NULL'], ['name', 'VARCHAR(255) NOT NULL'], ['type', 'VARCHAR(255) NOT NULL'], ['contents', 'LONGTEXT NOT NULL'],
      ['description', S255], ['tenant_id', 'VARCHAR(64) NULL'], ['datastore_id', 'VARCHAR(64) NULL'], ['datastore_version_id', 'VARCHAR(64) NULL'],
      ['auto_apply', BOOL_NN], ['visible', BOOL_NN], ['live_update', BOOL_NN], ['md5', 'VARCHAR(32) NOT NULL'], ['created', DT_NN], ['updated', DT_NN],
      ...softDelete(false), ['priority_apply', BOOL_NN], ['apply_order', 'INT NOT NULL'], ['is_admin', BOOL_NN],
    ],
    keys: [pk('id'), unique('UQ_type_tenant_datastore_datastore_version_name', 'type', 'tenant_id', 'datastore_id', 'datastore_version_id', 'name', 'deleted_at')],
  },
  {
    name: 'instance_modules',
    columns: [
      ['id', 'VARCHAR(64) NOT NULL'], ['instance_id', 'VARCHAR(64) NOT NULL'], ['module_id', 'VARCHAR(64) NOT NULL'], ['md5', 'VARCHAR(32) NOT NULL'],
      ['created', DT_NN], ['updated', DT_NN], ...softDelete(false),
    ],
    keys: [pk('id'), fk('instance_modules_ibfk_1', 'instance_id', 'instances', CASCADE), fk('instance_modules_ibfk_2', 'module_id', 'modules', CASCADE)],
  },
  {
    name: 'instance_faults',
    columns: [
      ['id', 'VARCHAR(64) NOT NULL'], ['instance_id', 'VARCHAR(64) NOT NULL'], ['message', 'VARCHAR(255) NOT NULL'], ['details', 'TEXT NOT NULL'],
      ['created', DT_NN], ['updated', DT_NN], ...softDelete(false),
    ],
    keys: [pk('id'), fk('instance_faults_ibfk_1', 'instance_id', 'instances', CASCADE)],
  },
  {
    name: 'backup_strategy',
    columns: [['id', ID], ['tenant_id', ID], ['instance_id', ID], ['backend', 'VARCHAR(255) NOT NULL'], ['swift_container', S255], ['created', DT]],
    keys: [pk('id'), unique('UQ_backup_strategy_tenant_id_instance_id', 'tenant_id', 'instance_id'), key('backup_strategy_tenant_id_instance_id', 'tenant_id', 'instance_id')],
  },
];

async function existingColumns(context: MigrationContext, table: string): Promise<Set<string>> {
  const rows = await context.sequelize.query<{ name: string }>(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    { replacements: [table], type: QueryTypes.SELECT },
  );
  return new Set(rows.map((row) => row.name));
}

/** Creates Trove's tables that are missing and checks that existing ones have every column. */
export const migration001: Migration = {
  name: '001-trove-schema',
  async up(context) {
    for (const table of TROVE_TABLES) {
      const before = await existingColumns(context, table.name);
      if (before.size === 0) {
        await context.sequelize.query(createTableSql(table));
        continue;
      }
      const missing = table.columns.map(([column]) => column).filter((column) => !before.has(column));
      if (missing.length > 0) {
        throw new Error(`table ${table.name} exists but lacks column(s) ${missing.join(', ')}: the database is not a Trove 18 (Zed) schema; upgrade it with Trove first`);
      }
    }
  },
};
