/** Fakes behind the conductor's ports, shared by its unit tests. */
import type { HeartbeatEntry, PlannedOutcome } from '../../../../controller/conductor/heartbeat-plan.js';
import type { HeartbeatStore } from '../../../../controller/conductor/heartbeat-store.js';
import type { BackupUpdate, BackupUpdateResult, GuestRecords } from '../../../../controller/conductor/guest-records.js';

/** A heartbeat store that keeps the last status and sent per instance in memory, applying Trove's rule. */
export class MemoryHeartbeatStore implements HeartbeatStore {
  readonly statuses = new Map<string, string>();
  readonly lastSeen = new Map<string, number>();
  readonly batches: HeartbeatEntry[][] = [];
  failures = 0;

  async applyBatch(entries: readonly HeartbeatEntry[]): Promise<PlannedOutcome[]> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('simulated database failure');
    }
    this.batches.push([...entries]);
    return entries.map((entry) => {
      if (!this.statuses.has(entry.instanceId)) return 'unknown_instance';
      const stored = this.lastSeen.get(entry.instanceId);
      if (entry.sent !== null && stored !== undefined && !(stored < entry.sent)) return 'stale';
      if (entry.sent !== null) this.lastSeen.set(entry.instanceId, entry.sent);
      if (this.statuses.get(entry.instanceId) === 'RESTART_REQUIRED') return 'restart_required';
      this.statuses.set(entry.instanceId, entry.status);
      return 'applied';
    });
  }
}

/** Guest records kept in memory. */
export class MemoryGuestRecords implements GuestRecords {
  readonly backups = new Map<string, { instanceId: string; fields: Record<string, unknown> }>();
  readonly roots = new Map<string, string | null>();
  readonly faults = new Map<string, { message: string; details: string }>();
  readonly instances = new Set<string>();
  readonly updates: BackupUpdate[] = [];

  async updateBackup(update: BackupUpdate): Promise<BackupUpdateResult> {
    this.updates.push(update);
    const backup = this.backups.get(update.backupId);
    if (backup === undefined) return 'not_found';
    if (backup.instanceId !== update.instanceId) return 'other_instance';
    Object.assign(backup.fields, update.fields);
    return 'applied';
  }

  async reportRoot(instanceId: string, user: string | null): Promise<boolean> {
    if (this.roots.has(instanceId)) return false;
    this.roots.set(instanceId, user);
    return true;
  }

  async recordFault(instanceId: string, message: string, details: string): Promise<boolean> {
    if (!this.instances.has(instanceId)) return false;
    this.faults.set(instanceId, { message, details });
    return true;
  }
}
