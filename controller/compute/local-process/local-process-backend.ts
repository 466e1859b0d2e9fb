/**
 * Assembles the `local-process` compute backend (DESIGN D6): one host, no VMs. Each instance's guest agent
 * runs as a host process with its own config dir, a directory as its volume and its datastore container on
 * the host's Docker engine, bound to its own loopback address. Flavors come from `[local_compute] flavors`;
 * datastore versions name Docker image repositories as their images. Nothing runs until a method is called,
 * so the API can build the backend just to read flavors.
 */
import type { TroveConfig } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { LocalFlavorCatalog } from '../local-flavors.js';
import type { ComputeBackend, ComputeCapabilities, Image, ImageCatalog } from '../ports.js';
import { AddressPool, parseAddressRange } from './addresses.js';
import { AgentLauncher, defaultAgentMain } from './agent-process.js';
import { LocalComputeDriver } from './compute.js';
import { DockerodeHost, type DockerHost } from './docker.js';
import { LocalNetworkDriver } from './networks.js';
import { StateLayout } from './state.js';
import { LocalVolumeDriver } from './volumes.js';

/** What the local-process backend can do. */
export const LOCAL_PROCESS_CAPABILITIES: ComputeCapabilities = Object.freeze({
  backend: 'local-process',
  hasSecurityGroups: false,
  hasFloatingIps: false,
  hasServerGroups: false,
  hasUserNetworks: false,
  hasVolumeTypes: false,
  canExtendVolumeOnline: true,
  canResizeServer: true,
  canRebuildServer: true,
  volumeKind: 'directory',
});

/** Options beyond the config file (tests inject a fake Docker engine or agent command). */
export interface LocalProcessBackendOptions {
  docker?: DockerHost;
  /** Program and leading arguments of the agent. @default `[local_compute] agent_command`, else node + this installation's agent */
  agentCommand?: readonly string[];
}

/** The backend with its parts exposed (tests and the demo inspect servers and addresses). */
export interface LocalProcessBackend extends ComputeBackend {
  compute: LocalComputeDriver;
  volumes: LocalVolumeDriver;
  networks: LocalNetworkDriver;
  layout: StateLayout;
  pool: AddressPool;
  launcher: AgentLauncher;
  docker: DockerHost;
}

/** The standard ports of the datastores; an address with a listener on one of them is not handed out. */
const DATASTORE_PORTS = [3306, 5432];

/** The agent's program and arguments from the configuration. */
export function agentCommandFromConfig(config: TroveConfig): string[] {
  const configured = config.local_compute.agent_command;
  if (configured !== null && configured.trim() !== '') return configured.trim().split(/\s+/);
  return [config.local_compute.node_binary ?? process.execPath, defaultAgentMain()];
}

/**
 * Builds the backend.
 * @throws ConfigError for malformed flavors or address range
 */
export function createLocalProcessBackend(config: TroveConfig, logger: Logger, options: LocalProcessBackendOptions = {}): LocalProcessBackend {
  const settings = config.local_compute;
  const log = logger.child({ component: 'local-process' });
  const flavors = LocalFlavorCatalog.fromEntries(settings.flavors);
  const range = parseAddressRange(settings.address_range);
  const layout = new StateLayout(settings.state_dir);
  const probePorts = config.guest_agent.datastore_port > 0 ? [...DATASTORE_PORTS, config.guest_agent.datastore_port] : DATASTORE_PORTS;
  const pool = new AddressPool({ range, directory: layout.addressesDir(), probePorts });
  const docker = options.docker ?? new DockerodeHost(config.guest_agent.docker_socket);
  const images: ImageCatalog = {
    getImage: (id: string): Promise<Image | undefined> => docker.findImage(id),
    async findNewestImageByTags(tags: readonly string[]): Promise<Image | undefined> {
      // Tags name image repositories on this backend; the first one present wins.
      for (const tag of tags) {
        const image = await docker.findImage(tag);
        if (image !== undefined) return image;
      }
      return undefined;
    },
  };
  const volumes = new LocalVolumeDriver(layout);
  const networks = new LocalNetworkDriver(layout, pool, range);
  // The launcher reports exits to the compute driver, which needs the launcher: tie them through a holder.
  const holder: { compute?: LocalComputeDriver } = {};
  const launcher = new AgentLauncher({
    command: options.agentCommand ?? agentCommandFromConfig(config),
    stopTimeoutMs: settings.agent_stop_timeout * 1000,
    logger: log,
    onExit: (serverDir, code, signal) => void holder.compute?.recordExit(serverDir, code, signal).catch(() => undefined),
  });
  const compute = new LocalComputeDriver({ config, layout, pool, launcher, docker, flavors, images, volumes, networks, logger });
  holder.compute = compute;
  return {
    flavors,
    compute,
    volumes,
    networks,
    images,
    capabilities: LOCAL_PROCESS_CAPABILITIES,
    layout,
    pool,
    launcher,
    docker,
    // Agents are meant to outlive the controller (they are adopted on restart): nothing to release.
    close: () => Promise.resolve(),
  };
}
