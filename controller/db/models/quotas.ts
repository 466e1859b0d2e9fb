/**
 * `quotas` (per-tenant limits overriding the configured defaults), `quota_usages` (in use and reserved per
 * tenant and resource) and `reservations` (one per resource of a `runWithQuotas` call). The reservation
 * logic is in `../quotas.ts`.
 */
import { type Model, type ModelStatic, type Sequelize } from 'sequelize';
import { createdColumn, int, stampOnUpdate, uuidPrimaryKey, varchar, type CreationOf } from './common.js';

/** Columns of `quotas`. */
export interface QuotaAttributes {
  id: string;
  created: Date | null;
  updated: Date | null;
  tenant_id: string | null;
  resource: string;
  hard_limit: number | null;
}

export type QuotaCreationAttributes = CreationOf<QuotaAttributes, 'id'>;

/** A row of `quotas`. */
export interface QuotaRow extends Model<QuotaAttributes, QuotaCreationAttributes>, QuotaAttributes {}

export type QuotaModel = ModelStatic<QuotaRow>;

/** Defines the `Quota` model on `sequelize`. */
export function defineQuota(sequelize: Sequelize): QuotaModel {
  const model = sequelize.define<QuotaRow>(
    'Quota',
    {
      id: uuidPrimaryKey(),
      created: createdColumn(),
      updated: createdColumn(),
      tenant_id: varchar(36),
      resource: varchar(255, { allowNull: false }),
      hard_limit: int(),
    },
    { tableName: 'quotas', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Columns of `quota_usages`. */
export interface QuotaUsageAttributes {
  id: string;
  created: Date | null;
  updated: Date | null;
  tenant_id: string | null;
  in_use: number | null;
  reserved: number | null;
  resource: string;
}

export type QuotaUsageCreationAttributes = CreationOf<QuotaUsageAttributes, 'id'>;

/** A row of `quota_usages`. */
export interface QuotaUsageRow extends Model<QuotaUsageAttributes, QuotaUsageCreationAttributes>, QuotaUsageAttributes {}

export type QuotaUsageModel = ModelStatic<QuotaUsageRow>;

/** Defines the `QuotaUsage` model on `sequelize`. */
export function defineQuotaUsage(sequelize: Sequelize): QuotaUsageModel {
  const model = sequelize.define<QuotaUsageRow>(
    'QuotaUsage',
    {
      id: uuidPrimaryKey(),
      created: createdColumn(),
      updated: createdColumn(),
      tenant_id: varchar(36),
      in_use: int({ defaultValue: 0 }),
      reserved: int({ defaultValue: 0 }),
      resource: varchar(255, { allowNull: false }),
    },
    { tableName: 'quota_usages', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}

/** Statuses of `reservations.status`, Trove's strings. */
export const ReservationStatus = { NEW: 'New', RESERVED: 'Reserved', COMMITTED: 'Committed', ROLLED_BACK: 'Rolled Back' } as const;
export type ReservationStatus = (typeof ReservationStatus)[keyof typeof ReservationStatus];

/** Columns of `reservations`. */
export interface ReservationAttributes {
  created: Date | null;
  updated: Date | null;
  id: string;
  usage_id: string | null;
  delta: number;
  status: string | null;
}

export type ReservationCreationAttributes = CreationOf<ReservationAttributes, 'id'>;

/** A row of `reservations`. */
export interface ReservationRow extends Model<ReservationAttributes, ReservationCreationAttributes>, ReservationAttributes {}

export type ReservationModel = ModelStatic<ReservationRow>;

/** Defines the `Reservation` model on `sequelize`. */
export function defineReservation(sequelize: Sequelize): ReservationModel {
  const model = sequelize.define<ReservationRow>(
    'Reservation',
    {
      created: createdColumn(),
      updated: createdColumn(),
      id: uuidPrimaryKey(),
      usage_id: varchar(36),
      delta: int({ allowNull: false }),
      status: varchar(36),
    },
    { tableName: 'reservations', timestamps: false },
  );
  stampOnUpdate(model, 'updated');
  return model;
}
