/**
 * The service account's Keystone v3 session: password authentication scoped to the service project from
 * `[service_credentials]`, the token cached until shortly before it expires (or until a service answers 401),
 * and endpoint lookup in the token's service catalog by service type, region and interface.
 *
 * Token lifecycle:
 *   none ──authenticate──▶ valid ──(expires within token_expiry_margin | invalidate on 401)──▶ stale ──▶ re-authenticate
 * Concurrent callers share one in-flight authentication.
 */
import { ConfigError, ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { OpenStackApiError, serviceMessage } from './errors.js';
import type { HttpTransport } from './http-transport.js';

/** Catalog interfaces, as Keystone v3 names them. */
export type EndpointInterface = 'public' | 'internal' | 'admin';

/** The service account. Either `projectId` or `projectName` (with its domain) scopes the token. */
export interface ServiceCredentials {
  authUrl: string;
  username: string;
  password: string;
  userDomainName: string;
  projectId?: string;
  projectName?: string;
  projectDomainName: string;
}

/** Options to configure a `KeystoneSession`. */
export interface KeystoneSessionOptions {
  credentials: ServiceCredentials;
  /** Region whose endpoints are used; empty accepts any region. */
  regionName: string;
  /** Interface used when a lookup names none. */
  interface: EndpointInterface;
  /** A token expiring within this many ms is renewed before use. @default 120000 */
  expiryMarginMs?: number;
  transport: HttpTransport;
  logger: Logger;
  /** Injected for tests. @default Date.now */
  now?: () => number;
}

/** One endpoint of the catalog. */
export interface CatalogEndpoint {
  interface: string;
  region: string | null;
  url: string;
}

/** One service of the catalog. */
export interface CatalogService {
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

/** A token and what came with it. */
export interface TokenState {
  token: string;
  expiresAtMs: number;
  projectId: string;
  userId: string;
  catalog: CatalogService[];
}

/** Maps oslo's `publicURL`-style names to Keystone v3 interface names. */
export function toEndpointInterface(value: string): EndpointInterface {
  const name = value.replace(/URL$/, '');
  if (name === 'public' || name === 'internal' || name === 'admin') return name;
  throw new ConfigError(`Unknown endpoint type '${value}': use publicURL, internalURL or adminURL.`);
}

/** A Keystone v3 session of the service account. */
export class KeystoneSession {
  private readonly credentials: ServiceCredentials;
  private readonly tokensUrl: URL;
  private readonly regionName: string;
  private readonly defaultInterface: EndpointInterface;
  private readonly expiryMarginMs: number;
  private readonly transport: HttpTransport;
  private readonly logger: Logger;
  private readonly now: () => number;
  private state: TokenState | undefined;
  private pending: Promise<TokenState> | undefined;

  /** @throws ConfigError when the credentials are incomplete */
  constructor(options: KeystoneSessionOptions) {
    const { credentials } = options;
    const missing: string[] = [];
    if (credentials.authUrl === '') missing.push('auth_url');
    if (credentials.username === '') missing.push('username');
    if (credentials.password === '') missing.push('password');
    if (!credentials.projectId && !credentials.projectName) missing.push('project_id or project_name');
    if (missing.length > 0) {
      throw new ConfigError(`[service_credentials] ${missing.join(', ')} must be set for the openstack compute backend.`, { missing });
    }
    this.credentials = credentials;
    this.tokensUrl = tokensUrl(credentials.authUrl);
    this.regionName = options.regionName;
    this.defaultInterface = options.interface;
    this.expiryMarginMs = options.expiryMarginMs ?? 120_000;
    this.transport = options.transport;
    this.logger = options.logger.child({ component: 'keystone-session' });
    this.now = options.now ?? Date.now;
  }

  /** A token valid for at least the expiry margin, authenticating when needed. */
  async getToken(): Promise<TokenState> {
    const current = this.state;
    if (current && current.expiresAtMs - this.now() > this.expiryMarginMs) return current;
    this.pending ??= this.authenticate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets `token` (a service answered 401 to it); the next `getToken` re-authenticates. */
  invalidate(token: string): void {
    if (this.state?.token === token) this.state = undefined;
  }

  /**
   * The URL of a service's endpoint from the catalog: the first of `serviceTypes` present, in the session's
   * region, on `endpointInterface` (default: the session's).
   * @throws ConfigError naming the service type, region and interface when the catalog has no such endpoint
   */
  async endpoint(serviceTypes: readonly string[], endpointInterface?: EndpointInterface): Promise<string> {
    const { catalog } = await this.getToken();
    const wanted = endpointInterface ?? this.defaultInterface;
    const services = serviceTypes.flatMap((type) => catalog.filter((service) => service.type === type));
    for (const service of services) {
      const match = service.endpoints.find(
        (endpoint) => endpoint.interface === wanted && (this.regionName === '' || endpoint.region === this.regionName),
      );
      if (match) return match.url;
    }
    const regions = [...new Set(services.flatMap((service) => service.endpoints.filter((e) => e.interface === wanted).map((e) => e.region ?? '(none)')))];
    const offered = services.length === 0 ? 'the catalog has no such service' : `regions offering it: ${regions.length > 0 ? regions.join(', ') : 'none on that interface'}`;
    throw new ConfigError(
      `No '${serviceTypes.join("' or '")}' endpoint with interface '${wanted}' in region '${this.regionName}' in the Keystone catalog (${offered}); check [service_credentials] region_name and endpoint_type.`,
      { serviceTypes: [...serviceTypes], region: this.regionName, interface: wanted, regions },
    );
  }

  private async authenticate(): Promise<TokenState> {
    const { credentials } = this;
    const project = credentials.projectId
      ? { id: credentials.projectId }
      : { name: credentials.projectName, domain: { name: credentials.projectDomainName } };
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: credentials.username, domain: { name: credentials.userDomainName }, password: credentials.password } },
        },
        scope: { project },
      },
    };
    const response = await this.transport.send({ service: 'keystone', method: 'POST', url: this.tokensUrl, body });
    const facts = { service: 'keystone', method: 'POST', path: this.tokensUrl.pathname, status: response.status, requestId: response.requestId };
    if (response.status === 401) {
      throw new OpenStackApiError(facts, `the service credentials of user '${credentials.username}' were rejected (${serviceMessage(response.body, response.text)})`);
    }
    if (response.status !== 201 && response.status !== 200) throw new OpenStackApiError(facts, serviceMessage(response.body, response.text));
    const token = response.headers.get('x-subject-token');
    const parsed = parseTokenBody(response.body);
    if (!token || !parsed) throw new OpenStackApiError(facts, 'the token response lacks X-Subject-Token, token.expires_at, token.project or token.catalog');
    const state: TokenState = { token, ...parsed };
    if (state.expiresAtMs - this.now() <= this.expiryMarginMs) {
      throw new TroveError(ErrorCode.BACKEND_ERROR, 'Keystone issued a token that expires within [service_credentials] token_expiry_margin; lower the margin or raise Keystone\'s token expiration.', {
        details: { service: 'keystone', expiresAt: new Date(state.expiresAtMs).toISOString() },
      });
    }
    this.state = state;
    this.logger.info({ projectId: state.projectId, expiresAt: new Date(state.expiresAtMs).toISOString(), requestId: response.requestId }, 'service token issued');
    return state;
  }
}

