/**
 * What the flows read and write about instances, as an interface over the database: the instance row (task,
 * server status, resources, addresses), its datastore version, its guest's service status, faults and
 * configuration groups. `sql-instance-store.ts` implements it on the controller database; unit tests use an
 * in-memory implementation.
 */
import type { InstanceTask } from '../../db/index.js';
import type { ServiceStatus } from '../../../shared/models/index.js';

/** Trove's `access` of an instance. */
export interface InstanceAccess {
  is_public?: boolean;
  allowed_cidrs?: string[];
}

/** One address of an instance as the API shows it. */
export interface InstanceAddressRecord {
  address: string;
  /** `private` for a fixed address, `public` for a floating one. */
  type: string;
  network?: string;
}

/** The parts of an `instances` row the flows use. */
export interface InstanceRecord {
  id: string;
  name: string;
  tenantId: string | null;
  flavorId: string | null;
  volumeSize: number | null;
  volumeId: string | null;
  computeInstanceId: string | null;
  datastoreVersionId: string | null;
  configurationId: string | null;
  slaveOfId: string | null;
  task: InstanceTask;
  serverStatus: string | null;
  /** The wrapped per-instance RPC key (`encrypted_key`), null when secure messaging was off at creation. */
  encryptedKey: string | null;
  access: InstanceAccess | null;
  deleted: boolean;
}

/** A datastore version as the flows need it. */
export interface DatastoreVersionInfo {
  id: string;
  name: string;
  /** The version number (the container image tag). */
  version: string;
  manager: string;
  datastoreName: string;
  imageId: string | null;
  imageTags: string[];
  packages: string[];
}

/** Columns of an instance a flow may change. */
export interface InstanceChanges {
  task?: InstanceTask;
  serverStatus?: string | null;
  volumeId?: string | null;
  volumeSize?: number | null;
  computeInstanceId?: string | null;
  flavorId?: string | null;
  configurationId?: string | null;
  datastoreVersionId?: string | null;
  addresses?: InstanceAddressRecord[] | null;
  access?: InstanceAccess | null;
}

/** The guest's last reported status. */
export interface ServiceStatusRecord {
  status: ServiceStatus;
  updatedAt: Date | null;
}

/** A configuration parameter value as the guest receives it (Trove's typed overrides). */
export type OverrideValue = string | number | boolean | null;

/** A configuration group's values typed by their rules, and whether any of them needs a restart. */
export interface ConfigurationOverrides {
  values: Record<string, OverrideValue>;
  restartRequired: boolean;
}

/** An instance with a server, for the server-status refresh. */
export interface InstanceServerRef {
  id: string;
  computeInstanceId: string;
  serverStatus: string | null;
  task: InstanceTask;
}

/** Database access of the flows. Missing or deleted instances read as undefined. */
export interface InstanceStore {
  getInstance(id: string): Promise<InstanceRecord | undefined>;
  getDatastoreVersion(id: string): Promise<DatastoreVersionInfo | undefined>;
  update(id: string, changes: InstanceChanges): Promise<void>;
  getServiceStatus(instanceId: string): Promise<ServiceStatusRecord | undefined>;
  setServiceStatus(instanceId: string, status: ServiceStatus): Promise<void>;
  /** Adds an `instance_faults` row (message is cut to 255 characters as the column requires). */
  addFault(instanceId: string, message: string, details: string): Promise<void>;
  /** Inserts `root_enabled_history` for the instance unless present. */
  recordRootEnabled(instanceId: string, user: string): Promise<void>;
  /**
   * Soft-deletes the instance as Trove's delete ends: row deleted with task NONE and no configuration or
   * replica source, service status DELETED, faults soft-deleted.
   */
  markDeleted(instanceId: string): Promise<void>;
  /** The group's values typed by the version's rules; undefined when the group does not exist. */
  configurationOverrides(configurationId: string): Promise<ConfigurationOverrides | undefined>;
  /** Whether any of the named parameters needs a datastore restart under the version's rules. */
  parametersNeedRestart(datastoreVersionId: string, names: readonly string[]): Promise<boolean>;
  /** Live instances that have a server, for the periodic server-status refresh. */
  listWithServers(limit: number, afterId?: string): Promise<InstanceServerRef[]>;
}
