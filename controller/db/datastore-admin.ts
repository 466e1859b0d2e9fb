/**
 * Changes to the datastore catalogue, as `trove-manage` (and the management API) make them: datastores and
 * their default version, datastore versions, configuration-parameter rules, and the flavor / volume-type
 * associations kept in `datastore_version_metadata`. Each operation runs in one transaction: it either
 * happens completely or the database is left as it was.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { ErrorCode, NotFoundError, TroveError } from '../../shared/errors/index.js';
import { findDatastore, findDatastoreVersion, findVersionOfDatastore } from './datastore-lookup.js';
import {
  DatastoreVersionMetadataKey,
  type DatastoreRow,
  type DatastoreVersionMetadataRow,
  type DatastoreVersionRow,
  type TroveModels,
} from './models/index.js';

/** The database handles every operation needs. */
export interface CatalogDatabase {
  sequelize: Sequelize;
  models: TroveModels;
}

/** A datastore version as `datastore_version_update` writes it. */
export interface DatastoreVersionSpec {
  datastore: string;
  name: string;
  manager: string;
  /** Empty or undefined: the image is chosen by `imageTags`. */
  imageId?: string;
  imageTags?: readonly string[];
  packages: string;
  active: boolean;
  /** The version number; defaults to `name`. */
  version?: string;
}

/** A configuration-parameter rule to store (see controller/templates/validation-rules.ts). */
export interface ParameterRuleSpec {
  name: string;
  restartRequired: boolean;
  type: string;
  min?: string;
  max?: string;
}

/**
 * Creates the datastore if missing and sets its default version (by id or name; `''` clears it).
 * @throws TroveError DATASTORE_VERSION_NOT_FOUND or BAD_REQUEST (inactive or ambiguous version); nothing is stored
 */
export async function updateDatastore(db: CatalogDatabase, name: string, defaultVersion: string): Promise<{ datastore: DatastoreRow; created: boolean }> {
  return db.sequelize.transaction(async (transaction) => {
    let datastore = await db.models.datastores.findOne({ where: { name }, transaction, lock: transaction.LOCK.UPDATE });
    const created = datastore === null;
    datastore ??= await db.models.datastores.create({ name, default_version_id: null }, { transaction });
    if (defaultVersion === '') {
      datastore.default_version_id = null;
    } else {
      const version = await findDatastoreVersion(db.models, datastore, defaultVersion, undefined, { transaction });
      if (!version.active) throw new TroveError(ErrorCode.BAD_REQUEST, `Datastore version '${version.name ?? defaultVersion}' is not active.`);
      datastore.default_version_id = version.id;
    }
    await datastore.save({ transaction });
    return { datastore, created };
  });
}

/**
 * Creates or updates the version (datastore, name, version number): manager, image, tags, packages, active.
 * @throws NotFoundError when the datastore does not exist
 */
