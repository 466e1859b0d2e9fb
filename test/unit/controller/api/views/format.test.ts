import { expect } from 'chai';
import { createLinks, formatDate, nextPageLink, pagedCollection } from '../../../../../controller/api/views/format.js';
import { flavorView } from '../../../../../controller/api/views/datastore-view.js';
import { instanceDetailView, instanceView, type InstanceData } from '../../../../../controller/api/views/instance-view.js';

const base = { host: 'db.example.test:8779', tenantId: 'p1', originalUrl: '/v1.0/p1/instances?limit=2&include_clustered=False' };

function data(overrides: Partial<InstanceData> = {}): InstanceData {
  return {
    id: 'i1', name: 'db', tenantId: 'p1', status: 'ACTIVE', operatingStatus: 'HEALTHY', flavorId: '2', datastoreName: 'mysql',
    datastoreVersionName: '5.7.29', datastoreVersionNumber: '5.7.29', region: 'RegionOne', volumeSupport: true, volumeSize: 1,
    hostname: null, addresses: [], slaveOfId: null, replicaIds: [], access: null, created: new Date('2026-01-02T03:04:05.678Z'),
    updated: null, serviceStatusUpdated: null, clusterId: null, shardId: null, serverId: 's1', volumeId: 'v1', encryptedRpcMessaging: true,
    ...overrides,
  };
}

describe('views', () => {
  it('formats datetimes as naive UTC without fractions', () => {
    expect(formatDate(new Date('2026-01-02T03:04:05.678Z'))).to.equal('2026-01-02T03:04:05');
    expect(formatDate(null)).to.equal(null);
    expect(formatDate('not a date')).to.equal(null);
  });

  it('builds Trove links and next-page links, always https', () => {
    expect(createLinks(base, 'instances', 'i1')).to.deep.equal([
      { href: 'https://db.example.test:8779/v1.0/p1/instances/i1', rel: 'self' },
      { href: 'https://db.example.test:8779/instances/i1', rel: 'bookmark' },
    ]);
    expect(nextPageLink(base, 'm 1')).to.deep.equal({ rel: 'next', href: 'https://db.example.test:8779/v1.0/p1/instances?limit=2&include_clustered=False&marker=m+1' });
    expect(pagedCollection(base, 'instances', [], null)).to.deep.equal({ instances: [] });
    expect(pagedCollection(base, 'instances', [1], 'x')).to.have.property('links');
  });

  it('shows the list view with Trove\'s optional fields', () => {
    const view = instanceView(data({ addresses: [{ address: '127.10.0.2', type: 'private', network: 'n' }], replicaIds: ['r1'], slaveOfId: 's0' }), base, false);
    expect(view).to.include({ id: 'i1', status: 'ACTIVE', operating_status: 'HEALTHY', region: 'RegionOne' });
    expect(view['ip']).to.deep.equal(['127.10.0.2']);
    expect(view['access']).to.deep.equal({ is_public: false });
    expect(view['volume']).to.deep.equal({ size: 1 });
    expect(view['replica_of']).to.deep.include({ id: 's0' });
    expect(view['replicas']).to.have.length(1);
    expect(view).not.to.have.property('tenant_id');
    expect(instanceView(data({ hostname: 'db.internal', addresses: [{ address: '1.2.3.4', type: 'public' }] }), base, true)).to.include({ hostname: 'db.internal', tenant_id: 'p1' });
    expect(instanceView(data({ access: { is_public: true, allowed_cidrs: [] } }), base, false)['access']).to.deep.equal({ is_public: true, allowed_cidrs: [] });
    expect(instanceView(data({ volumeSupport: false }), base, false)).not.to.have.property('volume');
  });

  it('adds detail fields, hides fault details and server ids from non-admins', () => {
    const fault = { message: 'boom', created: new Date('2026-01-01T00:00:00Z'), details: 'trace' };
    const user = instanceDetailView(data({ fault, volumeUsed: 0.5, rootPassword: 'pw', configuration: { id: 'c1', name: 'cfg' } }), base, false);
    expect(user['fault']).to.deep.equal({ message: 'boom', created: '2026-01-01T00:00:00', details: null });
    expect(user['volume']).to.deep.equal({ size: 1, used: 0.5 });
    expect(user).to.include({ password: 'pw', created: '2026-01-02T03:04:05' });
    expect(user['datastore']).to.deep.equal({ type: 'mysql', version: '5.7.29', version_number: '5.7.29' });
    expect(user).not.to.have.property('server_id');
    const admin = instanceDetailView(data({ fault }), base, true);
    expect(admin).to.include({ server_id: 's1', volume_id: 'v1', encrypted_rpc_messaging: true });
    expect((admin['fault'] as Record<string, unknown>)['details']).to.equal('trace');
  });

  it('shows numeric flavor ids as integers and others as null, with str_id', () => {
    const flavor = { id: '2', name: 'small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 0 };
    expect(flavorView(flavor, base, false)).to.include({ id: 2, str_id: '2' });
    expect(flavorView({ ...flavor, id: 'd2' }, base, false)).to.include({ id: null, str_id: 'd2' });
    expect(flavorView({ ...flavor, id: '02' }, base, false)).to.include({ id: null });
    expect(flavorView(flavor, base, true)).to.have.property('local_storage', 0);
  });
});
