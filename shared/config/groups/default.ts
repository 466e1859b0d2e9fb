/**
 * `[DEFAULT]`: Trove's flat options (reference §9). Options only trove-ts has are marked "trove-ts:" in their
 * help text. Defaults equal Trove 18's except where security demands otherwise (no published default keys).
 */
import { opt } from '../options.js';

export const defaultGroup = {
  // --- process and logging
  debug: opt.boolean(false, 'Log at debug level.'),
  host: opt.string('0.0.0.0', 'Name of this node, used as the RPC server name (queue suffix) of the taskmanager and conductor.'),
  log_format: opt.string('json', 'trove-ts: log line format on standard error: json (one JSON object per line) or pretty.', { choices: ['json', 'pretty'] }),

  // --- API service
  bind_host: opt.string('0.0.0.0', 'IP address the API server listens on.'),
  bind_port: opt.port(8779, 'Port the API server listens on.'),
  trove_api_workers: opt.integer(null, 'Number of API worker processes. Defaults to the number of CPUs.', { min: 1 }),
  trove_conductor_workers: opt.integer(1, 'Number of conductor worker processes.', { min: 1 }),
  public_endpoint: opt.string(null, 'Public URL of the API used in the versions document instead of the request host, e.g. https://db.example.com:8779.'),
  auth_strategy: opt.string('keystone', 'How API requests are authenticated: keystone (validate X-Auth-Token with Keystone v3) or noauth (development and tests; roles from X-Roles).', { choices: ['keystone', 'noauth'] }),
  admin_roles: opt.list(['admin'], 'Roles that make a request context administrative.'),
  api_max_body_size: opt.integer(1048576, 'trove-ts: largest accepted request body in bytes; larger bodies get 413.', { min: 1024 }),
  http_get_rate: opt.integer(200, 'Maximum GET requests per minute per user.', { min: 0 }),
  http_post_rate: opt.integer(200, 'Maximum POST requests per minute per user.', { min: 0 }),
  http_put_rate: opt.integer(200, 'Maximum PUT requests per minute per user.', { min: 0 }),
  http_delete_rate: opt.integer(200, 'Maximum DELETE requests per minute per user.', { min: 0 }),
  http_mgmt_post_rate: opt.integer(200, 'Maximum POST requests per minute per user on management endpoints.', { min: 0 }),
  instances_page_size: opt.integer(20, 'Page size for listing instances.', { min: 1 }),
  databases_page_size: opt.integer(20, 'Page size for listing databases.', { min: 1 }),
  users_page_size: opt.integer(20, 'Page size for listing users.', { min: 1 }),
  backups_page_size: opt.integer(20, 'Page size for listing backups.', { min: 1 }),
  configurations_page_size: opt.integer(20, 'Page size for listing configurations.', { min: 1 }),
  modules_page_size: opt.integer(20, 'Page size for listing modules.', { min: 1 }),
  clusters_page_size: opt.integer(20, 'Page size for listing clusters.', { min: 1 }),
  region: opt.string('RegionOne', 'Region name of this deployment, reported in instance views.'),
  os_region_name: opt.string(null, 'Region name of this node, used when looking up endpoints in the service catalog.'),
  template_path: opt.string('/etc/trove/templates/', 'Directory with datastore configuration templates that override the built-in ones.'),

  // --- datastores and defaults
  default_datastore: opt.string(null, 'Datastore used when a create request names none.'),
  datastore_registry_ext: opt.dict({}, 'Extra datastore managers: name:implementation pairs.'),

  // --- quotas
  max_instances_per_tenant: opt.integer(10, 'Default maximum number of instances per tenant (-1 for unlimited).', { min: -1 }),
  max_ram_per_tenant: opt.integer(-1, 'Default maximum RAM in MB per tenant (-1 for unlimited).', { min: -1 }),
  max_backups_per_tenant: opt.integer(50, 'Default maximum number of backups per tenant (-1 for unlimited).', { min: -1 }),
  max_volumes_per_tenant: opt.integer(40, 'Default maximum volume size in GB per tenant (-1 for unlimited).', { min: -1 }),
  max_accepted_volume_size: opt.integer(10, 'Largest volume in GB a single instance may request.', { min: 1 }),
  quota_driver: opt.string('trove.quota.quota.DbQuotaDriver', 'Quota driver; only the database driver is implemented.'),

  // --- secure RPC messaging
  enable_secure_rpc_messaging: opt.boolean(true, 'Encrypt and authenticate RPC messages: per-instance keys between control plane and guests, taskmanager_rpc_encr_key between API and taskmanager.'),
  taskmanager_rpc_encr_key: opt.string(null, 'Key (at least 32 characters) that seals API-taskmanager messages. Required when secure RPC messaging is on; Trove\'s published default is refused.', { secret: true }),
  inst_rpc_key_encr_key: opt.string(null, 'Key-encryption key (at least 32 characters) that wraps per-instance RPC keys in the database. Required by controller processes when secure RPC messaging is on; Trove\'s published default is refused.', { secret: true }),
  inst_rpc_key_encr_key_id: opt.string('k1', 'trove-ts: identifier stored with every wrapped instance key, so the key-encryption key can rotate.'),
  inst_rpc_key_encr_old_keys: opt.dict({}, 'trove-ts: retired key-encryption keys as id:key pairs, still accepted to unwrap instance keys during rotation.', { secret: true }),
  instance_rpc_encr_key: opt.string(null, 'Guest side: this instance\'s RPC key, written into guest_info.conf at creation.', { secret: true }),
  rpc_codec: opt.string('aead', 'trove-ts: message sealing format: aead (AES-256-GCM with bound context and replay protection) or trove-compat (Trove 18\'s AES-CBC format, for mixed fleets).', { choices: ['aead', 'trove-compat'] }),
  rpc_max_clock_skew: opt.integer(300, 'trove-ts: sealed messages whose sent time differs from local time by more than this many seconds are rejected.', { min: 1 }),
  allow_insecure_default_keys: opt.boolean(false, 'trove-ts: accept Trove\'s published default keys (tests of the compatibility codec only; never in production).'),

  // --- messaging transport
  transport_url: opt.string('rabbit://', 'Messaging transport URL: rabbit://user:pass@host:port[,user:pass@host2:port]/vhost.', { secret: true }),
  control_exchange: opt.string('openstack', 'Exchange that RPC topics live on; must be the same on controller and guests (devstack uses trove).'),
  rpc_response_timeout: opt.integer(60, 'Seconds to wait for the reply of a call without a timeout class.', { min: 1 }),
  taskmanager_queue: opt.string('taskmanager', 'Topic of the taskmanager.'),
  conductor_queue: opt.string('trove-conductor', 'Topic of the conductor.'),
  agent_call_low_timeout: opt.integer(15, 'Seconds to wait for quick guest calls.', { min: 1 }),
  agent_call_high_timeout: opt.integer(180, 'Seconds to wait for slow guest calls.', { min: 1 }),
  agent_replication_snapshot_timeout: opt.integer(1800, 'Seconds to wait for a replication snapshot.', { min: 1 }),

  // --- heartbeats and waits
  report_interval: opt.integer(30, 'Seconds between guest heartbeats (with jitter).', { min: 1 }),
  agent_heartbeat_expiry: opt.integer(90, 'Seconds after the last heartbeat at which a guest is considered unreachable.', { min: 1 }),
  agent_heartbeat_time: opt.integer(10, 'Legacy agent_heartbeats liveness window in seconds.', { min: 1 }),
  state_change_wait_time: opt.integer(180, 'Guest: seconds to wait for the datastore to start or stop.', { min: 1 }),
  state_change_poll_time: opt.integer(3, 'Guest: seconds between datastore state polls.', { min: 1 }),
  usage_sleep_time: opt.integer(5, 'Taskmanager: seconds between polls while waiting for a new instance.', { min: 1 }),
  usage_timeout: opt.integer(1800, 'Seconds to wait for a new instance to become active.', { min: 1 }),
  restore_usage_timeout: opt.integer(3600, 'Seconds to wait for an instance restored from a backup to become active.', { min: 1 }),
  reboot_time_out: opt.integer(120, 'Seconds to wait for a server to reboot.', { min: 1 }),
  resize_time_out: opt.integer(900, 'Seconds to wait for a server resize.', { min: 1 }),
  revert_time_out: opt.integer(600, 'Seconds to wait for a resize revert.', { min: 1 }),
  server_delete_time_out: opt.integer(60, 'Seconds to wait for a server to be deleted.', { min: 1 }),
  volume_time_out: opt.integer(60, 'Seconds to wait for a volume to become available.', { min: 1 }),
  dns_time_out: opt.integer(120, 'Seconds to wait for DNS entries.', { min: 1 }),
  update_status_on_fail: opt.boolean(true, 'Set instances to ERROR when the guest does not come up in time.'),
  cleanup_on_build_failure: opt.boolean(false, 'trove-ts: delete compute, volume and network resources of an instance whose build failed (otherwise they are kept for inspection).'),
  taskmanager_flow_lease: opt.integer(30, 'trove-ts: seconds a taskmanager may hold a flow without renewing its lease; another taskmanager (or this one, restarted) takes over a flow whose lease ran out.', { min: 3 }),
  taskmanager_step_attempts: opt.integer(3, 'trove-ts: times a flow step that failed with a passing error (broker, guest timeout, backend) is tried before its flow fails.', { min: 1, max: 20 }),
  server_status_sync_interval: opt.integer(30, 'trove-ts: seconds between refreshes of instances.server_status from the compute backend by the taskmanager (0 disables).', { min: 0 }),

  // --- guest identity (written by the taskmanager into guest_info.conf)
  guest_id: opt.string(null, 'Guest side: the instance id this agent serves.'),
  datastore_manager: opt.string(null, 'Guest side: the datastore manager (mysql, mariadb, postgresql).'),
  datastore_version: opt.string(null, 'Guest side: the datastore version (the container image tag).'),
  tenant_id: opt.string(null, 'Guest side: the project that owns the instance.'),
  database_service_uid: opt.string('1001', 'Guest side: uid and gid the datastore container runs as.'),

  // --- volumes
  trove_volume_support: opt.boolean(true, 'Give instances a separate data volume.'),
  volume_fstype: opt.string('ext3', 'Filesystem created on new data volumes.'),
  format_options: opt.string('-m 5', 'Options passed to mkfs for new data volumes.'),
  mount_options: opt.string('defaults,noatime', 'Mount options of the data volume.'),
  volume_format_timeout: opt.integer(120, 'Seconds to wait for mkfs.', { min: 1 }),
  block_device_mapping: opt.string('vdb', 'Device name of the data volume in the guest.'),
  online_volume_resize: opt.boolean(true, 'Extend volumes while the instance runs.'),
  enable_volume_az: opt.boolean(false, 'Create volumes in the instance\'s availability zone.'),
  cinder_volume_type: opt.string(null, 'Volume type for new data volumes when the request names none.'),

  // --- compute and networking
  compute_backend: opt.string('openstack', 'trove-ts: where instances run: openstack (Nova/Cinder/Neutron/Glance), local-process (agents as host processes, containers on the host\'s Docker), local-qemu (VMs on this host).', { choices: ['openstack', 'local-process', 'local-qemu'] }),
  nova_keypair: opt.string(null, 'Nova key pair injected into new servers.'),
  nova_compute_url: opt.string(null, 'Nova endpoint overriding the service catalog, e.g. http://127.0.0.1:8774/v2.1.'),
  nova_compute_service_type: opt.string('compute', 'Service type of Nova in the service catalog.'),
  nova_compute_endpoint_type: opt.string(null, 'Catalog interface for Nova (default: [service_credentials] endpoint_type).'),
  cinder_url: opt.string(null, 'Cinder endpoint overriding the service catalog, e.g. http://127.0.0.1:8776/v3/<project id>.'),
  cinder_service_type: opt.string('volumev3', 'Service type of Cinder in the service catalog (block-storage is tried when absent).'),
  cinder_endpoint_type: opt.string(null, 'Catalog interface for Cinder (default: [service_credentials] endpoint_type).'),
  neutron_url: opt.string(null, 'Neutron endpoint overriding the service catalog, e.g. http://127.0.0.1:9696.'),
  neutron_service_type: opt.string('network', 'Service type of Neutron in the service catalog.'),
  neutron_endpoint_type: opt.string(null, 'Catalog interface for Neutron (default: [service_credentials] endpoint_type).'),
  glance_url: opt.string(null, 'Glance endpoint overriding the service catalog, e.g. http://127.0.0.1:9292.'),
  glance_service_type: opt.string('image', 'Service type of Glance in the service catalog.'),
  glance_endpoint_type: opt.string(null, 'Catalog interface for Glance (default: [service_credentials] endpoint_type).'),
  management_networks: opt.list([], 'Management network ids; the last one gets the management port of every instance.', { deprecatedNames: ['default_neutron_networks'] }),
  management_security_groups: opt.list([], 'Security groups of the management port.'),
  trove_security_groups_support: opt.boolean(true, 'Create a security group per instance.'),
  trove_security_group_name_prefix: opt.string('trove_sg', 'Prefix of per-instance security group names.'),
  trove_security_group_rule_cidr: opt.string('0.0.0.0/0', 'CIDR allowed when a request gives no allowed_cidrs.'),
  reserved_network_cidrs: opt.list([], 'User networks may not overlap these CIDRs.'),
  trove_dns_support: opt.boolean(false, 'Create DNS records for instances.'),
  use_nova_server_config_drive: opt.boolean(false, 'Give servers a config drive.'),
  injected_config_location: opt.string('/etc/trove/conf.d', 'Guest directory that receives the injected configuration files.'),
  injected_config_owner: opt.string('root', 'Owner of injected files. Trove defaults to ubuntu (its Ubuntu guest image); the trove-ts guest image is Debian with no such user, and cloud-init writes no file at all for an owner that does not exist. The files hold the instance key: keep them root\'s.'),
  injected_config_group: opt.string('root', 'Group of injected files.'),
  guest_config: opt.string('/etc/trove/trove-guestagent.conf', 'Controller file copied into every guest as conf.d/trove-guestagent.conf.'),
  guest_info: opt.string('guest_info.conf', 'Name of the per-instance guest identity file.'),
  cloudinit_location: opt.string('/etc/trove/cloudinit', 'Directory with <manager>.cloudinit files prepended to user data.'),
  controller_address: opt.string('', 'Controller address written to the guest in dev mode.'),
  docker_bridge_network_ip: opt.string(null, 'Docker bridge IP (bip) written into the guest\'s daemon.json.'),
  docker_insecure_registries: opt.list([], 'Insecure registries written into the guest\'s daemon.json.'),

  // --- backups
  storage_strategy: opt.string('swift', 'Backup storage: swift, or local (a directory on a single host).', { choices: ['swift', 'local'] }),
  backup_swift_container: opt.string('database_backups', 'Default Swift container for backups.'),
  backup_aes_cbc_key: opt.string('', 'Key that encrypts backups at rest (empty: not encrypted).', { secret: true }),
  verify_swift_checksum_on_restore: opt.boolean(true, 'Verify backup checksums on restore.'),
  verify_replica_volume_size: opt.boolean(true, 'Require replica volumes at least as large as the source\'s.'),

  // --- misc
  module_types: opt.list(['ping', 'new_relic_license'], 'Module types that may be created.'),
  guest_log_container_name: opt.string('database_logs', 'Swift container for published guest logs.'),
  policy_file: opt.string('policy.yaml', 'Policy file (YAML or JSON) overriding the default rules; relative paths are looked up next to the config files and in /etc/trove.'),
};
