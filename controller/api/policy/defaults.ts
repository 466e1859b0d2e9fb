/**
 * Trove's default policy (reference §12): every rule the API enforces, its default check, what it guards and
 * the requests it applies to. `trove-manage generate-policy` prints these; a policy file overrides any of them.
 */

/** One request a rule applies to, for the generated documentation. */
export interface PolicyOperation {
  method: string;
  path: string;
}

/** A rule with its default check string. */
export interface PolicyDefault {
  name: string;
  check: string;
  description: string;
  operations: PolicyOperation[];
}

const BASE = '/v1.0/{account_id}';
const INSTANCES = `${BASE}/instances`;
const INSTANCE = `${INSTANCES}/{instance_id}`;
const USERS = `${INSTANCE}/users`;
const DATABASES = `${INSTANCE}/databases`;
const CLUSTER = `${BASE}/clusters/{cluster}`;
const BACKUPS = `${BASE}/backups`;
const CONFIGS = `${BASE}/configurations`;
const DATASTORES = `${BASE}/datastores`;
const VERSION = `${DATASTORES}/{datastore}/versions/{version}`;
const MODULES = `${BASE}/modules`;

const OWNER = 'rule:admin_or_owner';
const ADMIN = 'rule:admin';
const ANYONE = '';

function rule(name: string, check: string, description: string, ...operations: string[]): PolicyDefault {
  return {
    name,
    check,
    description,
    operations: operations.map((operation) => {
      const [method = '', ...path] = operation.split(' ');
      return { method, path: path.join(' ') };
    }),
  };
}

/** The base rules other rules refer to. */
export const BASE_RULES: readonly PolicyDefault[] = [
  rule('admin', 'role:admin or is_admin:True', 'The caller is an administrator.'),
  rule('admin_or_owner', 'rule:admin or project_id:%(tenant)s', 'The caller is an administrator or belongs to the project owning the object.'),
  rule('default', 'rule:admin_or_owner', 'Applies to any action that has no rule of its own.'),
];

