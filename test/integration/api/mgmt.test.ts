/** Management endpoints: admin only (401 otherwise), instances across projects, instance actions, datastore versions, parameters. */
import { expect } from 'chai';
import { newProjectId, startHarness, type ApiHarness } from './harness.js';

const ADMIN = 'admin-mgmt';

describe('API /mgmt', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let id = '';
  before(async () => {
    h = await startHarness();
    id = await h.createInstance({ tenant: newProjectId() });
  });
  after(async () => h?.close());

  it('refuses non-admins with Trove\'s 401', async () => {
    for (const path of ['/mgmt/instances', `/mgmt/instances/${id}`, '/mgmt/datastore-versions']) {
      const response = await h.request('GET', path);
      expect(response.status, path).to.equal(401);
      expect(response.body).to.deep.equal({ unauthorized: { code: 401, message: 'User does not have admin privileges.' } });
    }
  });

  it('lists and shows instances of every project with management fields', async () => {
    const list = await h.request<{ instances: Array<Record<string, unknown>> }>('GET', '/mgmt/instances?include_clustered=False&deleted=False', { token: ADMIN });
    const item = list.body.instances.find((instance) => instance['id'] === id)!;
    expect(item).to.include({ service_status: 'HEALTHY', deleted: false, task_description: 'No tasks for the instance.' });
    expect(item['server']).to.include({ status: 'ACTIVE' });
    const shown = await h.request<{ instance: Record<string, unknown> }>('GET', `/mgmt/instances/${id}`, { token: ADMIN });
    expect(shown.body.instance['guest_status']).to.deep.equal({ state_description: 'healthy' });
    expect(shown.body.instance['volume']).to.equal(null);
    const root = await h.request('GET', `/mgmt/instances/${id}/root`, { token: ADMIN });
    expect(root.body).to.deep.equal({ root_history: { id, enabled: 'Never', user: 'Nobody' } });
    const ping = await h.request('GET', `/mgmt/instances/${id}/rpc_ping`, { token: ADMIN });
    expect(ping.status).to.equal(204);
    const hwinfo = await h.request('GET', `/mgmt/instances/${id}/hwinfo`, { token: ADMIN });
    expect(hwinfo.status).to.equal(501);
  });

  it('runs management actions: stop, reboot, migrate, reset-task-status, rebuild', async () => {
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { stop: {} } })).status).to.equal(202);
    expect(h.tm.guests.get(id)!.methods()).to.include('stopDb');
    const reboots = h.tm.callsOf('reboot').length;
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { reboot: {} } })).status).to.equal(202);
    await h.tm.waitFor('reboot', reboots + 1);
    const migrates = h.tm.callsOf('migrate').length;
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { migrate: { host: 'h2' } } })).status).to.equal(202);
    await h.tm.waitFor('migrate', migrates + 1);
    expect(h.tm.callsOf('migrate').at(-1)!.args).to.deep.equal({ instance_id: id, host: 'h2' });
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { 'reset-task-status': {} } })).status).to.equal(202);
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { rebuild: { image_id: 'nope' } } })).status).to.equal(400);
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { stop: {}, reboot: {} } })).status).to.equal(400);
    expect((await h.request('POST', `/mgmt/instances/${id}/action`, { token: ADMIN, body: { fly: {} } })).body).to.deep.equal({ badRequest: { code: 400, message: 'Invalid instance action: fly' } });
  });

  it('creates, lists, shows, edits (PATCH) and deletes datastore versions', async () => {
    const created = await h.request('POST', '/mgmt/datastore-versions', {
      token: ADMIN,
      body: { version: { name: '8.0', datastore_name: 'mysql8', datastore_manager: 'mysql', active: true, image_tags: ['trove', 'mysql8'], default: true } },
    });
    expect(created.status, created.text).to.equal(202);
    const list = await h.request<{ versions: Array<Record<string, unknown>> }>('GET', '/mgmt/datastore-versions', { token: ADMIN });
    const version = list.body.versions.find((item) => item['datastore_name'] === 'mysql8')!;
    expect(version).to.include({ name: '8.0', version: '8.0', datastore_manager: 'mysql', active: true, default: true, image: null });
    expect(version['image_tags']).to.deep.equal(['trove', 'mysql8']);
    const duplicate = await h.request('POST', '/mgmt/datastore-versions', { token: ADMIN, body: { version: { name: '8.0', datastore_name: 'mysql8', datastore_manager: 'mysql', active: true, image_tags: ['x'] } } });
    expect(duplicate.body).to.deep.equal({ badRequest: { code: 400, message: "The datastore version '8.0(8.0)' already exists." } });
    expect((await h.request('POST', '/mgmt/datastore-versions', { token: ADMIN, body: { version: { name: '9', datastore_name: 'x', datastore_manager: 'mysql', active: true } } })).status).to.equal(400);
    expect((await h.request('POST', '/mgmt/datastore-versions', { token: ADMIN, body: { version: { name: '9', datastore_name: 'x', datastore_manager: 'oracle', active: true, image_tags: ['a'] } } })).status).to.equal(400);
    const edited = await h.request('PATCH', `/mgmt/datastore-versions/${String(version['id'])}`, { token: ADMIN, body: { active: false, default: false, packages: ['a', 'b'] } });
    expect(edited.status, edited.text).to.equal(202);
    const shown = await h.request<{ version: Record<string, unknown> }>('GET', `/mgmt/datastore-versions/${String(version['id'])}`, { token: ADMIN });
    expect(shown.body.version).to.include({ active: false, default: false });
    expect(shown.body.version['packages']).to.deep.equal(['a', 'b']);
    expect((await h.request('DELETE', `/mgmt/datastore-versions/${h.datastores.mysqlVersionId}`, { token: ADMIN })).status).to.equal(400);
    expect((await h.request('DELETE', `/mgmt/datastore-versions/${String(version['id'])}`, { token: ADMIN })).status).to.equal(202);
    expect((await h.request('GET', `/mgmt/datastore-versions/${String(version['id'])}`, { token: ADMIN })).status).to.equal(400);
  });

  it('manages configuration parameters of a version', async () => {
    const base = `/mgmt/datastores/versions/${h.datastores.mysqlVersionId}/parameters`;
    const created = await h.request('POST', base, { token: ADMIN, body: { 'configuration-parameter': { name: 'wait_timeout', data_type: 'integer', restart_required: 0, min: '1', max: '31536000' } } });
    expect(created.status, created.text).to.equal(200);
    expect(created.body).to.deep.equal({ name: 'wait_timeout', datastore_version_id: h.datastores.mysqlVersionId, restart_required: false, type: 'integer', max: 31536000, min: 1 });
    expect((await h.request('POST', base, { token: ADMIN, body: { 'configuration-parameter': { name: 'wait_timeout', data_type: 'integer', restart_required: 0, min: '1', max: '2' } } })).status).to.equal(400);
    expect((await h.request('POST', base, { token: ADMIN, body: { 'configuration-parameter': { name: 'x', data_type: 'integer', restart_required: 0 } } })).status).to.equal(400);
    const updated = await h.request('PUT', `${base}/wait_timeout`, { token: ADMIN, body: { 'configuration-parameter': { name: 'wait_timeout', data_type: 'integer', restart_required: 1, min: '5', max: '100' } } });
    expect(updated.body).to.include({ restart_required: true, min: 5, max: 100 });
    expect((await h.request<{ 'configuration-parameters': unknown[] }>('GET', base, { token: ADMIN })).body['configuration-parameters']).to.have.length(6);
    expect((await h.request('DELETE', `${base}/wait_timeout`, { token: ADMIN })).status).to.equal(204);
    expect((await h.request('DELETE', `${base}/wait_timeout`, { token: ADMIN })).status).to.equal(400);
  });
});

