/** resize_volume, resize_flavor, upgrade, configuration and access flows on the fake backend and fake guest. */
import { expect } from 'chai';
import { ErrorCode, TroveError } from '../../../../../shared/errors/index.js';
import { ServerStatus } from '../../../../../controller/compute/ports.js';
import type { FlowRunner } from '../../../../../controller/taskmanager/engine/flow-runner.js';
import { FakeBackend, LOCAL_CAPABILITIES, backendFailure } from '../helpers/fake-backend.js';
import { Harness } from '../helpers/harness.js';
import type { MemoryInstance } from '../helpers/memory-stores.js';

const SMALL = { id: '2', name: 'm1.small', ram: 1024, vcpus: 1, disk: 5, ephemeral: 0 };
const LARGE = { id: '4', name: 'm1.large', ram: 4096, vcpus: 2, disk: 20, ephemeral: 0 };

async function built(harness: Harness, runner: FlowRunner, extra: Record<string, unknown> = {}): Promise<MemoryInstance> {
  const instance = await harness.instance();
  const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id, extra));
  expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
  const row = harness.instances.instances.get(instance.id)!;
  row.volumeSize = 2;
  return row;
}

describe('taskmanager resize, upgrade, configuration and access flows', () => {
  let harness: Harness;
  let runner: FlowRunner;

  async function setUp(backend?: FakeBackend): Promise<void> {
    harness = new Harness(backend === undefined ? {} : { backend });
    runner = harness.runner();
    await runner.start();
  }

  afterEach(async () => {
    await harness.close();
  });

  it('resize_volume extends online, grows the filesystem and records the size', async () => {
    await setUp();
    const instance = await built(harness, runner);
    instance.task = 'RESIZING';
    const flow = await harness.run(runner, 'resize_volume', instance.id, { instance_id: instance.id, new_size: 5 });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.backend.callsOf('extendVolume')).to.deep.equal([[instance.volumeId, 5]]);
    expect(harness.guest.callsOf('resizeFs')).to.deep.equal([{ device_path: '/dev/vdb', mount_point: '/var/lib/mysql', online: true }]);
    expect(harness.guest.callsOf('stopDb')).to.have.length(0);
    expect(instance.volumeSize).to.equal(5);
    expect(instance.task).to.equal('NONE');
  });

  it('resize_volume on directory volumes only records the size; a refused extend resets the task with a fault', async () => {
    await setUp(new FakeBackend(LOCAL_CAPABILITIES));
    const instance = await built(harness, runner);
    await harness.run(runner, 'resize_volume', instance.id, { instance_id: instance.id, new_size: 3 });
    expect(harness.guest.callsOf('resizeFs')).to.have.length(0);
    expect(instance.volumeSize).to.equal(3);

    instance.task = 'RESIZING';
    harness.backend.failNext('extendVolume', backendFailure(413, 'volume quota exceeded'));
    const flow = await harness.run(runner, 'resize_volume', instance.id, { instance_id: instance.id, new_size: 9 });
    expect(flow.state).to.equal('failed');
    expect(instance.volumeSize).to.equal(3);
    expect(instance.task).to.equal('NONE');
    expect(harness.instances.faults.at(-1)!.message).to.equal('Volume resize failed: volume quota exceeded');
  });

  it('resize_volume takes the offline path when the backend cannot extend in use', async () => {
    await setUp(new FakeBackend({ ...LOCAL_CAPABILITIES, canExtendVolumeOnline: false, volumeKind: 'block' }));
    const instance = await built(harness, runner);
    await harness.run(runner, 'resize_volume', instance.id, { instance_id: instance.id, new_size: 4 });
    expect(harness.guest.calls.filter((call) => call.instanceId === instance.id).map((call) => call.method)).to.deep.equal(['prepare', 'stopDb', 'unmountVolume', 'resizeFs', 'mountVolume', 'restart']);
    expect(harness.backend.calls.map((call) => call.method).filter((method) => /Volume$/.test(method) && method !== 'getVolume')).to.include.ordered.members(['createVolume', 'detachVolume', 'extendVolume', 'attachVolume']);
  });

  it('resize_flavor resizes, starts the datastore with the new flavor\'s configuration and confirms', async () => {
    await setUp();
    const instance = await built(harness, runner);
    instance.task = 'RESIZING';
    const flow = await harness.run(runner, 'resize_flavor', instance.id, { instance_id: instance.id, old_flavor: SMALL, new_flavor: LARGE });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.backend.callsOf('resizeServer')).to.deep.equal([[instance.computeInstanceId, '4']]);
    expect(harness.backend.callsOf('confirmResize')).to.have.length(1);
    const [start] = harness.guest.callsOf('startDbWithConfChanges');
    expect(start!['config_contents']).to.match(/innodb_buffer_pool_size = 2048M/);
    expect(instance.flavorId).to.equal('4');
    expect(instance.task).to.equal('NONE');
  });

  it('resize_flavor reverts the server and restores the old configuration when the datastore fails to start', async () => {
    await setUp();
    const instance = await built(harness, runner);
    harness.guest.on('startDbWithConfChanges', async () => {
      throw new TroveError(ErrorCode.GUEST_ERROR, 'mariadb refused the configuration');
    });
    const flow = await harness.run(runner, 'resize_flavor', instance.id, { instance_id: instance.id, old_flavor: SMALL, new_flavor: LARGE });
    expect(flow.state).to.equal('failed');
    expect(harness.backend.callsOf('revertResize')).to.have.length(1);
    expect(harness.backend.callsOf('confirmResize')).to.have.length(0);
    expect(harness.backend.servers.get(instance.computeInstanceId!)!.status).to.equal(ServerStatus.ACTIVE);
    const [reset] = harness.guest.callsOf('resetConfiguration');
    expect((reset!['configuration'] as { config_contents: string }).config_contents).to.match(/innodb_buffer_pool_size = 512M/);
    expect(instance.flavorId).to.equal('2');
    expect(instance.task).to.equal('NONE');
    expect(harness.instances.faults.at(-1)!.message).to.equal('Flavor resize failed: mariadb refused the configuration');
  });

  it('upgrade sets UPGRADING, runs pre_upgrade and upgrade, and waits for a healthy guest', async () => {
    await setUp();
    const instance = await built(harness, runner);
    instance.task = 'UPGRADING';
    const flow = await harness.run(runner, 'upgrade', instance.id, { instance_id: instance.id, datastore_version_id: 'dsv-mariadb' });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.guest.callsOf('upgrade')).to.deep.equal([{ upgrade_info: { from_version: '10.11', datastore_version: '10.11', datastore_version_name: '10.11' } }]);
    expect(instance.task).to.equal('NONE');
  });

  it('upgrade ends in BUILDING_ERROR_SERVER when the guest reports a failure', async () => {
    await setUp();
    const instance = await built(harness, runner);
    harness.guest.on('upgrade', async (_args, id) => harness.heartbeat(id, 'FAILED'));
    const flow = await harness.run(runner, 'upgrade', instance.id, { instance_id: instance.id, datastore_version_id: 'dsv-mariadb' });
    expect(flow.state).to.equal('failed');
    expect(instance.task).to.equal('BUILDING_ERROR_SERVER');
    expect(harness.instances.faults.at(-1)!.message).to.equal('Upgrade failed: The guest reported FAILED during the upgrade.');
  });

  it('attach applies dynamic values at once and leaves RESTART_REQUIRED for restart-only ones; detach removes them', async () => {
    await setUp();
    const instance = await built(harness, runner);
    harness.instances.configurations.set('cfg-dynamic', { values: { max_connections: 200 }, restartRequired: false });
    harness.instances.configurations.set('cfg-restart', { values: { innodb_buffer_pool_size: 268435456 }, restartRequired: true });

    await harness.run(runner, 'attach_configuration', instance.id, { instance_id: instance.id, configuration_id: 'cfg-dynamic' });
    expect(harness.guest.callsOf('updateOverrides')).to.deep.equal([{ overrides: { max_connections: 200 } }]);
    expect(harness.guest.callsOf('applyOverrides')).to.deep.equal([{ overrides: { max_connections: 200 } }]);
    expect(instance.configurationId).to.equal('cfg-dynamic');
    expect(instance.task).to.equal('NONE');

    await harness.run(runner, 'detach_configuration', instance.id, { instance_id: instance.id });
    expect(harness.guest.callsOf('updateOverrides').at(-1)).to.deep.equal({ overrides: {}, remove: true });
    expect(instance.configurationId).to.equal(null);
    expect(instance.task).to.equal('NONE');

    await harness.run(runner, 'attach_configuration', instance.id, { instance_id: instance.id, configuration_id: 'cfg-restart' });
    expect(harness.guest.callsOf('applyOverrides')).to.have.length(1);
    expect(instance.task).to.equal('RESTART_REQUIRED');
    await harness.run(runner, 'detach_configuration', instance.id, { instance_id: instance.id });
    expect(instance.task).to.equal('RESTART_REQUIRED');
  });

  it('a failed attach resets the task, keeps no group and records a fault; update_overrides applies or requires a restart', async () => {
    await setUp();
    const instance = await built(harness, runner);
    harness.instances.configurations.set('cfg', { values: { max_connections: 200 }, restartRequired: false });
    harness.guest.on('updateOverrides', async () => {
      throw new TroveError(ErrorCode.GUEST_ERROR, 'cannot write the override file');
    });
    const flow = await harness.run(runner, 'attach_configuration', instance.id, { instance_id: instance.id, configuration_id: 'cfg' });
    expect(flow.state).to.equal('failed');
    expect(instance.configurationId).to.equal(null);
    expect(instance.task).to.equal('NONE');
    expect(harness.instances.faults.at(-1)!.message).to.equal('Configuration change failed: cannot write the override file');

    harness.guest.on('updateOverrides', async () => null);
    harness.instances.restartRules.set('dsv-mariadb', new Set(['innodb_buffer_pool_size']));
    await harness.run(runner, 'update_overrides', instance.id, { instance_id: instance.id, overrides: { max_connections: 300 } });
    expect(harness.guest.callsOf('applyOverrides').at(-1)).to.deep.equal({ overrides: { max_connections: 300 } });
    expect(instance.task).to.equal('NONE');
    await harness.run(runner, 'update_overrides', instance.id, { instance_id: instance.id, overrides: { innodb_buffer_pool_size: 1 } });
    expect(instance.task).to.equal('RESTART_REQUIRED');
  });

  it('update_access re-creates the ingress rules and adds the floating IP; a failure sets UPDATING_ERROR_ACCESS', async () => {
    await setUp();
    const instance = await built(harness, runner, { nics: [{ network_id: 'user-net' }] });
    instance.task = 'UPDATING';
    await harness.run(runner, 'update_access', instance.id, { instance_id: instance.id, access: { is_public: true, allowed_cidrs: ['203.0.113.0/24'] } });
    const [group] = [...harness.backend.groups.values()];
    expect(new Set(group!.rules.map((rule) => rule.remoteIpPrefix))).to.deep.equal(new Set(['203.0.113.0/24']));
    expect(harness.backend.floating.size).to.equal(1);
    expect(instance.access).to.deep.equal({ is_public: true, allowed_cidrs: ['203.0.113.0/24'] });
    expect(instance.task).to.equal('NONE');

    harness.backend.failNext('deleteSecurityGroupRule', backendFailure(403, 'not allowed'));
    const failed = await harness.run(runner, 'update_access', instance.id, { instance_id: instance.id, access: { is_public: false } });
    expect(failed.state).to.equal('failed');
    expect(instance.task).to.equal('UPDATING_ERROR_ACCESS');
  });
});
