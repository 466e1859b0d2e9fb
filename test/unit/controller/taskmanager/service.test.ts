/** The taskmanager behind its RPC topic: sealed casts become flows; guests are reached with their own keys. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { defaultConfig } from '../../../../shared/config/index.js';
import { generateInstanceKey, wrapInstanceKey } from '../../../../shared/crypto/index.js';
import { silentLogger } from '../../../../shared/logging/index.js';
import { createRpcClient, taskManagerContract } from '../../../../shared/rpc/index.js';
import { TaskManager } from '../../../../controller/taskmanager/service.js';
import { Harness } from './helpers/harness.js';

const TM_KEY = 'tm-key-0123456789abcdef0123456789abcdef';
const KEK = 'kek-0123456789abcdef0123456789abcdef012';

describe('taskmanager service', () => {
  let harness: Harness;
  let taskManager: TaskManager;

  beforeEach(async () => {
    harness = new Harness();
    const config = defaultConfig({
      DEFAULT: { enable_secure_rpc_messaging: true, taskmanager_rpc_encr_key: TM_KEY, inst_rpc_key_encr_key: KEK, usage_sleep_time: 1, server_status_sync_interval: 0 },
    });
    taskManager = await TaskManager.create({
      config,
      logger: silentLogger(),
      transport: harness.transport,
      backend: harness.backend,
      stores: { flows: harness.flows, instances: harness.instances },
      clock: harness.clock,
      owner: 'host/1/service-test',
      isOwnerDead: () => false,
    });
    await taskManager.run();
  });

  afterEach(async () => {
    await taskManager.shutdown();
    await harness.close();
  });

  async function sealedInstance(): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const key = generateInstanceKey();
    harness.instances.addInstance({ id, datastoreVersionId: 'dsv-mariadb', encryptedKey: wrapInstanceKey(key, { keyId: 'k1', kek: KEK }) });
    await harness.guest.serve(id, { mode: 'instance', instanceId: id, key });
    return { id, key };
  }

  function client(key: string) {
    return createRpcClient(taskManagerContract, { transport: harness.transport, topic: 'taskmanager', sealing: { mode: 'shared', key }, timeouts: defaultConfig(), logger: silentLogger() });
  }

  async function settled(instanceId: string, kind: string): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const flow = [...harness.flows.flows.values()].find((candidate) => candidate.instanceId === instanceId && candidate.kind === kind);
      if (flow !== undefined && flow.state !== 'running') return;
      if (Date.now() > deadline) throw new Error(`no finished ${kind} flow for ${instanceId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('turns a sealed create_instance cast into a flow that prepares the guest over its own key', async () => {
    const { id, key } = await sealedInstance();
    await client(TM_KEY).createInstance(harness.createArgs(id) as never, { context: { request_id: 'req-create-1' } });
    await settled(id, 'create_instance');
    const flow = [...harness.flows.flows.values()][0]!;
    expect(flow.state, flow.lastError ?? '').to.equal('succeeded');
    expect(flow.requestId).to.equal('req-create-1');
    expect(harness.instances.instances.get(id)!.task).to.equal('NONE');
    expect(harness.guest.callsOf('prepare')).to.have.length(1);
    const [request] = harness.backend.callsOf('createServer')[0] as [{ boot: { files: Array<{ content: string }> } }];
    expect(request.boot.files[0]!.content).to.include(`instance_rpc_encr_key = ${key}`);
  });

  it('never runs a cast sealed with another key', async () => {
    const { id } = await sealedInstance();
    await client('some-other-key-0123456789abcdef0123456789').createInstance(harness.createArgs(id) as never);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.flows.flows.size).to.equal(0);
    expect(harness.instances.instances.get(id)!.task).to.equal('BUILDING');
  });

  it('resets the task of a cast it has no flow for and records why', async () => {
    const { id } = await sealedInstance();
    harness.instances.instances.get(id)!.task = 'PROMOTING';
    await client(TM_KEY).promoteToReplicaSource({ instance_id: id });
    const deadline = Date.now() + 3000;
    while (harness.instances.instances.get(id)!.task !== 'NONE' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(harness.instances.instances.get(id)!.task).to.equal('NONE');
    expect(harness.instances.faults[0]!.message).to.equal('The promote_to_replica_source operation is not supported by this deployment.');
  });
});
