/**
 * Finding datastores and datastore versions by id or name, with Trove's errors (`datastore/models.py`
 * `Datastore.load`, `DatastoreVersion.load`, `DatastoreVersionMetadata.datastore_version_find`). Used by
 * trove-manage and the API.
 */
import { Op, type Transaction } from 'sequelize';
import { ErrorCode, NotFoundError, TroveError } from '../../shared/errors/index.js';
import type { DatastoreRow, DatastoreVersionRow, TroveModels } from './models/index.js';

/** Options shared by the lookups. */
export interface LookupOptions {
  transaction?: Transaction;
}

const withTransaction = (options: LookupOptions) => (options.transaction ? { transaction: options.transaction } : {});

/** Thrown when no datastore has that id or name (404). */
export function datastoreNotFound(datastore: string): NotFoundError {
  return new NotFoundError(`Datastore '${datastore}' cannot be found.`, { datastore });
}

/** Thrown when a datastore has no version with that id, name or version number (Trove: 400). */
export function datastoreVersionNotFound(version: string): TroveError {
  return new TroveError(ErrorCode.DATASTORE_VERSION_NOT_FOUND, `Datastore version '${version}' cannot be found.`, { details: { version } });
}

/**
 * The datastore with id or name `idOrName`.
 * @throws NotFoundError "Datastore 'x' cannot be found."
 */
export async function findDatastore(models: TroveModels, idOrName: string, options: LookupOptions = {}): Promise<DatastoreRow> {
  const row =
    (await models.datastores.findOne({ where: { id: idOrName }, ...withTransaction(options) })) ??
    (await models.datastores.findOne({ where: { name: idOrName }, ...withTransaction(options) }));
  if (!row) throw datastoreNotFound(idOrName);
  return row;
}

/**
 * The version of `datastore` whose id or name is `idOrName`; with `versionNumber`, the one whose name and
 * version number both match. Without it, a name shared by several version numbers is ambiguous.
 * @throws TroveError DATASTORE_VERSION_NOT_FOUND, or BAD_REQUEST when the name is ambiguous
 */
export async function findDatastoreVersion(
  models: TroveModels,
  datastore: DatastoreRow,
  idOrName: string,
  versionNumber?: string,
  options: LookupOptions = {},
): Promise<DatastoreVersionRow> {
  if (versionNumber === undefined || versionNumber === '') {
    const byId = await models.datastoreVersions.findOne({ where: { datastore_id: datastore.id, id: idOrName }, ...withTransaction(options) });
    if (byId) return byId;
  }
  const where = versionNumber ? { datastore_id: datastore.id, name: idOrName, version: versionNumber } : { datastore_id: datastore.id, name: idOrName };
  const rows = await models.datastoreVersions.findAll({ where, limit: 2, ...withTransaction(options) });
  if (rows.length === 0) throw datastoreVersionNotFound(versionNumber ? `${idOrName} (${versionNumber})` : idOrName);
  if (rows.length > 1) {
    throw new TroveError(
      ErrorCode.BAD_REQUEST,
      `Multiple datastore versions found for '${idOrName}', use an UUID or specify both the name and version number to identify the datastore version.`,
      { details: { name: idOrName } },
    );
  }
  return rows[0]!;
}

/** Both rows for a datastore name or id and a version name or id (trove-manage's addressing). */
export async function findVersionOfDatastore(
  models: TroveModels,
  datastoreName: string,
  versionName: string,
  versionNumber?: string,
  options: LookupOptions = {},
): Promise<{ datastore: DatastoreRow; version: DatastoreVersionRow }> {
  const datastore = await findDatastore(models, datastoreName, options);
  const version = await findDatastoreVersion(models, datastore, versionName, versionNumber, options);
  return { datastore, version };
}

/** Active versions of a datastore, newest name last (for views). */
export async function activeVersions(models: TroveModels, datastore: DatastoreRow, options: LookupOptions = {}): Promise<DatastoreVersionRow[]> {
  return models.datastoreVersions.findAll({ where: { datastore_id: datastore.id, active: { [Op.eq]: true } }, order: [['name', 'ASC']], ...withTransaction(options) });
}
