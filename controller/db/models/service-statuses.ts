/**
 * `service_statuses`: the datastore status the guest last reported for an instance (reference §2.2);
 * `updated_at` is the time of the last heartbeat.
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { datetime, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `service_statuses`. */
export interface ServiceStatusAttributes {
  id: string;
  instance_id: string;
  status_id: number;
  status_description: string;
  updated_at: Date | null;
}

export type ServiceStatusCreationAttributes = CreationOf<ServiceStatusAttributes, 'id'>;

/** A row of `service_statuses`. */
export interface ServiceStatusRow extends Model<ServiceStatusAttributes, ServiceStatusCreationAttributes>, ServiceStatusAttributes {}

export type ServiceStatusModel = ModelStatic<ServiceStatusRow>;

/** Defines the `ServiceStatusRecord` model on `sequelize`. */
export function defineServiceStatus(sequelize: Sequelize): ServiceStatusModel {
  const model = sequelize.define<ServiceStatusRow>(
    'ServiceStatusRecord',
    {
      id: uuidPrimaryKey(),
      instance_id: varchar(36, { allowNull: false }),
      status_id: { type: DataTypes.INTEGER, allowNull: false },
      status_description: varchar(64, { allowNull: false }),
      updated_at: datetime({ defaultValue: DataTypes.NOW }),
    },
    { tableName: 'service_statuses', timestamps: false },
  );
  stampOnUpdate(model, 'updated_at');
  return model;
}
