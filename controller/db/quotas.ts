/**
 * Per-tenant quotas with Trove's semantics (reference §13, `quota/quota.py`): limits come from the
 * `quotas` table or the configured defaults (-1 = unlimited); `runWithQuotas` reserves deltas, runs the
 * work, then commits (in_use += delta, clamped at 0) or rolls back (reserved -= delta) and rethrows.
 *
 * Concurrency: a reservation is one transaction that locks the tenant's `quota_usages` rows with
 * `SELECT ... FOR UPDATE`, always in resource-name order, so N parallel creates against a limit of K admit
 * exactly K. Missing usage rows are inserted with `INSERT IGNORE` in their own statement *before* that
 * transaction: inserting inside it would leave shared locks on duplicates that two transactions then both
 * try to upgrade, which InnoDB resolves by killing one of them as a deadlock.
 */
import { randomUUID } from 'node:crypto';
import { Op, type Sequelize, type Transaction } from 'sequelize';
import type { TroveConfig } from '../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { ReservationStatus, type QuotaUsageRow, type TroveModels } from './models/index.js';

/** The resources Trove counts, in the order views list them. */
export const QUOTA_RESOURCES = ['instances', 'ram', 'volumes', 'backups'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Limit per resource; -1 means unlimited. */
export type QuotaLimits = Record<QuotaResource, number>;

/** Signed changes per resource, e.g. `{ instances: 1, ram: 2048, volumes: 5 }`. Keys are checked at run time. */
export type QuotaDeltas = Readonly<Record<string, number>>;

/** A tenant's position on one resource, as `/mgmt/quotas` and `/limits` show it. */
export interface QuotaUsageView {
  resource: QuotaResource;
  in_use: number;
  reserved: number;
  limit: number;
}

/** A reservation made by `reserve`, to be passed to `commit` or `rollback`. */
export interface QuotaReservation {
  id: string;
  usageId: string;
  tenantId: string;
  resource: QuotaResource;
  delta: number;
}

/** Options to configure a `QuotaEngine`. */
export interface QuotaEngineOptions {
  sequelize: Sequelize;
  models: TroveModels;
  /** Limits for tenants without a `quotas` row; see `quotaDefaultsFromConfig`. */
  defaults: QuotaLimits;
  /** Receives commit failures after the work succeeded (Trove logs and continues). */
  logger?: Logger;
}

/** The configured default limits (`max_instances_per_tenant` and friends). */
export function quotaDefaultsFromConfig(config: TroveConfig): QuotaLimits {
  return {
    instances: config.DEFAULT.max_instances_per_tenant,
    ram: config.DEFAULT.max_ram_per_tenant,
    volumes: config.DEFAULT.max_volumes_per_tenant,
    backups: config.DEFAULT.max_backups_per_tenant,
  };
}

/** Python's repr of a list of strings, as Trove's messages print it: `['instances', 'ram']`. */
function pythonList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

function isQuotaResource(name: string): name is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(name);
}

/** Thrown when a request names resources other than instances, ram, volumes and backups (404). */
export function quotaResourceUnknown(unknown: readonly string[]): TroveError {
  return new TroveError(ErrorCode.QUOTA_RESOURCE_UNKNOWN, `Unknown quota resources ${pythonList(unknown)}.`, { details: { unknown: [...unknown] } });
}

