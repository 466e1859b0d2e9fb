/** Every model round-trips through real MariaDB: insert, read back equal, update stamps, soft delete. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Model, ModelStatic } from 'sequelize';
import { INSTANCE_TASKS } from '../../../controller/db/instance-task.js';
import { Assoc, softDelete, type TroveModels } from '../../../controller/db/models/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';

// Whole seconds: DATETIME columns keep no fractions.
const T1 = new Date('2024-05-06T07:08:09Z');
const T2 = new Date('2024-05-06T08:00:00Z');

type Sample = Record<string, unknown>;

/** One full row per model, in an order that satisfies the foreign keys. */
function samples(ids: Record<string, string>): Array<[keyof TroveModels, Sample]> {
  return [
    ['datastores', { id: ids['ds'], name: `mariadb-${ids['ds']!.slice(0, 8)}`, default_version_id: null }],
    ['datastoreVersions', { id: ids['dsv'], datastore_id: ids['ds'], name: '10.11', image_id: null, packages: 'mariadb-server', active: true, manager: 'mariadb', image_tags: 'trove,mariadb', version: '10.11.6' }],
    ['datastoreVersionMetadata', { id: randomUUID(), datastore_version_id: ids['dsv'], key: 'flavor', value: '42', created: T1, deleted: false, deleted_at: null, updated_at: T2 }],
    ['datastoreConfigurationParameters', { id: randomUUID(), name: 'max_connections', datastore_version_id: ids['dsv'], restart_required: false, max_size: '100000', min_size: '10', data_type: 'integer' }],
    ['capabilities', { id: ids['cap'], name: `cap-${ids['cap']!.slice(0, 8)}`, description: 'a capability', enabled: true }],
    ['capabilityOverrides', { id: randomUUID(), datastore_version_id: ids['dsv'], capability_id: ids['cap'], enabled: false }],
    ['configurations', { id: ids['cfg'], name: 'cfg', description: 'tuned', tenant_id: 'tenant-a', datastore_version_id: ids['dsv'], deleted: false, deleted_at: null, created: T1, updated: T1 }],
    ['configurationParameters', { configuration_id: ids['cfg'], configuration_key: 'max_connections', configuration_value: '200', deleted: false, deleted_at: null }],
    ['clusters', { id: ids['cluster'], created: T1, updated: T1, name: 'c1', task_id: 1, tenant_id: 'tenant-a', datastore_version_id: ids['dsv'], deleted: false, deleted_at: null, configuration_id: ids['cfg'] }],
    [
      'instances',
      {
        id: ids['inst'], created: T1, updated: T1, name: 'db1', hostname: 'db1.example', compute_instance_id: randomUUID(), task_id: INSTANCE_TASKS.BUILDING.code,
        task_description: INSTANCE_TASKS.BUILDING.description, task_start_time: T1, volume_id: randomUUID(), flavor_id: 'm1.small', volume_size: 5, tenant_id: 'tenant-a',
        server_status: 'ACTIVE', deleted: false, deleted_at: null, datastore_version_id: ids['dsv'], configuration_id: ids['cfg'], slave_of_id: null,
        cluster_id: ids['cluster'], shard_id: null, type: 'member', region_id: 'RegionOne', encrypted_key: 'k1:abc', access: '{"is_public": false, "allowed_cidrs": []}',
        addresses: '[{"address": "127.10.0.2", "type": "private", "network": "local"}]',
      },
    ],
    ['serviceStatuses', { id: randomUUID(), instance_id: ids['inst'], status_id: 0x01, status_description: 'healthy', updated_at: T1 }],
    ['instanceFaults', { id: randomUUID(), instance_id: ids['inst'], message: 'boom', details: 'trace…', created: T1, updated: T1, deleted: false, deleted_at: null }],
    [
      'backups',
      {
        id: ids['backup'], name: 'b1', description: 'nightly', location: 'http://swift/v1/database_backups/b1.xbstream', backup_type: 'full', size: 0.5, tenant_id: 'tenant-a',
        state: 'COMPLETED', instance_id: ids['inst'], checksum: 'abc', backup_timestamp: T1, deleted: false, created: T1, updated: T1, deleted_at: null, parent_id: null,
        datastore_version_id: ids['dsv'],
      },
    ],
    ['backupStrategy', { id: randomUUID(), tenant_id: 'tenant-a', instance_id: '', backend: 'swift', swift_container: 'database_backups', created: T1 }],
    ['quotas', { id: randomUUID(), created: T1, updated: T1, tenant_id: 'tenant-a', resource: 'instances', hard_limit: 3 }],
    ['quotaUsages', { id: ids['usage'], created: T1, updated: T1, tenant_id: 'tenant-a', in_use: 1, reserved: 0, resource: 'instances' }],
    ['reservations', { created: T1, updated: T1, id: randomUUID(), usage_id: ids['usage'], delta: 1, status: 'Reserved' }],
    ['conductorLastSeen', { instance_id: ids['inst'], method_name: 'heartbeat', sent: 1714979289.123456 }],
    ['rootEnabledHistory', { id: ids['inst'], user: 'admin', created: T1 }],
    [
      'modules',
      {
        id: ids['module'], name: 'ping', type: 'ping', contents: 'x'.repeat(70_000), description: null, tenant_id: 'tenant-a', datastore_id: null, datastore_version_id: null,
        auto_apply: false, visible: true, live_update: false, md5: 'd41d8cd98f00b204e9800998ecf8427e', created: T1, updated: T1, deleted: false, deleted_at: null,
        priority_apply: false, apply_order: 5, is_admin: false,
      },
    ],
    ['instanceModules', { id: randomUUID(), instance_id: ids['inst'], module_id: ids['module'], md5: 'd41d8cd98f00b204e9800998ecf8427e', created: T1, updated: T1, deleted: false, deleted_at: null }],
    ['agentHeartbeats', { id: randomUUID(), instance_id: ids['inst'], guest_agent_version: '1.0', deleted: false, deleted_at: null, updated_at: T1 }],
    ['securityGroups', { id: ids['sg'], name: 'sg', description: 'd', user: 'u', tenant_id: 'tenant-a', created: T1, updated: T1, deleted: false, deleted_at: null }],
    ['securityGroupRules', { id: randomUUID(), group_id: ids['sg'], parent_group_id: ids['sg'], protocol: 'tcp', from_port: 3306, to_port: 3306, cidr: '0.0.0.0/0', created: T1, updated: T1, deleted: false, deleted_at: null }],
    ['securityGroupInstanceAssociations', { id: randomUUID(), security_group_id: ids['sg'], instance_id: ids['inst'], created: T1, updated: T1, deleted: false, deleted_at: null }],
  ];
}

