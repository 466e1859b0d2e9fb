/**
 * Instance views (Trove's `instance/views.py`): `InstanceView` for lists, `InstanceDetailView` for show,
 * detail lists and create. Pure functions over an already loaded instance.
 */
import { createLinks, formatDate, type LinkBase } from './format.js';

/** An address the instance can be reached at. */
export interface InstanceAddress {
  address: string;
  type: string;
  network?: string;
}

/** Everything the views show about an instance, loaded by the instance service. */
export interface InstanceData {
  id: string;
  name: string | null;
  tenantId: string | null;
  status: string;
  operatingStatus: string;
  flavorId: string | null;
  datastoreName: string | null;
  datastoreVersionName: string | null;
  datastoreVersionNumber: string | null;
  region: string | null;
  /** Whether the datastore's instances have a volume (`[<manager>] volume_support`). */
  volumeSupport: boolean;
  volumeSize: number | null;
  hostname: string | null;
  addresses: InstanceAddress[];
  slaveOfId: string | null;
  replicaIds: string[];
  /** Parsed `instances.access`, or null. */
  access: Record<string, unknown> | null;
  created: Date | null;
  updated: Date | null;
  serviceStatusUpdated: Date | null;
  fault?: { message: string; created: Date | null; details: string | null } | null;
  configuration?: { id: string; name: string } | null;
  locality?: string | null;
  volumeUsed?: number;
  rootPassword?: string;
  clusterId: string | null;
  shardId: string | null;
  serverId: string | null;
  volumeId: string | null;
  encryptedRpcMessaging: boolean;
}

/** The list view of one instance. */
export function instanceView(data: InstanceData, base: LinkBase, isAdmin: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: data.id,
    name: data.name,
    status: data.status,
    operating_status: data.operatingStatus,
    links: createLinks(base, 'instances', data.id),
    flavor: { id: data.flavorId, links: createLinks(base, 'flavors', data.flavorId) },
    datastore: { type: data.datastoreName, version: data.datastoreVersionName },
    region: data.region,
    access: {},
  };
  if (isAdmin) view['tenant_id'] = data.tenantId;
  if (data.volumeSupport) view['volume'] = { size: data.volumeSize };
  if (data.hostname) {
    view['hostname'] = data.hostname;
  } else if (data.addresses.length > 0) {
    view['ip'] = data.addresses.map((address) => address.address);
    view['addresses'] = data.addresses.map((address) => ({ ...address }));
  }
  if (data.slaveOfId !== null) view['replica_of'] = { id: data.slaveOfId, links: createLinks(base, 'instances', data.slaveOfId) };
  if (data.replicaIds.length > 0) view['replicas'] = data.replicaIds.map((id) => ({ id, links: createLinks(base, 'instances', id) }));
  if (data.access !== null && Object.keys(data.access).length > 0) {
    view['access'] = data.access;
  } else if (view['addresses'] !== undefined) {
    view['access'] = { is_public: data.addresses.some((address) => address.type === 'public') };
  }
  return view;
}

/** The detail view of one instance (show, detail list, create). */
export function instanceDetailView(data: InstanceData, base: LinkBase, isAdmin: boolean): Record<string, unknown> {
  const view = instanceView(data, base, isAdmin);
  view['created'] = formatDate(data.created);
  view['updated'] = formatDate(data.updated);
  view['service_status_updated'] = formatDate(data.serviceStatusUpdated);
  const datastore: Record<string, unknown> = { type: data.datastoreName, version: data.datastoreVersionName };
  if (data.datastoreVersionName !== null) datastore['version_number'] = data.datastoreVersionNumber;
  view['datastore'] = datastore;
  if (data.fault) {
    view['fault'] = { message: data.fault.message, created: formatDate(data.fault.created), details: isAdmin ? data.fault.details : null };
  }
  if (data.configuration) {
    view['configuration'] = { id: data.configuration.id, name: data.configuration.name, links: createLinks(base, 'configurations', data.configuration.id) };
  }
  if (data.locality) view['locality'] = data.locality;
  if (data.volumeUsed !== undefined && data.volumeUsed !== 0) {
    if (data.volumeSupport) (view['volume'] as Record<string, unknown>)['used'] = data.volumeUsed;
    else view['local_storage'] = { used: data.volumeUsed };
  }
  if (data.rootPassword) view['password'] = data.rootPassword;
  if (data.clusterId) view['cluster_id'] = data.clusterId;
  if (data.shardId) view['shard_id'] = data.shardId;
  if (isAdmin) {
    view['server_id'] = data.serverId;
    view['volume_id'] = data.volumeId;
    view['encrypted_rpc_messaging'] = data.encryptedRpcMessaging;
  }
  return view;
}