/** `<auth_url>/auth/tokens`, adding `/v3` when the URL names no version. */
function tokensUrl(authUrl: string): URL {
  let base: URL;
  try {
    base = new URL(authUrl);
  } catch {
    throw new ConfigError(`[service_credentials] auth_url '${authUrl}' is not a URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ConfigError(`[service_credentials] auth_url '${authUrl}' must be http or https.`);
  const path = base.pathname.replace(/\/+$/, '');
  base.pathname = `${/\/v3$/.test(path) ? path : `${path}/v3`}/auth/tokens`;
  return base;
}

function parseTokenBody(body: unknown): Omit<TokenState, 'token'> | undefined {
  const token = (body as { token?: Record<string, unknown> } | undefined)?.token;
  if (!token) return undefined;
  const expiresAtMs = typeof token['expires_at'] === 'string' ? Date.parse(token['expires_at']) : Number.NaN;
  const project = token['project'] as { id?: unknown } | undefined;
  const user = token['user'] as { id?: unknown } | undefined;
  const catalog = token['catalog'];
  if (Number.isNaN(expiresAtMs) || typeof project?.id !== 'string' || !Array.isArray(catalog)) return undefined;
  return {
    expiresAtMs,
    projectId: project.id,
    userId: typeof user?.id === 'string' ? user.id : '',
    catalog: catalog.map(parseCatalogService).filter((service): service is CatalogService => service !== undefined),
  };
}

function parseCatalogService(value: unknown): CatalogService | undefined {
  const service = value as { type?: unknown; name?: unknown; endpoints?: unknown };
  if (typeof service?.type !== 'string' || !Array.isArray(service.endpoints)) return undefined;
  const endpoints: CatalogEndpoint[] = [];
  for (const item of service.endpoints as unknown[]) {
    const endpoint = item as { interface?: unknown; region_id?: unknown; region?: unknown; url?: unknown };
    if (typeof endpoint?.interface !== 'string' || typeof endpoint.url !== 'string') continue;
    const region = typeof endpoint.region_id === 'string' ? endpoint.region_id : typeof endpoint.region === 'string' ? endpoint.region : null;
    endpoints.push({ interface: endpoint.interface, region, url: endpoint.url });
  }
  return { type: service.type, name: typeof service.name === 'string' ? service.name : service.type, endpoints };
}
