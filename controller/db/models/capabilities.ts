/**
 * `capabilities` (named datastore features with a default) and `capability_overrides` (per datastore
 * version enable/disable), shown by the datastore version views.
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { bool, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `capabilities`. */
export interface CapabilityAttributes {
  id: string;
  name: string | null;
  description: string;
  enabled: boolean | null;
}

export type CapabilityCreationAttributes = CreationOf<CapabilityAttributes, 'id'>;

/** A row of `capabilities`. */
export interface CapabilityRow extends Model<CapabilityAttributes, CapabilityCreationAttributes>, CapabilityAttributes {}

export type CapabilityModel = ModelStatic<CapabilityRow>;

/** Defines the `Capability` model on `sequelize`. */
export function defineCapability(sequelize: Sequelize): CapabilityModel {
  return sequelize.define<CapabilityRow>(
    'Capability',
    {
      id: uuidPrimaryKey(),
      name: varchar(255, { unique: true }),
      description: varchar(255, { allowNull: false }),
      enabled: bool(),
    },
    { tableName: 'capabilities', timestamps: false },
  );
}

/** Columns of `capability_overrides`. */
export interface CapabilityOverrideAttributes {
  id: string;
  datastore_version_id: string | null;
  capability_id: string | null;
  enabled: boolean | null;
}

export type CapabilityOverrideCreationAttributes = CreationOf<CapabilityOverrideAttributes, 'id'>;

/** A row of `capability_overrides`. */
export interface CapabilityOverrideRow extends Model<CapabilityOverrideAttributes, CapabilityOverrideCreationAttributes>, CapabilityOverrideAttributes {
  capability?: CapabilityRow;
}

export type CapabilityOverrideModel = ModelStatic<CapabilityOverrideRow>;

/** Defines the `CapabilityOverride` model on `sequelize`. */
export function defineCapabilityOverride(sequelize: Sequelize): CapabilityOverrideModel {
  return sequelize.define<CapabilityOverrideRow>(
    'CapabilityOverride',
    {
      id: uuidPrimaryKey(),
      datastore_version_id: varchar(36),
      capability_id: varchar(36),
      enabled: bool(),
    },
    { tableName: 'capability_overrides', timestamps: false },
  );
}
