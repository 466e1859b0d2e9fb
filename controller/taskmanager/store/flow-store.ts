/**
 * The flow journal as the flow runner sees it: one record per flow (create, delete, resize, ...) with the step
 * it is at, the attempts of that step, the last error and a lease. `sql-flow-store.ts` keeps it in the
 * `taskmanager_flows` table; unit tests use an in-memory implementation of the same interface.
 *
 * Leases: a taskmanager runs a flow only while it holds the flow's lease (owner + expiry) and renews it
 * periodically. Every write names the owner and succeeds only while that owner still holds the lease, so two
 * taskmanagers never both drive one flow; a flow whose lease ran out (its taskmanager died) is claimed by the
 * next taskmanager that looks.
 *
 *   pending ──claim──▶ running ──▶ succeeded | failed | cancelled
 *                         ▲  │ lease expired (owner died)
 *                         └──┘ claimed again, resumed at the recorded step
 */

/** Every flow the taskmanager runs (reference §8); the cast that starts it has the same name. */
export const FLOW_KINDS = [
  'create_instance',
  'delete_instance',
  'restart',
  'reboot',
  'resize_volume',
  'resize_flavor',
  'upgrade',
  'attach_configuration',
  'detach_configuration',
  'update_overrides',
  'update_access',
] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** Where a flow is in its life. */
export type FlowState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** States of flows that still have work to do. */
export const UNFINISHED_STATES: readonly FlowState[] = ['pending', 'running'];

/** One flow as recorded. `args` are the cast's arguments; `data` is what the steps learnt (resource ids, deadlines). */
export interface FlowRecord {
  id: string;
  instanceId: string;
  kind: FlowKind;
  /** Name of the step the flow is at (the step being run, or the next one to run). */
  step: string;
  state: FlowState;
  /** How often the current step was started. */
  attempts: number;
  lastError: string | null;
  args: Record<string, unknown>;
  data: Record<string, unknown>;
  /** The `_unique_id` of the cast that started the flow. */
  messageId: string | null;
  requestId: string | null;
  owner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A flow to record. */
export interface NewFlow {
  id: string;
  instanceId: string;
  kind: FlowKind;
  firstStep: string;
  args: Record<string, unknown>;
  messageId: string | null;
  requestId: string | null;
}

/** Changes a step makes to its flow. */
export interface FlowChanges {
  step?: string;
  attempts?: number;
  lastError?: string | null;
  data?: Record<string, unknown>;
  args?: Record<string, unknown>;
}

/** Persistence of flows. Every method that names an `owner` changes nothing unless that owner holds the lease. */
export interface FlowStore {
  /**
   * Records a new flow owned by `owner`, or returns the flow already recorded for the same message id (a
   * redelivered cast), whoever owns it.
   */
  insert(flow: NewFlow, owner: string, leaseUntil: Date): Promise<{ flow: FlowRecord; created: boolean }>;
  get(id: string): Promise<FlowRecord | undefined>;
  /**
   * Takes the lease of an unfinished flow when it is free: never leased, expired at `now`, held by `owner`
   * already, or held by an owner `isDead` declares gone. Returns the flow when taken.
   */
  claim(id: string, owner: string, leaseUntil: Date, now: Date, isDead?: (owner: string) => boolean): Promise<FlowRecord | undefined>;
  /** Extends the leases `owner` holds on `ids`; returns the ids it still holds. */
  renew(ids: readonly string[], owner: string, leaseUntil: Date): Promise<string[]>;
  /** Applies changes while `owner` holds the lease; false when the lease was lost. */
  update(id: string, owner: string, changes: FlowChanges): Promise<boolean>;
  /** Ends a flow while `owner` holds the lease; false when the lease was lost. */
  finish(id: string, owner: string, state: 'succeeded' | 'failed' | 'cancelled', lastError?: string | null): Promise<boolean>;
  /** Gives a lease back (shutdown): the flow stays unfinished and any taskmanager may claim it from `at` on. */
  release(id: string, owner: string, at: Date): Promise<void>;
  /** Marks the unfinished flows of an instance created before `flow` cancelled; returns how many. */
  cancelEarlier(instanceId: string, flowId: string, createdAt: Date): Promise<number>;
  /** Number of unfinished flows of the instance recorded before this one. */
  countEarlierUnfinished(instanceId: string, flowId: string, createdAt: Date): Promise<number>;
  /** Unfinished flows whose lease is free at `now` (never leased or expired), oldest first. */
  listClaimable(now: Date, limit: number): Promise<FlowRecord[]>;
  /** Unfinished flows held by owners other than `owner` (for the dead-owner check), oldest first. */
  listHeldByOthers(owner: string, limit: number): Promise<FlowRecord[]>;
  /** The most recent flow of a kind for an instance, finished or not. */
  latest(instanceId: string, kind: FlowKind): Promise<FlowRecord | undefined>;
  /** Whether the flow was cancelled (checked by running steps). */
  isCancelled(id: string): Promise<boolean>;
}
