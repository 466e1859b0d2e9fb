/** Configuration group views (Trove's `configuration/views.py`). */
import type { ConfigurationRow } from '../../db/index.js';
import { maskValues, type ConfigValue } from '../services/configurations.js';
import { formatDate } from './format.js';

/** Datastore names of a group's version. */
export interface VersionNames {
  datastoreName: string | null;
  versionName: string | null;
  versionNumber: string | null;
}

export function configurationView(group: ConfigurationRow, names: VersionNames | undefined): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    created: formatDate(group.created),
    updated: formatDate(group.updated),
    datastore_version_id: group.datastore_version_id,
    datastore_name: names?.datastoreName ?? null,
    datastore_version_name: names?.versionName ?? null,
  };
}

export function configurationDetailView(
  group: ConfigurationRow,
  names: VersionNames | undefined,
  values: Record<string, ConfigValue>,
  instanceCount: number,
): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    values: maskValues(values),
    created: formatDate(group.created),
    updated: formatDate(group.updated),
    instance_count: instanceCount,
    datastore_name: names?.datastoreName ?? null,
    datastore_version_id: group.datastore_version_id,
    datastore_version_name: names?.versionName ?? null,
    datastore_version_number: names?.versionNumber ?? null,
  };
}
