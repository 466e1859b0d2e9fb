/** Quotas and limits: /limits, /mgmt/quotas, and the create race (N parallel creates against a limit of K admit exactly K). */
import { expect } from 'chai';
import { newProjectId, startHarness, type ApiHarness } from './harness.js';

describe('API quotas and limits', function () {
  this.timeout(120_000);
  let h: ApiHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('shows absolute and rate limits (GET /limits)', async () => {
    const response = await h.request<{ limits: Array<Record<string, unknown>> }>('GET', '/limits');
    expect(response.status).to.equal(200);
    expect(response.body.limits[0]).to.deep.equal({ verb: 'ABSOLUTE', max_instances: 10, max_ram: -1, max_volumes: 40, max_backups: 50 });
    expect(response.body.limits.slice(1).map((limit) => limit['verb'])).to.deep.equal(['POST', 'PUT', 'DELETE', 'GET', 'POST']);
    expect(response.body.limits[4]).to.include({ verb: 'GET', value: 100000, unit: 'MINUTE', uri: '*', regex: '.*' });
  });

  it('shows quota usage to the owner and admins only, and lets admins set limits', async () => {
    const project = newProjectId();
    const own = await h.request<{ quotas: Array<Record<string, unknown>> }>('GET', `/mgmt/quotas/${project}`, { tenant: project });
    expect(own.body.quotas).to.deep.equal([
      { resource: 'instances', in_use: 0, reserved: 0, limit: 10 },
      { resource: 'ram', in_use: 0, reserved: 0, limit: -1 },
      { resource: 'volumes', in_use: 0, reserved: 0, limit: 40 },
      { resource: 'backups', in_use: 0, reserved: 0, limit: 50 },
    ]);
    const foreign = await h.request('GET', `/mgmt/quotas/${project}`);
    expect(foreign.status).to.equal(403);
    const refused = await h.request('PUT', `/mgmt/quotas/${project}`, { tenant: project, body: { quotas: { instances: 100 } } });
    expect(refused.status).to.equal(401);
    expect(refused.body).to.deep.equal({ unauthorized: { code: 401, message: 'User does not have admin privileges.' } });
    const updated = await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { instances: 2, ram: 4096 } } });
    expect(updated.status).to.equal(200);
    expect(updated.body).to.deep.equal({ quotas: { instances: 2, ram: 4096 } });
    const limits = await h.request<{ limits: Array<Record<string, unknown>> }>('GET', '/limits', { tenant: project });
    expect(limits.body.limits[0]).to.include({ max_instances: 2, max_ram: 4096 });
    const unknown = await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { cpus: 2 } } });
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.deep.equal({ itemNotFound: { code: 404, message: "Unknown quota resources ['cpus']." } });
    const tooSmall = await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { instances: -2 } } });
    expect(tooSmall.status).to.equal(400);
    expect((await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { instances: 'many' } } })).status).to.equal(400);
  });

  it('admits exactly K of N parallel creates against an instance limit of K, with 413 for the rest', async () => {
    const project = newProjectId();
    const K = 4;
    const N = 12;
    await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { instances: K } } });
    h.tm.holdBuilds = true;
    try {
      const responses = await Promise.all(
        Array.from({ length: N }, (_, index) => h.request('POST', '/instances', { tenant: project, body: { instance: { name: `race${index}`, flavorRef: '1', volume: { size: 1 } } } })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).to.have.length(K);
      expect(statuses.filter((status) => status === 413)).to.have.length(N - K);
      const over = responses.find((response) => response.status === 413)!;
      expect(over.body).to.deep.equal({ overLimit: { code: 413, message: "Quota exceeded for resources: ['instances']." } });
      expect(await h.db.models.instances.count({ where: { tenant_id: project, deleted: false } })).to.equal(K);
      const usage = await h.request<{ quotas: Array<{ resource: string; in_use: number; reserved: number }> }>('GET', `/mgmt/quotas/${project}`, { tenant: project });
      expect(usage.body.quotas.find((quota) => quota.resource === 'instances')).to.deep.include({ in_use: K, reserved: 0 });
      expect(usage.body.quotas.find((quota) => quota.resource === 'ram')).to.deep.include({ in_use: K * 512 });
      expect(usage.body.quotas.find((quota) => quota.resource === 'volumes')).to.deep.include({ in_use: K });
    } finally {
      h.tm.holdBuilds = false;
    }
  });

  it('counts ram and volume quotas, and rolls back a failed reservation', async () => {
    const project = newProjectId();
    await h.request('PUT', `/mgmt/quotas/${project}`, { token: 'admin-1', body: { quotas: { ram: 1000, volumes: 3 } } });
    const tooMuchRam = await h.request('POST', '/instances', { tenant: project, body: { instance: { name: 'big', flavorRef: '2', volume: { size: 1 } } } });
    expect(tooMuchRam.status).to.equal(413);
    expect(tooMuchRam.body).to.deep.equal({ overLimit: { code: 413, message: "Quota exceeded for resources: ['ram']." } });
    const tooMuchDisk = await h.request('POST', '/instances', { tenant: project, body: { instance: { name: 'disk', flavorRef: '1', volume: { size: 4 } } } });
    expect(tooMuchDisk.body).to.deep.equal({ overLimit: { code: 413, message: "Quota exceeded for resources: ['volumes']." } });
    const usage = await h.request<{ quotas: Array<{ resource: string; in_use: number; reserved: number }> }>('GET', `/mgmt/quotas/${project}`, { tenant: project });
    for (const quota of usage.body.quotas) expect([quota.in_use, quota.reserved], quota.resource).to.deep.equal([0, 0]);
    const reservations = await h.db.models.reservations.count({ where: { status: 'Reserved' } });
    expect(reservations).to.equal(0);
  });
});
