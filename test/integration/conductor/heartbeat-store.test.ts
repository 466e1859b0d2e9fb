/**
 * The heartbeat store's SQL on a real MariaDB: a whole batch in a handful of statements, and two conductors
 * racing on the same brand-new instances (no last-seen row yet) always leave the newest heartbeat's status.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { createSqlHeartbeatStore } from '../../../controller/conductor/heartbeat-store.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { countRows, newRunSettings, seedInstances, sentNow } from './harness.js';

describe('conductor heartbeat store on MariaDB', function () {
  this.timeout(120_000);
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ maxPoolSize: 10 });
  });

  afterEach(async () => {
    await db?.drop();
  });

  it('writes a 500-heartbeat batch in one transaction: one SELECT, one INSERT and one UPDATE per reported status', async () => {
    const ids = [...(await seedInstances(db.sequelize, newRunSettings(), 500)).keys()];
    const statements: string[] = [];
    const query = db.sequelize.query.bind(db.sequelize);
    db.sequelize.query = ((sql: string, options?: object) => {
      statements.push(sql.trim().split(/[\s;]+/)[0]!.toUpperCase());
      return query(sql, options as never);
    }) as typeof db.sequelize.query;
    const store = createSqlHeartbeatStore(db.sequelize);
    const sent = sentNow();
    const outcomes = await store.applyBatch(ids.map((instanceId, index) => ({ instanceId, status: index % 2 === 0 ? 'HEALTHY' : 'SHUTDOWN', sent })));
    db.sequelize.query = query;
    expect(outcomes.filter((outcome) => outcome === 'applied')).to.have.length(500);
    // SET: the transaction's isolation level (READ COMMITTED).
    expect(statements).to.deep.equal(['SET', 'START', 'SELECT', 'INSERT', 'UPDATE', 'UPDATE', 'COMMIT']);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [SERVICE_STATUS_INFO.HEALTHY.code])).to.equal(250);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [SERVICE_STATUS_INFO.SHUTDOWN.code])).to.equal(250);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM conductor_lastseen WHERE sent = ?', [sent])).to.equal(500);
  });

  it('rolls the whole batch back when a statement fails', async () => {
    const ids = [...(await seedInstances(db.sequelize, newRunSettings(), 20)).keys()];
    await db.sequelize.query('ALTER TABLE service_statuses ADD CONSTRAINT conductor_test_no_shutdown CHECK (status_id <> 4)');
    const store = createSqlHeartbeatStore(db.sequelize);
    const error = await store
      .applyBatch(ids.map((instanceId) => ({ instanceId, status: 'SHUTDOWN', sent: sentNow() })))
      .then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(Error);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM conductor_lastseen')).to.equal(0);
    expect(await countRows(db.sequelize, 'SELECT COUNT(*) AS n FROM service_statuses WHERE status_id = ?', [SERVICE_STATUS_INFO.NEW.code])).to.equal(20);
  });

  it('keeps the newest status when two conductors race on instances seen for the first time', async () => {
    const ids = [...(await seedInstances(db.sequelize, newRunSettings(), 40)).keys()];
    const left = createSqlHeartbeatStore(db.sequelize);
    const right = createSqlHeartbeatStore(db.sequelize);
    const base = sentNow();
    // Half the instances get the newer heartbeat from the left conductor, half from the right one.
    await Promise.all(
      ids.map(async (instanceId, index) => {
        const older = { instanceId, status: 'SHUTDOWN' as const, sent: base + 1 };
        const newer = { instanceId, status: 'HEALTHY' as const, sent: base + 2 };
        await Promise.all(index % 2 === 0 ? [left.applyBatch([older]), right.applyBatch([newer])] : [left.applyBatch([newer]), right.applyBatch([older])]);
      }),
    );
    const rows = await db.sequelize.query<{ status_id: number; sent: number }>(
      "SELECT s.status_id, ls.sent FROM service_statuses s JOIN conductor_lastseen ls ON ls.instance_id = s.instance_id AND ls.method_name = 'heartbeat'",
      { type: QueryTypes.SELECT },
    );
    expect(rows).to.have.length(40);
    for (const row of rows) {
      expect(row.status_id).to.equal(SERVICE_STATUS_INFO.HEALTHY.code);
      expect(Number(row.sent)).to.equal(base + 2);
    }
  });
});
