import { expect } from 'chai';
import { parseIni } from '../../../../../shared/config/index.js';
import { ServerStatus } from '../../../../../controller/compute/ports.js';
import { FakeBackend, LOCAL_CAPABILITIES, backendFailure } from '../helpers/fake-backend.js';
import { Harness } from '../helpers/harness.js';

describe('taskmanager create_instance flow', () => {
  let harness: Harness;

  afterEach(async () => {
    await harness.close();
  });

  it('builds security group, ports, volume and server, prepares the guest and ends ACTIVE', async () => {
    harness = new Harness({ config: { DEFAULT: { management_networks: ['mgmt-net'], nova_keypair: 'ops-key', guest_config: '/etc/trove/trove-guestagent.conf' } } });
    harness.hostFiles.set('/etc/trove/trove-guestagent.conf', '[DEFAULT]\ncontrol_exchange = trove\n');
    const instance = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    const args = harness.createArgs(instance.id, {
      locality: 'anti-affinity',
      nics: [{ network_id: 'user-net' }, { network_id: 'mgmt-net' }],
      access: { is_public: true, allowed_cidrs: ['198.51.100.0/24'] },
      root_password: 'root-secret',
    });
    const flow = await harness.run(runner, 'create_instance', instance.id, args);

    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    const row = harness.instances.instances.get(instance.id)!;
    expect(row.task).to.equal('NONE');
    expect(row.serverStatus).to.equal(ServerStatus.ACTIVE);
    expect(row.addresses).to.deep.equal([{ address: '10.0.0.10', type: 'private', network: 'private' }]);

    const { backend } = harness;
    expect(backend.callsOf('createServerGroup')).to.deep.equal([[`locality_${instance.id}`, 'anti-affinity']]);
    const [group] = [...backend.groups.values()];
    expect(group!.name).to.equal(`trove_sg-${instance.id}`);
    expect(group!.rules.map((rule) => `${rule.protocol}:${rule.portRangeMin}-${rule.portRangeMax}:${rule.remoteIpPrefix}`)).to.deep.equal([
      'tcp:3306-3306:198.51.100.0/24',
      'tcp:4444-4444:198.51.100.0/24',
      'tcp:4567-4567:198.51.100.0/24',
      'tcp:4568-4568:198.51.100.0/24',
    ]);
    const ports = [...backend.portMap.values()];
    expect(ports.map((port) => [port.name, port.networkId])).to.deep.equal([
      [`trove-${instance.id}`, 'user-net'],
      [`trove-${instance.id}`, 'mgmt-net'],
    ]);
    expect(backend.floating.size).to.equal(1);
    const [volume] = [...backend.volumeMap.values()];
    expect(volume!.name).to.equal(`trove-${instance.id}`);
    expect(row.volumeId).to.equal(volume!.id);

    const [request] = backend.callsOf('createServer')[0] as [Record<string, unknown>];
    expect(request['keyName']).to.equal('ops-key');
    expect(request['imageId']).to.equal('image-1');
    expect(request['flavorId']).to.equal('2');
    expect(request['nics']).to.deep.equal(ports.map((port) => ({ portId: port.id })));
    expect(request['volume']).to.deep.equal({ volumeId: volume!.id, deviceName: 'vdb', sizeGb: 2, deleteOnTermination: true });
    expect(request['metadata']).to.include({ trove_instance_id: instance.id, trove_project_id: 'tenant-1' });
    const files = (request['boot'] as { files: Array<{ path: string; content: string; owner: string }> }).files;
    expect(files.map((file) => file.path)).to.deep.equal(['/etc/trove/conf.d/guest_info.conf', '/etc/trove/conf.d/trove-guestagent.conf']);
    const info = parseIni(files[0]!.content, 'guest_info.conf').get('DEFAULT')!;
    expect(info.get('guest_id')![0]!.value).to.equal(instance.id);
    expect(info.get('datastore_manager')![0]!.value).to.equal('mariadb');
    expect(info.get('datastore_version')![0]!.value).to.equal('10.11');
    expect(info.get('instance_rpc_encr_key')![0]!.value).to.equal('k'.repeat(43));
    expect(files[1]!.content).to.equal('[DEFAULT]\ncontrol_exchange = trove\n');
    expect(files[0]!.owner).to.equal('root:root');

    const [prepare] = harness.guest.callsOf('prepare');
    expect(prepare).to.include({ memory_mb: 1024, device_path: '/dev/vdb', mount_point: '/var/lib/mysql', ds_version: '10.11', root_password: 'root-secret' });
    expect(prepare!['config_contents']).to.match(/innodb_buffer_pool_size = 512M/);
    expect(prepare!['users']).to.deep.equal([{ _name: 'app', _password: 'secret-pw-1', _host: '%', _databases: [{ _name: 'app' }] }]);
    expect(harness.instances.rootHistory.get(instance.id)).to.equal('root');
    // The journal forgets the passwords once the guest has them.
    expect(JSON.stringify(flow.args)).to.not.include('secret-pw-1');
    expect(JSON.stringify(flow.args)).to.not.include('root-secret');
  });

  it('skips networks on a single-host backend and gives the guest a directory volume', async () => {
    harness = new Harness({ backend: new FakeBackend(LOCAL_CAPABILITIES) });
    const instance = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id, { locality: 'affinity', nics: [{ network_id: 'x' }] }));
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    for (const method of ['createServerGroup', 'createSecurityGroup', 'createPort']) expect(harness.backend.callsOf(method), method).to.have.length(0);
    const [request] = harness.backend.callsOf('createServer')[0] as [Record<string, unknown>];
    expect(request['nics']).to.deep.equal([]);
    expect(harness.guest.callsOf('prepare')[0]).to.include({ device_path: '', mount_point: null });
  });

  it('ends in BUILDING_ERROR_VOLUME with a fault when the volume fails, keeping the resources', async () => {
    harness = new Harness();
    harness.backend.volumeReadyStatus = 'error';
    const instance = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    const row = harness.instances.instances.get(instance.id)!;
    expect(row.task).to.equal('BUILDING_ERROR_VOLUME');
    expect(harness.instances.faults).to.have.length(1);
    expect(harness.instances.faults[0]!.message).to.match(/went to status error/);
    expect(harness.backend.callsOf('createServer')).to.have.length(0);
    expect(harness.backend.volumeMap.size).to.equal(1);
  });

  it('removes what it built when cleanup_on_build_failure is set', async () => {
    harness = new Harness({ config: { DEFAULT: { cleanup_on_build_failure: true } } });
    const instance = await harness.instance();
    harness.guest.on('prepare', async (_args, id) => harness.heartbeat(id, 'FAILED'));
    const runner = harness.runner();
    await runner.start();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('BUILDING_ERROR_TIMEOUT_GA');
    expect(harness.backend.servers.size).to.equal(0);
    expect(harness.backend.volumeMap.size).to.equal(0);
    expect(harness.backend.groups.size).to.equal(0);
  });

  it('fails fast with BUILDING_ERROR_TIMEOUT_GA and FAILED_TIMEOUT_GUESTAGENT when the guest reports failed to spawn', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    harness.guest.on('prepare', async (_args, id) => harness.heartbeat(id, 'FAILED'));
    const runner = harness.runner();
    await runner.start();
    const started = harness.clock.now();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    const row = harness.instances.instances.get(instance.id)!;
    expect(row.task).to.equal('BUILDING_ERROR_TIMEOUT_GA');
    expect(row.serviceStatus).to.equal('FAILED_TIMEOUT_GUESTAGENT');
    expect(harness.instances.faults[0]!.message).to.equal("The guest reported 'failed to spawn' instead of becoming ready.");
    expect(harness.clock.now() - started).to.be.below(600_000);
    expect(harness.backend.servers.size).to.equal(1);
  });

  it('times out after usage_timeout when the guest stays silent', async () => {
    harness = new Harness({ config: { DEFAULT: { usage_timeout: 120 } } });
    const instance = await harness.instance();
    harness.guest.on('prepare', async () => undefined);
    const runner = harness.runner();
    await runner.start();
    const started = harness.clock.now();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    expect(harness.clock.now() - started).to.be.at.least(120_000);
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('BUILDING_ERROR_TIMEOUT_GA');
    expect(harness.instances.faults[0]!.message).to.equal('The guest did not become ready within 120 s.');
  });

  it('ends in BUILDING_ERROR_SERVER when the image is missing, and BUILDING_ERROR_SEC_GROUP when the group fails', async () => {
    harness = new Harness();
    harness.backend.knownImages = [];
    const first = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    await harness.run(runner, 'create_instance', first.id, harness.createArgs(first.id));
    expect(harness.instances.instances.get(first.id)!.task).to.equal('BUILDING_ERROR_SERVER');
    expect(harness.instances.faults[0]!.message).to.match(/Image image-1 was not found/);

    harness.backend.failNext('createSecurityGroup', backendFailure(400, 'quota exceeded for security groups'));
    const second = await harness.instance();
    await harness.run(runner, 'create_instance', second.id, harness.createArgs(second.id));
    expect(harness.instances.instances.get(second.id)!.task).to.equal('BUILDING_ERROR_SEC_GROUP');
  });

  it('ends in BUILDING_ERROR_PORT when a port cannot be created, and chooses images by tags', async () => {
    harness = new Harness();
    harness.instances.addVersion({ id: 'dsv-tags', name: '10.11', version: '10.11', manager: 'mariadb', datastoreName: 'mariadb', imageId: null, imageTags: ['trove'], packages: [] });
    harness.backend.failNext('createPort', backendFailure(400, 'invalid fixed IP'));
    const broken = await harness.instance({ datastoreVersionId: 'dsv-tags' });
    const runner = harness.runner();
    await runner.start();
    await harness.run(runner, 'create_instance', broken.id, harness.createArgs(broken.id, { nics: [{ network_id: 'user-net' }] }));
    expect(harness.instances.instances.get(broken.id)!.task).to.equal('BUILDING_ERROR_PORT');

    const good = await harness.instance({ datastoreVersionId: 'dsv-tags' });
    const flow = await harness.run(runner, 'create_instance', good.id, harness.createArgs(good.id));
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.backend.callsOf('findNewestImageByTags')).to.deep.equal([[['trove']]]);
  });

  it('ignores a create for an instance that is no longer building', async () => {
    harness = new Harness();
    const instance = await harness.instance({ task: 'NONE' });
    const runner = harness.runner();
    await runner.start();
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('NONE');
    expect(harness.backend.calls).to.have.length(0);
  });
});
