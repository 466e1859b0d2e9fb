/**
 * `auth_strategy = keystone`: validates `X-Auth-Token` with Keystone v3 (`GET /v3/auth/tokens` with the token
 * as `X-Subject-Token`), authenticated by a service token obtained with the `[keystone_authtoken]` password
 * credentials. Results are cached until `token_cache_time` passes or the token expires, whichever is first;
 * tokens Keystone rejected are remembered for the same time (a rejected token never becomes valid). Cache
 * keys are SHA-256 digests, so raw tokens are not kept as map keys. Concurrent validations of one token share
 * a single Keystone request.
 *
 * Failures: a token Keystone does not know or that expired → 401; Keystone unreachable or answering with
 * errors → 503 (fail closed: nothing is let through without a positive answer).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TroveConfig } from '../../../shared/config/index.js';
import { ConfigError, ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { requestJson, type JsonResponse } from './http-json.js';
import { UnauthorizedError, type Authenticator, type Identity } from './identity.js';

/** Options to configure a `KeystoneAuthenticator`. */
export interface KeystoneOptions {
  /** Keystone v3 endpoint, e.g. http://127.0.0.1:5000/v3. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** How long a validation result is reused, in milliseconds. */
  cacheTimeMs: number;
  timeoutMs: number;
  ca?: string;
  insecure?: boolean;
  logger: Logger;
  /** Largest number of cached tokens. @default 10000 */
  maxCacheEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface CacheEntry {
  identity?: Identity;
  rejected?: string;
  untilMs: number;
}

interface ServiceToken {
  token: string;
  renewAtMs: number;
}

/** A service token is renewed this long before Keystone's expiry. */
const SERVICE_TOKEN_MARGIN_MS = 60_000;

function serviceUnavailable(message: string, cause?: unknown): TroveError {
  return new TroveError(ErrorCode.SERVICE_UNAVAILABLE, message, cause === undefined ? {} : { cause });
}

function headerText(response: JsonResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface TokenBody {
  token?: {
    expires_at?: string;
    user?: { id?: string; name?: string };
    project?: { id?: string };
    roles?: { name?: string }[];
  };
}

/** Builds the Keystone options from `[keystone_authtoken]`. @throws ConfigError when a credential is missing */
export function keystoneOptionsFromConfig(config: TroveConfig, logger: Logger): KeystoneOptions {
  const section = config.keystone_authtoken;
  const missing = (['auth_url', 'username', 'password', 'project_name'] as const).filter((key) => !section[key]);
  if (missing.length > 0) {
    throw new ConfigError(`auth_strategy = keystone needs [keystone_authtoken] ${missing.join(', ')}`, { missing });
  }
  const options: KeystoneOptions = {
    authUrl: String(section.auth_url),
    username: String(section.username),
    password: String(section.password),
    projectName: String(section.project_name),
    userDomainName: section.user_domain_name ?? 'Default',
    projectDomainName: section.project_domain_name ?? 'Default',
    cacheTimeMs: section.token_cache_time * 1000,
    timeoutMs: section.http_connect_timeout * 1000,
    insecure: section.insecure,
    logger,
  };
  if (section.cafile) options.ca = readFileSync(section.cafile, 'utf8');
  return options;
}

export class KeystoneAuthenticator implements Authenticator {
  private readonly options: KeystoneOptions;
  private readonly base: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Identity>>();
  private readonly now: () => number;
  private readonly logger: Logger;
  private serviceToken: ServiceToken | undefined;
  private serviceTokenPending: Promise<string> | undefined;

  constructor(options: KeystoneOptions) {
    this.options = options;
    this.base = options.authUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.logger = options.logger.child({ component: 'keystone-auth' });
  }

  async authenticate(token: string): Promise<Identity> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached !== undefined) {
      if (cached.untilMs > now) {
        if (cached.identity) return cached.identity;
        throw new UnauthorizedError(cached.rejected);
      }
      this.cache.delete(key);
    }
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.validate(key, token).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, entry: CacheEntry): void {
    const limit = this.options.maxCacheEntries ?? 10_000;
    if (this.cache.size >= limit) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(limit / 10);
      for (const oldKey of this.cache.keys()) {
        if (drop-- <= 0) break;
        this.cache.delete(oldKey);
      }
    }
    this.cache.set(key, entry);
  }

  private async validate(key: string, token: string): Promise<Identity> {
    let response = await this.lookup(token, await this.getServiceToken(false));
    if (response.status === 401) {
      // Our service token may have been revoked or expired early: renew once.
      response = await this.lookup(token, await this.getServiceToken(true));
    }
    const now = this.now();
    if (response.status === 404 || response.status === 401) {
      const message = 'The request you have made requires authentication.';
      if (response.status === 401) {
        this.logger.error('Keystone refused the service credentials of [keystone_authtoken]');
        throw serviceUnavailable('The identity service refused the API\'s service credentials.');
      }
      this.remember(key, { rejected: message, untilMs: now + this.options.cacheTimeMs });
      throw new UnauthorizedError(message);
    }
    if (response.status !== 200) {
      this.logger.warn({ status: response.status }, 'Keystone answered a token validation with an error');
      throw serviceUnavailable('The identity service could not validate the token.');
    }
    const body = (response.body ?? {}) as TokenBody;
    const data = body.token;
    const expiresAtMs = data?.expires_at ? Date.parse(data.expires_at) : Number.NaN;
    if (data === undefined || Number.isNaN(expiresAtMs)) throw serviceUnavailable('The identity service sent an unreadable token.');
    if (expiresAtMs <= now) {
      this.remember(key, { rejected: 'The token has expired.', untilMs: now + this.options.cacheTimeMs });
      throw new UnauthorizedError('The token has expired.');
    }
    const identity: Identity = {
      projectId: data.project?.id ?? null,
      userId: data.user?.id ?? null,
      roles: (data.roles ?? []).map((role) => role.name).filter((name): name is string => typeof name === 'string'),
      expiresAtMs,
    };
    if (data.user?.name !== undefined) identity.userName = data.user.name;
    this.remember(key, { identity, untilMs: Math.min(now + this.options.cacheTimeMs, expiresAtMs) });
    return identity;
  }

  private async lookup(token: string, serviceToken: string): Promise<JsonResponse> {
    try {
      return await requestJson(`${this.base}/auth/tokens?nocatalog`, {
        method: 'GET',
        headers: { 'x-auth-token': serviceToken, 'x-subject-token': token },
        timeoutMs: this.options.timeoutMs,
        ...this.tls(),
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Keystone unreachable');
      throw serviceUnavailable('The identity service is unavailable.', error);
    }
  }

  private tls(): { ca?: string; insecure?: boolean } {
    const tls: { ca?: string; insecure?: boolean } = {};
    if (this.options.ca !== undefined) tls.ca = this.options.ca;
    if (this.options.insecure !== undefined) tls.insecure = this.options.insecure;
    return tls;
  }

  private async getServiceToken(forceRenew: boolean): Promise<string> {
    if (!forceRenew && this.serviceToken && this.serviceToken.renewAtMs > this.now()) return this.serviceToken.token;
    this.serviceTokenPending ??= this.obtainServiceToken().finally(() => {
      this.serviceTokenPending = undefined;
    });
    return this.serviceTokenPending;
  }

  private async obtainServiceToken(): Promise<string> {
    const options = this.options;
    let response: JsonResponse;
    try {
      response = await requestJson(`${this.base}/auth/tokens?nocatalog`, {
        method: 'POST',
        body: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: options.username, domain: { name: options.userDomainName }, password: options.password } },
            },
            scope: { project: { name: options.projectName, domain: { name: options.projectDomainName } } },
          },
        },
        timeoutMs: options.timeoutMs,
        ...this.tls(),
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Keystone unreachable');
      throw serviceUnavailable('The identity service is unavailable.', error);
    }
    const token = headerText(response, 'x-subject-token');
    if (response.status !== 201 || token === undefined) {
      this.logger.error({ status: response.status }, 'cannot obtain a service token with [keystone_authtoken] credentials');
      throw serviceUnavailable('The API cannot authenticate to the identity service.');
    }
    const expiresAt = Date.parse(String((response.body as TokenBody | undefined)?.token?.expires_at ?? ''));
    const renewAtMs = Number.isNaN(expiresAt) ? this.now() + 5 * 60_000 : expiresAt - SERVICE_TOKEN_MARGIN_MS;
    this.serviceToken = { token, renewAtMs };
    return token;
  }
}
