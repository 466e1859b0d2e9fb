/**
 * `datastores` and `datastore_versions`: the catalogue operators fill with `trove-manage datastore_update`
 * and `datastore_version_update`. A version is unique per (datastore, name, version); `image_tags` is a
 * comma-separated list used when `image_id` is empty.
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { bool, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `datastores`. */
export interface DatastoreAttributes {
  id: string;
  name: string | null;
  default_version_id: string | null;
}

export type DatastoreCreationAttributes = CreationOf<DatastoreAttributes, 'id'>;

/** A row of `datastores`. */
export interface DatastoreRow extends Model<DatastoreAttributes, DatastoreCreationAttributes>, DatastoreAttributes {
  versions?: DatastoreVersionRow[];
  defaultVersion?: DatastoreVersionRow | null;
}

export type DatastoreModel = ModelStatic<DatastoreRow>;

/** Defines the `Datastore` model on `sequelize`. */
export function defineDatastore(sequelize: Sequelize): DatastoreModel {
  return sequelize.define<DatastoreRow>(
    'Datastore',
    {
      id: uuidPrimaryKey(),
      name: varchar(255, { unique: true }),
      default_version_id: varchar(36),
    },
    { tableName: 'datastores', timestamps: false },
  );
}

/** Columns of `datastore_versions`. */
export interface DatastoreVersionAttributes {
  id: string;
  datastore_id: string | null;
  name: string | null;
  image_id: string | null;
  packages: string | null;
  active: boolean;
  manager: string | null;
  image_tags: string | null;
  version: string | null;
}

export type DatastoreVersionCreationAttributes = CreationOf<DatastoreVersionAttributes, 'id'>;

/** A row of `datastore_versions`. */
export interface DatastoreVersionRow extends Model<DatastoreVersionAttributes, DatastoreVersionCreationAttributes>, DatastoreVersionAttributes {
  datastore?: DatastoreRow;
}

export type DatastoreVersionModel = ModelStatic<DatastoreVersionRow>;

/** Defines the `DatastoreVersion` model on `sequelize`. */
export function defineDatastoreVersion(sequelize: Sequelize): DatastoreVersionModel {
  return sequelize.define<DatastoreVersionRow>(
    'DatastoreVersion',
    {
      id: uuidPrimaryKey(),
      datastore_id: varchar(36),
      name: varchar(255),
      image_id: varchar(36),
      packages: varchar(511),
      active: bool({ allowNull: false }),
      manager: varchar(255),
      image_tags: varchar(255),
      version: varchar(255),
    },
    { tableName: 'datastore_versions', timestamps: false },
  );
}
