/**
 * Databases, users, user access and root of an instance (Trove's "MYSQL" extension, serving every
 * datastore): reads are guest calls, writes are guest casts, exactly as Trove's API does. The `{user}`
 * segment is `name` or `name@host` (last `@`, host `%` by default).
 */
import type { Router } from 'express';
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';
import { validateDatabaseName, validateHost, validateUserName } from '../../../shared/models/index.js';
import { contextOf } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { databaseCreate, rootEnable, userAccessGrant, userCreate, userUpdate, userUpdateAll } from '../schemas/users.js';
import { validateBody } from '../schemas/validate.js';
import { nameRulesFor, unquoteUserHost, validatedDatabases, validatedUsers } from '../services/datastore-objects.js';
import { badRequest } from '../services/errors.js';
import { GuestAccess, type GuestTarget } from '../services/guest-access.js';
import type { ApiServices } from '../services/index.js';
import { pageLimit } from '../services/paging.js';
import { linkBaseOf, pagedCollection } from '../views/format.js';
import { databaseView, rootCreatedView, userView } from '../views/user-view.js';
import { mountRoutes, param, reply, replyEmpty, type Handler } from './route-table.js';

function userNotFound(id: string): TroveError {
  return new NotFoundError(`User ${id} cannot be found on the instance.`);
}

