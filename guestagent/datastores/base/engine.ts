/**
 * The datastore-family strategy that `ContainerDatastoreDriver` is assembled from: where files live on the
 * volume, how the container is started, how configuration is rendered, how the admin user is bootstrapped
 * inside a fresh container, and which `DatastoreAdmin` talks SQL to it. `mysql-common/` and `postgresql/`
 * implement it; the generic driver never looks at the manager name.
 */
import type { DatastoreOptions } from '../../../shared/config/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { BindMount, ExecOptions, ExecResult } from '../../docker/container-runtime.js';
import type { CredentialStore, Credentials } from './credentials.js';
import type { DatastoreAdmin, DatastoreFacts } from './datastore-driver.js';
import type { ScalarValue } from './overrides.js';

/** Runs a command in the datastore container. */
export type ContainerExec = (command: string[], options?: ExecOptions) => Promise<ExecResult>;

/** Where the datastore listens and how the agent reaches it. */
export interface EngineContext {
  mountPoint: string;
  /** Address the datastore binds (`[guest_agent] datastore_bind_host`). */
  bindHost: string;
  /** Address the agent connects to (the bind address, or loopback for a wildcard bind). */
  connectHost: string;
  port: number;
  serviceUid: number;
  serviceGid: number;
  options: DatastoreOptions;
  connectTimeoutMs: number;
  logger: Logger;
}

/** A host directory the driver creates under the mount point. */
export interface HostDirectory {
  path: string;
  /** Owned by the datastore's uid/gid (it writes there) rather than root (it only reads). */
  serviceOwned: boolean;
  mode: number;
}

/** Files and mounts of a datastore on the host. */
export interface HostLayout {
  directories: HostDirectory[];
  binds: BindMount[];
  /** Host path of the base configuration file (rendered `config_contents`). */
  baseConfigPath: string;
  /** Host path of the include directory holding override files. */
  includeDir: string;
  /** Extension of override files, with the dot. */
  overrideExtension: string;
}

/** The container part that differs between datastores. */
export interface ContainerSetup {
  command: string[];
  env: Record<string, string>;
  stopSignal?: string;
}

/** A datastore family's strategy. */
export interface DatastoreEngine {
  readonly facts: DatastoreFacts;
  layout(context: EngineContext): HostLayout;
  /** Command, environment and stop signal; may create internal bootstrap credentials on first use. */
  containerSetup(context: EngineContext, credentials: CredentialStore): Promise<ContainerSetup>;
  /** The default base configuration for a flavor. */
  renderDefaultConfig(memoryMb: number): string;
  /** The base configuration with the include directive appended when it lacks one. */
  withInclude(contents: string): string;
  /**
   * What the agent itself decides (address, port, paths, access rules), rewritten before every start: the
   * text of the system override file (read last, so it wins) and any other files (e.g. pg_hba.conf).
   */
  systemFiles(context: EngineContext, layout: HostLayout): { overrides: string; files: { path: string; text: string }[] };
  /** The user override file's text. */
  renderUserOverrides(values: Readonly<Record<string, ScalarValue>>): string;
  /** True when the server inside the container answers a local (socket) query. */
  isReadyForBootstrap(exec: ContainerExec, context: EngineContext, credentials: CredentialStore): Promise<boolean>;
  /** Creates or re-keys the admin user inside the container over the local socket. */
  bootstrapAdmin(exec: ContainerExec, admin: Credentials, context: EngineContext, credentials: CredentialStore): Promise<void>;
  /** The SQL-level admin over the network, authenticating with the stored admin credentials. */
  createAdmin(context: EngineContext, credentials: CredentialStore): DatastoreAdmin;
}

/** Name of the admin account and of its credential file, as in Trove. */
export const ADMIN_USER = 'os_admin';

/** Thrown when the admin user cannot be created inside the container. */
export class ContainerBootstrapError extends TroveError {
  constructor(message: string) {
    super(ErrorCode.GUEST_ERROR, message);
  }
}
