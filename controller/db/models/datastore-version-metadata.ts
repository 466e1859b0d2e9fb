/**
 * `datastore_version_metadata`: key/value associations of a datastore version. Trove uses the keys `flavor`
 * (allowed flavor ids) and `volume_type` (allowed volume types); a deleted association is soft-deleted and
 * revived when added again, because (version, key, value) is unique.
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, datetime, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** The metadata keys Trove uses. */
export const DatastoreVersionMetadataKey = { FLAVOR: 'flavor', VOLUME_TYPE: 'volume_type' } as const;
export type DatastoreVersionMetadataKey = (typeof DatastoreVersionMetadataKey)[keyof typeof DatastoreVersionMetadataKey];

/** Columns of `datastore_version_metadata`. */
export interface DatastoreVersionMetadataAttributes {
  id: string;
  datastore_version_id: string | null;
  key: string;
  value: string | null;
  created: Date;
  deleted: boolean;
  deleted_at: Date | null;
  updated_at: Date | null;
}

export type DatastoreVersionMetadataCreationAttributes = CreationOf<DatastoreVersionMetadataAttributes, 'id' | 'created' | 'deleted'>;

/** A row of `datastore_version_metadata`. */
export interface DatastoreVersionMetadataRow
  extends Model<DatastoreVersionMetadataAttributes, DatastoreVersionMetadataCreationAttributes>,
    DatastoreVersionMetadataAttributes {}

export type DatastoreVersionMetadataModel = ModelStatic<DatastoreVersionMetadataRow>;

/** Defines the `DatastoreVersionMetadata` model on `sequelize`. */
export function defineDatastoreVersionMetadata(sequelize: Sequelize): DatastoreVersionMetadataModel {
  const model = sequelize.define<DatastoreVersionMetadataRow>(
    'DatastoreVersionMetadata',
    {
      id: uuidPrimaryKey(),
      datastore_version_id: varchar(36),
      key: varchar(128, { allowNull: false }),
      value: varchar(128),
      created: createdColumn(false),
      ...softDeleteColumns(false),
      updated_at: datetime(),
    },
    { tableName: 'datastore_version_metadata', timestamps: false, freezeTableName: true },
  );
  stampOnUpdate(model, 'updated_at');
  return model;
}