describe('API routes of features not offered yet (modules, clusters, logs)', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let id = '';
  before(async () => {
    h = await startHarness();
    id = await h.createInstance();
  });
  after(async () => h?.close());

  it('answers empty lists, 404 for ids and 501 for changes', async () => {
    expect((await h.request('GET', '/modules')).body).to.deep.equal({ modules: [] });
    expect((await h.request('GET', '/clusters')).body).to.deep.equal({ clusters: [] });
    expect((await h.request('POST', '/modules', { body: { module: {} } })).status).to.equal(501);
    expect((await h.request('POST', '/clusters', { body: { cluster: {} } })).body).to.deep.equal({ notImplemented: { code: 501, message: 'Clusters are not supported by this deployment.' } });
    expect((await h.request('GET', '/modules/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    expect((await h.request('GET', '/clusters/c1')).body).to.deep.equal({ itemNotFound: { code: 404, message: "Cluster 'c1' cannot be found." } });
    expect((await h.request('GET', `/instances/${id}/modules`)).body).to.deep.equal({ modules: [] });
    expect((await h.request('POST', `/instances/${id}/modules`, { body: { modules: [] } })).status).to.equal(501);
    expect((await h.request('GET', `/instances/${id}/log`)).body).to.deep.equal({ notImplemented: { code: 501, message: 'Log actions are not supported.' } });
    expect((await h.request('GET', `/instances/${id}/log`, { tenant: newProjectId() })).status).to.equal(404);
    expect((await h.request('GET', '/mgmt/clusters')).status).to.equal(401);
    expect((await h.request('POST', '/instances', { body: { instance: { name: 'm', flavorRef: '1', volume: { size: 1 }, modules: [{ id: '00000000-0000-4000-8000-000000000000' }] } } })).status).to.equal(501);
  });
});
