/** Configuration groups: create/list/show/instances/update/edit/delete, attach/detach through instances, value validation. */
import { expect } from 'chai';
import { newProjectId, startHarness, type ApiHarness } from './harness.js';

interface ConfigurationBody {
  configuration: Record<string, unknown> & { id: string; values: Record<string, unknown> };
}

describe('API /configurations', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let instanceId = '';
  let groupId = '';
  before(async () => {
    h = await startHarness();
    instanceId = await h.createInstance();
  });
  after(async () => h?.close());
  const guest = () => h.tm.guests.get(instanceId)!;

  it('creates a group (200) with typed values and masks nothing harmless', async () => {
    const response = await h.request<ConfigurationBody>('POST', '/configurations', {
      body: { configuration: { name: 'tuning', description: 'web', values: { max_connections: 300, autocommit: true, long_query_time: 2.5 }, datastore: { type: 'mysql', version: '5.7.29' } } },
    });
    expect(response.status, response.text).to.equal(200);
    groupId = response.body.configuration.id;
    expect(response.body.configuration).to.include({ name: 'tuning', description: 'web', instance_count: 0, datastore_name: 'mysql', datastore_version_name: '5.7.29', datastore_version_number: '5.7.29' });
    expect(response.body.configuration.values).to.deep.equal({ max_connections: 300, autocommit: true, long_query_time: 2.5 });
    const stored = await h.db.models.configurationParameters.findAll({ where: { configuration_id: groupId }, order: [['configuration_key', 'ASC']] });
    expect(stored.map((row) => [row.configuration_key, row.configuration_value])).to.deep.equal([['autocommit', '1'], ['long_query_time', '2.5'], ['max_connections', '300']]);
  });

  it('validates values against the version\'s rules (422) and the body schema (400)', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ nosuch: 1 }, 422, 'The configuration parameter nosuch is not supported for this datastore: mysql 5.7.29.'],
      [{ max_connections: '300' }, 422, 'is not of type integer'],
      [{ max_connections: 0 }, 422, 'is less than the minimum allowed: 1'],
      [{ max_connections: 100001 }, 422, 'is greater than the maximum allowed: 100000'],
      [{ long_query_time: 2 }, 422, 'is not of type float'],
      [{ character_set_server: 5 }, 422, 'is not of type string'],
    ];
    for (const [values, status, message] of cases) {
      const response = await h.request<Record<string, { message: string }>>('POST', '/configurations', { body: { configuration: { name: 'bad', values } } });
      expect(response.status, JSON.stringify(values)).to.equal(status);
      expect(Object.values(response.body)[0]!.message).to.contain(message);
    }
    expect((await h.request('POST', '/configurations', { body: { configuration: { values: {} } } })).status).to.equal(400);
    const unsupported = await h.request('POST', '/configurations', { body: { configuration: { name: 'pg', values: { x: 1 }, datastore: { type: 'postgresql' } } } });
    expect(unsupported.status).to.equal(422);
  });

  it('lists and shows groups; other tenants get 404', async () => {
    const list = await h.request<{ configurations: Array<Record<string, unknown>> }>('GET', '/configurations');
    expect(list.body.configurations).to.have.length(1);
    expect(list.body.configurations[0]).to.include({ id: groupId, name: 'tuning', datastore_name: 'mysql', datastore_version_name: '5.7.29', datastore_version_id: h.datastores.mysqlVersionId });
    expect(list.body.configurations[0]).not.to.have.property('values');
    const shown = await h.request<ConfigurationBody>('GET', `/configurations/${groupId}`);
    expect(shown.body.configuration.values).to.deep.equal({ autocommit: true, long_query_time: 2.5, max_connections: 300 });
    const other = await h.request('GET', `/configurations/${groupId}`, { tenant: newProjectId() });
    expect(other.body).to.deep.equal({ itemNotFound: { code: 404, message: `Configuration group with ID ${groupId} could not be found.` } });
  });

  it('attaches to an instance through its guest, counts it, and refuses a second attach or a delete', async () => {
    const attach = await h.request('PUT', `/instances/${instanceId}`, { body: { instance: { configuration: groupId } } });
    expect(attach.status, attach.text).to.equal(202);
    expect(guest().methods().slice(-2)).to.deep.equal(['updateOverrides', 'applyOverrides']);
    expect(guest().overrides).to.deep.equal({ autocommit: true, long_query_time: 2.5, max_connections: 300 });
    const instance = await h.request<{ instance: Record<string, unknown> }>('GET', `/instances/${instanceId}`);
    expect(instance.body.instance['configuration']).to.deep.include({ id: groupId, name: 'tuning' });
    expect(instance.body.instance['status']).to.equal('ACTIVE');
    const shown = await h.request<ConfigurationBody>('GET', `/configurations/${groupId}`);
    expect(shown.body.configuration['instance_count']).to.equal(1);
    const instances = await h.request('GET', `/configurations/${groupId}/instances`);
    expect(instances.body).to.deep.equal({ instances: [{ id: instanceId, name: 'db1' }] });
    const again = await h.request<{ badRequest: { message: string } }>('PUT', `/instances/${instanceId}`, { body: { instance: { configuration: groupId } } });
    expect(again.status).to.equal(400);
    expect(again.body.badRequest.message).to.contain('already has a Configuration Group attached');
    const refused = await h.request<{ badRequest: { message: string } }>('DELETE', `/configurations/${groupId}`);
    expect(refused.status).to.equal(400);
    expect(refused.body.badRequest.message).to.contain('cannot be deleted if it is associated');
  });

  it('edits (PATCH, 200, merge) and updates (PUT, 202, replace), re-applying to attached instances', async () => {
    const edit = await h.request('PATCH', `/configurations/${groupId}`, { body: { configuration: { values: { max_connections: 400 } } } });
    expect(edit.status).to.equal(200);
    expect(edit.text).to.equal('');
    expect(guest().overrides).to.deep.equal({ autocommit: true, long_query_time: 2.5, max_connections: 400 });
    const update = await h.request('PUT', `/configurations/${groupId}`, { body: { configuration: { name: 'renamed', values: { innodb_buffer_pool_size: 134217728 } } } });
    expect(update.status).to.equal(202);
    expect(guest().overrides).to.deep.equal({ innodb_buffer_pool_size: 134217728 });
    const instance = await h.request<{ instance: { status: string } }>('GET', `/instances/${instanceId}`);
    expect(instance.body.instance.status).to.equal('RESTART_REQUIRED');
    const shown = await h.request<ConfigurationBody>('GET', `/configurations/${groupId}`);
    expect(shown.body.configuration).to.include({ name: 'renamed' });
    expect(shown.body.configuration.values).to.deep.equal({ innodb_buffer_pool_size: 134217728 });
    expect((await h.request('PATCH', `/configurations/${groupId}`, { body: { configuration: { values: { bogus: 1 } } } })).status).to.equal(422);
  });

  it('detaches (RESTART_REQUIRED because a restart-only value was set) and deletes (202)', async () => {
    await h.request('POST', `/instances/${instanceId}/action`, { body: { restart: {} } });
    await h.tm.waitFor('restart');
    const detach = await h.request('PUT', `/instances/${instanceId}`, { body: { instance: { configuration: null } } });
    expect(detach.status, detach.text).to.equal(202);
    expect(guest().overrides).to.deep.equal({});
    const row = await h.db.models.instances.findByPk(instanceId);
    expect(row!.configuration_id).to.equal(null);
    expect((await h.request('DELETE', `/configurations/${groupId}`)).status).to.equal(202);
    expect((await h.request('GET', `/configurations/${groupId}`)).status).to.equal(404);
  });

  it('creates instances with a configuration, checking its datastore version', async () => {
    const group = await h.request<ConfigurationBody>('POST', '/configurations', { body: { configuration: { name: 'c2', values: { max_connections: 50 } } } });
    h.tm.holdBuilds = false;
    const before = h.tm.callsOf('createInstance').length;
    const created = await h.request('POST', '/instances', { body: { instance: { name: 'withcfg', flavorRef: '1', volume: { size: 1 }, configuration: group.body.configuration.id } } });
    expect(created.status, created.text).to.equal(200);
    await h.tm.waitFor('createInstance', before + 1);
    expect(h.tm.callsOf('createInstance').at(-1)!.args['overrides']).to.deep.equal({ max_connections: 50 });
    const mismatch = await h.request('POST', '/instances', { body: { instance: { name: 'x', flavorRef: '1', volume: { size: 1 }, datastore: { type: 'mariadb' }, configuration: group.body.configuration.id } } });
    expect(mismatch.status).to.equal(400);
    expect(mismatch.text).to.contain('does not match the Datastore Version on the instance');
  });
});
