/**
 * The datastore registry (Trove's `REGISTRY_EXT_DEFAULTS` + `datastore_registry()`): maps a datastore
 * manager name to the factory of its driver. The agent resolves `datastore_manager` here once at start-up;
 * an unknown manager is a configuration error, reported before anything else happens.
 */
import { ConfigError } from '../../shared/errors/index.js';
import type { DriverContext } from './base/container-driver.js';
import type { DatastoreDriver } from './base/datastore-driver.js';
import { createMariadbDriver } from './mariadb/driver.js';
import { createMysqlDriver } from './mysql/driver.js';
import { createPostgresqlDriver } from './postgresql/driver.js';

export type DriverFactory = (context: DriverContext) => DatastoreDriver;

const REGISTRY: Readonly<Record<string, DriverFactory>> = {
  mysql: createMysqlDriver,
  mariadb: createMariadbDriver,
  postgresql: createPostgresqlDriver,
};

/** The managers this agent can run. */
export function registeredManagers(): string[] {
  return Object.keys(REGISTRY);
}

/**
 * The driver factory of a manager.
 * @throws ConfigError naming the unknown manager and the known ones
 */
export function driverFactory(manager: string): DriverFactory {
  const factory = Object.prototype.hasOwnProperty.call(REGISTRY, manager) ? REGISTRY[manager] : undefined;
  if (factory === undefined) {
    throw new ConfigError(`Unknown datastore manager '${manager}' ([DEFAULT] datastore_manager); known: ${registeredManagers().join(', ')}`, { manager });
  }
  return factory;
}