function checkedDeltas(deltas: QuotaDeltas): Array<[QuotaResource, number]> {
  const names = Object.keys(deltas);
  const unknown = names.filter((name) => !isQuotaResource(name));
  if (unknown.length > 0) throw quotaResourceUnknown(unknown);
  const entries = names.map((name) => [name as QuotaResource, deltas[name] as number] as [QuotaResource, number]);
  for (const [resource, delta] of entries) {
    if (!Number.isSafeInteger(delta)) throw new TroveError(ErrorCode.BAD_REQUEST, `Quota delta for '${resource}' must be an integer.`);
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const DEADLOCK_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const ATTEMPTS = 3;

function isDeadlock(error: unknown): boolean {
  const original = (error as { original?: { code?: string }; parent?: { code?: string } }).original;
  return DEADLOCK_CODES.has(original?.code ?? '');
}

/** Trove's `QuotaEngine` with the `DbQuotaDriver`, on our models. */
export class QuotaEngine {
  readonly #sequelize: Sequelize;
  readonly #models: TroveModels;
  readonly #defaults: QuotaLimits;
  readonly #logger: Logger | undefined;

  constructor(options: QuotaEngineOptions) {
    this.#sequelize = options.sequelize;
    this.#models = options.models;
    this.#defaults = { ...options.defaults };
    this.#logger = options.logger;
  }

  /** The configured defaults. */
  getDefaults(): QuotaLimits {
    return { ...this.#defaults };
  }

  /**
   * Reserves `deltas`, runs `fn`, then commits the reservation, or rolls it back and rethrows `fn`'s error.
   * @throws TroveError QUOTA_RESOURCE_UNKNOWN (404) for a resource Trove does not count
   * @throws TroveError QUOTA_EXCEEDED (413) "Quota exceeded for resources: ['instances']."
   */
  async runWithQuotas<T>(tenantId: string, deltas: QuotaDeltas, fn: () => Promise<T>): Promise<T> {
    const reservations = await this.reserve(tenantId, deltas);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      try {
        await this.rollback(reservations);
      } catch (rollbackError) {
        this.#logger?.error({ err: rollbackError, tenantId, reservations: reservations.map((r) => r.id) }, 'quota rollback failed');
      }
      throw error;
    }
    try {
      await this.commit(reservations);
    } catch (commitError) {
      // The work is done; failing the request now would misreport it (Trove logs and continues too).
      this.#logger?.error({ err: commitError, tenantId, reservations: reservations.map((r) => r.id) }, 'quota commit failed');
    }
    return result;
  }

  /**
   * Checks `deltas` against the tenant's limits and reserves them in one transaction.
   * @throws TroveError QUOTA_RESOURCE_UNKNOWN, QUOTA_EXCEEDED, BAD_REQUEST (non-integer delta)
   */
  async reserve(tenantId: string, deltas: QuotaDeltas): Promise<QuotaReservation[]> {
    const entries = checkedDeltas(deltas);
    if (entries.length === 0) return [];
    const resources = entries.map(([resource]) => resource);
    await this.#ensureUsageRows(tenantId, resources);
    const limits = await this.#limits(tenantId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#sequelize.transaction((transaction) => this.#reserveLocked(tenantId, entries, limits, transaction));
      } catch (error) {
        if (attempt >= ATTEMPTS || !isDeadlock(error)) throw error;
      }
    }
  }

  /** Moves reserved amounts into use and marks the reservations Committed. */
  async commit(reservations: readonly QuotaReservation[]): Promise<void> {
    await this.#settle(reservations, ReservationStatus.COMMITTED);
  }

  /** Releases reserved amounts and marks the reservations Rolled Back. */
  async rollback(reservations: readonly QuotaReservation[]): Promise<void> {
    await this.#settle(reservations, ReservationStatus.ROLLED_BACK);
  }

  /** The tenant's limit, use and reservations for every resource, in `QUOTA_RESOURCES` order. */
  async getQuotas(tenantId: string): Promise<QuotaUsageView[]> {
    const limits = await this.#limits(tenantId);
    const usages = await this.#models.quotaUsages.findAll({ where: { tenant_id: tenantId } });
    return QUOTA_RESOURCES.map((resource) => {
      const usage = usages.find((row) => row.resource === resource);
      return { resource, in_use: usage?.in_use ?? 0, reserved: usage?.reserved ?? 0, limit: limits[resource] };
    });
  }

  /**
   * Sets per-tenant limits (upsert of `quotas` rows) and returns the tenant's limits afterwards.
   * @throws TroveError QUOTA_RESOURCE_UNKNOWN for an unknown resource; BAD_REQUEST for a limit below -1
   */
  async updateQuotas(tenantId: string, limits: Readonly<Record<string, number>>): Promise<QuotaLimits> {
    const names = Object.keys(limits);
    const unknown = names.filter((name) => !isQuotaResource(name));
    if (unknown.length > 0) throw quotaResourceUnknown(unknown);
    for (const name of names) {
      const limit = limits[name];
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) {
        throw new TroveError(ErrorCode.BAD_REQUEST, `Quota limit '${String(limit)}' for '${name}' must be an integer.`);
      }
      if (limit < -1) throw new TroveError(ErrorCode.BAD_REQUEST, `Quota limit '${limit}' for '${name}' is too small - must be at least '-1'.`);
    }
    await this.#sequelize.transaction(async (transaction) => {
      for (const name of names.sort()) {
        const now = new Date();
        await this.#sequelize.query(
          'INSERT INTO quotas (id, created, updated, tenant_id, resource, hard_limit) VALUES (?, ?, ?, ?, ?, ?) ' +
            'ON DUPLICATE KEY UPDATE hard_limit = VALUES(hard_limit), updated = VALUES(updated)',
          { replacements: [randomUUID(), now, now, tenantId, name, limits[name]], transaction },
        );
      }
    });
    return this.#limits(tenantId);
  }

  async #limits(tenantId: string, transaction?: Transaction): Promise<QuotaLimits> {
    const rows = await this.#models.quotas.findAll({ where: { tenant_id: tenantId }, ...(transaction ? { transaction } : {}) });
    const limits = { ...this.#defaults };
    for (const row of rows) {
      if (isQuotaResource(row.resource) && row.hard_limit !== null) limits[row.resource] = row.hard_limit;
    }
    return limits;
  }

  async #ensureUsageRows(tenantId: string, resources: readonly QuotaResource[]): Promise<void> {
    const existing = await this.#models.quotaUsages.findAll({ where: { tenant_id: tenantId, resource: { [Op.in]: [...resources] } }, attributes: ['resource'] });
    const missing = resources.filter((resource) => !existing.some((row) => row.resource === resource));
    for (const resource of missing) {
      const now = new Date();
      await this.#sequelize.query(
        'INSERT IGNORE INTO quota_usages (id, created, updated, tenant_id, in_use, reserved, resource) VALUES (?, ?, ?, ?, 0, 0, ?)',
        { replacements: [randomUUID(), now, now, tenantId, resource] },
      );
    }
  }

  async #lockUsage(tenantId: string, resource: QuotaResource, transaction: Transaction): Promise<QuotaUsageRow> {
    const usage = await this.#models.quotaUsages.findOne({ where: { tenant_id: tenantId, resource }, lock: transaction.LOCK.UPDATE, transaction });
    if (!usage) throw new TroveError(ErrorCode.INTERNAL_ERROR, `Quota usage row for '${resource}' disappeared.`);
    return usage;
  }

  async #reserveLocked(
    tenantId: string,
    entries: ReadonlyArray<[QuotaResource, number]>,
    limits: QuotaLimits,
    transaction: Transaction,
  ): Promise<QuotaReservation[]> {
    const usages: QuotaUsageRow[] = [];
    for (const [resource] of entries) usages.push(await this.#lockUsage(tenantId, resource, transaction));
    const overs = entries
      .filter(([resource, delta], index) => {
        const usage = usages[index]!;
        const limit = limits[resource];
        return delta > 0 && limit >= 0 && (usage.in_use ?? 0) + (usage.reserved ?? 0) + delta > limit;
      })
      .map(([resource]) => resource);
    if (overs.length > 0) {
      throw new TroveError(ErrorCode.QUOTA_EXCEEDED, `Quota exceeded for resources: ${pythonList(overs)}.`, { details: { overs } });
    }
    const reservations: QuotaReservation[] = [];
    for (const [index, [resource, delta]] of entries.entries()) {
      const usage = usages[index]!;
      await usage.update({ reserved: (usage.reserved ?? 0) + delta }, { transaction });
      const row = await this.#models.reservations.create({ usage_id: usage.id, delta, status: ReservationStatus.RESERVED }, { transaction });
      reservations.push({ id: row.id, usageId: usage.id, tenantId, resource, delta });
    }
    return reservations;
  }

  async #settle(reservations: readonly QuotaReservation[], status: ReservationStatus): Promise<void> {
    if (reservations.length === 0) return;
    const key = (r: QuotaReservation) => `${r.tenantId}\u0000${r.resource}`;
    const ordered = [...reservations].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    await this.#sequelize.transaction(async (transaction) => {
      for (const reservation of ordered) {
        const usage = await this.#lockUsage(reservation.tenantId, reservation.resource, transaction);
        const changes: { reserved: number; in_use?: number } = { reserved: (usage.reserved ?? 0) - reservation.delta };
        if (status === ReservationStatus.COMMITTED) changes.in_use = Math.max(0, (usage.in_use ?? 0) + reservation.delta);
        await usage.update(changes, { transaction });
        await this.#models.reservations.update({ status }, { where: { id: reservation.id }, transaction });
      }
    });
  }
}
