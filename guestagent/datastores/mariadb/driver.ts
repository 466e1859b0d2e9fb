/**
 * MariaDB (`datastore_manager = mariadb`), on the project's image `trove/mariadb:<version>`: a fresh data
 * directory authenticates the OS user of uid 1001 over the socket, which bootstraps `os_admin`.
 */
import { ContainerDatastoreDriver, type DriverContext } from '../base/container-driver.js';
import type { DatastoreDriver } from '../base/datastore-driver.js';
import { createMysqlEngine } from '../mysql-common/engine.js';

/** Builds the MariaDB driver (the MySQL-family engine, MariaDB variant). */
export function createMariadbDriver(context: DriverContext): DatastoreDriver {
  return new ContainerDatastoreDriver(
    createMysqlEngine({ manager: 'mariadb', clientProgram: 'mariadb', hasRoleColumn: true, bootstrap: 'socket-peer' }),
    context,
  );
}
