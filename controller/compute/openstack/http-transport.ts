/**
 * One JSON-over-HTTP exchange with an OpenStack service, on node's `fetch`: per-request timeout, retries with
 * exponential backoff when the connection fails, a request id on every call, and errors as
 * `OpenStackApiError`. Used by the Keystone session and by every service client; it knows nothing of tokens
 * beyond passing the headers it is given (and never logging them).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../shared/logging/index.js';
import { OpenStackApiError, serviceMessage } from './errors.js';

/** HTTP methods the clients use. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request. */
export interface HttpRequest {
  /** Service name for errors and logs (keystone, nova, ...). */
  service: string;
  method: HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  /** Sent as JSON when defined. */
  body?: unknown;
}

/** One response with its body parsed when it is JSON. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
  text: string;
  /** The service's request id, or ours when the service sent none. */
  requestId: string;
}

/** Options to configure `HttpTransport`. */
export interface HttpTransportOptions {
  /** @default 60000 */
  timeoutMs?: number;
  /** Retries after a failed connection. @default 3 */
  connectRetries?: number;
  /** Delay before the first retry; doubles each time. @default 500 */
  connectRetryDelayMs?: number;
  logger: Logger;
  /** Injected for tests. @default global fetch */
  fetch?: typeof fetch;
  /** Injected for tests. @default setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
}

// The request never reached the server: safe to resend whatever the method.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Sends JSON requests to OpenStack services. */
export class HttpTransport {
  private readonly timeoutMs: number;
  private readonly connectRetries: number;
  private readonly connectRetryDelayMs: number;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: HttpTransportOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.connectRetries = options.connectRetries ?? 3;
    this.connectRetryDelayMs = options.connectRetryDelayMs ?? 500;
    this.logger = options.logger;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Sends a request and returns the response whatever its status (callers decide what is an error).
   * @throws OpenStackApiError with status null when no response arrived after the retries
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const ourRequestId = `req-${randomUUID()}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-openstack-request-id': ourRequestId,
      'user-agent': 'trove-ts',
      ...request.headers,
    };
    const init: RequestInit = { method: request.method, headers, redirect: 'manual' };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(request.body);
    }
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      try {
        const response = await this.fetchImpl(request.url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
        const text = await response.text();
        const requestId = response.headers.get('x-openstack-request-id') ?? response.headers.get('x-compute-request-id') ?? ourRequestId;
        this.logger.debug(
          { service: request.service, method: request.method, path: request.url.pathname, status: response.status, durationMs: Date.now() - started, requestId },
          'openstack request',
        );
        return { status: response.status, headers: response.headers, body: parseJson(response.headers, text), text, requestId };
      } catch (error) {
        const reason = failureReason(error);
        const canRetry = NOT_SENT_CODES.has(reason) || IDEMPOTENT_METHODS.has(request.method);
        if (!canRetry || attempt >= this.connectRetries) {
          throw new OpenStackApiError(
            { service: request.service, method: request.method, path: request.url.pathname, status: null, requestId: ourRequestId },
            `no response from ${request.url.origin} (${reason}) after ${attempt + 1} attempt(s)`,
            error,
          );
        }
        const delayMs = this.connectRetryDelayMs * 2 ** attempt;
        this.logger.warn({ service: request.service, method: request.method, path: request.url.pathname, reason, attempt: attempt + 1, delayMs }, 'openstack request failed; retrying');
        await this.sleep(delayMs);
      }
    }
  }
}

/** Throws `OpenStackApiError` for a response outside 2xx, with the service's message. */
export function assertOk(service: string, request: { method: string; url: URL }, response: HttpResponse): void {
  if (response.status >= 200 && response.status < 300) return;
  throw new OpenStackApiError(
    { service, method: request.method, path: request.url.pathname, status: response.status, requestId: response.requestId },
    serviceMessage(response.body, response.text),
  );
}

function parseJson(headers: Headers, text: string): unknown {
  if (text === '' || !(headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, stable name for why a fetch failed: the socket error code, `timeout`, or `network`. */
function failureReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return 'network';
}
