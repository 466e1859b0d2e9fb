/**
 * What the generic guest service (`guestagent/service.ts`) needs from a datastore. A driver is assembled
 * from Trove's triad: an App (container and configuration lifecycle), an Admin (SQL-level work over the
 * datastore's own protocol) and a health probe. Everything datastore-specific is behind this interface or
 * declared as data in `DatastoreFacts`, so no code outside `datastores/` tests which datastore it runs.
 */
import type { DatastoreManager } from '../../../shared/config/index.js';
import type { NameRules, SerializedSchema, SerializedUser, ServiceStatus } from '../../../shared/models/index.js';

/** Facts about a datastore that shared code may read instead of branching on the manager name. */
export interface DatastoreFacts {
  manager: DatastoreManager;
  /** Port the engine listens on unless `[guest_agent] datastore_port` says otherwise. */
  defaultPort: number;
  nameRules: NameRules;
  /** Name of the superuser account that `enable_root` manages. */
  rootUserName: string;
  /**
   * True when the server can only take new values from its configuration files (PostgreSQL reloads them),
   * so `apply_overrides` first merges the values into the user override file.
   */
  liveOverridesNeedFile: boolean;
}

/** One page request of a list call (Trove's limit / marker / include_marker). */
export interface PageRequest {
  limit?: number | null;
  marker?: string | null;
  includeMarker?: boolean;
}

/** Trove's list result: the items and the marker of the next page (null on the last page). */
export type Page<T> = [T[], string | null];

/** Attributes `update_attributes` may change. */
export interface UserAttributes {
  name?: string | null;
  password?: string | null;
  host?: string | null;
}

/** The SQL-level work on users, databases, grants and root (Trove's `*Admin` classes). */
export interface DatastoreAdmin {
  /** One `SELECT 1` over the network as the admin user; false on any failure. */
  ping(): Promise<boolean>;
  createDatabases(databases: readonly SerializedSchema[]): Promise<void>;
  listDatabases(page: PageRequest): Promise<Page<SerializedSchema>>;
  deleteDatabase(database: SerializedSchema): Promise<void>;
  createUsers(users: readonly SerializedUser[]): Promise<void>;
  listUsers(page: PageRequest): Promise<Page<SerializedUser>>;
  /** The user with its databases, or null when it does not exist. */
  getUser(name: string, host: string | null | undefined): Promise<SerializedUser | null>;
  deleteUser(user: SerializedUser): Promise<void>;
  changePasswords(users: readonly SerializedUser[]): Promise<void>;
  updateAttributes(name: string, host: string | null | undefined, attributes: UserAttributes): Promise<void>;
  grantAccess(name: string, host: string | null | undefined, databases: readonly string[]): Promise<void>;
  revokeAccess(name: string, host: string | null | undefined, database: string): Promise<void>;
  listAccess(name: string, host: string | null | undefined): Promise<SerializedSchema[]>;
  /** Enables the superuser with the given password (generated when absent) and returns it serialized. */
  enableRoot(password?: string | null): Promise<SerializedUser>;
  disableRoot(): Promise<void>;
  isRootEnabled(): Promise<boolean>;
  /** The superuser password last set through `enableRoot`, or null. */
  getRootPassword(): Promise<string | null>;
  /**
   * Applies configuration values to the running server without a restart.
   * @returns the names that need a restart to take effect
   */
  applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): Promise<string[]>;
}

/** A configuration override value, typed as Trove converts them from the database. */
export type OverrideValue = string | number | boolean | null;

/** `prepare` arguments the driver acts on (the rest of Trove's prepare arguments are ignored or refused). */
export interface PrepareRequest {
  memoryMb: number | null;
  databases: SerializedSchema[];
  users: SerializedUser[];
  devicePath: string | null;
  mountPoint: string | null;
  configContents: string | null;
  rootPassword: string | null;
  overrides: Record<string, OverrideValue>;
  datastoreVersion: string | null;
}

/** A datastore driver: lifecycle, status and admin work for one datastore manager. */
export interface DatastoreDriver {
  readonly facts: DatastoreFacts;
  readonly admin: DatastoreAdmin;
  /** The directory get_filesystem_stats measures by default (the mount point). */
  readonly mountPoint: string;
  /** Adopts or cleans up containers left by an earlier agent run; called once before serving. */
  reconcile(): Promise<void>;
  /** True once a prepare has completed on this volume (survives agent restarts). */
  isPrepared(): Promise<boolean>;
  /** The reason of a failed prepare, recorded on the volume; null when none failed. */
  prepareFailure(): Promise<string | null>;
  prepare(request: PrepareRequest): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Writes a new base configuration (and image version) and starts the datastore with it. */
  startWithConfChanges(configContents: string | null, version: string | null): Promise<void>;
  /** Replaces the base configuration; takes effect at the next start. */
  resetConfiguration(configContents: string | null): Promise<void>;
  /** Writes (or with `remove`, deletes) the user override file; takes effect at the next start. */
  updateOverrides(overrides: Readonly<Record<string, OverrideValue>>, remove: boolean): Promise<void>;
  /**
   * Applies values to the running server.
   * @returns the names that need a restart to take effect
   */
  applyOverrides(overrides: Readonly<Record<string, OverrideValue>>): Promise<string[]>;
  /** Runs the datastore from a new image tag on the same data. */
  upgrade(version: string): Promise<void>;
  /** Probes the container and the server (Trove's `get_actual_db_status`). */
  probeStatus(): Promise<ServiceStatus>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
