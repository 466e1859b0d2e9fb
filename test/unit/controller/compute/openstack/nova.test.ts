import { expect } from 'chai';
import { ErrorCode, TroveError, ValidationError } from '../../../../../shared/errors/index.js';
import type { CreateServerRequest } from '../../../../../controller/compute/ports.js';
import { OpenStackApiError, type OpenStackBackend } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer } from './helpers/fixture-server.js';
import { cloudBackend, errorText, guestFiles, ids, secretsIn, type LogCapture } from './helpers/cloud.js';

describe('openstack Nova client (ComputeDriver)', () => {
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

  const metadata = { trove_project_id: ids.tenant, trove_user_id: ids.tenantUser, trove_instance_id: ids.instance };

  function fullRequest(): CreateServerRequest {
    return {
      name: 'orders-db',
      imageId: ids.image,
      flavorId: '6',
      keyName: 'trove-ops',
      nics: [{ portId: ids.port }, { portId: ids.managementPort }],
      volume: { volumeId: ids.volume, deviceName: 'vdb', sizeGb: 5, deleteOnTermination: true },
      boot: { files: guestFiles().files },
      availabilityZone: 'nova',
      serverGroupId: ids.group,
      metadata,
      configDrive: false,
    };
  }

  describe('createServer', () => {
    it('sends ports, the volume mapping, cloud-init user data, hints and the tenant metadata', async () => {
      server.expectFixture('nova/servers-create.json');
      const created = await backend.compute.createServer(fullRequest());
      expect(created).to.deep.equal({
        id: ids.server,
        name: 'orders-db',
        status: 'BUILD',
        addresses: {},
        flavorId: '6',
        imageId: ids.image,
        metadata,
        availabilityZone: 'nova',
      });
      const request = server.received.find((entry) => entry.url.endsWith('/servers'));
      const body = JSON.parse(request!.body) as { server: { user_data: string } };
      expect(Buffer.from(body.server.user_data, 'base64').toString('utf8')).to.equal(guestFiles().userData);
    });

    it('sends a network NIC with a fixed address and leaves out what is not set', async () => {
      server.expectFixture('nova/servers-create-minimal.json');
      const created = await backend.compute.createServer({
        name: 'scratch',
        imageId: ids.image,
        flavorId: '1',
        nics: [{ networkId: ids.network, fixedIp: '10.0.0.20' }],
        boot: { files: guestFiles().files },
        metadata,
        configDrive: true,
      });
      expect(created.id).to.equal(ids.server);
      expect(created).to.not.have.property('availabilityZone');
    });

    it('refuses user data larger than Nova accepts, before calling Nova', async () => {
      const request = fullRequest();
      request.boot = { files: [{ path: '/etc/trove/conf.d/big.conf', owner: 'root:root', content: 'x'.repeat(60_000) }] };
      const error = await backend.compute.createServer(request).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(TroveError);
      expect((error as TroveError).code).to.equal(ErrorCode.BACKEND_ERROR);
      expect((error as Error).message).to.match(/at most 65535/);
      expect(server.received.filter((entry) => entry.url.startsWith('/compute/'))).to.have.length(0);
    });
  });

  describe('getServer', () => {
    it('maps an ACTIVE server with fixed, floating and IPv6 addresses', async () => {
      server.expectFixture('nova/servers-show-active.json');
      const found = await backend.compute.getServer(ids.server);
      expect(found).to.deep.equal({
        id: ids.server,
        name: 'orders-db',
        status: 'ACTIVE',
        addresses: {
          'trove-user-net': [
            { address: '10.0.0.20', version: 4, type: 'fixed' },
            { address: '172.24.4.10', version: 4, type: 'floating' },
          ],
          'trove-mgmt': [{ address: 'fd00:10::5', version: 6, type: 'fixed' }],
        },
        metadata,
        flavorId: '6',
        imageId: ids.image,
        availabilityZone: 'nova',
      });
    });

    it('reports the fault of a server in ERROR', async () => {
      server.expectFixture('nova/servers-show-error.json');
      const found = await backend.compute.getServer(ids.server);
      expect(found?.status).to.equal('ERROR');
      expect(found?.fault).to.deep.equal({
        code: 500,
        message: 'No valid host was found. There are not enough hosts available.',
        details: 'Traceback (most recent call last): ...',
        created: '2026-11-25T12:31:00Z',
      });
      expect(found).to.not.have.property('imageId');
    });

    it('returns undefined for a server that is gone', async () => {
      server.expectFixture('nova/servers-show-not-found.json');
      expect(await backend.compute.getServer(ids.server)).to.equal(undefined);
    });

    it('maps a status it does not know to UNKNOWN', async () => {
      server.expectFixture('nova/servers-show-active.json', (exchange) => {
        ((exchange.response.body as { server: { status: string } }).server).status = 'SOMETHING_NEW';
      });
      expect((await backend.compute.getServer(ids.server))?.status).to.equal('UNKNOWN');
    });

    it('rejects an id that would climb the URL path, without calling Nova', async () => {
      const error = await backend.compute.getServer('..').catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(ValidationError);
      expect(server.received.filter((entry) => entry.url.startsWith('/compute/'))).to.have.length(0);
    });

    it('encodes ids so they stay one path segment', async () => {
      server.expectFixture('nova/servers-show-not-found.json', (exchange) => {
        exchange.request.path = '/compute/v2.1/servers/a%2F..%2Fflavors';
      });
      expect(await backend.compute.getServer('a/../flavors')).to.equal(undefined);
    });
  });

  describe('deleteServer', () => {
    it('deletes a server', async () => {
      server.expectFixture('nova/servers-delete.json');
      await backend.compute.deleteServer(ids.server);
    });

    it('treats a server that is already gone as deleted', async () => {
      server.expectFixture('nova/servers-delete-not-found.json');
      await backend.compute.deleteServer(ids.server);
    });
  });

  describe('server actions', () => {
    it('reboots softly, and hard when asked', async () => {
      server.expectFixture('nova/servers-action-reboot.json');
      server.expectFixture('nova/servers-action-reboot.json', (exchange) => {
        exchange.request.body = { reboot: { type: 'HARD' } };
      });
      await backend.compute.rebootServer(ids.server);
      await backend.compute.rebootServer(ids.server, true);
    });

    it('resizes, confirms and reverts', async () => {
      server.expectFixture('nova/servers-action-resize.json');
      server.expectFixture('nova/servers-action-confirm-resize.json');
      server.expectFixture('nova/servers-action-revert-resize.json');
      await backend.compute.resizeServer(ids.server, '7');
      await backend.compute.confirmResize(ids.server);
      await backend.compute.revertResize(ids.server);
    });

    it('rebuilds with the guest files as user data at microversion 2.57', async () => {
      server.expectFixture('nova/servers-action-rebuild.json');
      await backend.compute.rebuildServer(ids.server, { imageId: ids.image, boot: { files: guestFiles().files } });
    });

    it('names the refused action and keeps the status when Nova answers 409', async () => {
      server.expectFixture('nova/servers-action-conflict.json');
      const error = await backend.compute.resizeServer(ids.server, '7').catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(TroveError);
      const trove = error as TroveError;
      expect(trove.code).to.equal(ErrorCode.BACKEND_ERROR);
      expect(trove.message).to.include("Nova refused 'resize'").and.include('vm_state building');
      expect(trove.details).to.deep.include({ service: 'nova', method: 'POST', status: 409, action: 'resize', path: `/compute/v2.1/servers/${ids.server}/action` });
      expect(trove.details?.['requestId']).to.match(/^req-/);
      expect(secretsIn(server, errorText(error))).to.deep.equal([]);
    });
  });

  describe('server groups', () => {
    it('creates, shows and deletes a locality group at microversion 2.64', async () => {
      server.expectFixture('nova/server-groups-create.json');
      server.expectFixture('nova/server-groups-show.json');
      server.expectFixture('nova/server-groups-delete.json');
      const group = await backend.compute.createServerGroup(`locality_${ids.instance}`, 'anti-affinity');
      expect(group).to.deep.equal({ id: ids.group, name: `locality_${ids.instance}`, policy: 'anti-affinity', memberIds: [] });
      expect((await backend.compute.getServerGroup(ids.group))?.memberIds).to.deep.equal([ids.server]);
      await backend.compute.deleteServerGroup(ids.group);
    });

    it('reads the pre-2.64 policies list', async () => {
      server.expectFixture('nova/server-groups-show.json', (exchange) => {
        const group = (exchange.response.body as { server_group: Record<string, unknown> }).server_group;
        delete group['policy'];
        group['policies'] = ['affinity'];
      });
      expect((await backend.compute.getServerGroup(ids.group))?.policy).to.equal('affinity');
    });
  });

  describe('flavors (FlavorCatalog)', () => {
    it('lists every page, following only the query of the next link', async () => {
      server.expectFixture('nova/flavors-detail-page1.json');
      server.expectFixture('nova/flavors-detail-page2.json');
      const flavors = await backend.flavors.listFlavors();
      expect(flavors).to.deep.equal([
        { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, ephemeral: 0 },
        { id: '6', name: 'ds2G', ram: 2048, vcpus: 2, disk: 10, ephemeral: 1 },
        { id: '7', name: 'ds4G', ram: 4096, vcpus: 4, disk: 20, ephemeral: 0 },
      ]);
    });

    it('gets one flavor, or undefined when Nova does not know it', async () => {
      server.expectFixture('nova/flavors-show.json');
      server.expectFixture('nova/flavors-show-not-found.json');
      expect(await backend.flavors.getFlavor('6')).to.deep.equal({ id: '6', name: 'ds2G', ram: 2048, vcpus: 2, disk: 10, ephemeral: 1 });
      expect(await backend.flavors.getFlavor('42')).to.equal(undefined);
    });

    it('fails clearly on a body without the expected list', async () => {
      server.expectFixture('nova/flavors-detail-page2.json', (exchange) => {
        exchange.request.query = {};
        exchange.response.body = { servers: [] };
      });
      const error = await backend.flavors.listFlavors().catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(OpenStackApiError);
      expect((error as Error).message).to.include("no 'flavors' list");
    });
  });

  describe('volume attachments', () => {
    it('attaches and detaches through os-volume_attachments', async () => {
      server.expectFixture('nova/volume-attachments-create.json');
      server.expectFixture('nova/volume-attachments-delete.json');
      const attachment = await backend.volumes.attachVolume(ids.server, ids.volume, '/dev/vdb');
      expect(attachment).to.deep.equal({ serverId: ids.server, attachmentId: ids.volume, device: '/dev/vdb' });
      await backend.volumes.detachVolume(ids.server, ids.volume);
    });
  });
});
