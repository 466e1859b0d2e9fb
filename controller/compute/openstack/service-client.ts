/**
 * A REST client bound to one OpenStack service (Nova, Cinder, Neutron or Glance): finds the endpoint (an
 * explicit URL from the config, or the Keystone catalog), sends authenticated JSON requests, renews the token
 * once when the service answers 401, follows pagination links, and turns failures into `OpenStackApiError`.
 * The token travels only in the `X-Auth-Token` header, and only to the resolved endpoint's origin.
 */
import { ValidationError } from '../../../shared/errors/index.js';
import { OpenStackApiError, serviceMessage } from './errors.js';
import type { HttpMethod, HttpResponse, HttpTransport } from './http-transport.js';
import type { EndpointInterface, KeystoneSession } from './keystone-session.js';

/** Query parameters; an array repeats the parameter (`tag=a&tag=b`). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Options of one call. */
export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** API microversion, e.g. `2.64`; sent in `OpenStack-API-Version` (and the service's legacy header). */
  microversion?: string;
}

/** Where a service lives and how it versions its API. */
export interface ServiceClientOptions {
  /** Name in errors and logs: nova, cinder, neutron, glance. */
  service: string;
  /** Catalog types to try, in order. */
  serviceTypes: readonly string[];
  /** Catalog interface; undefined for the session's. */
  interface?: EndpointInterface | undefined;
  /** Endpoint from the config, bypassing the catalog. */
  endpointOverride?: string | null | undefined;
  /** Appended to the endpoint unless it already ends with it (`/v2.0` for Neutron, `/v2` for Glance). */
  versionSuffix?: string;
  /** Service name in `OpenStack-API-Version` (compute, volume). */
  microversionService?: string;
  /** Legacy microversion header, e.g. `X-OpenStack-Nova-API-Version`. */
  legacyMicroversionHeader?: string;
}

/** A 2xx response with the URL path it answered. */
export interface ServiceResponse extends HttpResponse {
  path: string;
}

/** Stops runaway pagination on a service that keeps returning the same next link. */
const MAX_PAGES = 1000;

/** An authenticated client for one service. */
export class ServiceClient {
  readonly service: string;
  private readonly session: KeystoneSession;
  private readonly transport: HttpTransport;
  private readonly options: ServiceClientOptions;
  private base: Promise<URL> | undefined;

  constructor(session: KeystoneSession, transport: HttpTransport, options: ServiceClientOptions) {
    this.service = options.service;
    this.session = session;
    this.transport = transport;
    this.options = options;
  }

  /**
   * Sends a request and returns the response when it is 2xx.
   * @throws OpenStackApiError for any other status, or when the service cannot be reached
   */
  async call(method: HttpMethod, path: string, options: CallOptions = {}): Promise<ServiceResponse> {
    const url = await this.url(path, options.query);
    for (let attempt = 0; ; attempt++) {
      const { token } = await this.session.getToken();
      const headers: Record<string, string> = { 'x-auth-token': token };
      if (options.microversion !== undefined) {
        if (this.options.microversionService) headers['openstack-api-version'] = `${this.options.microversionService} ${options.microversion}`;
        if (this.options.legacyMicroversionHeader) headers[this.options.legacyMicroversionHeader.toLowerCase()] = options.microversion;
      }
      const response = await this.transport.send({ service: this.service, method, url, headers, body: options.body });
      // One renewal: a token revoked or expired early gets replaced; a second 401 is a real refusal.
      if (response.status === 401 && attempt === 0) {
        this.session.invalidate(token);
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        throw new OpenStackApiError(
          { service: this.service, method, path: url.pathname, status: response.status, requestId: response.requestId },
          serviceMessage(response.body, response.text),
        );
      }
      return { ...response, path: url.pathname };
    }
  }

  /** GETs a JSON object and returns the value under `key`. */
  async getObject(path: string, key: string, options: CallOptions = {}): Promise<Record<string, unknown>> {
    const response = await this.call('GET', path, options);
    return this.member(response, 'GET', key);
  }