export function userRoutes(router: Router, deps: ApiDeps, services: ApiServices): void {
  const access = new GuestAccess(deps, services.instances);
  const usersPage = deps.config.DEFAULT.users_page_size;
  const databasesPage = deps.config.DEFAULT.databases_page_size;

  /** The `{user}` segment checked with the instance's rules; reserved users are refused. */
  const userRef = (target: GuestTarget, segment: string): { name: string; host: string } => {
    const { name, host } = unquoteUserHost(segment);
    const rules = nameRulesFor(target.loaded.manager);
    validateUserName(name, rules, access.reserved(target).users);
    return { name, host: rules.hasUserHost ? validateHost(host) : '%' };
  };

  const loadUser = async (target: GuestTarget, segment: string) => {
    const { name, host } = userRef(target, segment);
    const user = await target.guest.getUser({ username: name, hostname: host }, target.rpc);
    if (user === null) throw userNotFound(segment);
    return { name, host, user };
  };

  const listDatabases: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'database:index');
    const [databases, next] = await access.listDatabases(target, pageLimit(context.limit, databasesPage), context.marker, false);
    reply(res, 200, pagedCollection(linkBaseOf(req, context.tenantId), 'databases', databases.map(databaseView), next));
  };

  const createDatabases: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'database:create');
    const body = validateBody<{ databases: Array<Record<string, unknown>> }>(databaseCreate, req.body);
    const databases = validatedDatabases(body.databases, nameRulesFor(target.loaded.manager), access.reserved(target).dbs);
    for (const database of databases) {
      if (await access.databaseExists(target, database._name)) {
        throw new TroveError(ErrorCode.DATABASE_ALREADY_EXISTS, `A database with the name "${database._name}" already exists.`);
      }
    }
    await target.guest.createDatabase({ databases }, target.rpc);
    replyEmpty(res, 202);
  };

  const showDatabase: Handler = async (req) => {
    await access.target(contextOf(req), param(req, 'id'), 'database:show');
    throw new TroveError(ErrorCode.NOT_IMPLEMENTED, 'The server has not implemented showing a single database.');
  };

  const deleteDatabase: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'database:delete');
    const name = param(req, 'name');
    validateDatabaseName(name, nameRulesFor(target.loaded.manager), access.reserved(target).dbs);
    if (!(await access.databaseExists(target, name))) throw new NotFoundError(`Database ${name} cannot be found on the instance.`);
    await target.guest.deleteDatabase({ database: { _name: name, _character_set: null, _collate: null } }, target.rpc);
    replyEmpty(res, 202);
  };

  const listUsers: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:index');
    const [users, next] = await access.listUsers(target, pageLimit(context.limit, usersPage), context.marker, false);
    reply(res, 200, pagedCollection(linkBaseOf(req, context.tenantId), 'users', users.map(userView), next));
  };

  const createUsers: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:create');
    const body = validateBody<{ users: Array<Record<string, unknown>> }>(userCreate, req.body);
    const users = validatedUsers(body.users, nameRulesFor(target.loaded.manager), access.reserved(target).users);
    for (const user of users) {
      if (await access.userExists(target, user._name, user._host ?? '%')) {
        throw new TroveError(ErrorCode.USER_ALREADY_EXISTS, `A user with the name "${user._name}" already exists.`);
      }
    }
    await target.guest.createUser({ users }, target.rpc);
    replyEmpty(res, 202);
  };

  const updateAll: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:update_all');
    if (typeof req.body !== 'object' || req.body === null || !('users' in req.body)) throw badRequest("Validation error: 'users' is a required property");
    const body = validateBody<{ users: Array<Record<string, unknown>> }>(userUpdateAll, req.body);
    const users = validatedUsers(body.users, nameRulesFor(target.loaded.manager), access.reserved(target).users);
    for (const user of users) {
      const host = user._host ?? '%';
      if (!(await target.guest.getUser({ username: user._name, hostname: host }, target.rpc))) throw userNotFound(`${user._name}@${host}`);
    }
    await target.guest.changePasswords({ users: users.map((user) => ({ _name: user._name, _host: user._host ?? '%', _password: user._password ?? null })) }, target.rpc);
    replyEmpty(res, 202);
  };

  const showUser: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:show');
    const { user } = await loadUser(target, param(req, 'user'));
    reply(res, 200, { user: userView(user) });
  };

  const updateUser: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:update');
    const attrs = validateBody<{ user: { name?: string; password?: string; host?: string } }>(userUpdate, req.body).user;
    const { name, host } = await loadUser(target, param(req, 'user'));
    const rules = nameRulesFor(target.loaded.manager);
    const newName = attrs.name ? validateUserName(attrs.name, rules, access.reserved(target).users) : name;
    const newHost = attrs.host ? validateHost(attrs.host) : host;
    if ((attrs.name || attrs.host) && (newName !== name || newHost !== host) && (await access.userExists(target, newName, newHost))) {
      throw new TroveError(ErrorCode.USER_ALREADY_EXISTS, `A user with the name "${newName}" already exists.`);
    }
    await target.guest.updateAttributes({ username: name, hostname: host, user_attrs: { ...attrs } }, target.rpc);
    replyEmpty(res, 202);
  };

  const deleteUser: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user:delete');
    const { name, host } = await loadUser(target, param(req, 'user'));
    await target.guest.deleteUser({ user: { _name: name, _host: host, _databases: [], _is_root: false } }, target.rpc);
    replyEmpty(res, 202);
  };

  const listAccess: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user_access:index');
    const { name, host } = await loadUser(target, param(req, 'user'));
    const databases = await target.guest.listAccess({ username: name, hostname: host }, target.rpc);
    reply(res, 200, { databases: databases.map(databaseView) });
  };

  const grantAccess: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user_access:update');
    const body = validateBody<{ databases: Array<{ name: string }> }>(userAccessGrant, req.body);
    const rules = nameRulesFor(target.loaded.manager);
    const names = body.databases.map((database) => validateDatabaseName(database.name, rules, access.reserved(target).dbs));
    const { name, host } = await loadUser(target, param(req, 'user'));
    await target.guest.grantAccess({ username: name, hostname: host, databases: names }, target.rpc);
    replyEmpty(res, 202);
  };

  const revokeAccess: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await access.target(context, param(req, 'id'), 'user_access:delete');
    const { name, host } = await loadUser(target, param(req, 'user'));
    const database = param(req, 'database');
    const granted = await target.guest.listAccess({ username: name, hostname: host }, target.rpc);
    if (!granted.some((item) => item._name === database)) throw new NotFoundError(`Database ${database} cannot be found on the instance.`);
    await target.guest.revokeAccess({ username: name, hostname: host, database }, target.rpc);
    replyEmpty(res, 202);
  };

  const rootTarget = (rule: string) => async (req: Parameters<Handler>[0]) => access.target(contextOf(req), param(req, 'id'), `root:${rule}`);

  const rootIndex: Handler = async (req, res) => {
    const target = await rootTarget('index')(req);
    const history = await deps.models.rootEnabledHistory.findByPk(target.loaded.row.id);
    reply(res, 200, { rootEnabled: history !== null });
  };

  const rootCreate: Handler = async (req, res) => {
    const context = contextOf(req);
    const target = await rootTarget('create')(req);
    const body = req.body === undefined ? {} : validateBody<{ password?: string | null }>(rootEnable, req.body);
    const user = body.password
      ? await target.guest.enableRootWithPassword({ root_password: body.password }, target.rpc)
      : await target.guest.enableRoot({}, target.rpc);
    const history = deps.models.rootEnabledHistory;
    if ((await history.findByPk(target.loaded.row.id)) === null) {
      await history.findOrCreate({ where: { id: target.loaded.row.id }, defaults: { id: target.loaded.row.id, user: context.userId, created: new Date() } });
    }
    reply(res, 200, rootCreatedView(user));
  };

  const rootDelete: Handler = async (req, res) => {
    const target = await rootTarget('delete')(req);
    if ((await deps.models.rootEnabledHistory.findByPk(target.loaded.row.id)) === null) {
      throw new TroveError(ErrorCode.ROOT_HISTORY_NOT_FOUND, 'Root user has never been enabled on the instance.');
    }
    await target.guest.disableRoot({}, target.rpc);
    replyEmpty(res, 204);
  };

  mountRoutes(router, [
    ['GET', '/instances/:id/databases', listDatabases],
    ['POST', '/instances/:id/databases', createDatabases],
    ['GET', '/instances/:id/databases/:name', showDatabase],
    ['DELETE', '/instances/:id/databases/:name', deleteDatabase],
    ['GET', '/instances/:id/users', listUsers],
    ['POST', '/instances/:id/users', createUsers],
    ['PUT', '/instances/:id/users', updateAll],
    ['PUT', '/instances/:id/users/update_all', updateAll],
    ['GET', '/instances/:id/users/:user', showUser],
    ['PUT', '/instances/:id/users/:user', updateUser],
    ['DELETE', '/instances/:id/users/:user', deleteUser],
    ['GET', '/instances/:id/users/:user/databases', listAccess],
    ['PUT', '/instances/:id/users/:user/databases', grantAccess],
    ['DELETE', '/instances/:id/users/:user/databases/:database', revokeAccess],
    ['GET', '/instances/:id/root', rootIndex],
    ['POST', '/instances/:id/root', rootCreate],
    ['DELETE', '/instances/:id/root', rootDelete],
    ['DELETE', '/instances/:id/root/delete', rootDelete],
  ]);
}
