/** A minimal JSON-over-HTTP(S) client for calls to Keystone, with a timeout and optional CA bundle. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface JsonRequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** PEM CA bundle for https. */
  ca?: string;
  /** Skip TLS verification (operator's explicit choice). */
  insecure?: boolean;
}

/** Largest response body accepted, so a misbehaving server cannot exhaust memory. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Sends one request and parses the JSON answer (a non-JSON body becomes `undefined`).
 * @throws Error on connection failures, timeouts and oversized answers
 */
export function requestJson(url: string, options: JsonRequestOptions): Promise<JsonResponse> {
  const target = new URL(url);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method,
        headers,
        timeout: options.timeoutMs,
        ...(target.protocol === 'https:' ? { ca: options.ca, rejectUnauthorized: !options.insecure } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new Error(`answer from ${target.host} is larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.host} within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