  /** Like `getObject`, but undefined when the service answers 404. */
  async findObject(path: string, key: string, options: CallOptions = {}): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.getObject(path, key, options);
    } catch (error) {
      if (error instanceof OpenStackApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Sends a body and returns the JSON object under `key` of the answer. */
  async send(method: HttpMethod, path: string, key: string, options: CallOptions): Promise<Record<string, unknown>> {
    const response = await this.call(method, path, options);
    return this.member(response, method, key);
  }

  /** DELETE that treats 404 as done (the resource is already gone). */
  async deleteIfExists(path: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.call('DELETE', path, options);
    } catch (error) {
      if (error instanceof OpenStackApiError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * GETs every page of a collection: follows `<key>_links` (Nova, Cinder, Neutron) or `next` (Glance). Only
   * the next link's query is used, on this client's own endpoint, so a link naming another host never receives
   * the token.
   */
  async list(path: string, key: string, options: CallOptions = {}): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let query: Query | undefined = options.query;
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await this.call('GET', path, { ...options, query });
      const body = response.body as Record<string, unknown> | undefined;
      const values = body?.[key];
      if (!Array.isArray(values)) throw this.badBody(response, 'GET', `no '${key}' list in the response`);
      items.push(...values.filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null));
      const next = nextLink(body, key);
      if (next === undefined || values.length === 0) return items;
      const params = new URL(next, 'http://link.invalid').searchParams;
      const signature = params.toString();
      if (seen.has(signature)) return items;
      seen.add(signature);
      query = {};
      for (const name of new Set(params.keys())) {
        const all = params.getAll(name);
        query[name] = all.length === 1 ? (all[0] as string) : all;
      }
    }
    return items;
  }

  /** The endpoint's URL (resolved once). */
  async endpoint(): Promise<URL> {
    this.base ??= this.resolveEndpoint().catch((error: unknown) => {
      this.base = undefined;
      throw error;
    });
    return this.base;
  }

  private async url(path: string, query: Query | undefined): Promise<URL> {
    const base = await this.endpoint();
    const url = new URL(base.href);
    url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
      else url.searchParams.append(name, String(value));
    }
    return url;
  }

  private async resolveEndpoint(): Promise<URL> {
    const raw = this.options.endpointOverride ?? (await this.session.endpoint(this.options.serviceTypes, this.options.interface));
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError(`The ${this.service} endpoint '${raw}' is not a URL.`);
    }
    const suffix = this.options.versionSuffix;
    const path = url.pathname.replace(/\/+$/, '');
    url.pathname = suffix && !path.endsWith(suffix) ? `${path}${suffix}` : path;
    url.search = '';
    return url;
  }

  private member(response: ServiceResponse, method: string, key: string): Record<string, unknown> {
    const value = (response.body as Record<string, unknown> | undefined)?.[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.badBody(response, method, `no '${key}' object in the response`);
    return value as Record<string, unknown>;
  }

  private badBody(response: ServiceResponse, method: string, problem: string): OpenStackApiError {
    return new OpenStackApiError(
      { service: this.service, method, path: response.path, status: response.status, requestId: response.requestId },
      `unexpected response: ${problem}`,
    );
  }
}

/**
 * Encodes one id as a path segment.
 * @throws ValidationError for an empty id or one that would climb the path (`.`, `..`)
 */
export function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new ValidationError(`'${id}' is not a valid resource id.`);
  return encodeURIComponent(id);
}

function nextLink(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const links = body?.[`${key}_links`];
  if (Array.isArray(links)) {
    const next = (links as Array<{ rel?: unknown; href?: unknown }>).find((link) => link?.rel === 'next');
    if (typeof next?.href === 'string') return next.href;
  }
  const glanceNext = body?.['next'];
  return typeof glanceNext === 'string' ? glanceNext : undefined;
}
