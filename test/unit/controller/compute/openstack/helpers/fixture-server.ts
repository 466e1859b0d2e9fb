/**
 * A stand-in OpenStack on 127.0.0.1 for contract tests: a Keystone that issues real-looking tokens with a
 * catalog pointing back at this server, and a script of recorded exchanges (test/fixtures/openstack/**) that
 * service requests must match in order: method, path, query, required headers and body. Every service request
 * must carry a live X-Auth-Token, and no issued token or the service password may appear anywhere else
 * (URL, body). Mismatches answer 599 and are collected; `assertDone()` fails the test on any of them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/** One expected request and the answer to give. */
export interface Exchange {
  summary?: string;
  request: {
    method: string;
    path: string;
    /** Exact query: every parameter, values in order. Absent means no query at all. */
    query?: Record<string, string | string[]>;
    /** Headers that must be present with these values (names case-insensitive). */
    headers?: Record<string, string>;
    /** Headers that must not be present. */
    absentHeaders?: string[];
    /** Exact JSON body; absent means the request has no body. */
    body?: unknown;
  };
  response: {
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    /** Raw text body (non-JSON answers such as Glance's HTML errors). */
    text?: string;
  };
  /** Test-only behaviour: drop the connection instead of answering, or never answer. */
  behaviour?: 'destroy' | 'hang';
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Fixed ids of the fixture cloud. */
export const SERVICE_PROJECT_ID = 'fa8b0e4a5bce4b1a8b3a3b5e0c2d9f11';
export const SERVICE_USER_ID = 'ee4dfb6e5540447cb3741905149d9b6e';
export const SERVICE_PASSWORD = 'sErvice-PaSs-7f3a9c';

/** The repository root, found from this file so any build output directory works. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures', 'openstack'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root with test/fixtures/openstack not found');
    dir = parent;
  }
}

/** Reads a fixture file (path relative to test/fixtures/openstack). */
export function loadFixture<T = Exchange>(relative: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'openstack', relative), 'utf8')) as T;
}

/** Replaces `{{name}}` in every string of a JSON value. */
export function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (match, name: string) => vars[name] ?? match) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => substitute(item, vars)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, vars)])) as T;
  }
  return value;
}

/** Keystone's behaviour, adjustable per test. */
export interface KeystoneBehaviour {
  /** Lifetime of issued tokens. */
  lifetimeMs: number;
  /** The exact auth body Keystone expects (checked when set). */
  expectedAuth?: unknown;
  /** Answer auth requests with this instead of a token. */
  failWith?: { status: number; body: unknown };
  /** Path of the tokens URL. */
  tokensPath: string;
  /** Every token issued from now on is refused by the services at once. */
  revokeNewTokens: boolean;
  /** Keystone's clock. */
  now: () => number;
}

