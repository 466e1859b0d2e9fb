/**
 * The conductor's other database work on a real MariaDB: batched key lookups, fault and root records, and
 * the silent-guest sweeper.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { QueryTypes } from 'sequelize';
import { ExpirySweeper } from '../../../controller/conductor/expiry-sweeper.js';
import { createSqlGuestRecords } from '../../../controller/conductor/guest-records.js';
import { createBatchedKeyLoader } from '../../../controller/conductor/key-loader.js';
import { conductorMetrics } from '../../../controller/conductor/metrics.js';
import { unwrapInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { countRows, newRunSettings, seedInstances, type RunSettings } from './harness.js';

describe('conductor records on MariaDB', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let settings: RunSettings;
  let keys: Map<string, string>;
  let ids: string[];

  beforeEach(async () => {
    db = await createTestDatabase();
    settings = newRunSettings();
    keys = await seedInstances(db.sequelize, settings, 30);
    ids = [...keys.keys()];
  });

  afterEach(async () => {
    await db?.drop();
  });

  describe('batched key loader', () => {
    it('answers lookups made in the same tick with one SELECT, and gives deleted or unknown instances no key', async () => {
      await db.sequelize.query('UPDATE instances SET deleted = 1 WHERE id = ?', { replacements: [ids[0]] });
      let selects = 0;
      const query = db.sequelize.query.bind(db.sequelize);
      db.sequelize.query = ((sql: string, options?: object) => {
        if (sql.startsWith('SELECT id, encrypted_key')) selects++;
        return query(sql, options as never);
      }) as typeof db.sequelize.query;
      const load = createBatchedKeyLoader(db.sequelize);
      const results = await Promise.all([...ids, 'no-such-instance', ids[5]!].map((id) => load(id)));
      db.sequelize.query = query;
      expect(selects).to.equal(1);
      expect(results[0]).to.equal(null);
      expect(results[ids.length]).to.equal(null);
      const kek = { current: { id: 'k1', key: settings.kek } };
      expect(unwrapInstanceKey(results[5]!, kek)).to.equal(keys.get(ids[5]!));
      expect(results[ids.length + 1]).to.equal(results[5]);
    });

    it('rejects every waiting lookup when the query fails', async () => {
      const load = createBatchedKeyLoader(db.sequelize);
      await db.sequelize.query('RENAME TABLE instances TO instances_gone');
      const errors = await Promise.all(ids.slice(0, 3).map((id) => load(id).then(() => undefined, (reason: unknown) => reason)));
      await db.sequelize.query('RENAME TABLE instances_gone TO instances');
      for (const error of errors) expect(error).to.be.instanceOf(Error);
    });
  });

  describe('guest records', () => {
    it('keeps one fault per instance, replaced by the newest', async () => {
      const records = createSqlGuestRecords(db.sequelize);
      expect(await records.recordFault(ids[1]!, 'first', 'one')).to.equal(true);
      expect(await records.recordFault(ids[1]!, 'second', 'two')).to.equal(true);
      const rows = await db.sequelize.query<{ message: string; details: string }>('SELECT message, details FROM instance_faults WHERE instance_id = ?', {
        replacements: [ids[1]],
        type: QueryTypes.SELECT,
      });
      expect(rows).to.deep.equal([{ message: 'second', details: 'two' }]);
    });

    it('records no fault for a deleted or unknown instance', async () => {
      const records = createSqlGuestRecords(db.sequelize);
      await db.sequelize.query('UPDATE instances SET deleted = 1 WHERE id = ?', { replacements: [ids[2]] });
      expect(await records.recordFault(ids[2]!, 'late', 'x')).to.equal(false);
      expect(await records.recordFault('no-such-instance', 'x', 'y')).to.equal(false);
      expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM instance_faults')).to.equal(0);
    });

    it('records root enablement once, keeping the first user', async () => {
      const records = createSqlGuestRecords(db.sequelize);
      expect(await records.reportRoot(ids[3]!, 'alice')).to.equal(true);
      expect(await records.reportRoot(ids[3]!, 'mallory')).to.equal(false);
      expect(await countRows(db.sequelize, "SELECT COUNT(*) AS n FROM root_enabled_history WHERE id = ? AND user = 'alice'", [ids[3]])).to.equal(1);
    });
  });

  describe('expiry sweeper', () => {
    it('counts live, idle instances whose last heartbeat is older than the expiry', async () => {
      // Seeded statuses date from 2001. Make some of them not count:
      await db.sequelize.query('UPDATE service_statuses SET updated_at = UTC_TIMESTAMP() WHERE instance_id IN (?, ?)', { replacements: [ids[0], ids[1]] });
      await db.sequelize.query('UPDATE service_statuses SET status_id = ? WHERE instance_id = ?', { replacements: [SERVICE_STATUS_INFO.RESTART_REQUIRED.code, ids[2]] });
      await db.sequelize.query('UPDATE instances SET deleted = 1 WHERE id = ?', { replacements: [ids[3]] });
      await db.sequelize.query('UPDATE instances SET task_id = 5 WHERE id = ?', { replacements: [ids[4]] });
      const metrics = conductorMetrics(new Registry());
      const sweeper = new ExpirySweeper({ sequelize: db.sequelize, expirySeconds: 90, intervalSeconds: 30, metrics, logger: silentLogger() });
      const swept = await sweeper.sweep();
      expect(swept.count).to.equal(25);
      expect(swept.sample).to.have.length(20);
      for (const excluded of ids.slice(0, 5)) expect(swept.sample).to.not.include(excluded);
      expect((await metrics.silentGuests.get()).values[0]?.value).to.equal(25);
    });

    it('keeps running and keeps the last count when a sweep fails', async () => {
      const metrics = conductorMetrics(new Registry());
      const sweeper = new ExpirySweeper({ sequelize: db.sequelize, expirySeconds: 90, intervalSeconds: 30, metrics, logger: silentLogger() });
      await sweeper.sweep();
      await db.sequelize.query('RENAME TABLE service_statuses TO service_statuses_gone');
      const error = await sweeper.sweep().then(() => undefined, (reason: unknown) => reason);
      expect(error).to.be.instanceOf(Error);
      sweeper.start();
      await sweeper.stop();
      await db.sequelize.query('RENAME TABLE service_statuses_gone TO service_statuses');
      expect((await metrics.silentGuests.get()).values[0]?.value).to.equal(30);
    });
  });
});
