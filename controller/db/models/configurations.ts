/**
 * `configurations` (configuration groups owned by a tenant) and `configuration_parameters` (their values,
 * keyed by (configuration_id, configuration_key); values are strings, booleans stored as "1"/"0").
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `configurations`. */
export interface ConfigurationAttributes {
  id: string;
  name: string;
  description: string | null;
  tenant_id: string;
  datastore_version_id: string;
  deleted: boolean;
  deleted_at: Date | null;
  created: Date | null;
  updated: Date | null;
}

export type ConfigurationCreationAttributes = CreationOf<ConfigurationAttributes, 'id' | 'deleted'>;

/** A row of `configurations`. */
export interface ConfigurationRow extends Model<ConfigurationAttributes, ConfigurationCreationAttributes>, ConfigurationAttributes {
  parameters?: ConfigurationParameterRow[];
}

export type ConfigurationModel = ModelStatic<ConfigurationRow>;

/** Defines the `Configuration` model on `sequelize`. */
export function defineConfiguration(sequelize: Sequelize): ConfigurationModel {
  const model = sequelize.define<ConfigurationRow>(
    'Configuration',
    {
      id: uuidPrimaryKey(),
      name: varchar(64, { allowNull: false }),
      description: varchar(256),
      tenant_id: varchar(36, { allowNull: false }),
      datastore_version_id: varchar(36, { allowNull: false }),
      ...softDeleteColumns(false),
      created: createdColumn(),
      updated: createdColumn(),
    },
    { tableName: 'configurations', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `configuration_parameters`. */
export interface ConfigurationParameterAttributes {
  configuration_id: string;
  configuration_key: string;
  configuration_value: string | null;
  deleted: boolean;
  deleted_at: Date | null;
}

export type ConfigurationParameterCreationAttributes = CreationOf<ConfigurationParameterAttributes, 'deleted'>;

/** A row of `configuration_parameters`. */
export interface ConfigurationParameterRow
  extends Model<ConfigurationParameterAttributes, ConfigurationParameterCreationAttributes>,
    ConfigurationParameterAttributes {}

export type ConfigurationParameterModel = ModelStatic<ConfigurationParameterRow>;

/** Defines the `ConfigurationParameter` model on `sequelize`. */
export function defineConfigurationParameter(sequelize: Sequelize): ConfigurationParameterModel {
  return sequelize.define<ConfigurationParameterRow>(
    'ConfigurationParameter',
    {
      configuration_id: varchar(36, { allowNull: false, primaryKey: true }),
      configuration_key: varchar(128, { allowNull: false, primaryKey: true }),
      configuration_value: varchar(128),
      ...softDeleteColumns(false),
    },
    { tableName: 'configuration_parameters', timestamps: false },
  );
}
