/**
 * A PostgreSQL instance's life on one host through the stock `openstack` CLI: create with a database and a
 * user, log in with a real client, manage databases and users, a dynamic and a restart-only configuration,
 * restart, delete with nothing left behind.
 */
import { expect } from 'chai';
import pg from 'pg';
import { Stack } from '../helpers/stack.js';
import { addressOf, openstackJson, openstackOk, waitForGone, waitForStatus } from './helpers/cli.js';
import { NOTHING_LEFT, footprintOf, leftovers, type HostFootprint } from './helpers/checks.js';

const USER = 'pguser';
const PASSWORD = 'Pg-secr3t-e2e';

describe('e2e: PostgreSQL on local-process through the stock CLI', function () {
  this.timeout(900_000);
  let stack: Stack;
  let id: string;
  let address: string;
  let footprint: HostFootprint | undefined;

  async function client(user = USER, password = PASSWORD, database = 'shop'): Promise<pg.Client> {
    const connection = new pg.Client({ host: address, port: 5432, user, password, database, connectionTimeoutMillis: 10_000 });
    await connection.connect();
    return connection;
  }

  async function setting(name: string): Promise<string> {
    const connection = await client();
    try {
      const result = await connection.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name]);
      return String(result.rows[0]?.setting);
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
      'database', 'instance', 'create', 'e2e-pg', '--flavor', '2', '--size', '1', '--datastore', 'postgresql', '--datastore-version', '15',
      '--databases', 'shop', '--users', `${USER}:${PASSWORD}`,
    ]);
    id = String(created['id']);
    const instance = await waitForStatus(stack, id, ['ACTIVE']);
    expect(instance['operating_status']).to.equal('HEALTHY');
    address = addressOf(instance);
    footprint = footprintOf(stack, id);
  });

  it('lets the created user work in its database with a real client, and refuses a wrong password', async () => {
    const connection = await client();
    await connection.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await connection.query("INSERT INTO items VALUES (1, 'kept')");
    expect((await connection.query('SELECT name FROM items')).rows).to.deep.equal([{ name: 'kept' }]);
    await connection.end();
    let refused: unknown;
    await client(USER, 'wrong').then((c) => c.end(), (error: unknown) => (refused = error));
    expect((refused as { code?: string } | undefined)?.code).to.equal('28P01');
  });

  it('creates databases and users through the CLI, visible in the engine', async () => {
    await openstackOk(stack, ['database', 'db', 'create', id, 'reports']);
    await openstackOk(stack, ['database', 'user', 'create', id, 'analyst', 'An4lyst-pg', '--databases', 'reports']);
    const dbs = await openstackJson<Array<{ Name: string }>>(stack, ['database', 'db', 'list', id]);
    expect(dbs.map((db) => db.Name)).to.include.members(['shop', 'reports']);
    const analyst = await client('analyst', 'An4lyst-pg', 'reports');
    expect((await analyst.query('SELECT current_database() AS db')).rows).to.deep.equal([{ db: 'reports' }]);
    await analyst.end();
    await openstackOk(stack, ['database', 'user', 'delete', id, 'analyst']);
    let refused: unknown;
    await client('analyst', 'An4lyst-pg', 'reports').then((c) => c.end(), (error: unknown) => (refused = error));
    expect((refused as { code?: string } | undefined)?.code).to.equal('28P01');
  });

  it('applies work_mem live; max_connections waits for a restart', async () => {
    const dynamic = await openstackJson<Record<string, unknown>>(stack, ['database', 'configuration', 'create', 'pg-dynamic', '{"work_mem": 8192}', '--datastore', 'postgresql', '--datastore-version', '15']);
    await openstackOk(stack, ['database', 'configuration', 'attach', id, String(dynamic['id'])]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 120_000 });
    expect(await setting('work_mem')).to.equal('8192');
    await openstackOk(stack, ['database', 'configuration', 'detach', id]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 120_000 });

    const restartOnly = await openstackJson<Record<string, unknown>>(stack, ['database', 'configuration', 'create', 'pg-restart', '{"max_connections": 77}', '--datastore', 'postgresql', '--datastore-version', '15']);
    await openstackOk(stack, ['database', 'configuration', 'attach', id, String(restartOnly['id'])]);
    await waitForStatus(stack, id, ['RESTART_REQUIRED'], { timeoutMs: 120_000 });
    expect(await setting('max_connections')).to.not.equal('77');
    await openstackOk(stack, ['database', 'instance', 'restart', id]);
    await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 180_000 });
    expect(await setting('max_connections')).to.equal('77');
    const connection = await client();
    expect((await connection.query('SELECT name FROM items')).rows).to.deep.equal([{ name: 'kept' }]);
    await connection.end();
  });

  it('deletes through the CLI and leaves no container, process, address or live row behind', async () => {
    await openstackOk(stack, ['database', 'instance', 'delete', id]);
    await waitForGone(stack, id);
    const deadline = Date.now() + 60_000;
    let found = await leftovers(stack, id, address, 5432, footprint);
    while (JSON.stringify(found) !== JSON.stringify(NOTHING_LEFT) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      found = await leftovers(stack, id, address, 5432, footprint);
    }
    expect(found).to.deep.equal(NOTHING_LEFT);
  });
});
