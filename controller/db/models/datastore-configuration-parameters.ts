/**
 * `datastore_configuration_parameters`: the validation rules of configuration groups for one datastore
 * version, loaded from `validation-rules.json` by `trove-manage db_load_datastore_config_parameters`.
 * `min_size`/`max_size` are stored as strings because bounds can exceed 2^53 (e.g. 18446744073709551615).
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { bool, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** The rule types Trove understands. */
export const ConfigurationParameterType = { INTEGER: 'integer', STRING: 'string', BOOLEAN: 'boolean', FLOAT: 'float' } as const;
export type ConfigurationParameterType = (typeof ConfigurationParameterType)[keyof typeof ConfigurationParameterType];

/** Columns of `datastore_configuration_parameters`. */
export interface DatastoreConfigurationParameterAttributes {
  id: string;
  name: string;
  datastore_version_id: string;
  restart_required: boolean;
  max_size: string | null;
  min_size: string | null;
  data_type: string;
}

export type DatastoreConfigurationParameterCreationAttributes = CreationOf<DatastoreConfigurationParameterAttributes, 'id' | 'restart_required'>;

/** A row of `datastore_configuration_parameters`. */
export interface DatastoreConfigurationParameterRow
  extends Model<DatastoreConfigurationParameterAttributes, DatastoreConfigurationParameterCreationAttributes>,
    DatastoreConfigurationParameterAttributes {}

export type DatastoreConfigurationParameterModel = ModelStatic<DatastoreConfigurationParameterRow>;

/** Defines the `DatastoreConfigurationParameter` model on `sequelize`. */
export function defineDatastoreConfigurationParameter(sequelize: Sequelize): DatastoreConfigurationParameterModel {
  return sequelize.define<DatastoreConfigurationParameterRow>(
    'DatastoreConfigurationParameter',
    {
      id: uuidPrimaryKey(),
      name: varchar(128, { allowNull: false }),
      datastore_version_id: varchar(36, { allowNull: false }),
      restart_required: bool({ allowNull: false, defaultValue: false }),
      max_size: varchar(40),
      min_size: varchar(40),
      data_type: varchar(128, { allowNull: false }),
    },
    { tableName: 'datastore_configuration_parameters', timestamps: false },
  );
}
