/** Backups and backup strategies. */
import { expect } from 'chai';
import { newProjectId, startHarness, type ApiHarness } from './harness.js';

interface BackupBody {
  backup: Record<string, unknown> & { id: string };
}

describe('API /backups and /backup_strategies', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  let id = '';
  before(async () => {
    h = await startHarness({ config: { DEFAULT: { backups_page_size: 2 } } });
    id = await h.createInstance();
  });
  after(async () => h?.close());

  it('creates a backup: 202, NEW, Trove fields, backups +1 and a create_backup cast', async () => {
    h.tm.failNext.clear();
    const response = await h.request<BackupBody>('POST', '/backups', { body: { backup: { name: 'b1', incremental: 0, instance: id, description: 'nightly' } } });
    expect(response.status, response.text).to.equal(202);
    expect(response.body.backup).to.include({ name: 'b1', description: 'nightly', instance_id: id, status: 'NEW', project_id: h.tenant, parent_id: null, locationRef: null, size: null });
    expect(response.body.backup['datastore']).to.deep.equal({ type: 'mysql', version: '5.7.29', version_id: h.datastores.mysqlVersionId });
    expect(response.body.backup['created']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    await h.tm.waitFor('createBackup');
    const cast = h.tm.callsOf('createBackup')[0]!;
    expect(cast.args['instance_id']).to.equal(id);
    expect(cast.args['backup_info']).to.include({ id: response.body.backup.id, name: 'b1', backup_type: 'full', datastore: 'mysql', datastore_version: '5.7.29' });
    const shown = await h.request<BackupBody>('GET', `/backups/${response.body.backup.id}`);
    expect(shown.body.backup).to.include({ status: 'COMPLETED', size: 0.1 });
    const quotas = await h.request<{ quotas: Array<{ resource: string; in_use: number }> }>('GET', `/mgmt/quotas/${h.tenant}`);
    expect(quotas.body.quotas.find((quota) => quota.resource === 'backups')!.in_use).to.equal(1);
  });

  it('makes incremental backups children of the last completed one, and lists with offset paging', async () => {
    const incremental = await h.request<BackupBody>('POST', '/backups', { body: { backup: { name: 'b2', incremental: 1, instance: id } } });
    expect(incremental.body.backup['parent_id']).to.be.a('string');
    await h.tm.waitFor('createBackup', 2);
    await h.request('POST', '/backups', { body: { backup: { name: 'b3', instance: id } } });
    await h.tm.waitFor('createBackup', 3);
    const page1 = await h.request<{ backups: Array<{ name: string }>; links: Array<{ href: string }> }>('GET', '/backups');
    expect(page1.body.backups).to.have.length(2);
    expect(page1.body.links[0]!.href).to.match(/marker=2$/);
    const page2 = await h.request<{ backups: Array<{ name: string }> }>('GET', '/backups?marker=2');
    expect(page2.body.backups).to.have.length(1);
    const forInstance = await h.request<{ backups: unknown[] }>('GET', `/instances/${id}/backups?limit=10`);
    expect(forInstance.body.backups).to.have.length(3);
    const other = newProjectId();
    expect((await h.request('GET', `/instances/${id}/backups`, { tenant: other })).status).to.equal(404);
    const filtered = await h.request<{ backups: unknown[] }>('GET', `/backups?instance_id=${id}&datastore=mysql&limit=10`);
    expect(filtered.body.backups).to.have.length(3);
    expect((await h.request('GET', '/backups?datastore=nosuch')).status).to.equal(404);
  });

  it('refuses bad backup requests', async () => {
    const noInstance = await h.request<{ badRequest: { message: string } }>('POST', '/backups', { body: { backup: { name: 'x' } } });
    expect(noInstance.status).to.equal(400);
    expect((await h.request('POST', '/backups', { body: { backup: { name: 'x', instance: 'not-a-uuid' } } })).status).to.equal(400);
    expect((await h.request('POST', '/backups', { body: { backup: { name: 'x', instance: '00000000-0000-4000-8000-000000000000' } } })).status).to.equal(404);
    expect((await h.request('POST', '/backups', { body: { backup: { name: 'x', instance: id, swift_container: 'a;rm -rf /' } } })).status).to.equal(400);
    const other = newProjectId();
    expect((await h.request('POST', '/backups', { tenant: other, body: { backup: { name: 'x', instance: id } } })).status).to.equal(404);
    expect((await h.request('GET', '/backups?all_projects=true')).status).to.equal(403);
    expect((await h.request('GET', '/backups?all_projects=true', { token: 'admin-x' })).status).to.equal(200);
  });

  it('refuses a backup while another runs (422) and fails backups on reset_status', async () => {
    h.tm.holdBackups = true;
    try {
      const running = await h.request<BackupBody>('POST', '/backups', { body: { backup: { name: 'slow', instance: id } } });
      expect(running.status).to.equal(202);
      const second = await h.request<{ unprocessableEntity: { message: string } }>('POST', '/backups', { body: { backup: { name: 'second', instance: id } } });
      expect(second.status).to.equal(422);
      expect(second.body.unprocessableEntity.message).to.contain('status was BACKUP');
      const show = await h.request<{ instance: { status: string } }>('GET', `/instances/${id}`);
      expect(show.body.instance.status).to.equal('BACKUP');
      expect((await h.request('POST', `/instances/${id}/action`, { body: { reset_status: {} } })).status).to.equal(403);
      const reset = await h.request('POST', `/instances/${id}/action`, { token: 'admin-reset', body: { reset_status: {} } });
      expect(reset.status).to.equal(202);
      const row = await h.db.models.backups.findByPk(running.body.backup.id);
      expect(row!.state).to.equal('FAILED');
      const afterReset = await h.request<{ instance: { status: string } }>('GET', `/instances/${id}`);
      expect(afterReset.body.instance.status).to.equal('ACTIVE');
    } finally {
      h.tm.holdBackups = false;
    }
  });

  it('deletes a backup and its children (202), releasing quota; another tenant gets 404', async () => {
    const list = await h.request<{ backups: Array<{ id: string; name: string; parent_id: string | null }> }>('GET', '/backups?limit=50');
    const parent = list.body.backups.find((backup) => backup.name === 'b1')!;
    expect((await h.request('DELETE', `/backups/${parent.id}`, { tenant: newProjectId() })).status).to.equal(404);
    const deletes = h.tm.callsOf('deleteBackup').length;
    expect((await h.request('DELETE', `/backups/${parent.id}`)).status).to.equal(202);
    await h.tm.waitFor('deleteBackup', deletes + 2);
    expect((await h.request('GET', `/backups/${parent.id}`)).status).to.equal(404);
  });

  it('manages backup strategies', async () => {
    // reset_status above left the service status UNKNOWN; the guest's next heartbeat reports it again.
    await h.db.models.serviceStatuses.update({ status_id: 0x21, status_description: 'healthy', updated_at: new Date() }, { where: { instance_id: id } });
    const created = await h.request('POST', '/backup_strategies', { body: { backup_strategy: { swift_container: 'my-backups' } } });
    expect(created.status).to.equal(202);
    expect(created.body).to.deep.equal({ backup_strategy: { project_id: h.tenant, instance_id: '', backend: 'swift', swift_container: 'my-backups' } });
    await h.request('POST', '/backup_strategies', { body: { backup_strategy: { instance_id: id, swift_container: 'per-instance' } } });
    const list = await h.request<{ backup_strategies: Array<Record<string, unknown>> }>('GET', '/backup_strategies');
    expect(list.body.backup_strategies).to.have.length(2);
    const casts = h.tm.callsOf('createBackup').length;
    const created2 = await h.request<BackupBody>('POST', '/backups', { body: { backup: { name: 'sc', instance: id } } });
    expect(created2.status, created2.text).to.equal(202);
    await h.tm.waitFor('createBackup', casts + 1);
    const cast = h.tm.callsOf('createBackup').find((call) => (call.args['backup_info'] as { id: string }).id === created2.body.backup.id)!;
    expect((cast.args['backup_info'] as Record<string, unknown>)['swift_container']).to.equal('per-instance');
    expect((await h.request('DELETE', '/backup_strategies')).status).to.equal(202);
    expect((await h.request<{ backup_strategies: unknown[] }>('GET', '/backup_strategies')).body.backup_strategies).to.have.length(1);
    expect((await h.request('GET', `/backup_strategies?project_id=${newProjectId()}`)).status).to.equal(403);
    expect((await h.request('POST', '/backup_strategies', { body: { backup_strategy: { swift_container: 'x', extra: 1 } } })).status).to.equal(400);
  });
});