function primaryKey(model: ModelStatic<Model>, sample: Sample): Record<string, unknown> {
  return Object.fromEntries(model.primaryKeyAttributes.map((name) => [name, sample[name]]));
}

describe('models (MariaDB)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let rows: Array<[keyof TroveModels, Sample]>;

  before(async () => {
    db = await createTestDatabase();
    const ids = Object.fromEntries(['ds', 'dsv', 'cap', 'cfg', 'cluster', 'inst', 'backup', 'usage', 'module', 'sg'].map((key) => [key, randomUUID()]));
    rows = samples(ids);
  });
  after(async () => {
    await db?.drop();
  });

  it('covers every model', () => {
    expect(rows.map(([name]) => name).sort()).to.deep.equal(Object.keys(db.models).sort());
  });

  it('inserts and reads back every model unchanged', async () => {
    for (const [name, sample] of rows) {
      const model = db.models[name] as unknown as ModelStatic<Model>;
      await model.create(sample);
      const found = await model.findOne({ where: primaryKey(model, sample) });
      expect(found?.get({ plain: true }), name).to.deep.equal(sample);
    }
  });

  it('generates uuid4 ids, created times and not-deleted flags as Trove does', async () => {
    const before = Date.now() - 1000;
    const row = await db.models.instances.create({ name: 'generated', tenant_id: 'tenant-b' });
    expect(row.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row.deleted).to.equal(false);
    expect(row.created!.getTime()).to.be.at.least(before);
    const other = await db.models.instances.create({ name: 'generated', tenant_id: 'tenant-b' });
    expect(other.id).not.to.equal(row.id);
  });

  it('stamps updated on row updates and bulk updates', async () => {
    const row = await db.models.backups.findOne({ where: { name: 'b1' } });
    await row!.update({ state: 'DELETE_FAILED' });
    expect(row!.updated!.getTime()).to.be.greaterThan(T1.getTime());
    await db.models.quotaUsages.update({ in_use: 2 }, { where: { tenant_id: 'tenant-a' } });
    const usage = await db.models.quotaUsages.findOne({ where: { tenant_id: 'tenant-a' } });
    expect(usage!.in_use).to.equal(2);
    expect(usage!.updated!.getTime()).to.be.greaterThan(T1.getTime());
  });

  it('soft-deletes every model that has deleted/deleted_at, keeping the row', async () => {
    let count = 0;
    for (const [name, sample] of rows) {
      const model = db.models[name] as unknown as ModelStatic<Model & { deleted: boolean | null; deleted_at: Date | null }>;
      if (!('deleted_at' in model.getAttributes())) continue;
      const row = await model.findOne({ where: primaryKey(model as unknown as ModelStatic<Model>, sample) });
      await softDelete(row!);
      const reloaded = await model.findOne({ where: primaryKey(model as unknown as ModelStatic<Model>, sample) });
      expect(reloaded?.deleted, name).to.equal(true);
      expect(reloaded?.deleted_at, name).to.be.instanceOf(Date);
      count++;
    }
    expect(count).to.equal(13);
  });

  it('joins through the associations', async () => {
    const instance = await db.models.instances.findOne({
      where: { name: 'db1' },
      include: [{ association: Assoc.instance.datastoreVersion, include: [{ association: Assoc.datastoreVersion.datastore }] }, { association: Assoc.instance.serviceStatus }],
    });
    expect(instance?.datastoreVersion?.name).to.equal('10.11');
    expect(instance?.datastoreVersion?.datastore?.name).to.match(/^mariadb-/);
    expect(instance?.serviceStatus?.status_description).to.equal('healthy');
  });

  it('refuses a row that breaks a NOT NULL or unique constraint', async () => {
    let error: unknown;
    try {
      await db.models.backups.create({ name: 'no-state' } as never);
    } catch (caught) {
      error = caught;
    }
    expect((error as { name?: string }).name).to.equal('SequelizeValidationError');
    error = undefined;
    try {
      await db.models.quotas.create({ tenant_id: 'tenant-a', resource: 'instances', hard_limit: 9 });
    } catch (caught) {
      error = caught;
    }
    expect((error as { name?: string }).name).to.equal('SequelizeUniqueConstraintError');
  });
});
