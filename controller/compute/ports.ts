/**
 * The ports between the controller and whatever runs instances. The API reads flavors (and volume types)
 * through `FlavorCatalog`; the taskmanager drives servers, volumes, networks and images through the rest.
 * Backends (`openstack/`, `local-process/`, `local-qemu/`) implement them; `createComputeBackend` in
 * `backend.ts` picks one from `[DEFAULT] compute_backend`.
 *
 * Conventions every implementation keeps:
 * - `get*` returns `undefined` for a resource that does not exist; `delete*` of a missing resource succeeds
 *   (flows retry and clean up after partial failures).
 * - `find*ByName` returns every match (names are not unique in OpenStack); callers decide what to do with many.
 * - Operations return as soon as the backend accepted them; waiting (Trove's polling intervals and timeouts,
 *   reference §8) is the taskmanager's job, driven by `get*`.
 * - A backend failure is a `TroveError` with code `BACKEND_ERROR` whose details name the service, the method,
 *   the URL path (or the local operation) and the status; credentials never appear in it.
 * - A backend that has nothing to do for an operation (the single-host backends have no security groups,
 *   floating IPs or server groups) says so in `ComputeCapabilities` and implements it as a no-op or a
 *   `NotSupportedError`, as the method's TSDoc states.
 */

/** A flavor as the API shows it (Nova's fields). */
export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
}

/** A volume type as the API shows it. */
export interface VolumeType {
  id: string;
  name: string;
  is_public: boolean;
  description: string | null;
}