/** Every API rule with Trove's default. */
export const API_RULES: readonly PolicyDefault[] = [
  rule('instance:create', OWNER, 'Create an instance.', `POST ${INSTANCES}`),
  rule('instance:delete', OWNER, 'Delete an instance.', `DELETE ${INSTANCE}`),
  rule('instance:force_delete', OWNER, 'Reset an instance so that it can be deleted whatever its state.', `POST ${INSTANCE}/action (reset_status with force_delete)`),
  rule('instance:index', OWNER, 'List instances.', `GET ${INSTANCES}`),
  rule('instance:detail', OWNER, 'List instances with details.', `GET ${INSTANCES}/detail`),
  rule('instance:show', OWNER, 'Show one instance.', `GET ${INSTANCE}`),
  rule('instance:update', OWNER, 'Change an instance: name, configuration group, replication source, datastore version or access; also checked when a create request names a configuration group.', `PUT ${INSTANCE}`, `POST ${INSTANCES}`),
  rule('instance:edit', OWNER, 'Change an instance with PATCH (same effect as PUT).', `PATCH ${INSTANCE}`),
  rule('instance:restart', OWNER, 'Restart the datastore of an instance.', `POST ${INSTANCE}/action (restart)`),
  rule('instance:resize_volume', OWNER, 'Grow the data volume of an instance.', `POST ${INSTANCE}/action (resize volume)`),
  rule('instance:resize_flavor', OWNER, 'Move an instance to another flavor.', `POST ${INSTANCE}/action (resize flavorRef)`),
  rule('instance:reset_status', ADMIN, 'Clear the task of a stuck instance and fail its running backups.', `POST ${INSTANCE}/action (reset_status)`),
  rule('instance:promote_to_replica_source', OWNER, 'Make a replica the source of its replica set.', `POST ${INSTANCE}/action (promote_to_replica_source)`),
  rule('instance:eject_replica_source', OWNER, 'Remove a failed source from its replica set.', `POST ${INSTANCE}/action (eject_replica_source)`),
  rule('instance:configuration', OWNER, 'Show the default configuration rendered for an instance.', `GET ${INSTANCE}/configuration`),
  rule('instance:guest_log_list', OWNER, 'List the logs an instance exposes.', `GET ${INSTANCE}/log`),
  rule('instance:backups', OWNER, 'List the backups of an instance.', `GET ${INSTANCE}/backups`),
  rule('instance:module_list', OWNER, 'List the modules applied to an instance.', `GET ${INSTANCE}/modules`),
  rule('instance:module_apply', OWNER, 'Apply modules to an instance; also checked when a create request names modules.', `POST ${INSTANCE}/modules`, `POST ${INSTANCES}`),
  rule('instance:module_remove', OWNER, 'Remove a module from an instance.', `DELETE ${INSTANCE}/modules/{module_id}`),
  rule('instance:extension:root:create', OWNER, 'Enable the root user of an instance.', `POST ${INSTANCE}/root`),
  rule('instance:extension:root:delete', OWNER, 'Disable the root user of an instance.', `DELETE ${INSTANCE}/root`),
  rule('instance:extension:root:index', OWNER, 'Show whether root was ever enabled on an instance.', `GET ${INSTANCE}/root`),
  rule('cluster:extension:root:create', OWNER, 'Enable the root user on the instances of a cluster.', `POST ${CLUSTER}/root`),
  rule('cluster:extension:root:delete', OWNER, 'Disable the root user on the instances of a cluster.', `DELETE ${CLUSTER}/root`),
  rule('cluster:extension:root:index', OWNER, 'Show whether root was ever enabled on a cluster.', `GET ${CLUSTER}/root`),
  rule('instance:extension:user:create', OWNER, 'Create datastore users; also checked when a create request names users.', `POST ${USERS}`, `POST ${INSTANCES}`),
  rule('instance:extension:user:delete', OWNER, 'Delete a datastore user.', `DELETE ${USERS}/{user}`),
  rule('instance:extension:user:index', OWNER, 'List datastore users.', `GET ${USERS}`),
  rule('instance:extension:user:show', OWNER, 'Show a datastore user.', `GET ${USERS}/{user}`),
  rule('instance:extension:user:update', OWNER, 'Change the name, host or password of a datastore user.', `PUT ${USERS}/{user}`),
  rule('instance:extension:user:update_all', OWNER, 'Change the passwords of several datastore users.', `PUT ${USERS}`),
  rule('instance:extension:user_access:update', OWNER, 'Grant a user access to databases.', `PUT ${USERS}/{user}/databases`),
  rule('instance:extension:user_access:delete', OWNER, 'Revoke a user\'s access to a database.', `DELETE ${USERS}/{user}/databases/{database}`),
  rule('instance:extension:user_access:index', OWNER, 'List the databases a user may access.', `GET ${USERS}/{user}/databases`),
  rule('instance:extension:database:create', OWNER, 'Create databases; also checked when a create request names databases.', `POST ${DATABASES}`, `POST ${INSTANCES}`),
  rule('instance:extension:database:delete', OWNER, 'Delete a database.', `DELETE ${DATABASES}/{database}`),
  rule('instance:extension:database:index', OWNER, 'List databases.', `GET ${DATABASES}`),
  rule('instance:extension:database:show', OWNER, 'Show a database.', `GET ${DATABASES}/{database}`),
  rule('cluster:create', OWNER, 'Create a cluster.', `POST ${BASE}/clusters`),
  rule('cluster:delete', OWNER, 'Delete a cluster.', `DELETE ${CLUSTER}`),
  rule('cluster:force_delete', OWNER, 'Reset a cluster so that it can be deleted.', `POST ${CLUSTER} (reset-status)`),
  rule('cluster:index', OWNER, 'List clusters.', `GET ${BASE}/clusters`),
  rule('cluster:show', OWNER, 'Show a cluster.', `GET ${CLUSTER}`),
  rule('cluster:show_instance', OWNER, 'Show an instance of a cluster.', `GET ${CLUSTER}/instances/{instance}`),
  rule('cluster:action', OWNER, 'Run an action on a cluster.', `POST ${CLUSTER}`),
  rule('cluster:reset-status', ADMIN, 'Clear the task of a cluster.', `POST ${CLUSTER} (reset-status)`),
  rule('backup:create', OWNER, 'Create a backup.', `POST ${BACKUPS}`),
  rule('backup:delete', OWNER, 'Delete a backup.', `DELETE ${BACKUPS}/{backup}`),
  rule('backup:index', OWNER, 'List backups.', `GET ${BACKUPS}`),
  rule('backup:index:all_projects', 'role:admin', 'List the backups of other or all projects (project_id, all_projects).', `GET ${BACKUPS}`),
  rule('backup:show', OWNER, 'Show a backup.', `GET ${BACKUPS}/{backup}`),
  rule('backup_strategy:create', OWNER, 'Create a backup strategy.', `POST ${BASE}/backup_strategies`),
  rule('backup_strategy:index', OWNER, 'List backup strategies.', `GET ${BASE}/backup_strategies`),
  rule('backup_strategy:delete', OWNER, 'Delete backup strategies.', `DELETE ${BASE}/backup_strategies`),
  rule('configuration:create', OWNER, 'Create a configuration group.', `POST ${CONFIGS}`),
  rule('configuration:delete', OWNER, 'Delete a configuration group.', `DELETE ${CONFIGS}/{config}`),
  rule('configuration:index', OWNER, 'List configuration groups.', `GET ${CONFIGS}`),
  rule('configuration:show', OWNER, 'Show a configuration group.', `GET ${CONFIGS}/{config}`),
  rule('configuration:instances', OWNER, 'List the instances a configuration group is attached to.', `GET ${CONFIGS}/{config}/instances`),
  rule('configuration:update', OWNER, 'Replace all values of a configuration group.', `PUT ${CONFIGS}/{config}`),
  rule('configuration:edit', OWNER, 'Merge values into a configuration group.', `PATCH ${CONFIGS}/{config}`),
  rule('configuration-parameter:index', OWNER, 'List the configuration parameters of a datastore version.', `GET ${VERSION}/parameters`),
  rule('configuration-parameter:show', OWNER, 'Show a configuration parameter of a datastore version.', `GET ${VERSION}/parameters/{param}`),
  rule('configuration-parameter:index_by_version', OWNER, 'List configuration parameters by datastore version id.', `GET ${DATASTORES}/versions/{version}/parameters`),
  rule('configuration-parameter:show_by_version', OWNER, 'Show a configuration parameter by datastore version id.', `GET ${DATASTORES}/versions/{version}/parameters/{param}`),
  rule('datastore:index', ANYONE, 'List datastores.', `GET ${DATASTORES}`),
  rule('datastore:show', ANYONE, 'Show a datastore.', `GET ${DATASTORES}/{datastore}`),
  rule('datastore:delete', ADMIN, 'Delete a datastore without versions.', `DELETE ${DATASTORES}/{datastore}`),
  rule('datastore:version_show', ANYONE, 'Show a datastore version.', `GET ${VERSION}`),
  rule('datastore:version_show_by_uuid', ANYONE, 'Show a datastore version by id alone.', `GET ${DATASTORES}/versions/{version}`),
  rule('datastore:version_index', ANYONE, 'List the versions of a datastore.', `GET ${DATASTORES}/{datastore}/versions`),
  rule('datastore:list_associated_flavors', ANYONE, 'List the flavors allowed for a datastore version.', `GET ${VERSION}/flavors`),
  rule('datastore:list_associated_volume_types', ANYONE, 'List the volume types allowed for a datastore version.', `GET ${VERSION}/volume-types`),
  rule('flavor:index', ANYONE, 'List flavors.', `GET ${BASE}/flavors`),
  rule('flavor:show', ANYONE, 'Show a flavor.', `GET ${BASE}/flavors/{flavor}`),
  rule('limits:index', OWNER, 'Show absolute and rate limits.', `GET ${BASE}/limits`),
  rule('module:create', OWNER, 'Create a module.', `POST ${MODULES}`),
  rule('module:delete', OWNER, 'Delete a module.', `DELETE ${MODULES}/{module}`),
  rule('module:index', OWNER, 'List modules.', `GET ${MODULES}`),
  rule('module:show', OWNER, 'Show a module.', `GET ${MODULES}/{module}`),
  rule('module:instances', OWNER, 'List the instances a module is applied to.', `GET ${MODULES}/{module}/instances`),
  rule('module:update', OWNER, 'Change a module.', `PUT ${MODULES}/{module}`),
  rule('module:reapply', OWNER, 'Apply a module again to its instances.', `PUT ${MODULES}/{module}/instances`),
];

/** All default rules, base rules first. */
export const DEFAULT_RULES: readonly PolicyDefault[] = [...BASE_RULES, ...API_RULES];
