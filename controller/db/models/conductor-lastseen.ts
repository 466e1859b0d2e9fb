/**
 * `conductor_lastseen`: per (instance, RPC method), the `sent` time (epoch seconds) of the newest message the
 * conductor applied, so that older heartbeats and backup updates arriving late are dropped.
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { varchar, type CreationOf } from './common.js';

/** Columns of `conductor_lastseen`. */
export interface ConductorLastSeenAttributes {
  instance_id: string;
  method_name: string;
  sent: number | null;
}

export type ConductorLastSeenCreationAttributes = CreationOf<ConductorLastSeenAttributes>;

/** A row of `conductor_lastseen`. */
export interface ConductorLastSeenRow extends Model<ConductorLastSeenAttributes, ConductorLastSeenCreationAttributes>, ConductorLastSeenAttributes {}

export type ConductorLastSeenModel = ModelStatic<ConductorLastSeenRow>;

/** Defines the `ConductorLastSeen` model on `sequelize`. */
export function defineConductorLastSeen(sequelize: Sequelize): ConductorLastSeenModel {
  return sequelize.define<ConductorLastSeenRow>(
    'ConductorLastSeen',
    {
      instance_id: varchar(36, { primaryKey: true, allowNull: false }),
      method_name: varchar(36, { primaryKey: true, allowNull: false }),
      // Trove declares Float(precision=32), which MySQL stores as DOUBLE: epoch seconds need the precision.
      sent: { type: DataTypes.DOUBLE, allowNull: true },
    },
    { tableName: 'conductor_lastseen', timestamps: false },
  );
}
