/** Instance actions and updates: restart, resizes, replication actions, reset_status, PUT/PATCH. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { newProjectId, startHarness, type ApiHarness } from './harness.js';

describe('API instance actions and updates', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let id = '';
  before(async () => {
    h = await startHarness();
    id = await h.createInstance();
  });
  after(async () => h?.close());
  const status = async () => (await h.request<{ instance: { status: string; operating_status: string } }>('GET', `/instances/${id}`)).body.instance;

  it('restarts: 202, REBOOT with RESTARTING until the taskmanager is done', async () => {
    h.tm.failNext.clear();
    const casts = h.tm.callsOf('restart').length;
    h.tm.failNext.add('restart');
    const response = await h.request('POST', `/instances/${id}/action`, { body: { restart: {} } });
    expect(response.status).to.equal(202);
    expect(response.text).to.equal('');
    const row = await h.db.models.instances.findByPk(id);
    expect(row!.task_id === 0x03 || row!.task_id === 0x01).to.equal(true);
    await h.tm.waitFor('restart', casts + 1);
    expect(await status()).to.deep.include({ status: 'ACTIVE', operating_status: 'HEALTHY' });
  });

  it('gates actions on the instance state with 422', async () => {
    await h.db.models.instances.update({ task_id: 0x04, task_description: 'Resizing the instance.' }, { where: { id } });
    const refused = await h.request<{ unprocessableEntity: { message: string } }>('POST', `/instances/${id}/action`, { body: { restart: {} } });
    expect(refused.status).to.equal(422);
    expect(refused.body.unprocessableEntity.message).to.equal(`Instance ${id} is not currently available for an action to be performed (task status was RESIZING).`);
    await h.db.models.instances.update({ task_id: 0x01, task_description: 'No tasks for the instance.' }, { where: { id } });
  });

  it('resizes the volume (bigger only, within limits and quota)', async () => {
    expect((await h.request('POST', `/instances/${id}/action`, { body: { resize: { volume: { size: 1 } } } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/action`, { body: { resize: { volume: { size: 11 } } } })).status).to.equal(413);
    expect((await h.request('POST', `/instances/${id}/action`, { body: { resize: { volume: { size: 'x' } } } })).status).to.equal(400);
    const casts = h.tm.callsOf('resizeVolume').length;
    const ok = await h.request('POST', `/instances/${id}/action`, { body: { resize: { volume: { size: '3' } } } });
    expect(ok.status, ok.text).to.equal(202);
    await h.tm.waitFor('resizeVolume', casts + 1);
    expect(h.tm.callsOf('resizeVolume').at(-1)!.args).to.deep.equal({ instance_id: id, new_size: 3 });
    const usage = await h.request<{ quotas: Array<{ resource: string; in_use: number }> }>('GET', `/mgmt/quotas/${h.tenant}`);
    expect(usage.body.quotas.find((quota) => quota.resource === 'volumes')!.in_use).to.equal(3);
  });

  it('resizes the flavor (another existing flavor, ram quota follows)', async () => {
    expect((await h.request('POST', `/instances/${id}/action`, { body: { resize: { flavorRef: '2' } } })).status).to.equal(400);
    const missing = await h.request('POST', `/instances/${id}/action`, { body: { resize: { flavorRef: '77' } } });
    expect(missing.body).to.deep.equal({ badRequest: { code: 400, message: 'Resource 77 cannot be found.' } });
    const casts = h.tm.callsOf('resizeFlavor').length;
    const ok = await h.request('POST', `/instances/${id}/action`, { body: { resize: { flavorRef: 'https://example.test/v1.0/x/flavors/3' } } });
    expect(ok.status, ok.text).to.equal(202);
    await h.tm.waitFor('resizeFlavor', casts + 1);
    const cast = h.tm.callsOf('resizeFlavor').at(-1)!;
    expect((cast.args['old_flavor'] as { id: string }).id).to.equal('2');
    expect((cast.args['new_flavor'] as { id: string }).id).to.equal('3');
    const usage = await h.request<{ quotas: Array<{ resource: string; in_use: number }> }>('GET', `/mgmt/quotas/${h.tenant}`);
    expect(usage.body.quotas.find((quota) => quota.resource === 'ram')!.in_use).to.equal(2048);
  });

  it('refuses replication actions on instances outside a replica set', async () => {
    const promote = await h.request('POST', `/instances/${id}/action`, { body: { promote_to_replica_source: {} } });
    expect(promote.body).to.deep.equal({ badRequest: { code: 400, message: `Instance ${id} is not a replica.` } });
    const eject = await h.request('POST', `/instances/${id}/action`, { body: { eject_replica_source: {} } });
    expect(eject.body).to.deep.equal({ badRequest: { code: 400, message: `Instance ${id} is not a replica source.` } });
    const detach = await h.request('PUT', `/instances/${id}`, { body: { instance: { replica_of: null } } });
    expect(detach.status).to.equal(400);
  });

  it('promotes a replica and detaches one, casting to the taskmanager', async () => {
    const replicaId = randomUUID();
    const source = await h.db.models.instances.findByPk(id);
    await h.db.models.instances.create({ ...source!.get({ plain: true }), id: replicaId, name: 'replica', slave_of_id: id, created: new Date(), updated: new Date() });
    await h.db.models.serviceStatuses.create({ instance_id: replicaId, status_id: 0x21, status_description: 'healthy', updated_at: new Date() });
    const list = await h.request<{ instances: Array<Record<string, unknown>> }>('GET', '/instances');
    expect(list.body.instances.find((item) => item['id'] === id)!['replicas']).to.have.length(1);
    expect(list.body.instances.find((item) => item['id'] === replicaId)!['replica_of']).to.deep.include({ id });
    const deleteSource = await h.request('DELETE', `/instances/${id}`);
    expect(deleteSource.status).to.equal(403);
    const promotes = h.tm.callsOf('promoteToReplicaSource').length;
    expect((await h.request('POST', `/instances/${replicaId}/action`, { body: { promote_to_replica_source: {} } })).status).to.equal(202);
    await h.tm.waitFor('promoteToReplicaSource', promotes + 1);
    const ejectFresh = await h.request('POST', `/instances/${id}/action`, { body: { eject_replica_source: {} } });
    expect(ejectFresh.body).to.deep.equal({ badRequest: { code: 400, message: `Replica Source ${id} cannot be ejected as it has a current heartbeat` } });
    await h.db.models.instances.update({ task_id: 0x01 }, { where: { id: replicaId } });
    const detaches = h.tm.callsOf('detachReplica').length;
    expect((await h.request('PATCH', `/instances/${replicaId}`, { body: { instance: { slave_of: null } } })).status).to.equal(202);
    await h.tm.waitFor('detachReplica', detaches + 1);
  });

  it('resets the status (admin only) and allows force_delete by policy', async () => {
    await h.db.models.instances.update({ task_id: 0x51, task_description: 'Build error: Server.' }, { where: { id } });
    expect((await status()).status).to.equal('ERROR');
    expect((await h.request('POST', `/instances/${id}/action`, { body: { reset_status: {} } })).status).to.equal(403);
    expect((await h.request('POST', `/instances/${id}/action`, { token: 'admin-ops', body: { reset_status: {} } })).status).to.equal(202);
    const row = await h.db.models.instances.findByPk(id);
    expect(row!.task_id).to.equal(0x01);
    const service = await h.db.models.serviceStatuses.findOne({ where: { instance_id: id } });
    expect(service!.status_description).to.equal('unknown');
    expect((await h.request('POST', `/instances/${id}/action`, { body: { reset_status: { force_delete: true } } })).status).to.equal(202);
    await service!.update({ status_id: 0x21, status_description: 'healthy', updated_at: new Date() });
  });

  it('updates name, access and datastore version (PUT), refusing two attributes at once', async () => {
    expect((await h.request('PUT', `/instances/${id}`, { body: { instance: { name: 'renamed' } } })).status).to.equal(202);
    expect((await h.db.models.instances.findByPk(id))!.name).to.equal('renamed');
    const two = await h.request('PUT', `/instances/${id}`, { body: { instance: { access: { is_public: true }, datastore_version: '5.7.29' } } });
    expect(two.body).to.deep.equal({ badRequest: { code: 400, message: "Only one attribute (except 'name') is allowed to update." } });
    const accessCasts = h.tm.callsOf('updateAccess').length;
    expect((await h.request('PUT', `/instances/${id}`, { body: { instance: { access: { is_public: true, allowed_cidrs: ['10.0.0.0/8'] } } } })).status).to.equal(202);
    await h.tm.waitFor('updateAccess', accessCasts + 1);
    const shown = await h.request<{ instance: Record<string, unknown> }>('GET', `/instances/${id}`);
    expect(shown.body.instance['access']).to.deep.equal({ is_public: true, allowed_cidrs: ['10.0.0.0/8'] });
    expect((await h.request('PUT', `/instances/${id}`, { body: { instance: { datastore_version: '9.9' } } })).status).to.equal(400);
    const upgrades = h.tm.callsOf('upgrade').length;
    expect((await h.request('PUT', `/instances/${id}`, { body: { instance: { datastore_version: '5.6' } } })).status).to.equal(202);
    await h.tm.waitFor('upgrade', upgrades + 1);
    expect(h.tm.callsOf('upgrade').at(-1)!.args).to.deep.equal({ instance_id: id, datastore_version_id: h.datastores.mysqlOldVersionId });
    expect((await h.request('PUT', `/instances/${id}`, { body: { instance: { bogus: 1 } } })).status).to.equal(400);
    expect((await h.request('PUT', `/instances/${id}`, { tenant: newProjectId(), body: { instance: { name: 'x' } } })).status).to.equal(404);
  });

  it('refuses unknown and empty actions with 400', async () => {
    expect((await h.request('POST', `/instances/${id}/action`, { body: {} })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/action`, { body: { explode: {} } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/action`, { body: { resize: {} } })).status).to.equal(400);
    expect((await h.request('POST', `/instances/${id}/action`, { body: { restart: 'now' } })).status).to.equal(400);
  });

  it('shows the default configuration rendered for the flavor', async () => {
    const response = await h.request<{ instance: { configuration: Record<string, string> } }>('GET', `/instances/${id}/configuration`);
    expect(response.status).to.equal(200);
    expect(Object.keys(response.body.instance.configuration).length).to.be.greaterThan(3);
  });
});