/** Read access to flavors and volume types. */
export interface FlavorCatalog {
  listFlavors(): Promise<Flavor[]>;
  /** Looks a flavor up by id; undefined when it does not exist. */
  getFlavor(id: string): Promise<Flavor | undefined>;
  listVolumeTypes(): Promise<VolumeType[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Images

/** A bootable guest image. */
export interface Image {
  id: string;
  name: string;
  /** Glance's status: queued, saving, active, killed, deleted, pending_delete, deactivated, uploading, importing. */
  status: string;
  tags: string[];
  /** ISO 8601 creation time. */
  createdAt: string;
  minDiskGb: number;
  minRamMb: number;
}

/** Finds the guest image a datastore version boots (its `image_id`, or the newest image with its `image_tags`). */
export interface ImageCatalog {
  /** Looks an image up by id; undefined when it does not exist or is not visible to the service project. */
  getImage(id: string): Promise<Image | undefined>;
  /**
   * The most recently created `active` image that carries every one of `tags`; undefined when none does.
   * @throws TroveError BAD_REQUEST when `tags` is empty (every image would match).
   */
  findNewestImageByTags(tags: readonly string[]): Promise<Image | undefined>;
}

// ---------------------------------------------------------------------------------------------------------
// Servers

/** Nova's server statuses; single-host backends map their own states onto these. */
export const ServerStatus = {
  BUILD: 'BUILD',
  ACTIVE: 'ACTIVE',
  SHUTOFF: 'SHUTOFF',
  REBOOT: 'REBOOT',
  HARD_REBOOT: 'HARD_REBOOT',
  RESIZE: 'RESIZE',
  VERIFY_RESIZE: 'VERIFY_RESIZE',
  REVERT_RESIZE: 'REVERT_RESIZE',
  REBUILD: 'REBUILD',
  MIGRATING: 'MIGRATING',
  PAUSED: 'PAUSED',
  SUSPENDED: 'SUSPENDED',
  RESCUE: 'RESCUE',
  SHELVED: 'SHELVED',
  SHELVED_OFFLOADED: 'SHELVED_OFFLOADED',
  SOFT_DELETED: 'SOFT_DELETED',
  DELETED: 'DELETED',
  PASSWORD: 'PASSWORD',
  ERROR: 'ERROR',
  UNKNOWN: 'UNKNOWN',
} as const;
export type ServerStatus = (typeof ServerStatus)[keyof typeof ServerStatus];

/** One address of a server on one network. */
export interface ServerAddress {
  address: string;
  version: 4 | 6;
  /** `fixed` for a port's own address, `floating` for a floating IP. */
  type: 'fixed' | 'floating';
}

/** Why a server went to ERROR, as Nova reports it. */
export interface ServerFault {
  code: number;
  message: string;
  details?: string;
  created?: string;
}

/** A server (VM, or the single-host stand-in for one) as the taskmanager sees it. */
export interface Server {
  id: string;
  name: string;
  status: ServerStatus;
  /** Addresses by network label (Nova's `addresses`); the API shows them as the instance's `addresses`/`ip`. */
  addresses: Record<string, ServerAddress[]>;
  fault?: ServerFault;
  flavorId?: string;
  imageId?: string;
  availabilityZone?: string;
  /** Free-form metadata; instances carry `trove_project_id`, `trove_user_id` and `trove_instance_id`. */
  metadata: Record<string, string>;
}

/** One NIC of a new server: an existing port (how Trove wires instances), or a network with an optional address. */
export type NicSpec = { portId: string } | { networkId: string; fixedIp?: string };

/** The data volume as a block device of a new server (Nova's block_device_mapping_v2). */
export interface VolumeMapping {
  volumeId: string;
  /** Device name in the guest without `/dev/`, from `[DEFAULT] block_device_mapping`, e.g. `vdb`. */
  deviceName: string;
  sizeGb: number;
  deleteOnTermination: boolean;
}

/** A file that must exist in the guest when it first boots (reference §8.2 step 3, §14.11). */
export interface InjectedFile {
  /** Absolute path in the guest, e.g. `/etc/trove/conf.d/guest_info.conf`. */
  path: string;
  /** UTF-8 content. Often secret (the instance's RPC key): never log it. */
  content: string;
  /** `user:group` owning the file, from `injected_config_owner`/`injected_config_group`. */
  owner: string;
}

/**
 * What the guest receives at first boot. The backend decides the vehicle: cloud-init user data
 * (`#cloud-config` `write_files`, openstack and local-qemu) or writing the files directly (local-process).
 */
export interface GuestBoot {
  files: InjectedFile[];
  /** Optional `<cloudinit_location>/<manager>.cloudinit` text placed before the generated cloud-config. */
  userDataPrefix?: string;
}

/** Everything needed to create the server of an instance. */
export interface CreateServerRequest {
  /** The instance name the user chose. */
  name: string;
  imageId: string;
  flavorId: string;
  /** `[DEFAULT] nova_keypair`. */
  keyName?: string;
  /** In order: the user NIC(s) first, the management NIC last. */
  nics: NicSpec[];
  /** The data volume; absent when `trove_volume_support` is off or the datastore has no volume. */
  volume?: VolumeMapping;
  boot: GuestBoot;
  availabilityZone?: string;
  /** Id of the server group the instance joins (locality). */
  serverGroupId?: string;
  /** Must include `trove_project_id`, `trove_user_id` and `trove_instance_id`. */
  metadata: Record<string, string>;
  /** `use_nova_server_config_drive`. */
  configDrive: boolean;
}

/** Rebuild an instance's server from an image, re-injecting the guest files. */
export interface RebuildServerRequest {
  imageId: string;
  boot: GuestBoot;
}

/** Affinity policy of a server group (Trove's `locality`). */
export type ServerGroupPolicy = 'affinity' | 'anti-affinity';

/** A Nova server group. */
export interface ServerGroup {
  id: string;
  name: string;
  policy: ServerGroupPolicy;
  memberIds: string[];
}

/** Servers and server groups. */
export interface ComputeDriver {
  /** Starts creating a server; it returns at once with status BUILD (or ACTIVE on fast backends). */
  createServer(request: CreateServerRequest): Promise<Server>;
  /** Current state of a server; undefined when it is gone. */
  getServer(id: string): Promise<Server | undefined>;
  /** Starts deleting a server; a missing server is not an error. Poll `getServer` until undefined. */
  deleteServer(id: string): Promise<void>;
  /** Reboots the server (soft unless `hard`). */
  rebootServer(id: string, hard?: boolean): Promise<void>;
  /** Starts a flavor resize; the server reaches VERIFY_RESIZE, then `confirmResize` or `revertResize`. */
  resizeServer(id: string, flavorId: string): Promise<void>;
  confirmResize(id: string): Promise<void>;
  revertResize(id: string): Promise<void>;
  /** Rebuilds the server from an image with fresh guest files (the data volume stays). */
  rebuildServer(id: string, request: RebuildServerRequest): Promise<void>;
  /**
   * Creates a server group, named `locality_<instance id>` by the taskmanager.
   * Single-host backends return a group that only records its members (everything runs on one host).
   */
  createServerGroup(name: string, policy: ServerGroupPolicy): Promise<ServerGroup>;
  getServerGroup(id: string): Promise<ServerGroup | undefined>;
  /** A missing group is not an error. */
  deleteServerGroup(id: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Volumes

/** One attachment of a volume to a server. */
export interface VolumeAttachment {
  serverId: string;
  /** Device path in the guest, e.g. `/dev/vdb`, when known. */
  device?: string;
  attachmentId?: string;
}

/** A data volume (a Cinder volume, a qcow2 file, or a directory on the single-host backends). */
export interface Volume {
  id: string;
  name: string;
  sizeGb: number;
  /**
   * Cinder's status: creating, available, reserved, attaching, in-use, detaching, extending, deleting,
   * error, error_deleting, error_extending, maintenance, ... The taskmanager waits for `available` and fails on
   * anything starting with `error`.
   */
  status: string;
  volumeType: string | null;
  availabilityZone?: string;
  attachments: VolumeAttachment[];
  metadata: Record<string, string>;
}

/** What a new volume looks like. */
export interface CreateVolumeRequest {
  /** `trove-<instance id>`. */
  name: string;
  sizeGb: number;
  /** The request's type, or `cinder_volume_type`; undefined for the backend's default type. */
  volumeType?: string;
  /** Only when `enable_volume_az`. */
  availabilityZone?: string;
  description?: string;
  metadata?: Record<string, string>;
}

/** Data volumes. */
export interface VolumeDriver {
  /** Starts creating a volume; poll `getVolume` for `available`. */
  createVolume(request: CreateVolumeRequest): Promise<Volume>;
  /** Current state of a volume; undefined when it is gone. */
  getVolume(id: string): Promise<Volume | undefined>;
  /** Volumes of the service project with exactly this name. */
  findVolumesByName(name: string): Promise<Volume[]>;
  /** Starts deleting a volume; a missing volume is not an error. */
  deleteVolume(id: string): Promise<void>;
  /** Grows a volume to `newSizeGb` (online when the backend supports it, see capabilities). */
  extendVolume(id: string, newSizeGb: number): Promise<void>;
  /** Attaches a volume to a server as `device` (e.g. `/dev/vdb`; the backend may choose another). */
  attachVolume(serverId: string, volumeId: string, device?: string): Promise<VolumeAttachment>;
  /** Detaches a volume from a server; not attached is not an error. */
  detachVolume(serverId: string, volumeId: string): Promise<void>;
  listVolumeTypes(): Promise<VolumeType[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Networks

/** An ingress or egress rule of a security group. */
export interface SecurityGroupRule {
  id: string;
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** `tcp`, `udp`, `icmp`, ...; null for any protocol. */
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
}

/** What a new rule allows. */
export type SecurityGroupRuleRequest = Omit<SecurityGroupRule, 'id' | 'securityGroupId' | 'ethertype'> & {
  /** Derived from `remoteIpPrefix` when absent. */
  ethertype?: 'IPv4' | 'IPv6';
};

/** A security group, named `<trove_security_group_name_prefix>-<instance id>` for instances. */
export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  rules: SecurityGroupRule[];
}

/** A network port, named `trove-<instance id>` for instances. */
export interface Port {
  id: string;
  name: string;
  description: string;
  networkId: string;
  fixedIps: Array<{ subnetId: string; ipAddress: string }>;
  securityGroupIds: string[];
  /** The server the port is bound to, when bound. */
  deviceId: string | null;
  status: string;
}

/** What a new port looks like: on a network, optionally on one subnet and/or with one address. */
export interface CreatePortRequest {
  name: string;
  description: string;
  networkId: string;
  subnetId?: string;
  ipAddress?: string;
  /** Groups of the port; empty leaves the network's default group in place. */
  securityGroupIds: string[];
}

/** A floating IP. */
export interface FloatingIp {
  id: string;
  floatingIpAddress: string;
  floatingNetworkId: string;
  portId: string | null;
  fixedIpAddress: string | null;
}

/** A network, for the conflict checks and the external-network lookup. */
export interface Network {
  id: string;
  name: string;
  subnetIds: string[];
  isExternal: boolean;
}

/** A subnet, for the conflict checks (`reserved_network_cidrs`) and the access check. */
export interface Subnet {
  id: string;
  name: string;
  networkId: string;
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp: string | null;
}

/**
 * Security groups, ports, floating IPs and the lookups behind Trove's network checks. Single-host backends
 * implement the security-group and floating-IP methods as no-ops that return empty results
 * (`capabilities.hasSecurityGroups` / `hasFloatingIps` false) and ports as the instance's own address.
 */
export interface NetworkDriver {
  createSecurityGroup(name: string, description: string): Promise<SecurityGroup>;
  findSecurityGroupsByName(name: string): Promise<SecurityGroup[]>;
  /** A missing group is not an error. */
  deleteSecurityGroup(id: string): Promise<void>;
  addSecurityGroupRule(securityGroupId: string, rule: SecurityGroupRuleRequest): Promise<SecurityGroupRule>;
  /** A missing rule is not an error. */
  deleteSecurityGroupRule(id: string): Promise<void>;

  createPort(request: CreatePortRequest): Promise<Port>;
  findPortsByName(name: string): Promise<Port[]>;
  /** A missing port is not an error. */
  deletePort(id: string): Promise<void>;

  /** Allocates a floating IP on `floatingNetworkId` and binds it to `portId`. */
  createFloatingIp(floatingNetworkId: string, portId: string): Promise<FloatingIp>;
  findFloatingIpsByPort(portId: string): Promise<FloatingIp[]>;
  /** Binds a floating IP to a port, or unbinds it with null. */
  setFloatingIpPort(id: string, portId: string | null): Promise<FloatingIp>;
  /** A missing floating IP is not an error. */
  deleteFloatingIp(id: string): Promise<void>;

  getNetwork(id: string): Promise<Network | undefined>;
  getSubnet(id: string): Promise<Subnet | undefined>;
  listSubnets(networkId: string): Promise<Subnet[]>;
  /** The first external network (`router:external`), used when `[network] public_network_id` is unset. */
  findExternalNetwork(): Promise<Network | undefined>;
  /** True when a router has an interface on the subnet (Trove's `enable_access_check`). */
  subnetHasRouter(subnetId: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------------------
// The bundle

/** What a backend can do, so flows skip steps instead of branching on the backend's name. */
export interface ComputeCapabilities {
  backend: 'openstack' | 'local-process' | 'local-qemu';
  /** Per-instance security groups and rules exist (`trove_security_groups_support` applies). */
  hasSecurityGroups: boolean;
  /** Public instances get floating IPs. */
  hasFloatingIps: boolean;
  /** Locality creates real server groups. */
  hasServerGroups: boolean;
  /** The user may choose networks (`nics`); management networks apply. */
  hasUserNetworks: boolean;
  /** Volume types exist (a request's `volume.type` is meaningful). */
  hasVolumeTypes: boolean;
  /** `extendVolume` works while the instance runs. */
  canExtendVolumeOnline: boolean;
  /** `resizeServer` changes the flavor of a running instance. */
  canResizeServer: boolean;
  canRebuildServer: boolean;
  /**
   * How the data volume reaches the guest: `block` (a device to format and mount, at `device_path`) or
   * `directory` (a host directory the agent uses as is; `[<datastore>] device_path` empty).
   */
  volumeKind: 'block' | 'directory';
}

/** Everything the controller needs from one compute backend. */
export interface ComputeBackend {
  flavors: FlavorCatalog;
  compute: ComputeDriver;
  volumes: VolumeDriver;
  networks: NetworkDriver;
  images: ImageCatalog;
  capabilities: ComputeCapabilities;
  /** Releases connections, timers and child processes the backend holds. Idempotent. */
  close(): Promise<void>;
}
