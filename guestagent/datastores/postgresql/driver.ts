/**
 * PostgreSQL (`datastore_manager = postgresql`), on the project's image `trove/postgresql:<version>`.
 */
import { ContainerDatastoreDriver, type DriverContext } from '../base/container-driver.js';
import type { DatastoreDriver } from '../base/datastore-driver.js';
import { createPostgresqlEngine } from './engine.js';

/** Builds the PostgreSQL driver. */
export function createPostgresqlDriver(context: DriverContext): DatastoreDriver {
  return new ContainerDatastoreDriver(createPostgresqlEngine(), context);
}
