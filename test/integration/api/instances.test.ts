import { expect } from 'chai';
import { startHarness, newProjectId, type ApiHarness } from './harness.js';

interface InstanceBody {
  instance: Record<string, unknown> & { id: string; status: string; operating_status: string; links: Array<{ href: string; rel: string }> };
}

describe('API /instances (real MariaDB, in-memory messaging, fake taskmanager and guests)', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('creates an instance: 200, BUILD, Trove fields, links, row with task BUILDING, key and NEW status, then a create_instance cast', async () => {
    h.tm.holdBuilds = true;
    try {
      const response = await h.request<InstanceBody>('POST', '/instances', {
        body: { instance: { name: 'db1', flavorRef: '2', volume: { size: 2, type: null }, datastore: { type: 'mysql', version: '5.7.29' }, access: { is_public: false }, databases: [{ name: 'app' }], users: [{ name: 'u1', password: 'pw1', databases: [{ name: 'app' }] }] } },
      });
      expect(response.status, response.text).to.equal(200);
      const instance = response.body.instance;
      expect(instance.status).to.equal('BUILD');
      expect(instance.operating_status).to.equal('');
      expect(instance['name']).to.equal('db1');
      expect(instance['flavor']).to.deep.include({ id: '2' });
      expect(instance['datastore']).to.deep.equal({ type: 'mysql', version: '5.7.29', version_number: '5.7.29' });
      expect(instance['volume']).to.deep.equal({ size: 2 });
      expect(instance['region']).to.equal('RegionOne');
      expect(instance['created']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      expect(instance.links[0]!.href).to.equal(`https://${new URL(h.url).host}/v1.0/${h.tenant}/instances/${instance.id}`);
      expect(instance.links[1]!.href).to.equal(`https://${new URL(h.url).host}/instances/${instance.id}`);
      expect(instance).not.to.have.property('tenant_id');
      const row = await h.db.models.instances.findByPk(instance.id);
      expect(row!.task_id).to.equal(0x05);
      expect(row!.tenant_id).to.equal(h.tenant);
      expect(row!.encrypted_key).to.match(/^tt1:/);
      const status = await h.db.models.serviceStatuses.findOne({ where: { instance_id: instance.id } });
      expect(status!.status_description).to.equal('new');
      await h.tm.waitFor('createInstance');
      const cast = h.tm.callsOf('createInstance').at(-1)!;
      expect(cast.args['instance_id']).to.equal(instance.id);
      expect(cast.args['datastore_manager']).to.equal('mysql');
      expect(cast.args['flavor']).to.deep.include({ id: '2', ram: 1024 });
      expect(cast.args['volume_size']).to.equal(2);
      expect(cast.args['databases']).to.deep.equal([{ _name: 'app', _character_set: null, _collate: null }]);
      expect((cast.args['users'] as Array<Record<string, unknown>>)[0]).to.include({ _name: 'u1', _host: '%', _password: 'pw1' });
      expect(cast.context['project_id']).to.equal(h.tenant);
      await h.tm.finishBuild(instance.id);
    } finally {
      h.tm.holdBuilds = false;
    }
  });

  it('shows an ACTIVE/HEALTHY instance with addresses and volume usage from the guest', async () => {
    const id = await h.createInstance();
    const response = await h.request<InstanceBody>('GET', `/instances/${id}`);
    expect(response.status).to.equal(200);
    const instance = response.body.instance;
    expect([instance.status, instance.operating_status]).to.deep.equal(['ACTIVE', 'HEALTHY']);
    expect(instance['ip']).to.have.length(1);
    expect((instance['addresses'] as Array<Record<string, unknown>>)[0]).to.include({ type: 'private' });
    expect(instance['access']).to.deep.equal({ is_public: false });
    expect(instance['volume']).to.deep.equal({ size: 1, used: 0.25 });
    expect(h.tm.guests.get(id)!.methods()).to.include('getFilesystemStats');
  });

  it('lists instances newest first with paging links, and detail adds created/updated', async () => {
    const tenant = newProjectId();
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push(await h.createInstance({ tenant }));
    const list = await h.request<{ instances: Array<Record<string, unknown>> }>('GET', '/instances?include_clustered=False', { tenant });
    expect(list.status).to.equal(200);
    expect(list.body.instances.map((item) => item['id']).sort()).to.deep.equal([...ids].sort());
    expect(list.body.instances[0]).not.to.have.property('created');
    const paged = await h.request<{ instances: Array<{ id: string }>; links: Array<{ rel: string; href: string }> }>('GET', '/instances?limit=2', { tenant });
    expect(paged.body.instances).to.have.length(2);
    const sorted = [...ids].sort();
    expect(paged.body.links[0]!.rel).to.equal('next');
    expect(paged.body.links[0]!.href).to.match(new RegExp(`^https://.*/v1\\.0/${tenant}/instances\\?limit=2&marker=${sorted[1]}$`));
    const second = await h.request<{ instances: Array<{ id: string }>; links?: unknown }>('GET', `/instances?limit=2&marker=${sorted[1]}`, { tenant });
    expect(second.body.instances.map((item) => item.id)).to.deep.equal([sorted[2]]);
    expect(second.body).not.to.have.property('links');
    const detail = await h.request<{ instances: Array<Record<string, unknown>> }>('GET', '/instances/detail', { tenant });
    expect(detail.body.instances[0]).to.have.property('created');
    expect(detail.body.instances[0]).to.have.property('service_status_updated');
  });

  it('hides another tenant\'s instance behind 404; an admin sees it with its tenant_id', async () => {
    const id = await h.createInstance();
    const other = newProjectId();
    const response = await h.request('GET', `/instances/${id}`, { tenant: other });
    expect(response.status).to.equal(404);
    expect(response.body).to.deep.equal({ itemNotFound: { code: 404, message: `Resource ${id} cannot be found.` } });
    expect((await h.request('DELETE', `/instances/${id}`, { tenant: other })).status).to.equal(404);
    const admin = await h.request<InstanceBody>('GET', `/instances/${id}`, { tenant: other, token: 'admin-token' });
    expect(admin.status).to.equal(200);
    expect(admin.body.instance).to.have.property('tenant_id', h.tenant);
  });

  it('rejects bad create bodies with Trove\'s validation messages and no rows left behind', async () => {
    const before = await h.db.models.instances.count();
    const cases: Array<[unknown, number, string]> = [
      [{ instance: { flavorRef: '2' } }, 400, "'name' is a required property"],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 0 } } }, 400, 'Validation error'],
      [{ instance: { name: 'x', flavorRef: '99', volume: { size: 1 } } }, 400, 'Resource 99 cannot be found.'],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 11 } } }, 413, "Volume 'size' cannot exceed maximum of 10 GB"],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, datastore: { type: 'nosuch' } } }, 404, "Datastore 'nosuch' cannot be found."],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, datastore: { type: 'mysql', version: '5.6' } } }, 400, "Datastore version '5.6' is not active."],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, databases: [{ name: 'mysql' }] } }, 400, 'reserved'],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, users: [{ name: 'u', password: 'p', databases: [{ name: 'nodb' }] }] } }, 400, 'not included in the initial databases list'],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, replica_count: 2 } }, 400, 'Replica count only valid when creating replicas'],
      [{ instance: { name: 'x', flavorRef: '2', volume: { size: 1 }, locality: 'near' } }, 400, "Invalid locality 'near'"],
    ];
    for (const [body, status, message] of cases) {
      const response = await h.request<Record<string, { code: number; message: string }>>('POST', '/instances', { body });
      expect(response.status, JSON.stringify(body)).to.equal(status);
      const fault = Object.values(response.body)[0]!;
      expect(fault.code).to.equal(status);
      expect(fault.message, JSON.stringify(body)).to.contain(message);
    }
    expect(await h.db.models.instances.count()).to.equal(before);
  });

  it('leaves nothing behind and releases quota when the taskmanager cannot be reached', async () => {
    const tenant = newProjectId();
    const original = h.deps.taskManager;
    h.deps.taskManager = {
      ...original,
      createInstance: async () => {
        throw new Error('broker down (test)');
      },
    };
    try {
      const response = await h.request('POST', '/instances', { tenant, body: { instance: { name: 'lost', flavorRef: '1', volume: { size: 1 } } } });
      expect(response.status).to.equal(500);
      expect(response.text).not.to.contain('broker down');
    } finally {
      h.deps.taskManager = original;
    }
    expect(await h.db.models.instances.count({ where: { tenant_id: tenant, deleted: false } })).to.equal(0);
    const quotas = await h.request<{ quotas: Array<{ resource: string; in_use: number; reserved: number }> }>('GET', `/mgmt/quotas/${tenant}`, { tenant });
    for (const quota of quotas.body.quotas) expect([quota.resource, quota.in_use, quota.reserved]).to.deep.equal([quota.resource, 0, 0]);
  });

  it('deletes: 202, DELETING released to the taskmanager, quota released; BUILD instances are refused with 422', async () => {
    const tenant = newProjectId();
    const id = await h.createInstance({ tenant });
    const response = await h.request('DELETE', `/instances/${id}`, { tenant });
    expect(response.status).to.equal(202);
    expect(response.text).to.equal('');
    await h.tm.waitFor('deleteInstance', h.tm.callsOf('deleteInstance').length);
    const quotas = await h.request<{ quotas: Array<{ resource: string; in_use: number }> }>('GET', `/mgmt/quotas/${tenant}`, { tenant });
    expect(quotas.body.quotas.find((quota) => quota.resource === 'instances')!.in_use).to.equal(0);
    h.tm.holdBuilds = true;
    try {
      const building = await h.request<InstanceBody>('POST', '/instances', { tenant, body: { instance: { name: 'b', flavorRef: '1', volume: { size: 1 } } } });
      const refused = await h.request<{ unprocessableEntity: { message: string } }>('DELETE', `/instances/${building.body.instance.id}`, { tenant });
      expect(refused.status).to.equal(422);
      expect(refused.body.unprocessableEntity.message).to.contain('is not ready');
    } finally {
      h.tm.holdBuilds = false;
    }
  });
});
