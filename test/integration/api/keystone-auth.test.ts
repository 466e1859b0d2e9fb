/**
 * Token validation against a real Keystone (Debian's keystone 22, sqlite, uwsgi on 127.0.0.1:5051, tokens
 * living 20 s so an expired token can be produced): valid, missing, invalid, revoked and expired tokens,
 * a URL tenant other than the token's project, and an administrator acting on another project.
 */
import { expect } from 'chai';
import { authenticatorFromConfig } from '../../../controller/api/wiring.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { startKeystone, type Keystone } from '../../helpers/keystone.js';
import { startHarness, testConfig, type ApiHarness } from './harness.js';

const EXPIRATION_S = 20;

describe('API authentication with a real Keystone', function () {
  this.timeout(300_000);
  let keystone: Keystone;
  let h: ApiHarness;
  let projectA = '';
  let projectB = '';

  before(async () => {
    keystone = await startKeystone({ stateDir: '/tmp/trove-ts-keystone-api', port: 5051, tokenExpirationSeconds: EXPIRATION_S });
    const service = await keystone.ensureProject('service');
    await keystone.ensureUser('trove', 'trovepass', service, ['admin']);
    projectA = await keystone.ensureProject('project-a');
    projectB = await keystone.ensureProject('project-b');
    await keystone.ensureUser('alice', 'alicepass', projectA, ['member']);
    await keystone.ensureUser('bob', 'bobpass', projectB, ['member']);
    const overrides = {
      DEFAULT: { auth_strategy: 'keystone' },
      keystone_authtoken: { auth_url: keystone.url, username: 'trove', password: 'trovepass', project_name: 'service', token_cache_time: 300 },
    };
    h = await startHarness({ config: overrides, authenticator: authenticatorFromConfig(testConfig(overrides), silentLogger()) });
  });
  after(async () => {
    await h?.close();
    await keystone?.stop();
  });

  it('accepts a valid token for its own project and scopes work to it', async () => {
    const token = await keystone.token('alice', 'alicepass', 'project-a');
    const list = await h.request('GET', '/instances', { tenant: projectA, token });
    expect(list.status, list.text).to.equal(200);
    expect(list.body).to.deep.equal({ instances: [] });
    const id = await h.createInstance({ tenant: projectA, token });
    const row = await h.db.models.instances.findByPk(id);
    expect(row!.tenant_id).to.equal(projectA);
    const cast = h.tm.callsOf('createInstance').at(-1)!;
    expect(cast.context['project_id']).to.equal(projectA);
    expect(cast.context['roles']).to.include('member');
  });

  it('answers 401 for a missing, unknown or revoked token', async () => {
    const missing = await h.request('GET', '/instances', { tenant: projectA, token: null });
    expect(missing.status).to.equal(401);
    expect(Object.keys(missing.body)).to.deep.equal(['unauthorized']);
    const garbage = await h.request('GET', '/instances', { tenant: projectA, token: 'gAAAAABnot-a-real-token' });
    expect(garbage.status).to.equal(401);
    expect(garbage.body).to.deep.equal({ unauthorized: { code: 401, message: 'The request you have made requires authentication.' } });
    const revoked = await keystone.token('alice', 'alicepass', 'project-a');
    await keystone.revoke(revoked);
    expect((await h.request('GET', '/instances', { tenant: projectA, token: revoked })).status).to.equal(401);
  });

  it('answers 403 when the URL tenant is not the token\'s project', async () => {
    const token = await keystone.token('bob', 'bobpass', 'project-b');
    const response = await h.request('GET', '/instances', { tenant: projectA, token });
    expect(response.status).to.equal(403);
    expect(response.body).to.deep.equal({ forbidden: { code: 403, message: `User with tenant id ${projectB} cannot access this resource.` } });
  });

  it('lets an administrator act on another project and see its instances', async () => {
    const token = await keystone.token('admin', keystone.adminPassword, 'admin');
    const list = await h.request<{ instances: Array<Record<string, unknown>> }>('GET', '/instances', { tenant: projectA, token });
    expect(list.status).to.equal(200);
    expect(list.body.instances.length).to.be.greaterThan(0);
    expect(list.body.instances[0]).to.have.property('tenant_id', projectA);
    const quotas = await h.request('PUT', `/mgmt/quotas/${projectB}`, { tenant: projectA, token, body: { quotas: { instances: 3 } } });
    expect(quotas.status).to.equal(200);
    const member = await keystone.token('alice', 'alicepass', 'project-a');
    const refused = await h.request('PUT', `/mgmt/quotas/${projectA}`, { tenant: projectA, token: member, body: { quotas: { instances: 99 } } });
    expect(refused.status).to.equal(401);
  });

  it('answers 401 once a token has expired, even after it was cached', async () => {
    const token = await keystone.token('alice', 'alicepass', 'project-a');
    const issuedAt = Date.now();
    expect((await h.request('GET', '/limits', { tenant: projectA, token })).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, issuedAt + (EXPIRATION_S + 2) * 1000 - Date.now())));
    const expired = await h.request('GET', '/limits', { tenant: projectA, token });
    expect(expired.status).to.equal(401);
  });
});
