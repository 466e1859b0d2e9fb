/**
 * Assembles the `local-qemu` compute backend (DESIGN D6): one host, real VMs. qemu boots the guest image of
 * `images/guest/build` (on its warm base when `images/guest/warm-base` made one) with KVM when the host's KVM
 * can run it and TCG otherwise; the volume is a qcow2 file attached as `vdb`; cloud-init receives the guest
 * files through a NoCloud seed; user-mode networking (`restrict=on`) forwards the instance's loopback address
 * and datastore port into the VM and relays the broker out of it. Flavors come from `[local_compute]
 * flavors`, addresses from `[local_compute] address_range` (shared with local-process), datastore versions
 * name guest images (`trove-guest`) as their images. Nothing runs until a method is called, so the API can
 * build the backend just to read flavors.
 */
import type { TroveConfig } from '../../../shared/config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { LocalFlavorCatalog } from '../local-flavors.js';
import { AddressPool, LocalNetworkDriver, StateLayout, parseAddressRange } from '../local-process/index.js';
import type { ComputeBackend, ComputeCapabilities } from '../ports.js';
import { AccelChooser, type AccelSetting } from './accel.js';
import { QemuComputeDriver } from './compute.js';
import { QemuImageCatalog } from './images.js';
import { ProcessQemuHost, type QemuHost } from './qemu-host.js';
import { netdevOption } from './qemu-command.js';
import { QemuLayout } from './records.js';
import { VmRunner } from './vm.js';
import { QemuVolumeDriver } from './volumes.js';

/** What the local-qemu backend can do. */
export const LOCAL_QEMU_CAPABILITIES: ComputeCapabilities = Object.freeze({
  backend: 'local-qemu',
  hasSecurityGroups: false,
  hasFloatingIps: false,
  hasServerGroups: false,
  hasUserNetworks: false,
  hasVolumeTypes: false,
  canExtendVolumeOnline: true,
  canResizeServer: true,
  canRebuildServer: true,
  volumeKind: 'block',
});

/** Options beyond the config file (unit tests inject a fake host and clock). */
export interface LocalQemuBackendOptions {
  host?: QemuHost;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** @default os.availableParallelism() */
  hostCpus?: number;
}

/** The backend with its parts exposed (tests and benchmarks inspect servers). */
export interface LocalQemuBackend extends ComputeBackend {
  compute: QemuComputeDriver;
  volumes: QemuVolumeDriver;
  networks: LocalNetworkDriver;
  images: QemuImageCatalog;
  layout: QemuLayout;
  pool: AddressPool;
  host: QemuHost;
  runner: VmRunner;
}

/** The standard ports of the datastores; an address with a listener on one of them is not handed out. */
const DATASTORE_PORTS = [3306, 5432];

/**
 * Addresses in slirp's default 10.0.2.0/24 that are taken: the network, its gateway (.2), DNS (.3), the
 * guest's DHCP range (.15 to .30) and broadcast.
 */
function checkBrokerGuestAddress(address: string): void {
  const match = /^10\.0\.2\.(\d{1,3})$/.exec(address);
  const last = match === null ? -1 : Number(match[1]);
  if (last < 1 || last > 254 || last === 2 || last === 3 || (last >= 15 && last <= 30)) {
    throw new ConfigError(`[local_qemu] broker_guest_address '${address}' must be a free address of qemu's user network 10.0.2.0/24 (not .2, .3 or .15-.30).`, { broker_guest_address: address });
  }
  netdevOption({ forwards: [], brokerGuestAddress: address, brokers: [] });
}

/**
 * Builds the backend.
 * @throws ConfigError for malformed flavors, address range or broker guest address, or a state directory too
 *   deep for the VMs' monitor sockets
 */
export function createLocalQemuBackend(config: TroveConfig, logger: Logger, options: LocalQemuBackendOptions = {}): LocalQemuBackend {
  const settings = config.local_qemu;
  const log = logger.child({ component: 'local-qemu' });
  const flavors = LocalFlavorCatalog.fromEntries(config.local_compute.flavors);
  const range = parseAddressRange(config.local_compute.address_range);
  checkBrokerGuestAddress(settings.broker_guest_address);
  const layout = new QemuLayout(config.local_compute.state_dir);
  layout.checkSocketPaths();
  const shared = new StateLayout(config.local_compute.state_dir);
  const pool = new AddressPool({ range, directory: shared.addressesDir(), probePorts: DATASTORE_PORTS });
  const host = options.host ?? new ProcessQemuHost({ qemuBinary: settings.qemu_binary });
  const images = new QemuImageCatalog(settings.image_dir, settings.use_warm_base);
  const volumes = new QemuVolumeDriver(layout, host);
  const networks = new LocalNetworkDriver(shared, pool, range);
  const accel = new AccelChooser({ setting: settings.accel as AccelSetting, layout, host, logger: log });
  const runner = new VmRunner({ config, layout, host, flavors, accel, logger: log, ...(options.now ? { now: options.now } : {}), ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.hostCpus === undefined ? {} : { hostCpus: options.hostCpus }) });
  const compute = new QemuComputeDriver({ config, layout, host, runner, pool, flavors, images, volumes, networks, logger });
  volumes.holder = (volumeId) => compute.volumeHolder(volumeId);
  return {
    flavors,
    compute,
    volumes,
    networks,
    images,
    capabilities: LOCAL_QEMU_CAPABILITIES,
    layout,
    pool,
    host,
    runner,
    // VMs are meant to outlive the controller (they are adopted on restart): nothing to release.
    close: () => Promise.resolve(),
  };
}
