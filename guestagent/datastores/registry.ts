/**
 * The datastore registry (Trove's `REGISTRY_EXT_DEFAULTS` + `datastore_registry()`): maps a datastore
 * manager name to the factory of its driver. The agent checks `datastore_manager` here at start-up (an
 * unknown manager is a configuration error, reported before anything else happens) and then loads only that
 * driver, so a MariaDB guest never loads the PostgreSQL client library and vice versa.
 */
import { ConfigError } from '../../shared/errors/index.js';
import type { DriverContext } from './base/container-driver.js';
import type { DatastoreDriver } from './base/datastore-driver.js';

/** Builds a driver for one instance. */
export type DriverFactory = (context: DriverContext) => DatastoreDriver;

const REGISTRY: Readonly<Record<string, () => Promise<DriverFactory>>> = {
  mysql: async () => (await import('./mysql/driver.js')).createMysqlDriver,
  mariadb: async () => (await import('./mariadb/driver.js')).createMariadbDriver,
  postgresql: async () => (await import('./postgresql/driver.js')).createPostgresqlDriver,
};

/** The managers this agent can run. */
export function registeredManagers(): string[] {
  return Object.keys(REGISTRY);
}

function loaderOf(manager: string): () => Promise<DriverFactory> {
  const loader = Object.prototype.hasOwnProperty.call(REGISTRY, manager) ? REGISTRY[manager] : undefined;
  if (loader === undefined) {
    throw new ConfigError(`Unknown datastore manager '${manager}' ([DEFAULT] datastore_manager); known: ${registeredManagers().join(', ')}`, { manager });
  }
  return loader;
}

/**
 * Checks that a manager is registered.
 * @throws ConfigError naming the unknown manager and the known ones
 */
export function assertKnownManager(manager: string): void {
  loaderOf(manager);
}

/**
 * Loads the driver factory of a manager.
 * @throws ConfigError naming the unknown manager and the known ones
 */
export async function loadDriverFactory(manager: string): Promise<DriverFactory> {
  return loaderOf(manager)();
}
