/** `root_enabled_history`: who enabled root on an instance and when; `id` is the instance id. */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, varchar, type CreationOf } from './common.js';

/** Columns of `root_enabled_history`. */
export interface RootEnabledHistoryAttributes {
  /** The instance id. */
  id: string;
  user: string | null;
  created: Date | null;
}

export type RootEnabledHistoryCreationAttributes = CreationOf<RootEnabledHistoryAttributes>;

/** A row of `root_enabled_history`. */
export interface RootEnabledHistoryRow extends Model<RootEnabledHistoryAttributes, RootEnabledHistoryCreationAttributes>, RootEnabledHistoryAttributes {}

export type RootEnabledHistoryModel = ModelStatic<RootEnabledHistoryRow>;

/** Defines the `RootEnabledHistory` model on `sequelize`. */
export function defineRootEnabledHistory(sequelize: Sequelize): RootEnabledHistoryModel {
  return sequelize.define<RootEnabledHistoryRow>(
    'RootEnabledHistory',
    {
      id: varchar(36, { primaryKey: true, allowNull: false }),
      user: varchar(255),
      created: createdColumn(),
    },
    { tableName: 'root_enabled_history', timestamps: false, freezeTableName: true },
  );
}
