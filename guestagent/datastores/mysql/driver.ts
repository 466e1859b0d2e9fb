/**
 * MySQL (`datastore_manager = mysql`), on an operator-provided MySQL image that follows the upstream image
 * conventions (`MYSQL_ROOT_PASSWORD` initializes root; the agent keeps that bootstrap password on the volume
 * and uses it only over the socket to create `os_admin`).
 */
import { ContainerDatastoreDriver, type DriverContext } from '../base/container-driver.js';
import type { DatastoreDriver } from '../base/datastore-driver.js';
import { createMysqlEngine } from '../mysql-common/engine.js';

/** Builds the MySQL driver (the MySQL-family engine, MySQL variant). */
export function createMysqlDriver(context: DriverContext): DatastoreDriver {
  return new ContainerDatastoreDriver(
    createMysqlEngine({ manager: 'mysql', clientProgram: 'mysql', hasRoleColumn: false, bootstrap: 'root-password' }),
    context,
  );
}
