/**
 * `backups` (one row per backup; `location` is the object URL whose second-last segment is the container)
 * and `backup_strategy` (per-tenant or per-instance backup backend and container).
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, datetime, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Backup types of `backups.backup_type`. */
export const BackupType = { FULL: 'full', INCREMENTAL: 'incremental' } as const;
export type BackupType = (typeof BackupType)[keyof typeof BackupType];

/** Columns of `backups`. */
export interface BackupAttributes {
  id: string;
  name: string;
  description: string | null;
  location: string | null;
  backup_type: string | null;
  /** Size in GB. */
  size: number | null;
  tenant_id: string | null;
  state: string;
  instance_id: string | null;
  checksum: string | null;
  backup_timestamp: Date | null;
  deleted: boolean | null;
  created: Date | null;
  updated: Date | null;
  deleted_at: Date | null;
  parent_id: string | null;
  datastore_version_id: string | null;
}

export type BackupCreationAttributes = CreationOf<BackupAttributes, 'id'>;

/** A row of `backups`. */
export interface BackupRow extends Model<BackupAttributes, BackupCreationAttributes>, BackupAttributes {}

export type BackupModel = ModelStatic<BackupRow>;

/** Defines the `Backup` model on `sequelize`. */
export function defineBackup(sequelize: Sequelize): BackupModel {
  const model = sequelize.define<BackupRow>(
    'Backup',
    {
      id: uuidPrimaryKey(),
      name: varchar(255, { allowNull: false }),
      description: varchar(512),
      location: varchar(1024),
      backup_type: varchar(32),
      size: { type: DataTypes.FLOAT, allowNull: true },
      tenant_id: varchar(36),
      state: varchar(32, { allowNull: false }),
      instance_id: varchar(36),
      checksum: varchar(32),
      backup_timestamp: datetime(),
      ...softDeleteColumns(),
      created: createdColumn(),
      updated: createdColumn(),
      parent_id: varchar(36),
      datastore_version_id: varchar(36),
    },
    { tableName: 'backups', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `backup_strategy`. */
export interface BackupStrategyAttributes {
  id: string;
  tenant_id: string;
  /** `''` for the tenant-wide strategy. */
  instance_id: string;
  backend: string;
  swift_container: string | null;
  created: Date | null;
}

export type BackupStrategyCreationAttributes = CreationOf<BackupStrategyAttributes, 'id' | 'instance_id'>;

/** A row of `backup_strategy`. */
export interface BackupStrategyRow extends Model<BackupStrategyAttributes, BackupStrategyCreationAttributes>, BackupStrategyAttributes {}

export type BackupStrategyModel = ModelStatic<BackupStrategyRow>;

/** Defines the `BackupStrategy` model on `sequelize`. */
export function defineBackupStrategy(sequelize: Sequelize): BackupStrategyModel {
  return sequelize.define<BackupStrategyRow>(
    'BackupStrategy',
    {
      id: uuidPrimaryKey(),
      tenant_id: varchar(36, { allowNull: false }),
      instance_id: varchar(36, { allowNull: false, defaultValue: '' }),
      backend: varchar(255, { allowNull: false }),
      swift_container: varchar(255),
      created: createdColumn(),
    },
    { tableName: 'backup_strategy', timestamps: false },
  );
}
