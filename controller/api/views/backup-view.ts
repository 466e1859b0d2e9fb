/** Backup and backup strategy views (Trove's `backup/views.py`). */
import type { BackupRow, BackupStrategyRow, DatastoreRow, DatastoreVersionRow } from '../../db/index.js';
import { formatDate } from './format.js';

export type VersionLookup = ReadonlyMap<string, { version: DatastoreVersionRow; datastore: DatastoreRow | null }>;

export function backupView(backup: BackupRow, versions: VersionLookup): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: backup.id,
    name: backup.name,
    description: backup.description ?? null,
    locationRef: backup.location ?? null,
    instance_id: backup.instance_id ?? null,
    created: formatDate(backup.created),
    updated: formatDate(backup.updated),
    size: backup.size ?? null,
    status: backup.state,
    parent_id: backup.parent_id ?? null,
    project_id: backup.tenant_id ?? null,
  };
  const found = backup.datastore_version_id === null || backup.datastore_version_id === undefined ? undefined : versions.get(backup.datastore_version_id);
  if (found !== undefined) {
    view['datastore'] = { type: found.datastore?.name ?? null, version: found.version.name, version_id: found.version.id };
  }
  return view;
}

export function backupsView(backups: readonly BackupRow[], versions: VersionLookup): Record<string, unknown>[] {
  return backups.map((backup) => backupView(backup, versions));
}

export function backupStrategyView(strategy: BackupStrategyRow): Record<string, unknown> {
  return {
    project_id: strategy.tenant_id,
    instance_id: strategy.instance_id,
    backend: strategy.backend,
    swift_container: strategy.swift_container,
  };
}
