import { expect } from 'chai';
import { backendFailure } from '../helpers/fake-backend.js';
import { Harness } from '../helpers/harness.js';

const until = async (check: () => boolean, what: string, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('taskmanager flow runner', () => {
  let harness: Harness;

  afterEach(async () => {
    await harness.close();
  });

  it('records one flow per cast message: a redelivered cast finds its flow', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    const first = await runner.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'msg-1' });
    const again = await runner.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'msg-1' });
    await runner.waitIdle();
    expect(first.created).to.equal(true);
    expect(again.created).to.equal(false);
    expect(again.flow.id).to.equal(first.flow.id);
    expect(harness.flows.flows.size).to.equal(1);
    expect(harness.backend.callsOf('createServer')).to.have.length(1);
  });

  it('retries a step that failed with a passing error, and fails at once on a request error', async () => {
    harness = new Harness();
    const retried = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    harness.backend.failNext('createVolume', backendFailure(503, 'cinder unavailable'));
    const ok = await harness.run(runner, 'create_instance', retried.id, harness.createArgs(retried.id));
    expect(ok.state, ok.lastError ?? '').to.equal('succeeded');
    expect(harness.backend.callsOf('createVolume')).to.have.length(2);

    const refused = await harness.instance();
    harness.backend.failNext('createVolume', backendFailure(400, 'volume type unknown'));
    const failed = await harness.run(runner, 'create_instance', refused.id, harness.createArgs(refused.id));
    expect(failed.state).to.equal('failed');
    expect(failed.step).to.equal('volume');
    expect(failed.lastError).to.match(/volume type unknown/);
    expect(harness.backend.callsOf('createVolume')).to.have.length(3);
  });

  it('fails a step whose passing errors outlast the attempts', async () => {
    harness = new Harness({ maxAttempts: 2 });
    const instance = await harness.instance();
    const runner = harness.runner();
    await runner.start();
    harness.backend.failNext('createVolume', backendFailure(503), backendFailure(503), backendFailure(503));
    const flow = await harness.run(runner, 'create_instance', instance.id, harness.createArgs(instance.id));
    expect(flow.state).to.equal('failed');
    expect(harness.backend.callsOf('createVolume')).to.have.length(2);
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('BUILDING_ERROR_VOLUME');
  });

  it('resumes a flow at its recorded step when its taskmanager died, without building anything twice', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    const dying = harness.runner({ owner: 'host/111/aaaa' });
    await dying.start();
    const release = harness.backend.blockNext('createServer');
    const { flow } = await dying.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'm' });
    await until(() => harness.backend.callsOf('createServer').length === 1, 'the first createServer call');
    expect((await harness.flows.get(flow.id))!.step).to.equal('server');

    // The first taskmanager is gone (its call never returns); a second one takes the flow over.
    const survivor = harness.runner({ owner: 'host/222/bbbb', isOwnerDead: (owner) => owner === 'host/111/aaaa' });
    await survivor.start();
    await until(() => survivor.activeFlowIds().length === 0 && harness.flows.flows.get(flow.id)!.state !== 'running', 'the resumed flow');
    const done = (await harness.flows.get(flow.id))!;
    expect(done.state, done.lastError ?? '').to.equal('succeeded');
    expect(done.owner).to.equal('host/222/bbbb');
    expect(done.attempts).to.equal(0);
    expect(harness.backend.callsOf('createVolume')).to.have.length(1);
    expect(harness.backend.callsOf('createSecurityGroup')).to.have.length(1);
    expect(harness.instances.instances.get(instance.id)!.task).to.equal('NONE');
    release();
  });

  it('leaves a flow alone while its owner lives and its lease runs', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    const owner = harness.runner({ owner: 'host/1/live' });
    await owner.start();
    const release = harness.backend.blockNext('createServer');
    const { flow } = await owner.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'm' });
    await until(() => harness.backend.callsOf('createServer').length === 1, 'createServer');
    const other = harness.runner({ owner: 'host/2/other' });
    await other.start();
    await other.recover();
    expect(other.activeFlowIds()).to.deep.equal([]);
    release();
    await owner.waitIdle();
    expect((await harness.flows.get(flow.id))!.state).to.equal('succeeded');
  });

  it('hands flows back at shutdown so another taskmanager resumes them at once', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    harness.guest.on('prepare', async () => undefined);
    const first = harness.runner({ owner: 'host/1/first' });
    await first.start();
    const { flow } = await first.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'm' });
    await until(() => harness.guest.callsOf('prepare').length === 1, 'prepare');
    await first.shutdown(2000);
    const parked = (await harness.flows.get(flow.id))!;
    expect(parked.state).to.equal('running');
    expect(parked.step).to.equal('wait-guest');

    harness.heartbeat(instance.id, 'HEALTHY');
    const second = harness.runner({ owner: 'host/2/second' });
    await second.start();
    await until(() => harness.flows.flows.get(flow.id)!.state === 'succeeded', 'the handed-back flow');
    expect(harness.guest.callsOf('prepare')).to.have.length(1);
  });

  it('runs the flows of one instance in order, and a delete cancels the create before it', async () => {
    harness = new Harness();
    const instance = await harness.instance();
    harness.guest.on('prepare', async () => undefined);
    const runner = harness.runner();
    await runner.start();
    const create = await runner.submit('create_instance', instance.id, harness.createArgs(instance.id), { messageId: 'c' });
    await until(() => harness.guest.callsOf('prepare').length === 1, 'prepare');
    const restart = await runner.submit('restart', instance.id, { instance_id: instance.id }, { messageId: 'r' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.guest.callsOf('restart')).to.have.length(0);

    const remove = await runner.submit('delete_instance', instance.id, { instance_id: instance.id }, { messageId: 'd' });
    await runner.waitIdle();
    expect((await harness.flows.get(create.flow.id))!.state).to.equal('cancelled');
    expect((await harness.flows.get(restart.flow.id))!.state).to.equal('cancelled');
    expect((await harness.flows.get(remove.flow.id))!.state).to.equal('succeeded');
    expect(harness.guest.callsOf('restart')).to.have.length(0);
    expect(harness.instances.instances.get(instance.id)!.deleted).to.equal(true);
    expect(harness.backend.servers.size).to.equal(0);
  });
});
