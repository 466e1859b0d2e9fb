/**
 * `instances`: one row per database instance (reference §10). `task_id`/`task_description` hold the
 * instance task (see `../instance-task.ts`); `access` is JSON text `{"is_public", "allowed_cidrs"}` or null;
 * `encrypted_key` is the instance's RPC key wrapped by `inst_rpc_key_encr_key`. `addresses` is trove-ts's
 * own column (migration 002).
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import type { ConfigurationRow } from './configurations.js';
import type { DatastoreVersionRow } from './datastores.js';
import type { InstanceFaultRow } from './instance-faults.js';
import type { ServiceStatusRow } from './service-statuses.js';
import { createdColumn, datetime, int, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `instances`. */
export interface InstanceAttributes {
  id: string;
  created: Date | null;
  updated: Date | null;
  name: string | null;
  hostname: string | null;
  compute_instance_id: string | null;
  task_id: number | null;
  task_description: string | null;
  task_start_time: Date | null;
  volume_id: string | null;
  flavor_id: string | null;
  volume_size: number | null;
  tenant_id: string | null;
  server_status: string | null;
  deleted: boolean | null;
  deleted_at: Date | null;
  datastore_version_id: string | null;
  configuration_id: string | null;
  slave_of_id: string | null;
  cluster_id: string | null;
  shard_id: string | null;
  type: string | null;
  region_id: string | null;
  encrypted_key: string | null;
  access: string | null;
  /** trove-ts (migration 002): JSON list of `{address, type, network}` the taskmanager learnt from the compute backend. */
  addresses: string | null;
}

export type InstanceCreationAttributes = CreationOf<InstanceAttributes, 'id'>;

/** A row of `instances`. */
export interface InstanceRow extends Model<InstanceAttributes, InstanceCreationAttributes>, InstanceAttributes {
  datastoreVersion?: DatastoreVersionRow | null;
  configuration?: ConfigurationRow | null;
  serviceStatus?: ServiceStatusRow | null;
  faults?: InstanceFaultRow[];
  replicas?: InstanceRow[];
}

export type InstanceModel = ModelStatic<InstanceRow>;

/** Defines the `Instance` model on `sequelize`. */
export function defineInstance(sequelize: Sequelize): InstanceModel {
  const model = sequelize.define<InstanceRow>(
    'Instance',
    {
      id: uuidPrimaryKey(),
      created: createdColumn(),
      updated: createdColumn(),
      name: varchar(255),
      hostname: varchar(255),
      compute_instance_id: varchar(36),
      task_id: int(),
      task_description: varchar(255),
      task_start_time: datetime(),
      volume_id: varchar(36),
      flavor_id: varchar(255),
      volume_size: int(),
      tenant_id: varchar(36),
      server_status: varchar(64),
      ...softDeleteColumns(),
      datastore_version_id: varchar(36),
      configuration_id: varchar(36),
      slave_of_id: varchar(36),
      cluster_id: varchar(36),
      shard_id: varchar(36),
      type: varchar(64),
      region_id: varchar(255),
      encrypted_key: varchar(255),
      access: { type: DataTypes.TEXT, allowNull: true },
      addresses: { type: DataTypes.TEXT, allowNull: true },
    },
    { tableName: 'instances', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
