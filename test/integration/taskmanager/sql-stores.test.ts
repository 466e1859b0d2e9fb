/** The taskmanager's flow journal and instance store on a real MariaDB database (migrations 001 + 002). */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { createArgsCipher } from '../../../controller/taskmanager/store/args-cipher.js';
import type { NewFlow } from '../../../controller/taskmanager/store/flow-store.js';
import { SqlFlowStore } from '../../../controller/taskmanager/store/sql-flow-store.js';
import { SqlInstanceStore } from '../../../controller/taskmanager/store/sql-instance-store.js';
import { instanceTaskColumns } from '../../../controller/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';

const KEY = 'kek-for-flow-args-0123456789abcdef0123';

describe('taskmanager stores on MariaDB', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let flows: SqlFlowStore;
  let instances: SqlInstanceStore;

  before(async () => {
    db = await createTestDatabase();
    flows = new SqlFlowStore(db.sequelize, createArgsCipher(KEY));
    instances = new SqlInstanceStore(db.sequelize, db.models);
  });

  after(async () => {
    await db?.drop();
  });

  function newFlow(extra: Partial<NewFlow> = {}): NewFlow {
    return { id: randomUUID(), instanceId: randomUUID(), kind: 'create_instance', firstStep: 'validate', args: { users: [{ _name: 'u', _password: 'pw-in-the-journal' }] }, messageId: randomUUID(), requestId: 'req-1', ...extra };
  }

  const inAMinute = () => new Date(Date.now() + 60_000);

  it('records a flow once per message id, with its arguments sealed in the table', async () => {
    const flow = newFlow();
    const first = await flows.insert(flow, 'tm-a', inAMinute());
    const again = await flows.insert({ ...flow, id: randomUUID() }, 'tm-b', inAMinute());
    expect(first.created).to.equal(true);
    expect(again.created).to.equal(false);
    expect(again.flow.id).to.equal(flow.id);
    expect(again.flow.args).to.deep.equal(flow.args);
    const [raw] = await db.sequelize.query<{ args: string }>('SELECT args FROM taskmanager_flows WHERE id = ?', { replacements: [flow.id], type: QueryTypes.SELECT });
    expect(raw!.args).to.match(/^tfa1:/);
    expect(raw!.args).to.not.include('pw-in-the-journal');
  });

  it('lets exactly one of two concurrent claimers take an expired lease, and only the holder write', async () => {
    const flow = newFlow();
    await flows.insert(flow, 'tm-dead', new Date(Date.now() - 1000));
    const now = new Date();
    const claims = await Promise.all([flows.claim(flow.id, 'tm-a', inAMinute(), now), flows.claim(flow.id, 'tm-b', inAMinute(), now)]);
    const winners = claims.filter((claim) => claim !== undefined);
    expect(winners).to.have.length(1);
    const winner = winners[0]!.owner as string;
    const loser = winner === 'tm-a' ? 'tm-b' : 'tm-a';
    expect(await flows.update(flow.id, loser, { step: 'volume' })).to.equal(false);
    expect(await flows.update(flow.id, winner, { step: 'volume', attempts: 1, data: { volumeId: 'v-1' } })).to.equal(true);
    expect(await flows.claim(flow.id, loser, inAMinute(), new Date())).to.equal(undefined);
    expect(await flows.claim(flow.id, loser, inAMinute(), new Date(), (owner) => owner === winner)).to.not.equal(undefined);
    expect(await flows.renew([flow.id], winner, inAMinute())).to.deep.equal([]);
    const stored = (await flows.get(flow.id))!;
    expect(stored).to.include({ owner: loser, step: 'volume', attempts: 1 });
    expect(stored.data).to.deep.equal({ volumeId: 'v-1' });
  });

  it('lists free flows oldest first, cancels earlier ones, counts those still ahead, and finishes', async () => {
    const instanceId = randomUUID();
    const older = newFlow({ instanceId });
    const newer = newFlow({ instanceId, kind: 'restart' });
    await flows.insert(older, 'tm-a', new Date(Date.now() - 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { flow: second } = await flows.insert(newer, 'tm-a', inAMinute());
    const claimable = (await flows.listClaimable(new Date(), 100)).map((flow) => flow.id);
    expect(claimable).to.include(older.id);
    expect(claimable).to.not.include(newer.id);
    expect(await flows.countEarlierUnfinished(instanceId, newer.id, second.createdAt)).to.equal(1);
    expect(await flows.cancelEarlier(instanceId, newer.id, second.createdAt)).to.equal(1);
    expect(await flows.isCancelled(older.id)).to.equal(true);
    expect(await flows.countEarlierUnfinished(instanceId, newer.id, second.createdAt)).to.equal(0);
    expect(await flows.finish(newer.id, 'tm-a', 'succeeded', null)).to.equal(true);
    expect((await flows.latest(instanceId, 'restart'))!.state).to.equal('succeeded');
    expect(await flows.finish(newer.id, 'tm-a', 'failed', 'late')).to.equal(false);
  });

  it('reads and writes instances: task, server status, addresses, faults, deletion', async () => {
    const version = await db.models.datastoreVersions.create({ id: randomUUID(), name: '10.11', version: '10.11', manager: 'mariadb', image_id: 'trove/mariadb', image_tags: 'a, b', packages: 'p1 p2', active: true } as never);
    const id = randomUUID();
    await db.models.instances.create({ id, name: 'db1', tenant_id: 'proj', datastore_version_id: version.id, ...instanceTaskColumns('BUILDING'), deleted: false, access: '{"is_public":false,"allowed_cidrs":["10.0.0.0/8"]}' });
    await db.models.serviceStatuses.create({ instance_id: id, status_id: 0x17, status_description: 'new', updated_at: new Date() });

    expect(await instances.getDatastoreVersion(version.id)).to.deep.include({ manager: 'mariadb', imageId: 'trove/mariadb', imageTags: ['a', 'b'], packages: ['p1', 'p2'] });
    const loaded = (await instances.getInstance(id))!;
    expect(loaded).to.include({ task: 'BUILDING', tenantId: 'proj' });
    expect(loaded.access).to.deep.equal({ is_public: false, allowed_cidrs: ['10.0.0.0/8'] });

    await instances.update(id, { task: 'NONE', serverStatus: 'ACTIVE', computeInstanceId: 'srv-1', addresses: [{ address: '127.10.0.5', type: 'private', network: 'local' }] });
    const row = (await db.models.instances.findByPk(id))!;
    expect(row).to.include({ task_id: 1, server_status: 'ACTIVE', compute_instance_id: 'srv-1' });
    expect(JSON.parse(String(row.getDataValue('addresses' as never)))).to.deep.equal([{ address: '127.10.0.5', type: 'private', network: 'local' }]);
    expect(await instances.listWithServers(10)).to.deep.equal([{ id, computeInstanceId: 'srv-1', serverStatus: 'ACTIVE', task: 'NONE' }]);

    await instances.setServiceStatus(id, 'FAILED_TIMEOUT_GUESTAGENT');
    expect((await instances.getServiceStatus(id))!.status).to.equal('FAILED_TIMEOUT_GUESTAGENT');
    await instances.addFault(id, 'x'.repeat(300), 'details');
    const fault = (await db.models.instanceFaults.findOne({ where: { instance_id: id } }))!;
    expect(fault.message).to.have.length(255);

    await instances.markDeleted(id);
    expect(await instances.getInstance(id)).to.equal(undefined);
    const gone = (await db.models.instances.findByPk(id))!;
    expect(gone).to.include({ deleted: true, task_id: 1 });
    expect(gone.getDataValue('addresses' as never)).to.equal(null);
    expect((await db.models.serviceStatuses.findOne({ where: { instance_id: id } }))!.status_description).to.equal('deleted');
    expect((await db.models.instanceFaults.findOne({ where: { instance_id: id } }))!.deleted).to.equal(true);
  });

  it('types a configuration group by its rules and knows which parameters need a restart', async () => {
    const versionId = randomUUID();
    await db.models.datastoreVersions.create({ id: versionId, name: 'v', version: 'v', manager: 'mariadb', active: true } as never);
    for (const [name, type, restart] of [['max_connections', 'integer', false], ['read_only', 'boolean', false], ['innodb_open_files', 'integer', true], ['sql_mode', 'string', false]] as const) {
      await db.models.datastoreConfigurationParameters.create({ id: randomUUID(), name, datastore_version_id: versionId, restart_required: restart, data_type: type } as never);
    }
    const groupId = randomUUID();
    await db.models.configurations.create({ id: groupId, name: 'g', tenant_id: 'proj', datastore_version_id: versionId, deleted: false } as never);
    for (const [key, value] of [['max_connections', '200'], ['read_only', '1'], ['sql_mode', 'STRICT']]) {
      await db.models.configurationParameters.create({ configuration_id: groupId, configuration_key: key, configuration_value: value, deleted: false } as never);
    }
    expect(await instances.configurationOverrides(groupId)).to.deep.equal({ values: { max_connections: 200, read_only: true, sql_mode: 'STRICT' }, restartRequired: false });
    expect(await instances.parametersNeedRestart(versionId, ['MAX_CONNECTIONS'])).to.equal(false);
    expect(await instances.parametersNeedRestart(versionId, ['Innodb_Open_Files'])).to.equal(true);
    expect(await instances.configurationOverrides(randomUUID())).to.equal(undefined);
  });
});
