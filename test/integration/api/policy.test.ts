/** Policy overrides from a policy file, reloaded when the file changes. */
import { expect } from 'chai';
import { utimesSync } from 'node:fs';
import { TempDir } from '../../helpers/tmp.js';
import { startHarness, type ApiHarness } from './harness.js';

describe('API policy file overrides', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let dir: TempDir;
  let file = '';
  before(async () => {
    dir = new TempDir();
    file = dir.write('policy.yaml', ['"instance:create": "role:dba"', '"datastore:index": "!"', '"instance:extension:database:create": "rule:admin"', ''].join('\n'));
    h = await startHarness({ policyFile: file, policyReloadMs: 0 });
  });
  after(async () => {
    await h?.close();
    dir.cleanup();
  });

  it('applies overridden rules and keeps the defaults of the others', async () => {
    const body = { instance: { name: 'p', flavorRef: '1', volume: { size: 1 } } };
    const refused = await h.request('POST', '/instances', { body });
    expect(refused.status).to.equal(403);
    expect(refused.body).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow instance:create to be performed." } });
    const allowed = await h.request('POST', '/instances', { body, headers: { 'x-roles': 'dba' } });
    expect(allowed.status, allowed.text).to.equal(200);
    const withDatabases = await h.request('POST', '/instances', { body: { instance: { ...body.instance, databases: [{ name: 'd' }] } }, headers: { 'x-roles': 'dba' } });
    expect(withDatabases.body).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow instance:extension:database:create to be performed." } });
    expect((await h.request('GET', '/datastores')).status).to.equal(403);
    expect((await h.request('GET', '/datastores', { token: 'admin-a' })).status).to.equal(403);
    expect((await h.request('GET', '/flavors')).status).to.equal(200);
  });

  it('reloads the file when it changes', async () => {
    dir.write('policy.yaml', '"datastore:index": "@"\n');
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    expect((await h.request('GET', '/datastores')).status).to.equal(200);
    expect((await h.request('POST', '/instances', { body: { instance: { name: 'q', flavorRef: '1', volume: { size: 1 } } } })).status).to.equal(200);
  });

  it('keeps the last good rules when the file becomes invalid', async () => {
    dir.write('policy.yaml', '"datastore:index": [unclosed\n');
    utimesSync(file, new Date(), new Date(Date.now() + 20_000));
    expect((await h.request('GET', '/datastores')).status).to.equal(200);
  });
});
