/**
 * `/datastores` with versions, associated flavors and volume types and configuration parameters, and
 * `/flavors` (Trove's `datastore/service.py`, `configuration/service.py` `ParametersController`,
 * `flavor/service.py`). Datastores are not owned by a tenant: policy is checked on the caller's project.
 */
import type { Router } from 'express';
import { NotFoundError } from '../../../shared/errors/index.js';
import type { DatastoreVersionRow } from '../../db/index.js';
import { contextOf } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTenant } from '../middleware/policy.js';
import { badRequest } from '../services/errors.js';
import type { ApiServices } from '../services/index.js';
import { linkBaseOf } from '../views/format.js';
import { configurationParameterView, datastoreVersionView, datastoreView, flavorView, volumeTypeView } from '../views/datastore-view.js';
import { mountRoutes, param, reply, replyEmpty, type Handler } from './route-table.js';

export function datastoreRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const { datastores } = services;
  const localStorage = !deps.config.DEFAULT.trove_volume_support;

  const index: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:index');
    const { datastores: rows, versions } = await datastores.listDatastores(!context.isAdmin);
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, {
      datastores: rows.map((row) => datastoreView(row, versions.filter((version) => version.datastore_id === row.id), base, context.isAdmin)),
    });
  };

  const show: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:show');
    const datastore = await datastores.loadDatastore(param(req, 'datastore'));
    const versions = await datastores.listVersions(datastore, true);
    reply(res, 200, { datastore: datastoreView(datastore, versions, linkBaseOf(req, context.tenantId), context.isAdmin) });
  };

  const remove: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:delete');
    const datastore = await datastores.loadDatastore(param(req, 'datastore'));
    if ((await datastores.listVersions(datastore, false)).length > 0) throw badRequest(`Datastore versions exist for datastore ${param(req, 'datastore')}.`);
    await datastore.destroy();
    replyEmpty(res, 202);
  };

  const versionIndex: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:version_index');
    const datastore = await datastores.loadDatastore(param(req, 'datastore'));
    const versions = await datastores.listVersions(datastore, !context.isAdmin);
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, { versions: versions.map((version) => datastoreVersionView(version, base, context.isAdmin)) });
  };

  const versionShow: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:version_show');
    const datastore = await datastores.loadDatastore(param(req, 'datastore'));
    const version = await datastores.loadVersion(datastore, param(req, 'version'));
    reply(res, 200, { version: datastoreVersionView(version, linkBaseOf(req, context.tenantId), context.isAdmin) });
  };

  const versionShowByUuid: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:version_show_by_uuid');
    const version = await datastores.loadVersionById(param(req, 'version'));
    reply(res, 200, { version: datastoreVersionView(version, linkBaseOf(req, context.tenantId), context.isAdmin) });
  };

  /** The version named in the path, under its datastore. */
  const pathVersion = async (req: Parameters<Handler>[0]): Promise<DatastoreVersionRow> => {
    const datastore = await datastores.loadDatastore(param(req, 'datastore'));
    return datastores.loadVersion(datastore, param(req, 'version'));
  };

  const flavorsOfVersion: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:list_associated_flavors');
    const version = await pathVersion(req);
    const bound = await datastores.metadataValues(version.id, 'flavor');
    const flavors = (await deps.flavors.listFlavors()).filter((flavor) => bound.length === 0 || bound.includes(flavor.id));
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, { flavors: flavors.map((flavor) => flavorView(flavor, base, localStorage)) });
  };

  const volumeTypesOfVersion: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'datastore:list_associated_volume_types');
    const version = await pathVersion(req);
    const bound = await datastores.metadataValues(version.id, 'volume_type');
    const types = (await deps.flavors.listVolumeTypes()).filter((type) => bound.length === 0 || bound.includes(type.name) || bound.includes(type.id));
    reply(res, 200, { volume_types: types.map(volumeTypeView) });
  };

  const parameters = (byVersion: boolean): Handler => async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, byVersion ? 'configuration-parameter:index_by_version' : 'configuration-parameter:index');
    const version = byVersion ? await datastores.loadVersionById(param(req, 'version')) : await pathVersion(req);
    const rules = await services.configurations.rules(version.id);
    reply(res, 200, { 'configuration-parameters': rules.map(configurationParameterView) });
  };

  const parameter = (byVersion: boolean): Handler => async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, byVersion ? 'configuration-parameter:show_by_version' : 'configuration-parameter:show');
    const version = byVersion ? await datastores.loadVersionById(param(req, 'version')) : await pathVersion(req);
    const name = param(req, 'name');
    const rule = (await services.configurations.rules(version.id)).find((item) => item.name === name);
    if (rule === undefined) throw new NotFoundError(`Resource ${name} cannot be found.`);
    reply(res, 200, configurationParameterView(rule));
  };

  const flavorIndex: Handler = async (req, res) => {
    const context = contextOf(req);
    authorizeOnTenant(deps.policy, context, 'flavor:index');
    const base = linkBaseOf(req, context.tenantId);
    reply(res, 200, { flavors: (await deps.flavors.listFlavors()).map((flavor) => flavorView(flavor, base, localStorage)) });
  };

  const flavorShow: Handler = async (req, res) => {
    const context = contextOf(req);
    const id = param(req, 'id');
    const flavor = await deps.flavors.getFlavor(id);
    if (flavor === undefined) throw new NotFoundError(`Resource ${id} cannot be found.`);
    authorizeOnTenant(deps.policy, context, 'flavor:show');
    reply(res, 200, { flavor: flavorView(flavor, linkBaseOf(req, context.tenantId), localStorage) });
  };

  mountRoutes(router, [
    ['GET', '/datastores', index],
    ['GET', '/datastores/versions/:version', versionShowByUuid],
    ['GET', '/datastores/versions/:version/parameters', parameters(true)],
    ['GET', '/datastores/versions/:version/parameters/:name', parameter(true)],
    ['GET', '/datastores/:datastore', show],
    ['DELETE', '/datastores/:datastore', remove],
    ['GET', '/datastores/:datastore/versions', versionIndex],
    ['GET', '/datastores/:datastore/versions/:version', versionShow],
    ['GET', '/datastores/:datastore/versions/:version/flavors', flavorsOfVersion],
    ['GET', '/datastores/:datastore/versions/:version/volume-types', volumeTypesOfVersion],
    ['GET', '/datastores/:datastore/versions/:version/parameters', parameters(false)],
    ['GET', '/datastores/:datastore/versions/:version/parameters/:name', parameter(false)],
    ['GET', '/flavors', flavorIndex],
    ['GET', '/flavors/:id', flavorShow],
  ]);
}
