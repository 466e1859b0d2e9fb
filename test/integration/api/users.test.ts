/** Databases, users, user access and root: guest calls and casts through the sealed in-memory transport. */
import { expect } from 'chai';
import { startHarness, type ApiHarness } from './harness.js';

describe('API databases, users, access and root', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let id = '';
  before(async () => {
    h = await startHarness({ config: { DEFAULT: { databases_page_size: 2, users_page_size: 2 } } });
    id = await h.createInstance({ body: { databases: [{ name: 'app' }], users: [{ name: 'appuser', password: 'pw', databases: [{ name: 'app' }] }] } });
  });
  after(async () => h?.close());
  const guest = () => h.tm.guests.get(id)!;

  it('creates (202), lists with paging (200) and deletes (202) databases', async () => {
    const created = await h.request('POST', `/instances/${id}/databases`, { body: { databases: [{ name: 'db_b', character_set: 'utf8mb4', collate: 'utf8mb4_general_ci' }, { name: 'db_c' }] } });
    expect(created.status, created.text).to.equal(202);
    expect(created.text).to.equal('');
    expect(guest().databases.get('db_b')).to.deep.equal({ _name: 'db_b', _character_set: 'utf8mb4', _collate: 'utf8mb4_general_ci' });
    const page1 = await h.request<{ databases: Array<{ name: string }>; links: Array<{ href: string }> }>('GET', `/instances/${id}/databases`);
    expect(page1.body.databases).to.deep.equal([{ name: 'app' }, { name: 'db_b' }]);
    expect(page1.body.links[0]!.href).to.contain('marker=db_b');
    const page2 = await h.request<{ databases: Array<{ name: string }> }>('GET', `/instances/${id}/databases?marker=db_b`);
    expect(page2.body.databases).to.deep.equal([{ name: 'db_c' }]);
    expect((await h.request('DELETE', `/instances/${id}/databases/db_c`)).status).to.equal(202);
    expect(guest().databases.has('db_c')).to.equal(false);
  });

  it('refuses duplicate, reserved, invalid and missing databases', async () => {
    const exists = await h.request<{ badRequest: { message: string } }>('POST', `/instances/${id}/databases`, { body: { databases: [{ name: 'app' }] } });
    expect(exists.status).to.equal(400);
    expect(exists.body.badRequest.message).to.equal('A database with the name "app" already exists.');
    expect((await h.request('POST', `/instances/${id}/databases`, { body: { databases: [{ name: 'mysql' }] } })).status).to.equal(400);
    const hostile = await h.request('POST', `/instances/${id}/databases`, { body: { databases: [{ name: "a'; DROP DATABASE x; --" }] } });
    expect(hostile.status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/databases`, { body: { databases: [{ name: 'x'.repeat(65) }] } })).status).to.equal(400);
    const missing = await h.request('DELETE', `/instances/${id}/databases/nosuch`);
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal({ itemNotFound: { code: 404, message: 'Database nosuch cannot be found on the instance.' } });
    const notImplemented = await h.request('GET', `/instances/${id}/databases/app`);
    expect(notImplemented.status).to.equal(501);
    expect(guest().methods().filter((method) => method === 'createDatabase')).to.have.length(1);
  });

  it('creates, lists, shows, updates and deletes users', async () => {
    const created = await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: 'u2', password: 'pw2', host: '10.%', databases: [{ name: 'app' }] }, { name: 'u3', password: 'pw3', databases: [] }] } });
    expect(created.status, created.text).to.equal(202);
    const list = await h.request<{ users: Array<Record<string, unknown>>; links: unknown[] }>('GET', `/instances/${id}/users`);
    expect(list.body.users).to.deep.equal([
      { name: 'appuser', host: '%', databases: [{ name: 'app' }] },
      { name: 'u2', host: '10.%', databases: [{ name: 'app' }] },
    ]);
    expect(list.body.links).to.have.length(1);
    const shown = await h.request<{ user: Record<string, unknown> }>('GET', `/instances/${id}/users/u2@10.%25`);
    expect(shown.body).to.deep.equal({ user: { name: 'u2', host: '10.%', databases: [{ name: 'app' }] } });
    const renamed = await h.request('PUT', `/instances/${id}/users/u3`, { body: { user: { name: 'u3b', password: 'npw' } } });
    expect(renamed.status).to.equal(202);
    expect((await h.request('GET', `/instances/${id}/users/u3b`)).status).to.equal(200);
    const passwords = await h.request('PUT', `/instances/${id}/users`, { body: { users: [{ name: 'u3b', password: 'again' }] } });
    expect(passwords.status).to.equal(202);
    expect(guest().calls.find((call) => call.method === 'changePasswords')!.args).to.deep.equal({ users: [{ _name: 'u3b', _host: '%', _password: 'again' }] });
    expect((await h.request('DELETE', `/instances/${id}/users/u3b`)).status).to.equal(202);
    expect((await h.request('GET', `/instances/${id}/users/u3b`)).status).to.equal(404);
  });

  it('refuses duplicate, reserved, hostile and unknown users', async () => {
    const duplicate = await h.request<{ badRequest: { message: string } }>('POST', `/instances/${id}/users`, { body: { users: [{ name: 'appuser', password: 'x' }] } });
    expect(duplicate.body.badRequest.message).to.equal('A user with the name "appuser" already exists.');
    expect((await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: 'root', password: 'x' }] } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: "bob'--", password: 'x' }] } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: 'averyveryverylongname', password: 'x' }] } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: 'ok' }] } })).status).to.equal(400);
    const unknown = await h.request('GET', `/instances/${id}/users/ghost`);
    expect(unknown.body).to.deep.equal({ itemNotFound: { code: 404, message: 'User ghost cannot be found on the instance.' } });
    expect((await h.request('PUT', `/instances/${id}/users`, { body: { users: [{ name: 'ghost', password: 'x' }] } })).status).to.equal(404);
    expect((await h.request('PUT', `/instances/${id}/users/appuser`, { body: { user: {} } })).status).to.equal(400);
  });

  it('grants, lists and revokes access', async () => {
    await h.request('POST', `/instances/${id}/databases`, { body: { databases: [{ name: 'extra' }] } });
    expect((await h.request('PUT', `/instances/${id}/users/appuser/databases`, { body: { databases: [{ name: 'extra' }] } })).status).to.equal(202);
    const access = await h.request('GET', `/instances/${id}/users/appuser/databases`);
    expect(access.body).to.deep.equal({ databases: [{ name: 'app' }, { name: 'extra' }] });
    expect((await h.request('DELETE', `/instances/${id}/users/appuser/databases/extra`)).status).to.equal(202);
    expect((await h.request('DELETE', `/instances/${id}/users/appuser/databases/extra`)).status).to.equal(404);
    expect((await h.request('PUT', `/instances/${id}/users/ghost/databases`, { body: { databases: [{ name: 'app' }] } })).status).to.equal(404);
    expect((await h.request('PUT', `/instances/${id}/users/appuser/databases`, { body: { nothing: [] } })).status).to.equal(400);
  });

  it('enables root (200, with and without a password), shows it and disables it (204)', async () => {
    const before = await h.request('GET', `/instances/${id}/root`);
    expect(before.body).to.deep.equal({ rootEnabled: false });
    const notEnabled = await h.request('DELETE', `/instances/${id}/root`);
    expect(notEnabled.status).to.equal(404);
    expect(notEnabled.body).to.deep.equal({ itemNotFound: { code: 404, message: 'Root user has never been enabled on the instance.' } });
    const enabled = await h.request<{ user: { name: string; password: string } }>('POST', `/instances/${id}/root`);
    expect(enabled.status).to.equal(200);
    expect(enabled.body.user.name).to.equal('root');
    expect(enabled.body.user.password).to.equal(guest().rootPassword);
    const chosen = await h.request<{ user: { password: string } }>('POST', `/instances/${id}/root`, { body: { password: 'Chosen-Secret-1' } });
    expect(chosen.body.user.password).to.equal('Chosen-Secret-1');
    expect((await h.request('GET', `/instances/${id}/root`)).body).to.deep.equal({ rootEnabled: true });
    const history = await h.db.models.rootEnabledHistory.findByPk(id);
    expect(history!.user).to.equal(h.tenant);
    const disabled = await h.request('DELETE', `/instances/${id}/root`);
    expect(disabled.status).to.equal(204);
    expect(guest().rootEnabled).to.equal(false);
  });

  it('refuses guest work while the datastore is not running (422) and reports guest failures as 400', async () => {
    const building = await h.db.models.serviceStatuses.findOne({ where: { instance_id: id } });
    await building!.update({ status_id: 0x09, status_description: 'building' });
    const refused = await h.request<{ unprocessableEntity: { message: string } }>('GET', `/instances/${id}/databases`);
    expect(refused.status).to.equal(422);
    expect(refused.body.unprocessableEntity.message).to.equal(`Instance ${id} is not ready, status: building.`);
    await building!.update({ status_id: 0x21, status_description: 'healthy' });
    guest().failNext.add('listUsers');
    const failed = await h.request<{ badRequest: { message: string } }>('GET', `/instances/${id}/users`);
    expect(failed.status).to.equal(400);
    expect(failed.body.badRequest.message).to.contain('An error occurred communicating with the guest');
  });

  it('times out a silent guest with GuestTimeout (400) instead of hanging', async () => {
    await guest().stop();
    try {
      const started = Date.now();
      const response = await h.request<Record<string, { code: number }>>('GET', `/instances/${id}/root`, {});
      expect(response.status).to.equal(200);
      const slow = await h.request<Record<string, { code: number }>>('GET', `/instances/${id}/databases`);
      expect(slow.status).to.equal(400);
      expect(Date.now() - started).to.be.lessThan(20_000);
    } finally {
      await guest().serve(h.transport, await guestSealing(), h.deps.logger);
    }
  });

  async function guestSealing() {
    const { keyEncryptionKeysFromConfig, unwrapInstanceKey } = await import('../../../shared/crypto/index.js');
    const row = await h.db.models.instances.findByPk(id);
    return { mode: 'instance' as const, instanceId: id, key: unwrapInstanceKey(row!.encrypted_key!, keyEncryptionKeysFromConfig(h.config)) };
  }
});
