/**
 * Assembles the `openstack` compute backend from the configuration: one Keystone session of the service
 * account (`[service_credentials]`), one HTTP transport, and the Nova, Cinder, Neutron and Glance clients
 * bound to their catalog entries (or to `nova_compute_url`, `cinder_url`, `neutron_url`, `glance_url`).
 * Every resource is created in the service project; instances record their owner in server metadata.
 */
import type { TroveConfig } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { ComputeBackend, ComputeCapabilities, Flavor, FlavorCatalog, VolumeType } from '../ports.js';
import { CinderClient } from './cinder.js';
import { GlanceClient } from './glance.js';
import { HttpTransport } from './http-transport.js';
import { KeystoneSession, toEndpointInterface } from './keystone-session.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';
import { ServiceClient } from './service-client.js';

/** What the openstack backend can do. */
export const OPENSTACK_CAPABILITIES: ComputeCapabilities = Object.freeze({
  backend: 'openstack',
  hasSecurityGroups: true,
  hasFloatingIps: true,
  hasServerGroups: true,
  hasUserNetworks: true,
  hasVolumeTypes: true,
  canExtendVolumeOnline: true,
  canResizeServer: true,
  canRebuildServer: true,
  volumeKind: 'block',
});

/** Options to configure the openstack backend beyond the config file (tests inject these). */
export interface OpenStackBackendOptions {
  /** @default global fetch */
  fetch?: typeof fetch;
  /** @default setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

/** The openstack backend with its session exposed (the taskmanager records the service project id). */
export interface OpenStackBackend extends ComputeBackend {
  session: KeystoneSession;
  nova: NovaClient;
  cinder: CinderClient;
  neutron: NeutronClient;
  glance: GlanceClient;
}

/**
 * Builds the backend; nothing is contacted until the first call.
 * @throws ConfigError when `[service_credentials]` is incomplete or an endpoint type is unknown
 */
export function createOpenStackBackend(config: TroveConfig, logger: Logger, options: OpenStackBackendOptions = {}): OpenStackBackend {
  const credentials = config.service_credentials;
  const log = logger.child({ component: 'openstack' });
  const transport = new HttpTransport({
    timeoutMs: credentials.timeout * 1000,
    connectRetries: credentials.connect_retries,
    connectRetryDelayMs: credentials.connect_retry_delay * 1000,
    logger: log,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const session = new KeystoneSession({
    credentials: {
      authUrl: credentials.auth_url,
      username: credentials.username,
      password: credentials.password,
      userDomainName: credentials.user_domain_name,
      projectDomainName: credentials.project_domain_name,
      ...(credentials.project_id ? { projectId: credentials.project_id } : {}),
      ...(credentials.project_name ? { projectName: credentials.project_name } : {}),
    },
    regionName: credentials.region_name,
    interface: toEndpointInterface(credentials.endpoint_type),
    expiryMarginMs: credentials.token_expiry_margin * 1000,
    transport,
    logger: log,
    ...(options.now ? { now: options.now } : {}),
  });
  const defaults = config.DEFAULT;
  const endpointInterface = (value: string | null) => (value ? toEndpointInterface(value) : undefined);

  const nova = new NovaClient(
    new ServiceClient(session, transport, {
      service: 'nova',
      serviceTypes: [defaults.nova_compute_service_type],
      interface: endpointInterface(defaults.nova_compute_endpoint_type),
      endpointOverride: defaults.nova_compute_url,
      microversionService: 'compute',
      legacyMicroversionHeader: 'X-OpenStack-Nova-API-Version',
    }),
  );
  const cinder = new CinderClient(
    new ServiceClient(session, transport, {
      service: 'cinder',
      serviceTypes: unique([defaults.cinder_service_type, 'volumev3', 'block-storage']),
      interface: endpointInterface(defaults.cinder_endpoint_type),
      endpointOverride: defaults.cinder_url,
      microversionService: 'volume',
    }),
    nova,
  );
  const neutron = new NeutronClient(
    new ServiceClient(session, transport, {
      service: 'neutron',
      serviceTypes: [defaults.neutron_service_type],
      interface: endpointInterface(defaults.neutron_endpoint_type),
      endpointOverride: defaults.neutron_url,
      versionSuffix: '/v2.0',
    }),
  );
  const glance = new GlanceClient(
    new ServiceClient(session, transport, {
      service: 'glance',
      serviceTypes: [defaults.glance_service_type],
      interface: endpointInterface(defaults.glance_endpoint_type),
      endpointOverride: defaults.glance_url,
      versionSuffix: '/v2',
    }),
  );

  const flavors: FlavorCatalog = {
    listFlavors: (): Promise<Flavor[]> => nova.listFlavors(),
    getFlavor: (id: string): Promise<Flavor | undefined> => nova.getFlavor(id),
    listVolumeTypes: (): Promise<VolumeType[]> => cinder.listVolumeTypes(),
  };

  return {
    flavors,
    compute: nova,
    volumes: cinder,
    networks: neutron,
    images: glance,
    capabilities: OPENSTACK_CAPABILITIES,
    session,
    nova,
    cinder,
    neutron,
    glance,
    // fetch keeps no connections we own beyond undici's global pool; nothing to release.
    close: () => Promise.resolve(),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