/** The fixture server. */
export class FixtureServer {
  readonly base: string;
  readonly failures: string[] = [];
  readonly received: RecordedRequest[] = [];
  /** Tokens issued, oldest first. */
  readonly issuedTokens: string[] = [];
  /** Tokens the services no longer accept (answer 401). */
  readonly revokedTokens = new Set<string>();
  readonly keystone: KeystoneBehaviour = { lifetimeMs: 3_600_000, tokensPath: '/identity/v3/auth/tokens', revokeNewTokens: false, now: Date.now };
  authCount = 0;
  private readonly script: Exchange[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    const address = server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${address.port}`;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FixtureServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const instance = new FixtureServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void instance.handle(req, res);
    });
    return instance;
  }

  /** Variables substituted into fixtures. */
  vars(extra: Record<string, string> = {}): Record<string, string> {
    return { base: this.base, project_id: SERVICE_PROJECT_ID, ...extra };
  }

  /** Queues exchanges (fixtures are substituted with `vars`). */
  expect(...exchanges: Exchange[]): this {
    this.script.push(...exchanges.map((exchange) => substitute(exchange, this.vars())));
    return this;
  }

  /** Queues a fixture file, optionally patching it first. */
  expectFixture(relative: string, patch?: (exchange: Exchange) => void): this {
    const exchange = loadFixture(relative);
    patch?.(exchange);
    return this.expect(exchange);
  }

  /** Exchanges not yet requested. */
  pending(): Exchange[] {
    return [...this.script];
  }

  /** Throws when a request did not match or an expected request never came. */
  assertDone(): void {
    const problems = [...this.failures];
    if (this.script.length > 0) problems.push(`expected but not requested: ${this.script.map((e) => `${e.request.method} ${e.request.path}`).join(', ')}`);
    if (problems.length > 0) throw new Error(`fixture server: ${problems.join(' | ')}`);
  }

  /** Forgets scripted exchanges and failures (between tests). */
  reset(): void {
    this.script.length = 0;
    this.failures.length = 0;
    this.received.length = 0;
    this.revokedTokens.clear();
    this.keystone.lifetimeMs = 3_600_000;
    this.keystone.revokeNewTokens = false;
    this.keystone.now = Date.now;
    this.authCount = 0;
    delete this.keystone.expectedAuth;
    delete this.keystone.failWith;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.base);
    this.received.push({ method: req.method ?? '', url: url.pathname + url.search, headers: { ...req.headers }, body });
    this.checkNoSecretsOutsideHeaders(url, body, req.headers);
    if (url.pathname === this.keystone.tokensPath) return this.authenticate(req, body, res);

    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || !this.issuedTokens.includes(token)) {
      this.failures.push(`${req.method} ${url.pathname}: missing or unknown X-Auth-Token`);
      return send(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    }
    if (this.revokedTokens.has(token)) {
      return send(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    }
    const expected = this.script.shift();
    if (!expected) {
      this.failures.push(`unexpected ${req.method} ${url.pathname}${url.search}`);
      return send(res, 599, { message: 'no exchange expected' });
    }
    const mismatch = compare(expected, req, url, body);
    if (mismatch.length > 0) {
      this.failures.push(`${req.method} ${url.pathname}${url.search} vs fixture ${expected.request.method} ${expected.request.path}: ${mismatch.join('; ')}`);
      return send(res, 599, { message: 'request does not match the fixture' });
    }
    if (expected.behaviour === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (expected.behaviour === 'hang') return;
    const { response } = expected;
    if (response.text !== undefined) {
      res.writeHead(response.status, { 'content-type': 'text/html; charset=UTF-8', ...response.headers });
      res.end(response.text);
      return;
    }
    send(res, response.status, response.body, response.headers);
  }

  private authenticate(req: IncomingMessage, body: string, res: ServerResponse): void {
    this.authCount++;
    if (req.method !== 'POST') {
      this.failures.push(`keystone: ${req.method} on the tokens URL`);
      return send(res, 405, {});
    }
    if (req.headers['x-auth-token'] !== undefined) this.failures.push('keystone: the auth request carried an X-Auth-Token');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      this.failures.push('keystone: auth body is not JSON');
      return send(res, 400, {});
    }
    if (this.keystone.expectedAuth !== undefined && !isDeepStrictEqual(parsed, this.keystone.expectedAuth)) {
      this.failures.push(`keystone: auth body ${body} differs from the expected one`);
    }
    if (this.keystone.failWith) return send(res, this.keystone.failWith.status, this.keystone.failWith.body);
    const token = `gAAAAAB${randomBytes(24).toString('hex')}`;
    this.issuedTokens.push(token);
    if (this.keystone.revokeNewTokens) this.revokedTokens.add(token);
    const now = this.keystone.now();
    const template = loadFixture<unknown>('keystone/token-response.json');
    const tokenBody = substitute(template, this.vars({
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.keystone.lifetimeMs).toISOString(),
    }));
    send(res, 201, tokenBody, { 'x-subject-token': token });
  }

  private checkNoSecretsOutsideHeaders(url: URL, body: string, headers: IncomingMessage['headers']): void {
    const secrets = [...this.issuedTokens];
    const isAuth = url.pathname === this.keystone.tokensPath;
    const where = `${url.pathname}${url.search}`;
    for (const secret of secrets) {
      if (where.includes(secret)) this.failures.push(`token leaked into the URL ${where}`);
      if (body.includes(secret)) this.failures.push(`token leaked into the body of ${where}`);
    }
    if (!isAuth && (body.includes(SERVICE_PASSWORD) || where.includes(SERVICE_PASSWORD))) this.failures.push(`password leaked into ${where}`);
    for (const [name, value] of Object.entries(headers)) {
      if (name === 'x-auth-token') continue;
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      if (secrets.some((secret) => text.includes(secret)) || text.includes(SERVICE_PASSWORD)) this.failures.push(`secret leaked into header ${name}`);
    }
  }
}

function compare(expected: Exchange, req: IncomingMessage, url: URL, body: string): string[] {
  const problems: string[] = [];
  const want = expected.request;
  if (req.method !== want.method) problems.push(`method ${req.method} != ${want.method}`);
  if (url.pathname !== want.path) problems.push(`path ${url.pathname} != ${want.path}`);
  const query: Record<string, string[]> = {};
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name);
  const wantQuery: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(want.query ?? {})) wantQuery[name] = Array.isArray(value) ? value : [value];
  if (!isDeepStrictEqual(query, wantQuery)) problems.push(`query ${JSON.stringify(query)} != ${JSON.stringify(wantQuery)}`);
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    const got = req.headers[name.toLowerCase()];
    if (got !== value) problems.push(`header ${name}: ${JSON.stringify(got)} != ${JSON.stringify(value)}`);
  }
  for (const name of want.absentHeaders ?? []) {
    if (req.headers[name.toLowerCase()] !== undefined) problems.push(`header ${name} must be absent`);
  }
  if (want.body === undefined) {
    if (body !== '') problems.push(`unexpected body ${body}`);
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      problems.push(`body is not JSON: ${body.slice(0, 200)}`);
      return problems;
    }
    if (!isDeepStrictEqual(parsed, want.body)) problems.push(`body ${JSON.stringify(parsed)} != ${JSON.stringify(want.body)}`);
    if (req.headers['content-type'] !== 'application/json') problems.push(`content-type ${req.headers['content-type']}`);
  }
  return problems;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const requestId = `req-${randomBytes(16).toString('hex')}`;
  if (body === undefined) {
    res.writeHead(status, { 'x-openstack-request-id': requestId, ...headers });
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'x-openstack-request-id': requestId, ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
