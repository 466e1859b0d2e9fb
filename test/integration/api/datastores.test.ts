/** Datastores, versions, associated flavors and volume types, configuration parameters and flavors. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startHarness, type ApiHarness } from './harness.js';

describe('API /datastores and /flavors', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('lists datastores with active versions for users, all versions with details for admins', async () => {
    const user = await h.request<{ datastores: Array<Record<string, unknown> & { versions: Array<Record<string, unknown>> }> }>('GET', '/datastores');
    expect(user.status).to.equal(200);
    const mysql = user.body.datastores.find((datastore) => datastore['name'] === 'mysql')!;
    expect(mysql['id']).to.equal(h.datastores.mysqlId);
    expect(mysql['default_version']).to.equal(h.datastores.mysqlVersionId);
    expect(mysql.versions).to.deep.equal([
      { id: h.datastores.mysqlVersionId, name: '5.7.29', version: '5.7.29', links: mysql.versions[0]!['links'] },
    ]);
    expect((mysql['links'] as Array<{ href: string }>)[0]!.href).to.match(new RegExp(`/v1\\.0/${h.tenant}/datastores/${h.datastores.mysqlId}$`));
    const admin = await h.request<{ datastores: Array<{ name: string; versions: Array<Record<string, unknown>> }> }>('GET', '/datastores', { token: 'admin-x' });
    const adminMysql = admin.body.datastores.find((datastore) => datastore.name === 'mysql')!;
    expect(adminMysql.versions.map((version) => version['name']).sort()).to.deep.equal(['5.6', '5.7.29']);
    expect(adminMysql.versions.find((version) => version['name'] === '5.7.29')).to.include({ active: true, image: null });
    expect(adminMysql.versions.find((version) => version['name'] === '5.7.29')!['image_tags']).to.deep.equal(['trove', 'mysql']);
  });

  it('shows datastores and versions by id or name', async () => {
    const byName = await h.request<{ datastore: Record<string, unknown> }>('GET', '/datastores/mysql');
    expect(byName.body.datastore['id']).to.equal(h.datastores.mysqlId);
    const byId = await h.request('GET', `/datastores/${h.datastores.mysqlId}`);
    expect(byId.status).to.equal(200);
    expect((await h.request('GET', '/datastores/nosuch')).body).to.deep.equal({ itemNotFound: { code: 404, message: "Datastore 'nosuch' cannot be found." } });
    const versions = await h.request<{ versions: Array<Record<string, unknown>> }>('GET', '/datastores/mysql/versions');
    expect(versions.body.versions).to.have.length(1);
    expect(versions.body.versions[0]).to.include({ name: '5.7.29', datastore: h.datastores.mysqlId });
    const version = await h.request<{ version: Record<string, unknown> }>('GET', '/datastores/mysql/versions/5.7.29');
    expect(version.body.version['id']).to.equal(h.datastores.mysqlVersionId);
    const byUuid = await h.request<{ version: Record<string, unknown> }>('GET', `/datastores/versions/${h.datastores.mysqlVersionId}`);
    expect(byUuid.body.version['name']).to.equal('5.7.29');
    const missing = await h.request('GET', '/datastores/mysql/versions/9.9');
    expect(missing.status).to.equal(400);
    expect(missing.body).to.deep.equal({ badRequest: { code: 400, message: "Datastore version '9.9' cannot be found." } });
  });

  it('lists associated flavors (restricted by datastore_version_metadata) and volume types', async () => {
    const all = await h.request<{ flavors: Array<Record<string, unknown>> }>('GET', '/datastores/mysql/versions/5.7.29/flavors');
    expect(all.body.flavors.map((flavor) => flavor['str_id'])).to.deep.equal(['1', '2', '3', '4']);
    await h.db.models.datastoreVersionMetadata.create({ id: randomUUID(), datastore_version_id: h.datastores.mariadbVersionId, key: 'flavor', value: '3', created: new Date(), deleted: false, updated_at: null, deleted_at: null });
    const restricted = await h.request<{ flavors: Array<Record<string, unknown>> }>('GET', `/datastores/mariadb/versions/${h.datastores.mariadbVersionId}/flavors`);
    expect(restricted.body.flavors.map((flavor) => flavor['id'])).to.deep.equal([3]);
    const refused = await h.request('POST', '/instances', { body: { instance: { name: 'x', flavorRef: '1', volume: { size: 1 }, datastore: { type: 'mariadb' } } } });
    expect(refused.status).to.equal(404);
    expect(refused.text).to.contain('is not supported for datastore version');
    const types = await h.request('GET', '/datastores/mysql/versions/5.7.29/volume-types');
    expect(types.body).to.deep.equal({ volume_types: [] });
  });

  it('lists and shows configuration parameters by datastore or by version id', async () => {
    const list = await h.request<{ 'configuration-parameters': Array<Record<string, unknown>> }>('GET', '/datastores/mysql/versions/5.7.29/parameters');
    const names = list.body['configuration-parameters'].map((parameter) => parameter['name']);
    expect(names).to.deep.equal(['autocommit', 'character_set_server', 'innodb_buffer_pool_size', 'long_query_time', 'max_connections']);
    const byVersion = await h.request<Record<string, unknown>>('GET', `/datastores/versions/${h.datastores.mysqlVersionId}/parameters/max_connections`);
    expect(byVersion.body).to.deep.equal({ name: 'max_connections', datastore_version_id: h.datastores.mysqlVersionId, restart_required: false, type: 'integer', max: 100000, min: 1 });
    expect((await h.request('GET', '/datastores/mysql/versions/5.7.29/parameters/nope')).status).to.equal(404);
    const empty = await h.request('GET', '/datastores/postgresql/versions/15/parameters');
    expect(empty.body).to.deep.equal({ 'configuration-parameters': [] });
  });

  it('lists and shows flavors with integer ids and str_id; unknown flavors are 404', async () => {
    const list = await h.request<{ flavors: Array<Record<string, unknown>> }>('GET', '/flavors');
    expect(list.body.flavors[1]).to.deep.include({ id: 2, str_id: '2', name: 'm1.small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 0 });
    const shown = await h.request<{ flavor: Record<string, unknown> }>('GET', '/flavors/3');
    expect(shown.body.flavor['name']).to.equal('m1.medium');
    expect((shown.body.flavor['links'] as Array<{ href: string }>)[0]!.href).to.match(/\/flavors\/3$/);
    const missing = await h.request('GET', '/flavors/ds2G');
    expect(missing.body).to.deep.equal({ itemNotFound: { code: 404, message: 'Resource ds2G cannot be found.' } });
  });

  it('deletes a datastore only as admin and only without versions', async () => {
    const empty = await h.db.models.datastores.create({ id: randomUUID(), name: 'emptyds', default_version_id: null });
    expect((await h.request('DELETE', `/datastores/${empty.id}`)).status).to.equal(403);
    expect((await h.request('DELETE', '/datastores/mysql', { token: 'admin-x' })).status).to.equal(400);
    expect((await h.request('DELETE', `/datastores/${empty.id}`, { token: 'admin-x' })).status).to.equal(202);
    expect((await h.request('GET', '/datastores/emptyds')).status).to.equal(404);
  });
});
