/**
 * How failed OpenStack calls surface: one `OpenStackApiError` (code `BACKEND_ERROR`) naming the service, the
 * HTTP method, the URL path, the status and the service's own message. Request headers are never copied into
 * it, so the token cannot leak through an error. The clients branch on `status` (404 → absent, 409 → conflict).
 */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';

/** Longest service message kept in an error; service bodies can be whole HTML pages. */
const MAX_MESSAGE_LENGTH = 500;

/** What identifies a failed call. */
export interface ApiCallFacts {
  /** Service name as operators know it: keystone, nova, cinder, neutron, glance. */
  service: string;
  method: string;
  /** URL path without the query string. */
  path: string;
  /** HTTP status, or null when no response arrived (connection failure, timeout). */
  status: number | null;
  /** The service's request id (`x-openstack-request-id` / `x-compute-request-id`), when it sent one. */
  requestId?: string | undefined;
}

/** Thrown when an OpenStack service refused a request, answered garbage, or could not be reached. */
export class OpenStackApiError extends TroveError {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | null;

  constructor(facts: ApiCallFacts, serviceMessage: string, cause?: unknown) {
    const outcome = facts.status === null ? 'could not be completed' : `failed with HTTP ${facts.status}`;
    const details: Record<string, unknown> = {
      service: facts.service,
      method: facts.method,
      path: facts.path,
      status: facts.status,
    };
    if (facts.requestId !== undefined) details['requestId'] = facts.requestId;
    super(ErrorCode.BACKEND_ERROR, `${facts.service} ${facts.method} ${facts.path} ${outcome}: ${serviceMessage}`, {
      details,
      cause,
    });
    this.service = facts.service;
    this.method = facts.method;
    this.path = facts.path;
    this.status = facts.status;
  }
}

/** True for an `OpenStackApiError` with the given HTTP status. */
export function isApiStatus(error: unknown, status: number): error is OpenStackApiError {
  return error instanceof OpenStackApiError && error.status === status;
}

/**
 * Pulls the human message out of an OpenStack error body. The services disagree on the shape:
 * Nova/Cinder `{"itemNotFound": {"message", "code"}}`, Neutron `{"NeutronError": {"message", "type"}}`,
 * Keystone `{"error": {"message"}}`, Glance plain text or HTML.
 */
export function serviceMessage(body: unknown, text: string): string {
  const found = findMessage(body);
  const message = found ?? stripHtml(text);
  const trimmed = message.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return 'no message';
  return trimmed.length > MAX_MESSAGE_LENGTH ? `${trimmed.slice(0, MAX_MESSAGE_LENGTH)}…` : trimmed;
}

function findMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record['message'] === 'string') return record['message'];
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = (value as Record<string, unknown>)['message'];
      if (typeof inner === 'string') return inner;
    }
  }
  return undefined;
}

function stripHtml(text: string): string {
  return text.replace(/<[^>]*>/g, ' ');
}