export async function updateDatastoreVersion(db: CatalogDatabase, spec: DatastoreVersionSpec): Promise<{ version: DatastoreVersionRow; created: boolean }> {
  const versionNumber = spec.version === undefined || spec.version === '' ? spec.name : spec.version;
  return db.sequelize.transaction(async (transaction) => {
    const datastore = await findDatastore(db.models, spec.datastore, { transaction });
    const fields = {
      manager: spec.manager,
      image_id: spec.imageId === undefined || spec.imageId === '' ? null : spec.imageId,
      image_tags: spec.imageTags && spec.imageTags.length > 0 ? spec.imageTags.join(',') : null,
      packages: spec.packages,
      active: spec.active,
    };
    const existing = await db.models.datastoreVersions.findOne({
      where: { datastore_id: datastore.id, name: spec.name, version: versionNumber },
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    if (existing) {
      await existing.update(fields, { transaction });
      return { version: existing, created: false };
    }
    const version = await db.models.datastoreVersions.create({ datastore_id: datastore.id, name: spec.name, version: versionNumber, ...fields }, { transaction });
    return { version, created: true };
  });
}

/**
 * Stores `rules` for a version (inactive versions included): updates rules of the same name, adds the
 * others, all in one transaction. Rules not in the list are kept, as Trove does.
 */
export async function loadConfigurationParameters(
  db: CatalogDatabase,
  target: { datastore: string; version: string; versionNumber?: string },
  rules: readonly ParameterRuleSpec[],
): Promise<{ version: DatastoreVersionRow; added: number; updated: number }> {
  return db.sequelize.transaction(async (transaction) => {
    const { version } = await findVersionOfDatastore(db.models, target.datastore, target.version, target.versionNumber, { transaction });
    const existing = await db.models.datastoreConfigurationParameters.findAll({ where: { datastore_version_id: version.id }, transaction, lock: transaction.LOCK.UPDATE });
    const byName = new Map(existing.map((row) => [row.name.toLowerCase(), row]));
    let added = 0;
    let updated = 0;
    for (const rule of rules) {
      const fields = { restart_required: rule.restartRequired, data_type: rule.type, min_size: rule.min ?? null, max_size: rule.max ?? null };
      const row = byName.get(rule.name.toLowerCase());
      if (row) {
        await row.update({ name: rule.name, ...fields }, { transaction });
        updated++;
      } else {
        await db.models.datastoreConfigurationParameters.create({ name: rule.name, datastore_version_id: version.id, ...fields }, { transaction });
        added++;
      }
    }
    return { version, added, updated };
  });
}

/** Deletes every configuration-parameter rule of a version; returns how many there were. */
export async function removeConfigurationParameters(
  db: CatalogDatabase,
  target: { datastore: string; version: string; versionNumber?: string },
): Promise<{ version: DatastoreVersionRow; removed: number }> {
  return db.sequelize.transaction(async (transaction) => {
    const { version } = await findVersionOfDatastore(db.models, target.datastore, target.version, target.versionNumber, { transaction });
    const removed = await db.models.datastoreConfigurationParameters.destroy({ where: { datastore_version_id: version.id }, transaction });
    return { version, removed };
  });
}

const ALREADY = {
  [DatastoreVersionMetadataKey.FLAVOR]: (value: string, versionId: string) => `Flavor ${value} is already associated with datastore version ${versionId}`,
  [DatastoreVersionMetadataKey.VOLUME_TYPE]: (value: string, versionId: string) => `Datastore version ${versionId} and volume-type ${value} mapping already exists.`,
};
const MISSING = {
  [DatastoreVersionMetadataKey.FLAVOR]: (value: string, versionId: string) => `Flavor ${value} is not supported for datastore version ${versionId}`,
  [DatastoreVersionMetadataKey.VOLUME_TYPE]: (value: string, versionId: string) => `The volume type ${value} is not valid for datastore version ${versionId}.`,
};

async function findMetadata(db: CatalogDatabase, versionId: string, key: DatastoreVersionMetadataKey, value: string, transaction: Transaction): Promise<DatastoreVersionMetadataRow | null> {
  return db.models.datastoreVersionMetadata.findOne({ where: { datastore_version_id: versionId, key, value }, transaction, lock: transaction.LOCK.UPDATE });
}

/**
 * Associates `values` (flavor ids or volume types) with a version. A soft-deleted association is revived.
 * @throws TroveError BAD_REQUEST when one is already associated; then none of `values` is stored
 */
export async function addVersionMetadata(
  db: CatalogDatabase,
  target: { datastore: string; version: string; versionNumber?: string },
  key: DatastoreVersionMetadataKey,
  values: readonly string[],
): Promise<DatastoreVersionRow> {
  return db.sequelize.transaction(async (transaction) => {
    const { version } = await findVersionOfDatastore(db.models, target.datastore, target.version, target.versionNumber, { transaction });
    for (const value of new Set(values)) {
      const row = await findMetadata(db, version.id, key, value, transaction);
      if (row && !row.deleted) throw new TroveError(ErrorCode.BAD_REQUEST, ALREADY[key](value, version.id), { details: { key, value } });
      if (row) await row.update({ deleted: false, deleted_at: null }, { transaction });
      else await db.models.datastoreVersionMetadata.create({ datastore_version_id: version.id, key, value }, { transaction });
    }
    return version;
  });
}

/**
 * Removes (soft-deletes) one association of a version.
 * @throws NotFoundError when it does not exist or is already deleted
 */
export async function deleteVersionMetadata(
  db: CatalogDatabase,
  target: { datastore: string; version: string; versionNumber?: string },
  key: DatastoreVersionMetadataKey,
  value: string,
): Promise<DatastoreVersionRow> {
  return db.sequelize.transaction(async (transaction) => {
    const { version } = await findVersionOfDatastore(db.models, target.datastore, target.version, target.versionNumber, { transaction });
    const row = await findMetadata(db, version.id, key, value, transaction);
    if (!row || row.deleted) throw new NotFoundError(MISSING[key](value, version.id), { key, value });
    await row.update({ deleted: true, deleted_at: new Date() }, { transaction });
    return version;
  });
}

/** The live associations of a version under `key`, in insertion order. */
export async function listVersionMetadata(
  db: CatalogDatabase,
  target: { datastore: string; version: string; versionNumber?: string },
  key: DatastoreVersionMetadataKey,
): Promise<{ version: DatastoreVersionRow; values: string[] }> {
  const { version } = await findVersionOfDatastore(db.models, target.datastore, target.version, target.versionNumber);
  const rows = await db.models.datastoreVersionMetadata.findAll({ where: { datastore_version_id: version.id, key, deleted: false }, order: [['created', 'ASC'], ['value', 'ASC']] });
  return { version, values: rows.map((row) => row.value ?? '') };
}

