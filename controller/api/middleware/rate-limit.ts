/**
 * Per-project rate limits (Trove's `common/limits.py`): a leaky bucket per project and limit, `value`
 * requests per minute for each verb (`http_{get,post,put,delete}_rate`) plus POSTs to `/mgmt`
 * (`http_mgmt_post_rate`). Over the limit: 413 `overLimit` with `retryAfter` and a `Retry-After` header.
 * State is per process, as in Trove (each API worker counts its own requests). A rate of 0 disables that
 * limit. `GET /limits` shows the caller's current levels.
 */
import type { RequestHandler } from 'express';
import type { TroveConfig } from '../../../shared/config/index.js';
import { contextOf } from '../context.js';
import { sendFault } from './errors.js';

/** One rate limit as configured. */
export interface RateLimitSpec {
  verb: string;
  uri: string;
  regex: string;
  /** Requests per unit. */
  value: number;
  /** Unit length in seconds. */
  unitSeconds: number;
}

/** A limit's state as `GET /limits` shows it. */
export interface RateLimitView {
  verb: string;
  uri: string;
  regex: string;
  value: number;
  remaining: number;
  unit: string;
  /** Epoch seconds when the next request is allowed. */
  resetTime: number;
}

const UNIT_NAMES: Record<number, string> = { 1: 'SECOND', 60: 'MINUTE', 3600: 'HOUR', 86400: 'DAY' };

class Bucket {
  private waterLevel = 0;
  private lastRequest: number | undefined;
  private nextRequest: number | undefined;
  private remaining: number;
  private readonly pattern: RegExp;

  constructor(readonly spec: RateLimitSpec) {
    this.remaining = spec.value;
    this.pattern = new RegExp(spec.regex);
  }

  /** Charges one request; returns the seconds to wait when it is over the limit. */
  charge(verb: string, path: string, now: number): number | undefined {
    if (this.spec.verb !== verb || !this.pattern.test(path)) return undefined;
    const capacity = this.spec.unitSeconds;
    const cost = capacity / this.spec.value;
    this.lastRequest ??= now;
    this.waterLevel = Math.max(this.waterLevel - (now - this.lastRequest), 0) + cost;
    this.lastRequest = now;
    const overflow = this.waterLevel - capacity;
    if (overflow > 0) {
      this.waterLevel -= cost;
      this.nextRequest = now + overflow;
      return overflow;
    }
    this.remaining = Math.floor(((capacity - this.waterLevel) / capacity) * this.spec.value);
    this.nextRequest = now;
    return undefined;
  }

  /** True when the bucket has drained and holds no information worth keeping. */
  idle(now: number): boolean {
    return this.lastRequest === undefined || now - this.lastRequest >= this.waterLevel;
  }

  view(now: number): RateLimitView {
    return {
      verb: this.spec.verb,
      uri: this.spec.uri,
      regex: this.spec.regex,
      value: this.spec.value,
      remaining: this.remaining,
      unit: UNIT_NAMES[this.spec.unitSeconds] ?? 'UNKNOWN',
      resetTime: Math.floor(this.nextRequest ?? now),
    };
  }
}

/** Trove's default limits from the `http_*_rate` options; a rate of 0 leaves that limit out. */
export function rateLimitsFromConfig(config: TroveConfig): RateLimitSpec[] {
  const d = config.DEFAULT;
  const specs: RateLimitSpec[] = [
    { verb: 'POST', uri: '*', regex: '.*', value: d.http_post_rate, unitSeconds: 60 },
    { verb: 'PUT', uri: '*', regex: '.*', value: d.http_put_rate, unitSeconds: 60 },
    { verb: 'DELETE', uri: '*', regex: '.*', value: d.http_delete_rate, unitSeconds: 60 },
    { verb: 'GET', uri: '*', regex: '.*', value: d.http_get_rate, unitSeconds: 60 },
    { verb: 'POST', uri: '*/mgmt', regex: '^/mgmt', value: d.http_mgmt_post_rate, unitSeconds: 60 },
  ];
  return specs.filter((spec) => spec.value > 0);
}

/** The limiter: buckets per project, created on first use and dropped once drained. */
export class RateLimiter {
  private readonly projects = new Map<string, Bucket[]>();

  constructor(
    private readonly specs: readonly RateLimitSpec[],
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly maxProjects = 100_000,
  ) {}

  private bucketsFor(project: string): Bucket[] {
    let buckets = this.projects.get(project);
    if (buckets === undefined) {
      if (this.projects.size >= this.maxProjects) this.prune();
      buckets = this.specs.map((spec) => new Bucket(spec));
      this.projects.set(project, buckets);
    }
    return buckets;
  }

  private prune(): void {
    const now = this.now();
    for (const [project, buckets] of this.projects) {
      if (buckets.every((bucket) => bucket.idle(now))) this.projects.delete(project);
    }
  }

  /** Charges a request; returns the shortest wait and its message when a limit is exceeded. */
  check(project: string, verb: string, path: string): { delaySeconds: number; message: string } | undefined {
    const now = this.now();
    let worst: { delaySeconds: number; message: string } | undefined;
    for (const bucket of this.bucketsFor(project)) {
      const delay = bucket.charge(verb, path, now);
      if (delay === undefined) continue;
      const unit = (UNIT_NAMES[bucket.spec.unitSeconds] ?? 'unit').toLowerCase();
      const message = `Only ${bucket.spec.value} ${bucket.spec.verb} request(s) can be made to ${bucket.spec.uri} every ${unit}.`;
      if (worst === undefined || delay < worst.delaySeconds) worst = { delaySeconds: delay, message };
    }
    return worst;
  }

  /** The caller's limits as `GET /limits` shows them. */
  limitsFor(project: string): RateLimitView[] {
    const now = this.now();
    return (this.projects.get(project) ?? this.specs.map((spec) => new Bucket(spec))).map((bucket) => bucket.view(now));
  }
}

/** Middleware charging each request to the caller's project; runs after authentication. */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (req, res, next) => {
    const context = contextOf(req);
    // The path after /v1.0/{tenant}, so `^/mgmt` means the management endpoints.
    const over = limiter.check(context.projectId ?? context.tenantId, req.method === 'HEAD' ? 'GET' : req.method, req.path);
    if (over === undefined) {
      next();
      return;
    }
    const retryAfter = Math.max(Math.ceil(over.delaySeconds), 0);
    res.setHeader('Retry-After', String(retryAfter));
    sendFault(res, 413, 'This request was rate-limited.', { details: over.message, retryAfter: String(retryAfter) });
  };
}
