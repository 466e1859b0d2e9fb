/**
 * The taskmanager on the real broker and database, with the compute backend and the guest faked behind their
 * ports: a sealed create cast becomes a flow recorded in MariaDB, prepare reaches a guest over AMQP sealed with
 * its own key, and a second taskmanager takes over a flow whose taskmanager died in the middle of it.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { generateInstanceKey, wrapInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO, type ServiceStatus } from '../../../shared/models/index.js';
import { connectTransport, createRpcClient, taskManagerContract, type Transport } from '../../../shared/rpc/index.js';
import { instanceTaskColumns } from '../../../controller/db/index.js';
import { TaskManager } from '../../../controller/taskmanager/service.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { brokerConfig, deleteTopology, uniqueName } from '../rpc/broker.js';
import { FakeBackend } from '../../unit/controller/taskmanager/helpers/fake-backend.js';
import { FakeGuest } from '../../unit/controller/taskmanager/helpers/harness.js';

const TM_KEY = 'it-taskmanager-key-0123456789abcdef012345';
const KEK = 'it-key-encryption-key-0123456789abcdef012';

describe('taskmanager on RabbitMQ and MariaDB', function () {
  this.timeout(120_000);
  const exchange = uniqueName('trove-tm-it');
  const topic = uniqueName('taskmanager');
  const config = brokerConfig(exchange, {
    DEFAULT: { taskmanager_queue: topic, enable_secure_rpc_messaging: true, taskmanager_rpc_encr_key: TM_KEY, inst_rpc_key_encr_key: KEK, usage_sleep_time: 1, server_status_sync_interval: 0, taskmanager_flow_lease: 5 },
  });
  const queues = new Set<string>([topic, `${topic}.${config.DEFAULT.host}`]);
  let db: TestDatabase;
  const transports: Transport[] = [];
  const managers: TaskManager[] = [];
  let guest: FakeGuest;
  let backend: FakeBackend;
  let versionId: string;

  async function transport(name: string): Promise<Transport> {
    const opened = await connectTransport(config, silentLogger(), { processName: name });
    transports.push(opened);
    return opened;
  }

  async function heartbeat(instanceId: string, status: ServiceStatus): Promise<void> {
    const info = SERVICE_STATUS_INFO[status];
    await db.models.serviceStatuses.update({ status_id: info.code, status_description: info.description, updated_at: new Date() }, { where: { instance_id: instanceId } });
  }

  async function taskManager(owner: string, isOwnerDead: (owner: string) => boolean = () => false): Promise<TaskManager> {
    const manager = await TaskManager.create({ config, logger: silentLogger(), transport: await transport(owner), backend, database: db, owner, isOwnerDead, retryDelayMs: 50 });
    await manager.run();
    managers.push(manager);
    return manager;
  }

  async function instance(): Promise<string> {
    const id = randomUUID();
    const key = generateInstanceKey();
    await db.models.instances.create({ id, name: 'it-db', tenant_id: 'proj', datastore_version_id: versionId, ...instanceTaskColumns('BUILDING'), encrypted_key: wrapInstanceKey(key, { keyId: 'k1', kek: KEK }), deleted: false });
    await db.models.serviceStatuses.create({ instance_id: id, status_id: 0x17, status_description: 'new', updated_at: new Date() });
    await guest.serve(id, { mode: 'instance', instanceId: id, key });
    queues.add(`guestagent.${id}`).add(`guestagent.${id}.${id}`);
    return id;
  }

  async function createCast(id: string): Promise<void> {
    const client = createRpcClient(taskManagerContract, { transport: transports[0]!, topic, sealing: { mode: 'shared', key: TM_KEY }, timeouts: config, logger: silentLogger() });
    await client.createInstance({
      instance_id: id,
      name: 'it-db',
      flavor: { id: '2', ram: 1024 },
      image_id: 'image-1',
      databases: [{ _name: 'app' }],
      users: [{ _name: 'app', _password: 'app-secret-pw', _databases: [{ _name: 'app' }] }],
      datastore_manager: 'mariadb',
      volume_size: 1,
      ds_version: '10.11',
    });
  }

  async function row(id: string) {
    return (await db.models.instances.findByPk(id))!;
  }

  async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  before(async () => {
    db = await createTestDatabase();
    versionId = randomUUID();
    await db.models.datastoreVersions.create({ id: versionId, name: '10.11', version: '10.11', manager: 'mariadb', image_id: 'image-1', active: true } as never);
    backend = new FakeBackend();
    guest = new FakeGuest(await transport('it-guests'), heartbeat);
  });

  after(async () => {
    for (const manager of managers) await manager.shutdown().catch(() => undefined);
    await guest?.stop();
    for (const opened of transports) await opened.close().catch(() => undefined);
    await deleteTopology(exchange, queues).catch(() => undefined);
    await db?.drop();
  });

  it('turns a sealed cast into a recorded flow that prepares the guest over its key and ends ACTIVE', async () => {
    await taskManager('host/1/it-first');
    const id = await instance();
    await createCast(id);
    await eventually(async () => (await row(id)).task_id === 1, 'task NONE');
    const done = await row(id);
    expect(done.server_status).to.equal('ACTIVE');
    expect(JSON.parse(String(done.getDataValue('addresses' as never)))).to.deep.equal([{ address: '10.0.0.10', type: 'private', network: 'private' }]);
    expect(guest.callsOf('prepare')).to.have.length(1);
    const [flow] = await db.sequelize.query<{ state: string; args: string }>('SELECT state, args FROM taskmanager_flows WHERE instance_id = ?', { replacements: [id], type: 'SELECT' as never });
    expect(flow!.state).to.equal('succeeded');
    expect(flow!.args).to.not.include('app-secret-pw');
  });

  it('lets a second taskmanager resume a flow whose taskmanager died mid-step', async () => {
    const id = await instance();
    const release = backend.blockNext('createServer');
    const servers = backend.servers.size;
    await createCast(id);
    await eventually(async () => backend.callsOf('createServer').length === 2, 'the first taskmanager reaches createServer');
    const survivor = await taskManager('host/2/it-survivor', (owner) => owner === 'host/1/it-first');
    await eventually(async () => (await row(id)).task_id === 1, 'the survivor finishes the create');
    expect(survivor.runner.ownerName).to.equal('host/2/it-survivor');
    const [flow] = await db.sequelize.query<{ state: string; owner: string }>('SELECT state, owner FROM taskmanager_flows WHERE instance_id = ?', { replacements: [id], type: 'SELECT' as never });
    expect(flow).to.deep.include({ state: 'succeeded', owner: 'host/2/it-survivor' });
    expect(backend.servers.size).to.equal(servers + 1);
    const recorded = (await row(id)).compute_instance_id;
    release();
    // The first taskmanager's call returns late: it no longer holds the flow, so it removes the server it made
    // and records nothing.
    await eventually(async () => backend.callsOf('deleteServer').length === 1, 'the orphaned server is removed');
    expect(backend.servers.size).to.equal(servers + 1);
    expect((await row(id)).compute_instance_id).to.equal(recorded);
    expect((await row(id)).task_id).to.equal(1);
  });
});
