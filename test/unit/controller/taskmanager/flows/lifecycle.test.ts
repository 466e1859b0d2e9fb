/** delete_instance, restart and reboot on the fake backend and fake guest. */
import { expect } from 'chai';
import { ErrorCode, TroveError } from '../../../../../shared/errors/index.js';
import { ServerStatus } from '../../../../../controller/compute/ports.js';
import type { FlowRunner } from '../../../../../controller/taskmanager/engine/flow-runner.js';
import { backendFailure } from '../helpers/fake-backend.js';
import { Harness } from '../helpers/harness.js';
import type { MemoryInstance } from '../helpers/memory-stores.js';

async function built(harness: Harness, runner: FlowRunner, extra: Record<string, unknown> = {}): Promise<MemoryInstance> {
  const instance = await harness.instance();
  const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id, extra));
  expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
  return harness.instances.instances.get(instance.id)!;
}

describe('taskmanager delete, restart and reboot flows', () => {
  let harness: Harness;
  let runner: FlowRunner;

  beforeEach(async () => {
    harness = new Harness({ config: { DEFAULT: { management_networks: ['mgmt-net'] } } });
    runner = harness.runner();
    await runner.start();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('delete stops the datastore and removes server, ports, floating IP, security group, server group and volume', async () => {
    const instance = await built(harness, runner, { locality: 'affinity', nics: [{ network_id: 'user-net' }, { network_id: 'mgmt-net' }], access: { is_public: true } });
    instance.task = 'DELETING';
    const flow = await harness.run(runner, 'delete_instance', instance.id, { instance_id: instance.id });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.guest.callsOf('stopDb')).to.have.length(1);
    const { backend } = harness;
    expect(backend.servers.size + backend.portMap.size + backend.floating.size + backend.groups.size + backend.serverGroups.size + backend.volumeMap.size).to.equal(0);
    const row = harness.instances.instances.get(instance.id)!;
    expect(row.deleted).to.equal(true);
    expect(row.task).to.equal('NONE');
    expect(row.serviceStatus).to.equal('DELETED');
    expect(row.addresses).to.equal(null);
  });

  it('delete goes on past a guest that does not answer and a backend that fails, and still marks the row deleted', async () => {
    const instance = await built(harness, runner);
    harness.guest.on('stopDb', async () => {
      throw new TroveError(ErrorCode.GUEST_ERROR, 'datastore will not stop');
    });
    harness.backend.failNext('deletePort', backendFailure(400, 'port is busy'));
    const volumeId = instance.volumeId!;
    const flow = await harness.run(runner, 'delete_instance', instance.id, { instance_id: instance.id });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(flow.data['cleanupErrors']).to.deep.equal(['delete ports: BACKEND_ERROR: port is busy']);
    expect(harness.backend.volumeMap.has(volumeId)).to.equal(false);
    expect(harness.instances.instances.get(instance.id)!.deleted).to.equal(true);
  });

  it('delete of an instance whose build stopped half-way finds its resources by name', async () => {
    const instance = await harness.instance();
    harness.backend.knownImages = [];
    await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id, { nics: [{ network_id: 'user-net' }] }));
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('BUILDING_ERROR_SERVER');
    expect(harness.backend.volumeMap.size).to.equal(1);
    await harness.run(runner, 'delete_instance', instance.id, { instance_id: instance.id });
    expect(harness.backend.volumeMap.size + harness.backend.portMap.size + harness.backend.groups.size).to.equal(0);
  });

  it('restart calls the guest and resets the task; a failing guest resets it too and leaves a fault', async () => {
    const instance = await built(harness, runner);
    instance.task = 'REBOOTING';
    const ok = await harness.run(runner, 'restart', instance.id, { instance_id: instance.id });
    expect(ok.state).to.equal('succeeded');
    expect(harness.guest.callsOf('restart')).to.have.length(1);
    expect(instance.task).to.equal('NONE');

    instance.task = 'REBOOTING';
    harness.guest.on('restart', async () => {
      throw new TroveError(ErrorCode.GUEST_ERROR, 'mariadb did not come back');
    });
    const failed = await harness.run(runner, 'restart', instance.id, { instance_id: instance.id });
    expect(failed.state).to.equal('failed');
    expect(instance.task).to.equal('NONE');
    expect(harness.instances.faults.at(-1)!.message).to.equal('Restart failed: mariadb did not come back');
  });

  it('reboot stops the datastore, reboots the server, restarts the datastore and waits for a fresh healthy heartbeat', async () => {
    const instance = await built(harness, runner);
    instance.task = 'REBOOTING';
    const flow = await harness.run(runner, 'reboot', instance.id, { instance_id: instance.id });
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(harness.backend.callsOf('rebootServer')).to.have.length(1);
    expect(harness.guest.calls.filter((call) => call.instanceId === instance.id).map((call) => call.method)).to.deep.equal(['prepare', 'stopDb', 'restart']);
    expect(instance.task).to.equal('NONE');
  });

  it('reboot gives up after reboot_time_out when the server does not come back', async () => {
    const instance = await built(harness, runner);
    harness.backend.compute.rebootServer = async (id) => harness.backend.setStatus(id, ServerStatus.HARD_REBOOT);
    const flow = await harness.run(runner, 'reboot', instance.id, { instance_id: instance.id });
    expect(flow.state).to.equal('failed');
    expect(harness.instances.faults.at(-1)!.message).to.match(/was not active 120 s after the reboot/);
    expect(harness.guest.callsOf('restart')).to.have.length(0);
    expect(instance.task).to.equal('NONE');
  });
});
