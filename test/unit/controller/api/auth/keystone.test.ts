import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeystoneAuthenticator, keystoneOptionsFromConfig } from '../../../../../controller/api/auth/keystone.js';
import { NoAuthAuthenticator } from '../../../../../controller/api/auth/noauth.js';
import { ConfigError, ErrorCode, TroveError } from '../../../../../shared/errors/index.js';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';

/** A scripted stand-in for Keystone's /v3/auth/tokens on 127.0.0.1 (the real one is exercised by the integration test). */
class FakeKeystone {
  server: Server;
  validations = 0;
  serviceLogins = 0;
  serviceTokenValid = true;
  down = false;
  tokens = new Map<string, { project: string; roles: string[]; expiresAt: string }>();

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v3`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (this.down) {
      res.writeHead(500).end();
      return;
    }
    if (req.method === 'POST') {
      this.serviceLogins++;
      this.serviceTokenValid = true;
      res.writeHead(201, { 'x-subject-token': `svc-${this.serviceLogins}`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3600_000).toISOString() } }));
      return;
    }
    this.validations++;
    if (!this.serviceTokenValid || req.headers['x-auth-token'] !== `svc-${this.serviceLogins}`) {
      res.writeHead(401).end();
      return;
    }
    const subject = this.tokens.get(String(req.headers['x-subject-token']));
    if (subject === undefined) {
      res.writeHead(404).end('{"error": {"code": 404}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: { expires_at: subject.expiresAt, user: { id: 'u1', name: 'alice' }, project: { id: subject.project }, roles: subject.roles.map((name) => ({ name })) } }));
  }
}

describe('KeystoneAuthenticator', () => {
  let keystone: FakeKeystone;
  let url: string;
  let clock = Date.now();
  const make = (cacheTimeMs = 300_000) =>
    new KeystoneAuthenticator({
      authUrl: url, username: 'trove', password: 'pw', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default',
      cacheTimeMs, timeoutMs: 2000, logger: silentLogger(), now: () => clock,
    });

  beforeEach(async () => {
    keystone = new FakeKeystone();
    url = await keystone.listen();
    clock = Date.now();
  });
  afterEach(async () => {
    await new Promise((resolve) => keystone.server.close(resolve));
  });

  it('maps a valid token to project, user and roles, and caches it', async () => {
    keystone.tokens.set('t1', { project: 'p1', roles: ['member', 'reader'], expiresAt: new Date(clock + 3600_000).toISOString() });
    const auth = make();
    const identity = await auth.authenticate('t1');
    expect(identity).to.include({ projectId: 'p1', userId: 'u1' });
    expect(identity.roles).to.deep.equal(['member', 'reader']);
    await auth.authenticate('t1');
    await Promise.all([auth.authenticate('t1'), auth.authenticate('t1')]);
    expect(keystone.validations).to.equal(1);
    expect(keystone.serviceLogins).to.equal(1);
  });

  it('shares one Keystone request among concurrent validations of a token', async () => {
    keystone.tokens.set('t2', { project: 'p1', roles: [], expiresAt: new Date(clock + 3600_000).toISOString() });
    const auth = make();
    await Promise.all(Array.from({ length: 10 }, () => auth.authenticate('t2')));
    expect(keystone.validations).to.equal(1);
  });

  it('revalidates after token_cache_time and never serves a token past its expiry', async () => {
    keystone.tokens.set('t3', { project: 'p1', roles: [], expiresAt: new Date(clock + 10_000).toISOString() });
    const auth = make(60_000);
    await auth.authenticate('t3');
    clock += 11_000;
    keystone.tokens.delete('t3');
    await expectCode(auth.authenticate('t3'), ErrorCode.UNAUTHORIZED);
    expect(keystone.validations).to.equal(2);
  });

  it('rejects unknown and already-expired tokens with 401 and remembers the rejection', async () => {
    const auth = make();
    await expectCode(auth.authenticate('nope'), ErrorCode.UNAUTHORIZED);
    await expectCode(auth.authenticate('nope'), ErrorCode.UNAUTHORIZED);
    expect(keystone.validations).to.equal(1);
    keystone.tokens.set('old', { project: 'p1', roles: [], expiresAt: new Date(clock - 1000).toISOString() });
    await expectCode(auth.authenticate('old'), ErrorCode.UNAUTHORIZED);
  });

  it('renews a revoked service token once, then fails closed with 503', async () => {
    keystone.tokens.set('t4', { project: 'p1', roles: [], expiresAt: new Date(clock + 3600_000).toISOString() });
    const auth = make();
    await auth.authenticate('t4');
    keystone.serviceTokenValid = false;
    keystone.tokens.set('t5', { project: 'p1', roles: [], expiresAt: new Date(clock + 3600_000).toISOString() });
    await auth.authenticate('t5');
    expect(keystone.serviceLogins).to.equal(2);
    keystone.down = true;
    await expectCode(auth.authenticate('t6'), ErrorCode.SERVICE_UNAVAILABLE);
  });

  it('answers 503 when Keystone is unreachable', async () => {
    const auth = new KeystoneAuthenticator({
      authUrl: 'http://127.0.0.1:9/v3', username: 'u', password: 'p', projectName: 'p', userDomainName: 'Default', projectDomainName: 'Default',
      cacheTimeMs: 1000, timeoutMs: 1000, logger: silentLogger(),
    });
    await expectCode(auth.authenticate('x'), ErrorCode.SERVICE_UNAVAILABLE);
  });

  it('needs [keystone_authtoken] credentials', () => {
    expect(() => keystoneOptionsFromConfig(defaultConfig(), silentLogger())).to.throw(ConfigError, 'auth_url, username, password, project_name');
  });
});

describe('NoAuthAuthenticator', () => {
  it('takes the project from the URL, the user and roles from headers, admin from an admin token', async () => {
    const auth = new NoAuthAuthenticator();
    expect(await auth.authenticate('tok', { 'x-roles': 'member, reader' }, 'p1')).to.deep.equal({ projectId: 'p1', userId: 'tok', roles: ['member', 'reader'] });
    expect((await auth.authenticate('admin-1', { 'x-user-id': 'bob' }, 'p2')).roles).to.deep.equal(['admin']);
    expect((await auth.authenticate('t', { 'x-user-id': 'bob', 'x-role': 'dba' }, 'p2'))).to.deep.include({ userId: 'bob', roles: ['dba'] });
  });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TroveError);
    expect((error as TroveError).code).to.equal(code);
    return;
  }
  throw new Error(`expected ${code}`);
}
