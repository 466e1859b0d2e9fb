/**
 * What one batch of heartbeats does to the database, decided in memory. The heartbeats of a batch are folded
 * per instance in arrival order exactly as Trove would handle them one by one (reference §3.4): a heartbeat
 * too old for the last-seen time is stale; an accepted one moves the last-seen time forward and sets the
 * status, unless the status is RESTART_REQUIRED, which heartbeats never overwrite. When several heartbeats
 * of an instance are accepted, only the last one's status is written and the earlier ones count as
 * coalesced: the end state equals Trove's, at the cost of one write instead of many.
 */
import { SERVICE_STATUS_INFO, type ServiceStatus } from '../../shared/models/index.js';
import { isTooOld } from './last-seen.js';

/** One heartbeat as the batcher holds it. */
export interface HeartbeatEntry {
  instanceId: string;
  status: ServiceStatus;
  /** Float epoch seconds; null when the guest sent none. */
  sent: number | null;
}

/** What the database holds for an instance when its batch starts. */
export interface StoredHeartbeatState {
  /** `service_statuses.status_id`. */
  statusCode: number;
  /** `conductor_lastseen.sent` for method `heartbeat`; null when none is stored. */
  lastSent: number | null;
}

/** The fate of one heartbeat of a batch. */
export type PlannedOutcome = 'applied' | 'stale' | 'coalesced' | 'restart_required' | 'unknown_instance';

/** The writes a batch needs, and each heartbeat's fate (same order as the input). */
export interface BatchPlan {
  outcomes: PlannedOutcome[];
  /** Per instance, the new `conductor_lastseen.sent`. */
  lastSeen: Map<string, number>;
  /** Per instance, the status to write (also refreshing `updated_at`). */
  statusUpdates: Map<string, ServiceStatus>;
}

const RESTART_REQUIRED_CODE = SERVICE_STATUS_INFO.RESTART_REQUIRED.code;

interface Cursor {
  code: number;
  lastSent: number | null;
  appliedIndex: number | undefined;
}

/** Folds a batch; `stored` lacks instances that have no `service_statuses` row. */
export function planHeartbeatBatch(entries: readonly HeartbeatEntry[], stored: ReadonlyMap<string, StoredHeartbeatState>): BatchPlan {
  const outcomes: PlannedOutcome[] = [];
  const lastSeen = new Map<string, number>();
  const statusUpdates = new Map<string, ServiceStatus>();
  const cursors = new Map<string, Cursor>();
  entries.forEach((entry, index) => {
    let cursor = cursors.get(entry.instanceId);
    if (cursor === undefined) {
      const state = stored.get(entry.instanceId);
      if (state === undefined) {
        outcomes.push('unknown_instance');
        return;
      }
      cursor = { code: state.statusCode, lastSent: state.lastSent, appliedIndex: undefined };
      cursors.set(entry.instanceId, cursor);
    }
    if (isTooOld(cursor.lastSent, entry.sent)) {
      outcomes.push('stale');
      return;
    }
    if (entry.sent !== null) {
      cursor.lastSent = entry.sent;
      lastSeen.set(entry.instanceId, entry.sent);
    }
    if (cursor.code === RESTART_REQUIRED_CODE) {
      outcomes.push('restart_required');
      return;
    }
    if (cursor.appliedIndex !== undefined) outcomes[cursor.appliedIndex] = 'coalesced';
    cursor.code = SERVICE_STATUS_INFO[entry.status].code;
    cursor.appliedIndex = index;
    statusUpdates.set(entry.instanceId, entry.status);
    outcomes.push('applied');
  });
  return { outcomes, lastSeen, statusUpdates };
}
