/** `instance_faults`: the last errors recorded for an instance, shown as `fault` in the instance view. */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `instance_faults`. */
export interface InstanceFaultAttributes {
  id: string;
  instance_id: string;
  message: string;
  details: string;
  created: Date;
  updated: Date;
  deleted: boolean;
  deleted_at: Date | null;
}

export type InstanceFaultCreationAttributes = CreationOf<InstanceFaultAttributes, 'id' | 'created' | 'updated' | 'deleted'>;

/** A row of `instance_faults`. */
export interface InstanceFaultRow extends Model<InstanceFaultAttributes, InstanceFaultCreationAttributes>, InstanceFaultAttributes {}

export type InstanceFaultModel = ModelStatic<InstanceFaultRow>;

/** Defines the `InstanceFault` model on `sequelize`. */
export function defineInstanceFault(sequelize: Sequelize): InstanceFaultModel {
  const model = sequelize.define<InstanceFaultRow>(
    'InstanceFault',
    {
      id: uuidPrimaryKey(64),
      instance_id: varchar(64, { allowNull: false }),
      message: varchar(255, { allowNull: false }),
      details: { type: DataTypes.TEXT, allowNull: false },
      created: createdColumn(false),
      updated: createdColumn(false),
      ...softDeleteColumns(false),
    },
    { tableName: 'instance_faults', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
