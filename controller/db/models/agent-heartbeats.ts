/**
 * `agent_heartbeats`: Trove's legacy guest liveness table (one row per instance). Kept so a Trove database
 * and ours are interchangeable; trove-ts derives liveness from `service_statuses.updated_at`.
 */
import { DataTypes, type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { softDeleteColumns, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `agent_heartbeats`. */
export interface AgentHeartbeatAttributes {
  id: string;
  instance_id: string;
  guest_agent_version: string | null;
  deleted: boolean | null;
  deleted_at: Date | null;
  updated_at: Date;
}

export type AgentHeartbeatCreationAttributes = CreationOf<AgentHeartbeatAttributes, 'id' | 'updated_at'>;

/** A row of `agent_heartbeats`. */
export interface AgentHeartbeatRow extends Model<AgentHeartbeatAttributes, AgentHeartbeatCreationAttributes>, AgentHeartbeatAttributes {}

export type AgentHeartbeatModel = ModelStatic<AgentHeartbeatRow>;

/** Defines the `AgentHeartbeat` model on `sequelize`. */
export function defineAgentHeartbeat(sequelize: Sequelize): AgentHeartbeatModel {
  const model = sequelize.define<AgentHeartbeatRow>(
    'AgentHeartbeat',
    {
      id: uuidPrimaryKey(),
      instance_id: varchar(36, { allowNull: false, unique: true }),
      guest_agent_version: varchar(255),
      ...softDeleteColumns(),
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { tableName: 'agent_heartbeats', timestamps: false },
  );
  stampOnUpdate(model, 'updated_at');
  return model;
}
