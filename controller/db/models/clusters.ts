/** `clusters`: Trove's cluster rows; instances point at them through `instances.cluster_id`. */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { bool, createdColumn, datetime, int, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `clusters`. */
export interface ClusterAttributes {
  id: string;
  created: Date;
  updated: Date;
  name: string;
  task_id: number;
  tenant_id: string;
  datastore_version_id: string;
  deleted: boolean | null;
  deleted_at: Date | null;
  configuration_id: string | null;
}

export type ClusterCreationAttributes = CreationOf<ClusterAttributes, 'id' | 'created' | 'updated'>;

/** A row of `clusters`. */
export interface ClusterRow extends Model<ClusterAttributes, ClusterCreationAttributes>, ClusterAttributes {}

export type ClusterModel = ModelStatic<ClusterRow>;

/** Defines the `Cluster` model on `sequelize`. */
export function defineCluster(sequelize: Sequelize): ClusterModel {
  const model = sequelize.define<ClusterRow>(
    'Cluster',
    {
      id: uuidPrimaryKey(),
      created: createdColumn(false),
      updated: createdColumn(false),
      name: varchar(255, { allowNull: false }),
      task_id: int({ allowNull: false }),
      tenant_id: varchar(36, { allowNull: false }),
      datastore_version_id: varchar(36, { allowNull: false }),
      deleted: bool({ defaultValue: false }),
      deleted_at: datetime(),
      configuration_id: varchar(36),
    },
    { tableName: 'clusters', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
