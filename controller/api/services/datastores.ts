/**
 * Datastore and version lookups with Trove's rules (`datastore/models.py`): by id or name, the default
 * datastore and default version, inactive versions refused for new instances, and the flavor and volume
 * type restrictions kept in `datastore_version_metadata`.
 */
import { Op } from 'sequelize';
import type { DatastoreRow, DatastoreVersionRow, TroveModels } from '../../db/index.js';
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';
import { badRequest, isUuidLike } from './errors.js';

function versionNotFound(version: string): TroveError {
  return new TroveError(ErrorCode.DATASTORE_VERSION_NOT_FOUND, `Datastore version '${version}' cannot be found.`);
}

export class DatastoreService {
  constructor(private readonly models: TroveModels) {}

  /** @throws NotFoundError (404) "Datastore 'x' cannot be found." */
  async loadDatastore(idOrName: string): Promise<DatastoreRow> {
    const datastores = this.models.datastores;
    const row = (await datastores.findByPk(idOrName)) ?? (await datastores.findOne({ where: { name: idOrName } }));
    if (row === null) throw new NotFoundError(`Datastore '${idOrName}' cannot be found.`);
    return row;
  }

  /** Datastores; non-admins only see those with an active version. */
  async listDatastores(onlyActive: boolean): Promise<{ datastores: DatastoreRow[]; versions: DatastoreVersionRow[] }> {
    const versions = (await this.models.datastoreVersions.findAll({ where: onlyActive ? { active: true } : {}, order: [['name', 'ASC']], raw: true })) as unknown as DatastoreVersionRow[];
    const all = (await this.models.datastores.findAll({ order: [['name', 'ASC']], raw: true })) as unknown as DatastoreRow[];
    const withActive = new Set(versions.map((version) => version.datastore_id));
    return { datastores: onlyActive ? all.filter((datastore) => withActive.has(datastore.id)) : all, versions };
  }

  async listVersions(datastore: DatastoreRow, onlyActive: boolean): Promise<DatastoreVersionRow[]> {
    return this.models.datastoreVersions.findAll({
      where: onlyActive ? { datastore_id: datastore.id, active: true } : { datastore_id: datastore.id },
      order: [['name', 'ASC']],
    });
  }

  /**
   * A version of `datastore` by id or name (and version number when names repeat).
   * @throws TroveError DATASTORE_VERSION_NOT_FOUND (400), BAD_REQUEST when a name is ambiguous
   */
  async loadVersion(datastore: DatastoreRow, idOrName: string, versionNumber?: string): Promise<DatastoreVersionRow> {
    const versions = this.models.datastoreVersions;
    if (isUuidLike(idOrName)) {
      const row = await versions.findOne({ where: { datastore_id: datastore.id, id: idOrName } });
      if (row === null) throw versionNotFound(idOrName);
      return row;
    }
    if (versionNumber !== undefined) {
      const row = await versions.findOne({ where: { datastore_id: datastore.id, name: idOrName, version: versionNumber } });
      if (row === null) throw versionNotFound(versionNumber);
      return row;
    }
    const rows = await versions.findAll({ where: { datastore_id: datastore.id, name: idOrName } });
    if (rows.length === 0) throw versionNotFound(idOrName);
    if (rows.length > 1) {
      throw badRequest(`Multiple datastore versions found for '${idOrName}', use an UUID or specify both the name and version number to be more specific.`);
    }
    return rows[0] as DatastoreVersionRow;
  }

  /** @throws TroveError DATASTORE_VERSION_NOT_FOUND (400) */
  async loadVersionById(id: string): Promise<DatastoreVersionRow> {
    const row = await this.models.datastoreVersions.findByPk(id);
    if (row === null) throw versionNotFound(id);
    return row;
  }

  /**
   * Trove's `get_datastore_version`: the named (or default) datastore and the named (or its default)
   * version, which must be active unless `returnInactive`.
   */
  async resolve(
    options: { type?: string | undefined; version?: string | undefined; versionNumber?: string | undefined; defaultDatastore: string | null; returnInactive?: boolean },
  ): Promise<{ datastore: DatastoreRow; version: DatastoreVersionRow }> {
    const name = options.type ?? options.defaultDatastore ?? undefined;
    if (name === undefined || name === '') throw badRequest('Please specify datastore. No default datastore is defined.');
    let datastore: DatastoreRow;
    try {
      datastore = await this.loadDatastore(name);
    } catch (error) {
      if (options.type === undefined && error instanceof NotFoundError) {
        throw badRequest(`Please specify datastore. Default datastore '${name}' cannot be found.`);
      }
      throw error;
    }
    const versionRef = options.version ?? datastore.default_version_id ?? undefined;
    if (versionRef === undefined || versionRef === '') throw badRequest(`Default version for datastore '${datastore.name ?? name}' not found.`);
    const version = await this.loadVersion(datastore, versionRef, options.versionNumber);
    if (version.datastore_id !== datastore.id) throw badRequest(`Datastore '${datastore.name ?? ''}' has no version '${version.name ?? ''}'.`);
    if (!version.active && !options.returnInactive) {
      throw new TroveError(ErrorCode.DATASTORE_VERSION_NOT_FOUND, `Datastore version '${version.name ?? ''}' is not active.`);
    }
    return { datastore, version };
  }

  /** Values of `datastore_version_metadata` rows of one key (`flavor`, `volume_type`) for a version. */
  async metadataValues(versionId: string, key: 'flavor' | 'volume_type'): Promise<string[]> {
    const rows = await this.models.datastoreVersionMetadata.findAll({ where: { datastore_version_id: versionId, key, deleted: false } });
    return rows.map((row) => row.value).filter((value): value is string => value !== null);
  }

  /** Datastore versions by id, with their datastores, for views that show many. */
  async versionsWithDatastores(ids: readonly string[]): Promise<Map<string, { version: DatastoreVersionRow; datastore: DatastoreRow | null }>> {
    const unique = [...new Set(ids)];
    const result = new Map<string, { version: DatastoreVersionRow; datastore: DatastoreRow | null }>();
    if (unique.length === 0) return result;
    const versions = await this.models.datastoreVersions.findAll({ where: { id: { [Op.in]: unique } } });
    const datastoreIds = [...new Set(versions.map((version) => version.datastore_id).filter((id): id is string => id !== null))];
    const datastores = datastoreIds.length === 0 ? [] : await this.models.datastores.findAll({ where: { id: { [Op.in]: datastoreIds } } });
    for (const version of versions) {
      result.set(version.id, { version, datastore: datastores.find((datastore) => datastore.id === version.datastore_id) ?? null });
    }
    return result;
  }
}
