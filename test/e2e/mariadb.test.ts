/**
 * A MariaDB instance's whole life on one host, driven with the stock `openstack` CLI: real trove-api,
 * trove-taskmanager and trove-conductor processes, the real guest agent started by the local-process backend,
 * a real MariaDB container, the real broker and controller database. The steps share one instance, in order.
 */
import { expect } from 'chai';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { Stack } from '../helpers/stack.js';
import { addressOf, openstackJson, openstackOk, waitForGone, waitForStatus } from './helpers/cli.js';
import { NOTHING_LEFT, footprintOf, leftovers, type HostFootprint } from './helpers/checks.js';

const USER = 'appuser';
const PASSWORD = 'Secr3t-pass-e2e';

describe('e2e: MariaDB on local-process through the stock CLI', function () {
  this.timeout(900_000);
  let stack: Stack;
  let id: string;
  let address: string;
  let footprint: HostFootprint | undefined;

  async function mysql(user = USER, password = PASSWORD, database = 'appdb') {
    return createConnection({ host: address, port: 3306, user, password, database, connectTimeout: 10_000 });
  }

  async function variable(name: string): Promise<string> {
    const connection = await mysql();
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
      return String(rows[0]?.['Value']);
    } finally {
      await connection.end();
    }
  }

  before(async () => {
    stack = await Stack.create();
    await stack.start();
  });

  after(async () => {
    await stack?.teardown();
  });

  it('creates an instance with a database and a user and reports ACTIVE with its own address', async () => {
    const created = await openstackJson<Record<string, unknown>>(stack, [
      'database', 'instance', 'create', 'e2e-maria', '--flavor', '2', '--size', '1', '--datastore', 'mariadb', '--datastore-version', '10.11',
      '--databases', 'appdb', '--users', `${USER}:${PASSWORD}`,
    ]);
    id = String(created['id']);
    expect(created['status']).to.equal('BUILD');
    const instance = await waitForStatus(stack, id, ['ACTIVE']);
    expect(instance['operating_status']).to.equal('HEALTHY');
    address = addressOf(instance);
    expect(address.startsWith(stack.addressRange.replace(/0\/24$/, ''))).to.equal(true);
    const shown = await openstackJson<Record<string, unknown>>(stack, ['database', 'instance', 'show', id]);
    expect(shown['status']).to.equal('ACTIVE');
    expect(JSON.stringify(shown['addresses'] ?? shown['ip'])).to.include(address);
    footprint = footprintOf(stack, id);
    expect(footprint?.pid).to.be.a('number');
  });

  it('lets the created user log in to its database with a real client, and nobody else', async () => {
    const connection = await mysql();
    try {
      await connection.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
      await connection.query("INSERT INTO t VALUES (1, 'kept')");
      const [rows] = await connection.query<RowDataPacket[]>('SELECT v FROM t');
      expect(rows.map((row) => row['v'])).to.deep.equal(['kept']);
    } finally {
      await connection.end();
    }
    let refused: unknown;
    await mysql(USER, 'wrong-password').then((c) => c.end(), (error: unknown) => (refused = error));
    expect((refused as { code?: string } | undefined)?.code).to.equal('ER_ACCESS_DENIED_ERROR');
  });

  it('creates and lists databases and users through the CLI, visible in the engine', async () => {
    await openstackOk(stack, ['database', 'db', 'create', id, 'reports']);
    await openstackOk(stack, ['database', 'user', 'create', id, 'analyst', 'An4lyst-pw', '--databases', 'reports']);
    const dbs = await openstackJson<Array<{ Name: string }>>(stack, ['database', 'db', 'list', id]);
    expect(dbs.map((db) => db.Name)).to.include.members(['appdb', 'reports']);
    const users = await openstackJson<Array<{ Name: string }>>(stack, ['database', 'user', 'list', id]);
    expect(users.map((user) => user.Name)).to.include.members([USER, 'analyst']);
    const analyst = await mysql('analyst', 'An4lyst-pw', 'reports');
    await analyst.query('CREATE TABLE r (x INT)');
    await analyst.end();

    await openstackOk(stack, ['database', 'user', 'delete', id, 'analyst']);
    await openstackOk(stack, ['database', 'db', 'delete', id, 'reports']);
    let refused: unknown;
    await mysql('analyst', 'An4lyst-pw', 'reports').then((c) => c.end(), (error: unknown) => (refused = error));
    expect((refused as { code?: string } | undefined)?.code).to.equal('ER_ACCESS_DENIED_ERROR');
    const connection = await mysql();
    const [schemas] = await connection.query<RowDataPacket[]>("SHOW DATABASES LIKE 'reports'");
    await connection.end();
    expect(schemas).to.have.length(0);
  });

  it('restarts through the CLI and keeps the data', async () => {
    await openstackOk(stack, ['database', 'instance', 'restart', id]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 180_000 });
    const connection = await mysql();
    const [rows] = await connection.query<RowDataPacket[]>('SELECT v FROM t');
    await connection.end();
    expect(rows.map((row) => row['v'])).to.deep.equal(['kept']);
  });

  it('applies a dynamic configuration at once; a restart-only one waits in RESTART_REQUIRED until a restart', async () => {
    const dynamic = await openstackJson<Record<string, unknown>>(stack, ['database', 'configuration', 'create', 'e2e-dynamic', '{"max_connections": 211}', '--datastore', 'mariadb', '--datastore-version', '10.11']);
    await openstackOk(stack, ['database', 'configuration', 'attach', id, String(dynamic['id'])]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 120_000 });
    expect(await variable('max_connections')).to.equal('211');
    await openstackOk(stack, ['database', 'configuration', 'detach', id]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 120_000 });

    const before = await variable('innodb_sort_buffer_size');
    const restartOnly = await openstackJson<Record<string, unknown>>(stack, ['database', 'configuration', 'create', 'e2e-restart', '{"innodb_sort_buffer_size": 2097152}', '--datastore', 'mariadb', '--datastore-version', '10.11']);
    await openstackOk(stack, ['database', 'configuration', 'attach', id, String(restartOnly['id'])]);
    await waitForStatus(stack, id, ['RESTART_REQUIRED'], { timeoutMs: 120_000 });
    expect(await variable('innodb_sort_buffer_size')).to.equal(before);
    await openstackOk(stack, ['database', 'instance', 'restart', id]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 180_000 });
    expect(await variable('innodb_sort_buffer_size')).to.equal('2097152');
  });

  it('deletes through the CLI and leaves no container, process, address or live row behind', async () => {
    await openstackOk(stack, ['database', 'configuration', 'detach', id]);
    await waitForStatus(stack, id, ['ACTIVE', 'RESTART_REQUIRED'], { timeoutMs: 120_000 });
    await openstackOk(stack, ['database', 'instance', 'delete', id]);
    await waitForGone(stack, id);
    const deadline = Date.now() + 60_000;
    let found = await leftovers(stack, id, address, 3306, footprint);
    while (JSON.stringify(found) !== JSON.stringify(NOTHING_LEFT) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      found = await leftovers(stack, id, address, 3306, footprint);
    }
    expect(found).to.deep.equal(NOTHING_LEFT);
    const list = await openstackJson<unknown[]>(stack, ['database', 'instance', 'list']);
    expect(list).to.deep.equal([]);
  });
});
