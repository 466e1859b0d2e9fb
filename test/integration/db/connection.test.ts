/** Opening the database on real MariaDB: session settings, start-up retries, fast failures. */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { ConfigError, ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { openDatabase } from '../../../controller/db/connection.js';
import { adminConnection, createTestDatabase, testDatabaseName, type TestDatabase } from '../../helpers/mariadb.js';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  expect.fail('expected openDatabase to fail');
}

describe('openDatabase (MariaDB)', function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(async () => {
    await db?.drop();
  });

  it('connects with UTC, utf8mb4 and the configured sql_mode', async () => {
    const opened = await openDatabase({ ...db.settings, mysql_sql_mode: 'TRADITIONAL' });
    try {
      const [row] = await opened.sequelize.query<{ mode: string; zone: string; charset: string }>(
        'SELECT @@SESSION.sql_mode AS mode, @@SESSION.time_zone AS zone, @@SESSION.character_set_client AS charset',
        { type: QueryTypes.SELECT },
      );
      expect(row!.mode).to.include('STRICT_TRANS_TABLES');
      expect(row!.mode).to.include('NO_ZERO_DATE');
      expect(row!.zone).to.equal('+00:00');
      expect(row!.charset).to.equal('utf8mb4');
      expect(opened.description).to.equal(`mysql://root@127.0.0.1:3306/${db.name}`);
      expect(Object.keys(opened.models)).to.include('instances');
    } finally {
      await opened.close();
    }
  });

  it('applies a different sql_mode on every pooled connection', async () => {
    const opened = await openDatabase({ ...db.settings, mysql_sql_mode: 'ANSI_QUOTES', max_pool_size: 3 });
    try {
      const modes = await Promise.all(
        [1, 2, 3].map(() => opened.sequelize.transaction((transaction) => opened.sequelize.query<{ mode: string }>('SELECT @@SESSION.sql_mode AS mode', { type: QueryTypes.SELECT, transaction }))),
      );
      for (const [row] of modes) expect(row!.mode).to.equal('ANSI_QUOTES');
    } finally {
      await opened.close();
    }
  });

  it('retries an unreachable server max_retries times, then fails with SERVICE_UNAVAILABLE', async () => {
    const attempts: number[] = [];
    const error = await failure(
      openDatabase({ ...db.settings, connection: 'mysql://root@127.0.0.1:1/trove', max_retries: 2 }, { retryIntervalMs: 10, onRetry: (attempt) => attempts.push(attempt) }),
    );
    expect(attempts).to.deep.equal([1, 2]);
    expect(error).to.be.instanceOf(TroveError);
    expect((error as TroveError).code).to.equal(ErrorCode.SERVICE_UNAVAILABLE);
    expect(error.message).to.match(/^Cannot connect to the database mysql:\/\/root@127\.0\.0\.1:1\/trove after 3 attempts: .*ECONNREFUSED/);
  });

  it('fails at once on bad credentials, without the password in the message', async () => {
    const user = `trove_test_u${Date.now() % 100000}`;
    const admin = await adminConnection();
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'right-password'`);
    await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY 'right-password'`);
    try {
      const attempts: number[] = [];
      const error = await failure(
        openDatabase({ ...db.settings, connection: `mysql://${user}:WrongPassw0rd@127.0.0.1:3306/${db.name}`, max_retries: 5 }, { retryIntervalMs: 10, onRetry: (attempt) => attempts.push(attempt) }),
      );
      expect(attempts).to.deep.equal([]);
      expect(error.message).to.match(/Access denied/);
      expect(error.message).not.to.include('WrongPassw0rd');
    } finally {
      await admin.query(`DROP USER '${user}'@'127.0.0.1'`);
      await admin.query(`DROP USER '${user}'@'localhost'`);
      await admin.end();
    }
  });

  it('fails at once when the database does not exist', async () => {
    const missing = testDatabaseName();
    const error = await failure(openDatabase({ ...db.settings, connection: `mysql://root@127.0.0.1:3306/${missing}`, max_retries: 5 }, { retryIntervalMs: 10 }));
    expect(error.message).to.match(new RegExp(`^Cannot connect to the database mysql://root@127.0.0.1:3306/${missing}: Unknown database`));
  });

  it('refuses a non-MySQL URL with a ConfigError before connecting', async () => {
    const error = await failure(openDatabase({ ...db.settings, connection: 'sqlite:///tmp/trove.db' }));
    expect(error).to.be.instanceOf(ConfigError);
  });
});
