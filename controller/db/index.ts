/**
 * The controller's database layer: connection, models, migrations, quotas, the datastore catalogue and
 * instance tasks. The API, taskmanager and conductor import from here only.
 */
export * from './models/index.js';
export { INSTANCE_TASKS, InstanceTask, instanceTaskFromCode, instanceTaskColumns } from './instance-task.js';
export type { InstanceTaskInfo } from './instance-task.js';
export { openDatabase, createSequelize } from './connection.js';
export type { Database, DatabaseSettings, OpenDatabaseOptions } from './connection.js';
export { parseDatabaseUrl, describeDatabaseUrl } from './database-url.js';
export type { DatabaseUrl } from './database-url.js';
export { MIGRATIONS, MIGRATIONS_TABLE, runMigrations, pendingMigrations, createMigrator } from './migrate.js';
export type { AppliedMigration, MigrationRun, RunMigrationsOptions, Migration, MigrationContext } from './migrate.js';
export { QuotaEngine, QUOTA_RESOURCES, quotaDefaultsFromConfig, quotaResourceUnknown } from './quotas.js';
export type { QuotaResource, QuotaLimits, QuotaDeltas, QuotaUsageView, QuotaReservation, QuotaEngineOptions } from './quotas.js';
export { findDatastore, findDatastoreVersion, findVersionOfDatastore, activeVersions, datastoreNotFound, datastoreVersionNotFound } from './datastore-lookup.js';
export type { LookupOptions } from './datastore-lookup.js';
export {
  updateDatastore,
  updateDatastoreVersion,
  loadConfigurationParameters,
  removeConfigurationParameters,
  addVersionMetadata,
  deleteVersionMetadata,
  listVersionMetadata,
} from './datastore-admin.js';
export type { CatalogDatabase, DatastoreVersionSpec, ParameterRuleSpec } from './datastore-admin.js';
