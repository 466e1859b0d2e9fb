/**
 * trove-ts controller groups: `[conductor]` (heartbeat batching), `[local_process]` and `[local_qemu]`
 * (the single-host compute backends) and `[network]` (Trove's access checks).
 */
import { opt } from '../options.js';

export const conductorGroup = {
  heartbeat_batch_ms: opt.integer(50, 'Heartbeats are written to the database in batches collected for at most this many milliseconds.', { min: 0 }),
  heartbeat_batch_size: opt.integer(500, 'Largest heartbeat batch written in one statement.', { min: 1 }),
  expiry_sweep_interval: opt.integer(30, 'Seconds between sweeps that mark silent guests.', { min: 1 }),
  instance_key_cache_size: opt.integer(10000, 'trove-ts: unwrapped instance RPC keys the conductor keeps in memory; size it to the number of instances, or every message costs a key lookup.', { min: 1 }),
  metrics_bind_host: opt.string('127.0.0.1', 'trove-ts: address of the conductor\'s Prometheus metrics endpoint (GET /metrics).'),
  metrics_port: opt.port(0, 'trove-ts: port of the conductor\'s Prometheus metrics endpoint; 0 disables it.'),
};

export const localComputeGroup = {
  flavors: opt.list(
    ['1:m1.tiny:512:1:1', '2:m1.small:1024:1:5', '3:m1.medium:2048:2:10', '4:m1.large:4096:2:20'],
    'Flavors of the single-host backends, each id:name:ram_mb:vcpus:disk_gb.',
  ),
  state_dir: opt.string('/var/lib/trove/local', 'Directory with one folder per instance (config dir, volume, pid files, logs).'),
  address_range: opt.string('127.10.0.0/16', 'Loopback range from which each instance gets its own address.'),
  agent_command: opt.string(null, 'Command that starts the guest agent (default: this installation\'s trove-guestagent).'),
  guest_transport_url: opt.string(null, 'transport_url written into guest configs (default: the controller\'s).', { secret: true }),
  agent_stop_timeout: opt.integer(30, 'Seconds a guest agent process has to exit after SIGTERM before it is killed.', { min: 1 }),
  node_binary: opt.string(null, 'Node.js binary that runs the guest agent when agent_command is not set (default: the one running the controller).'),
};

export const localQemuGroup = {
  image_dir: opt.string('/var/lib/trove/images', 'Directory with the guest images of images/guest/build (<name>.json, <name>-<hash>.qcow2) and their warm bases (warm/).'),
  accel: opt.string('auto', 'qemu accelerator: auto (probe KVM, else TCG), kvm or tcg.', { choices: ['auto', 'kvm', 'tcg'] }),
  memory_mb: opt.integer(0, 'Guest memory in MB; 0 means the flavor\'s RAM.', { min: 0 }),
  ready_timeout: opt.integer(900, 'Seconds a VM has to finish booting (cloud-init done, or its database answering with a banner) before its server goes to ERROR.', { min: 10 }),
  broker_guest_address: opt.string('10.0.2.100', 'Address at which guests reach the broker through qemu\'s guestfwd.'),
  shutdown_timeout: opt.integer(120, 'Seconds a guest has to power off after the ACPI power button (reboot, resize, rebuild) before qemu is stopped.', { min: 1 }),
  qemu_binary: opt.string('qemu-system-x86_64', 'qemu system emulator that runs the VMs.'),
  use_warm_base: opt.boolean(true, 'Boot VMs from the warm base image (datastore images already in Docker) when images/guest/warm-base made one for the guest image.'),
  direct_kernel_boot: opt.boolean(true, 'Boot the guest image\'s kernel and initrd directly (-kernel/-initrd) instead of through its boot loader.'),
};

export const networkGroup = {
  public_network_id: opt.string(null, 'External network for floating IPs of public instances.'),
  enable_access_check: opt.boolean(true, 'Require a router on the user subnet of public instances.'),
};
