/** Datastore, version, flavor, volume type and configuration parameter views (Trove's `datastore`, `flavor`, `volume_type` views). */
import type { DatastoreConfigurationParameterRow, DatastoreRow, DatastoreVersionRow } from '../../db/index.js';
import type { Flavor, VolumeType } from '../../compute/ports.js';
import { createLinks, type LinkBase } from './format.js';

export function datastoreVersionView(version: DatastoreVersionRow, base: LinkBase, isAdmin: boolean, includeDatastoreId = true): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: version.id,
    name: version.name,
    version: version.version,
    links: createLinks(base, 'datastores/versions', version.id),
  };
  if (includeDatastoreId) view['datastore'] = version.datastore_id;
  if (isAdmin) {
    view['active'] = Boolean(version.active);
    view['packages'] = version.packages;
    view['image'] = version.image_id;
    view['image_tags'] = version.image_tags ? version.image_tags.split(',') : [];
  }
  return view;
}

export function datastoreView(datastore: DatastoreRow, versions: readonly DatastoreVersionRow[], base: LinkBase, isAdmin: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: datastore.id,
    name: datastore.name,
    links: createLinks(base, 'datastores', datastore.id),
    versions: versions.map((version) => datastoreVersionView(version, base, isAdmin, false)),
  };
  if (datastore.default_version_id) view['default_version'] = datastore.default_version_id;
  return view;
}

/** Trove shows numeric flavor ids as integers (no leading zero) and always adds `str_id`. */
export function flavorView(flavor: Flavor, base: LinkBase, localStorage: boolean): Record<string, unknown> {
  const numeric = /^[1-9]\d*$/.test(flavor.id) ? Number(flavor.id) : null;
  const view: Record<string, unknown> = {
    id: numeric,
    links: createLinks(base, 'flavors', flavor.id),
    name: flavor.name,
    ram: flavor.ram,
    vcpus: flavor.vcpus,
    disk: flavor.disk,
    ephemeral: flavor.ephemeral,
    str_id: flavor.id,
  };
  if (localStorage) view['local_storage'] = flavor.ephemeral;
  return view;
}

export function volumeTypeView(volumeType: VolumeType): Record<string, unknown> {
  return { id: volumeType.id, name: volumeType.name, is_public: volumeType.is_public, description: volumeType.description };
}

export function configurationParameterView(rule: DatastoreConfigurationParameterRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: rule.name,
    datastore_version_id: rule.datastore_version_id,
    restart_required: Boolean(rule.restart_required),
    type: rule.data_type,
  };
  if (rule.max_size) view['max'] = Number(rule.max_size);
  if (rule.min_size) view['min'] = Number(rule.min_size);
  return view;
}
