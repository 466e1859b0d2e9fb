/**
 * `FlowStore` on the `taskmanager_flows` table (migration 002). Lease checks are part of each statement's
 * WHERE clause, so a taskmanager that lost its lease changes nothing even if it has not noticed yet.
 */
import { DataTypes, Op, UniqueConstraintError, type Model, type ModelStatic, type Sequelize, type WhereOptions } from 'sequelize';
import type { ArgsCipher } from './args-cipher.js';
import { UNFINISHED_STATES, type FlowChanges, type FlowKind, type FlowRecord, type FlowState, type FlowStore, type NewFlow } from './flow-store.js';

interface FlowAttributes {
  id: string;
  instance_id: string;
  kind: string;
  step: string;
  state: string;
  attempts: number;
  last_error: string | null;
  args: string | null;
  data: string | null;
  message_id: string | null;
  request_id: string | null;
  owner: string | null;
  lease_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

interface FlowRow extends Model<FlowAttributes>, FlowAttributes {}
type FlowModel = ModelStatic<FlowRow>;

const LAST_ERROR_MAX = 4000;

function defineFlowModel(sequelize: Sequelize): FlowModel {
  const existing = sequelize.models['TaskmanagerFlow'] as FlowModel | undefined;
  if (existing !== undefined) return existing;
  return sequelize.define<FlowRow>(
    'TaskmanagerFlow',
    {
      id: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
      instance_id: { type: DataTypes.STRING(36), allowNull: false },
      kind: { type: DataTypes.STRING(32), allowNull: false },
      step: { type: DataTypes.STRING(64), allowNull: false },
      state: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      last_error: { type: DataTypes.TEXT, allowNull: true },
      args: { type: DataTypes.TEXT('medium'), allowNull: true },
      data: { type: DataTypes.TEXT, allowNull: true },
      message_id: { type: DataTypes.STRING(64), allowNull: true },
      request_id: { type: DataTypes.STRING(128), allowNull: true },
      owner: { type: DataTypes.STRING(255), allowNull: true },
      lease_expires_at: { type: DataTypes.DATE(3), allowNull: true },
      created_at: { type: DataTypes.DATE(3), allowNull: false },
      updated_at: { type: DataTypes.DATE(3), allowNull: false },
      finished_at: { type: DataTypes.DATE(3), allowNull: true },
    },
    { tableName: 'taskmanager_flows', timestamps: false },
  );
}

function parseData(text: string | null): Record<string, unknown> {
  if (text === null || text === '') return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function clip(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length > LAST_ERROR_MAX ? `${text.slice(0, LAST_ERROR_MAX)}…` : text;
}

export class SqlFlowStore implements FlowStore {
  private readonly model: FlowModel;

  constructor(
    sequelize: Sequelize,
    private readonly cipher: ArgsCipher,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.model = defineFlowModel(sequelize);
  }

  private toRecord(row: FlowRow): FlowRecord {
    return {
      id: row.id,
      instanceId: row.instance_id,
      kind: row.kind as FlowKind,
      step: row.step,
      state: row.state as FlowState,
      attempts: row.attempts,
      lastError: row.last_error,
      args: row.args === null ? {} : this.cipher.open(row.id, row.args),
      data: parseData(row.data),
      messageId: row.message_id,
      requestId: row.request_id,
      owner: row.owner,
      leaseExpiresAt: row.lease_expires_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
    };
  }

  private held(id: string, owner: string): WhereOptions<FlowAttributes> {
    return { id, owner, state: { [Op.in]: [...UNFINISHED_STATES] } };
  }

  async insert(flow: NewFlow, owner: string, leaseUntil: Date): Promise<{ flow: FlowRecord; created: boolean }> {
    if (flow.messageId !== null) {
      const existing = await this.model.findOne({ where: { message_id: flow.messageId } });
      if (existing !== null) return { flow: this.toRecord(existing), created: false };
    }
    const now = this.now();
    try {
      const row = await this.model.create({
        id: flow.id,
        instance_id: flow.instanceId,
        kind: flow.kind,
        step: flow.firstStep,
        state: 'running',
        attempts: 0,
        last_error: null,
        args: this.cipher.seal(flow.id, flow.args),
        data: '{}',
        message_id: flow.messageId,
        request_id: flow.requestId,
        owner,
        lease_expires_at: leaseUntil,
        created_at: now,
        updated_at: now,
        finished_at: null,
      });
      return { flow: this.toRecord(row), created: true };
    } catch (error) {
      // Two taskmanagers got the same redelivered cast at once: the first insert wins.
      if (error instanceof UniqueConstraintError && flow.messageId !== null) {
        const existing = await this.model.findOne({ where: { message_id: flow.messageId } });
        if (existing !== null) return { flow: this.toRecord(existing), created: false };
      }
      throw error;
    }
  }

  async get(id: string): Promise<FlowRecord | undefined> {
    const row = await this.model.findByPk(id);
    return row === null ? undefined : this.toRecord(row);
  }

  async claim(id: string, owner: string, leaseUntil: Date, now: Date, isDead?: (owner: string) => boolean): Promise<FlowRecord | undefined> {
    const row = await this.model.findByPk(id);
    if (row === null || !UNFINISHED_STATES.includes(row.state as FlowState)) return undefined;
    const free = row.owner === null || row.owner === owner || row.lease_expires_at === null || row.lease_expires_at <= now || (isDead?.(row.owner) ?? false);
    if (!free) return undefined;
    // Compare-and-set on the owner and expiry we read: a concurrent claimer changes them and our update misses.
    const [count] = await this.model.update(
      { owner, lease_expires_at: leaseUntil, state: 'running', updated_at: this.now() },
      { where: { id, state: row.state, owner: row.owner, lease_expires_at: row.lease_expires_at } },
    );
    if (count !== 1) return undefined;
    const claimed = await this.model.findByPk(id);
    return claimed === null ? undefined : this.toRecord(claimed);
  }

  async renew(ids: readonly string[], owner: string, leaseUntil: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    await this.model.update(
      { lease_expires_at: leaseUntil },
      { where: { id: { [Op.in]: [...ids] }, owner, state: { [Op.in]: [...UNFINISHED_STATES] } } },
    );
    const rows = await this.model.findAll({ where: { id: { [Op.in]: [...ids] }, owner, state: { [Op.in]: [...UNFINISHED_STATES] } }, attributes: ['id'] });
    return rows.map((row) => row.id);
  }

  async update(id: string, owner: string, changes: FlowChanges): Promise<boolean> {
    const values: Partial<FlowAttributes> = { updated_at: this.now() };
    if (changes.step !== undefined) values.step = changes.step;
    if (changes.attempts !== undefined) values.attempts = changes.attempts;
    if (changes.lastError !== undefined) values.last_error = clip(changes.lastError);
    if (changes.data !== undefined) values.data = JSON.stringify(changes.data);
    if (changes.args !== undefined) values.args = this.cipher.seal(id, changes.args);
    const [count] = await this.model.update(values, { where: this.held(id, owner) });
    return count === 1;
  }

  async finish(id: string, owner: string, state: 'succeeded' | 'failed' | 'cancelled', lastError?: string | null): Promise<boolean> {
    const now = this.now();
    const values: Partial<FlowAttributes> = { state, finished_at: now, updated_at: now, lease_expires_at: null };
    if (lastError !== undefined) values.last_error = clip(lastError);
    const where: WhereOptions<FlowAttributes> =
      state === 'cancelled' ? { id, owner, state: { [Op.in]: ['pending', 'running', 'cancelled'] } } : this.held(id, owner);
    const [count] = await this.model.update(values, { where });
    return count === 1;
  }

  async release(id: string, owner: string, at: Date): Promise<void> {
    await this.model.update({ lease_expires_at: at, updated_at: this.now() }, { where: this.held(id, owner) });
  }

  async cancelEarlier(instanceId: string, flowId: string, createdAt: Date): Promise<number> {
    const [count] = await this.model.update(
      { state: 'cancelled', updated_at: this.now() },
      { where: { instance_id: instanceId, id: { [Op.ne]: flowId }, created_at: { [Op.lte]: createdAt }, state: { [Op.in]: [...UNFINISHED_STATES] } } },
    );
    return count;
  }

  async countEarlierUnfinished(instanceId: string, flowId: string, createdAt: Date): Promise<number> {
    return this.model.count({
      where: {
        instance_id: instanceId,
        id: { [Op.ne]: flowId },
        state: { [Op.in]: [...UNFINISHED_STATES] },
        [Op.or]: [{ created_at: { [Op.lt]: createdAt } }, { created_at: createdAt, id: { [Op.lt]: flowId } }],
      },
    });
  }

  async listClaimable(now: Date, limit: number): Promise<FlowRecord[]> {
    const rows = await this.model.findAll({
      where: { state: { [Op.in]: [...UNFINISHED_STATES] }, [Op.or]: [{ lease_expires_at: null }, { lease_expires_at: { [Op.lte]: now } }] },
      order: [['created_at', 'ASC'], ['id', 'ASC']],
      limit,
    });
    return rows.map((row) => this.toRecord(row));
  }

  async listHeldByOthers(owner: string, limit: number): Promise<FlowRecord[]> {
    const rows = await this.model.findAll({
      where: { state: { [Op.in]: [...UNFINISHED_STATES] }, owner: { [Op.ne]: owner } },
      order: [['created_at', 'ASC'], ['id', 'ASC']],
      limit,
    });
    return rows.map((row) => this.toRecord(row));
  }

  async latest(instanceId: string, kind: FlowKind): Promise<FlowRecord | undefined> {
    const row = await this.model.findOne({ where: { instance_id: instanceId, kind }, order: [['created_at', 'DESC'], ['id', 'DESC']] });
    return row === null ? undefined : this.toRecord(row);
  }

  async isCancelled(id: string): Promise<boolean> {
    const row = await this.model.findByPk(id, { attributes: ['state'] });
    return row?.state === 'cancelled';
  }
}
