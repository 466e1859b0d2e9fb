import { expect } from 'chai';
import { ErrorCode } from '../../../../../shared/errors/index.js';
import { OpenStackApiError, type OpenStackBackend } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer, SERVICE_PROJECT_ID } from './helpers/fixture-server.js';
import { cloudBackend, errorText, ids, secretsIn, type LogCapture } from './helpers/cloud.js';

describe('openstack Cinder client (VolumeDriver)', () => {
  let server: FixtureServer;
  let backend: OpenStackBackend;
  let logs: LogCapture;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    ({ backend, logs } = cloudBackend(server));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') {
      server.assertDone();
      expect(secretsIn(server, logs.text()), 'secrets in logs').to.deep.equal([]);
    }
  });

  const volumeName = `trove-${ids.instance}`;

  it('creates trove-<instance id> with size, type, zone, description and metadata', async () => {
    server.expectFixture('cinder/volumes-create.json');
    const volume = await backend.volumes.createVolume({
      name: volumeName,
      sizeGb: 5,
      volumeType: 'lvmdriver-1',
      availabilityZone: 'nova',
      description: `Data volume of trove instance ${ids.instance}`,
      metadata: { trove_instance_id: ids.instance },
    });
    expect(volume).to.deep.equal({
      id: ids.volume,
      name: volumeName,
      sizeGb: 5,
      status: 'creating',
      volumeType: 'lvmdriver-1',
      availabilityZone: 'nova',
      attachments: [],
      metadata: { trove_instance_id: ids.instance },
    });
  });

  it('turns a quota refusal into BACKEND_ERROR with Cinder\'s message and the call facts', async () => {
    server.expectFixture('cinder/volumes-create-over-quota.json');
    const error = await backend.volumes.createVolume({ name: volumeName, sizeGb: 500 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    const apiError = error as OpenStackApiError;
    expect(apiError.code).to.equal(ErrorCode.BACKEND_ERROR);
    expect(apiError.status).to.equal(413);
    expect(apiError.message).to.equal(
      `cinder POST /volume/v3/${SERVICE_PROJECT_ID}/volumes failed with HTTP 413: VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 500G, quota is 1000G and 990G has been consumed.`,
    );
    expect(apiError.details).to.deep.include({ service: 'cinder', method: 'POST', path: `/volume/v3/${SERVICE_PROJECT_ID}/volumes`, status: 413 });
    expect(secretsIn(server, errorText(error))).to.deep.equal([]);
  });

  it('shows an attached volume with its attachment', async () => {
    server.expectFixture('cinder/volumes-show-in-use.json');
    const volume = await backend.volumes.getVolume(ids.volume);
    expect(volume?.status).to.equal('in-use');
    expect(volume?.attachments).to.deep.equal([{ serverId: ids.server, device: '/dev/vdb', attachmentId: '3b8b6631-1cf7-4fd7-9afb-c01e541a073c' }]);
  });

  it('returns undefined for a volume that is gone', async () => {
    server.expectFixture('cinder/volumes-show-not-found.json');
    expect(await backend.volumes.getVolume(ids.volume)).to.equal(undefined);
  });

  it('finds volumes by exact name', async () => {
    server.expectFixture('cinder/volumes-detail-by-name.json');
    const volumes = await backend.volumes.findVolumesByName(volumeName);
    expect(volumes.map((volume) => volume.id)).to.deep.equal([ids.volume]);
  });

  it('deletes a volume, and treats a missing one as deleted', async () => {
    server.expectFixture('cinder/volumes-delete.json');
    server.expectFixture('cinder/volumes-delete.json', (exchange) => {
      exchange.response = { status: 404, body: { itemNotFound: { code: 404, message: 'Volume could not be found.' } } };
    });
    await backend.volumes.deleteVolume(ids.volume);
    await backend.volumes.deleteVolume(ids.volume);
  });

  it('extends online with os-extend at microversion 3.42', async () => {
    server.expectFixture('cinder/volumes-extend.json');
    await backend.volumes.extendVolume(ids.volume, 10);
  });

  it('reports a refused extend (volume in error) with its status', async () => {
    server.expectFixture('cinder/volumes-extend.json', (exchange) => {
      exchange.response = { status: 400, body: { badRequest: { code: 400, message: 'Invalid volume: Volume status must be in-use or available, but current status is: error_extending.' } } };
    });
    const error = await backend.volumes.extendVolume(ids.volume, 10).catch((caught: unknown) => caught);
    expect((error as OpenStackApiError).status).to.equal(400);
    expect((error as Error).message).to.include('error_extending');
  });

  it('lists volume types (FlavorCatalog.listVolumeTypes)', async () => {
    server.expectFixture('cinder/types-list.json');
    expect(await backend.flavors.listVolumeTypes()).to.deep.equal([
      { id: '6685584b-1eac-4da6-b5c3-555430cf68ff', name: 'lvmdriver-1', is_public: true, description: null },
      { id: '8eb69a46-df97-4e41-9586-9a40a7533803', name: 'ssd-private', is_public: false, description: 'Replicated SSD' },
    ]);
  });

  it('uses the block-storage catalog entry when cinder_service_type names it', async () => {
    ({ backend, logs } = cloudBackend(server, { DEFAULT: { cinder_service_type: 'block-storage' } }));
    server.expectFixture('cinder/types-list.json', (exchange) => {
      exchange.request.path = '/block-storage/v3/types';
    });
    expect(await backend.flavors.listVolumeTypes()).to.have.length(2);
  });

  it('uses cinder_url instead of the catalog when set', async () => {
    ({ backend, logs } = cloudBackend(server, { DEFAULT: { cinder_url: `${server.base}/override/v3/${SERVICE_PROJECT_ID}` } }));
    server.expectFixture('cinder/types-list.json', (exchange) => {
      exchange.request.path = `/override/v3/${SERVICE_PROJECT_ID}/types`;
    });
    expect(await backend.flavors.listVolumeTypes()).to.have.length(2);
  });
});
