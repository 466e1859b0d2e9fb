/**
 * `modules` (tenant or admin payloads applied to instances; `contents` is stored encrypted with
 * `module_aes_cbc_key`) and `instance_modules` (which module is applied to which instance, with its md5).
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { bool, createdColumn, int, softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `modules`. */
export interface ModuleAttributes {
  id: string;
  name: string;
  type: string;
  contents: string;
  description: string | null;
  tenant_id: string | null;
  datastore_id: string | null;
  datastore_version_id: string | null;
  auto_apply: boolean;
  visible: boolean;
  live_update: boolean;
  md5: string;
  created: Date;
  updated: Date;
  deleted: boolean;
  deleted_at: Date | null;
  priority_apply: boolean;
  apply_order: number;
  is_admin: boolean;
}

export type ModuleCreationAttributes = CreationOf<
  ModuleAttributes,
  'id' | 'created' | 'updated' | 'deleted' | 'auto_apply' | 'visible' | 'live_update' | 'priority_apply' | 'apply_order' | 'is_admin'
>;

/** A row of `modules`. */
export interface ModuleRow extends Model<ModuleAttributes, ModuleCreationAttributes>, ModuleAttributes {}

export type ModuleModel = ModelStatic<ModuleRow>;

/** Defines the `Module` model on `sequelize`. */
export function defineModule(sequelize: Sequelize): ModuleModel {
  const model = sequelize.define<ModuleRow>(
    'Module',
    {
      id: uuidPrimaryKey(64),
      name: varchar(255, { allowNull: false }),
      type: varchar(255, { allowNull: false }),
      contents: { type: DataTypes.TEXT('long'), allowNull: false },
      description: varchar(255),
      tenant_id: varchar(64),
      datastore_id: varchar(64),
      datastore_version_id: varchar(64),
      auto_apply: bool({ allowNull: false, defaultValue: false }),
      visible: bool({ allowNull: false, defaultValue: true }),
      live_update: bool({ allowNull: false, defaultValue: false }),
      md5: varchar(32, { allowNull: false }),
      created: createdColumn(false),
      updated: createdColumn(false),
      ...softDeleteColumns(false),
      priority_apply: bool({ allowNull: false, defaultValue: false }),
      apply_order: int({ allowNull: false, defaultValue: 5 }),
      is_admin: bool({ allowNull: false, defaultValue: false }),
    },
    { tableName: 'modules', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `instance_modules`. */
export interface InstanceModuleAttributes {
  id: string;
  instance_id: string;
  module_id: string;
  md5: string;
  created: Date;
  updated: Date;
  deleted: boolean;
  deleted_at: Date | null;
}

export type InstanceModuleCreationAttributes = CreationOf<InstanceModuleAttributes, 'id' | 'created' | 'updated' | 'deleted'>;

/** A row of `instance_modules`. */
export interface InstanceModuleRow extends Model<InstanceModuleAttributes, InstanceModuleCreationAttributes>, InstanceModuleAttributes {
  module?: ModuleRow;
}

export type InstanceModuleModel = ModelStatic<InstanceModuleRow>;

/** Defines the `InstanceModule` model on `sequelize`. */
export function defineInstanceModule(sequelize: Sequelize): InstanceModuleModel {
  const model = sequelize.define<InstanceModuleRow>(
    'InstanceModule',
    {
      id: uuidPrimaryKey(64),
      instance_id: varchar(64, { allowNull: false }),
      module_id: varchar(64, { allowNull: false }),
      md5: varchar(32, { allowNull: false }),
      created: createdColumn(false),
      updated: createdColumn(false),
      ...softDeleteColumns(false),
    },
    { tableName: 'instance_modules', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
