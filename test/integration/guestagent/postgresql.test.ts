/**
 * The guest agent's RPC handlers against a real PostgreSQL container (trove/postgresql:15) on
 * 127.20.x.y:5432, checked with a real pg client: users log in, grants and revokes show as real permission
 * errors, overrides show in SHOW, the container survives restarts, kills and a restarted agent.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { context, eventually, GuestHarness, rejectionOf } from './harness.js';

const HOSTILE = ['a\'; DROP DATABASE db1; --', 'x"; DROP DATABASE db1; --', 'back`tick', 'back\\slash', 'd'.repeat(64), 'nul\u0000byte'];

describe('guest agent on PostgreSQL (real container)', function () {
  this.timeout(240_000);
  const harness = new GuestHarness('postgresql');

  async function withClient<T>(user: string, password: string, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ host: harness.bindHost, port: harness.port, user, password, database, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** true, or the SQLSTATE of the failure (28P01 bad password, 42501 no privilege). */
  async function canUse(user: string, password: string, database: string): Promise<true | string> {
    try {
      await withClient(user, password, database, (client) => client.query('CREATE TABLE IF NOT EXISTS probe_t (x int)'));
      return true;
    } catch (error) {
      return String((error as { code?: string }).code ?? (error as Error).message);
    }
  }

  async function setting(name: string): Promise<string> {
    const root = await harness.stack.driver.admin.enableRoot(null);
    return withClient('root', root._password as string, 'db1', async (client) => (await client.query<{ value: string }>('SELECT current_setting($1) AS value', [name])).rows[0]!.value);
  }

  before(async () => {
    const { service, status } = await harness.start();
    status.start();
    await service.prepare(
      {
        memory_mb: 1024,
        ds_version: '15',
        databases: [{ _name: 'db1' }, { _name: 'db2', _character_set: 'UTF8', _collate: 'C.UTF-8' }],
        users: [{ _name: 'alice', _password: 'alice-pw-1', _databases: [{ _name: 'db1' }] }],
        overrides: { work_mem: '6MB' },
      },
      context,
    );
    expect(status.current, 'status after prepare').to.equal('HEALTHY');
  });

  after(async () => {
    await harness.cleanup();
  });

  it('prepare created the databases and a user that can use its database and only it', async () => {
    const [databases] = await harness.stack.service.listDatabases({}, context);
    expect(databases.map((db) => db._name)).to.deep.equal(['db1', 'db2']);
    expect(await canUse('alice', 'alice-pw-1', 'db1')).to.equal(true);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal('42501');
    expect(await canUse('alice', 'alice-pw-1', 'postgres')).to.equal('42501');
    expect(await canUse('alice', 'wrong', 'db1')).to.equal('28P01');
  });

  it('runs the container as Trove does, keeps os_admin local and its password off the server', async () => {
    const info = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0];
    expect(info.Config.Labels).to.include({ 'trove.instance-id': harness.instanceId, 'trove.role': 'database' });
    expect(info.HostConfig.NetworkMode).to.equal('host');
    expect(info.HostConfig.RestartPolicy.Name).to.equal('unless-stopped');
    expect(info.Config.User).to.equal('1001:1001');
    expect(existsSync(join(harness.mountPoint, 'data', 'pgdata', 'PG_VERSION'))).to.equal(true);
    const credentials = join(harness.mountPoint, 'conf.d', 'os_admin.cnf');
    expect(statSync(credentials).mode & 0o777).to.equal(0o600);
    const password = /password = (\S+)/.exec(readFileSync(credentials, 'utf8'))?.[1] ?? '';
    expect(password).to.have.length(36);
    const logs = execFileSync('docker', ['logs', harness.containerName], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(logs).to.not.contain(password);
    expect(await setting('work_mem')).to.equal('6MB');
  });

  it('lists users with their databases, hiding os_admin, postgres and root', async () => {
    const [users, next] = await harness.stack.service.listUsers({}, context);
    expect(next).to.equal(null);
    expect(users.map((user) => [user._name, user._host, user._databases?.map((db) => db._name)])).to.deep.equal([['alice', '%', ['db1']]]);
    expect(await harness.stack.service.getUser({ username: 'nobody', hostname: null }, context)).to.equal(null);
  });

  it('grants and revokes access, verified by real permission errors', async () => {
    const { service } = harness.stack;
    await service.grantAccess({ username: 'alice', hostname: null, databases: ['db2'] }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal(true);
    expect((await service.listAccess({ username: 'alice', hostname: null }, context)).map((db) => db._name).sort()).to.deep.equal(['db1', 'db2']);
    await service.revokeAccess({ username: 'alice', hostname: null, database: 'db2' }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal('42501');
    const missing = await rejectionOf(() => service.grantAccess({ username: 'alice', hostname: null, databases: ['nope'] }, context));
    expect(missing.code).to.equal('NOT_FOUND');
  });

  it('changes passwords, verified by logging in', async () => {
    const { service } = harness.stack;
    await service.changePasswords({ users: [{ _name: 'alice', _password: 'alice-pw-2' }] }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db1')).to.equal('28P01');
    expect(await canUse('alice', 'alice-pw-2', 'db1')).to.equal(true);
  });

  it('renames a user and deletes a user that owns tables', async () => {
    const { service } = harness.stack;
    await service.createUser({ users: [{ _name: 'bob', _password: 'bob-pw-1', _databases: [{ _name: 'db1' }] }] }, context);
    await withClient('bob', 'bob-pw-1', 'db1', (client) => client.query('CREATE TABLE bobs (x int)'));
    await service.updateAttributes({ username: 'bob', hostname: null, user_attrs: { name: 'robert', password: 'bob-pw-2' } }, context);
    expect(await canUse('robert', 'bob-pw-2', 'db1')).to.equal(true);
    await service.deleteUser({ user: { _name: 'robert' } }, context);
    expect(await service.getUser({ username: 'robert', hostname: null }, context)).to.equal(null);
    expect(await canUse('robert', 'bob-pw-2', 'db1')).to.equal('28P01');
  });

  it('rejects hostile and over-long names and reserved roles; nothing is created or dropped', async () => {
    const { service } = harness.stack;
    const before = (await service.listDatabases({}, context))[0].map((db) => db._name);
    for (const name of HOSTILE) {
      await service.createDatabase({ databases: [{ _name: name }] }, context);
      await service.deleteDatabase({ database: { _name: name } }, context);
      await service.createUser({ users: [{ _name: name, _password: 'pw-123456' }] }, context);
      expect((await rejectionOf(() => service.grantAccess({ username: 'alice', hostname: null, databases: [name] }, context))).code, name).to.equal('VALIDATION_ERROR');
    }
    await service.createUser({ users: [{ _name: 'pg_monitor', _password: 'pw-123456' }] }, context);
    await service.deleteDatabase({ database: { _name: 'postgres' } }, context);
    expect((await rejectionOf(() => service.getUser({ username: 'os_admin', hostname: null }, context))).code).to.equal('VALIDATION_ERROR');
    expect((await service.listDatabases({}, context))[0].map((db) => db._name)).to.deep.equal(before);
    expect((await service.listUsers({}, context))[0].map((user) => user._name)).to.deep.equal(['alice']);
    expect(await canUse('alice', 'alice-pw-2', 'db1')).to.equal(true);
    expect(await canUse('pg_monitor', 'pw-123456', 'db1')).to.equal('28P01');
  });

  it('enables root as a superuser a client can use, and disables it again', async () => {
    const { service } = harness.stack;
    const root = await service.enableRootWithPassword({ root_password: 'Root-pw-123' }, context);
    expect(root).to.deep.include({ _name: 'root', _password: 'Root-pw-123' });
    expect(await service.isRootEnabled({}, context)).to.equal(true);
    const superuser = await withClient('root', 'Root-pw-123', 'db2', async (client) => (await client.query<{ s: string }>("SELECT current_setting('is_superuser') AS s")).rows[0]?.s);
    expect(superuser).to.equal('on');
    await service.disableRoot({}, context);
    expect(await service.isRootEnabled({}, context)).to.equal(false);
    expect(await canUse('root', 'Root-pw-123', 'db1')).to.equal('28P01');
  });

  it('applies reloadable overrides live and reports postmaster ones as needing a restart', async () => {
    const { service, status } = harness.stack;
    await service.updateOverrides({ overrides: { work_mem: '12MB', max_connections: 150 } }, context);
    await service.applyOverrides({ overrides: { work_mem: '12MB', max_connections: 150 } }, context);
    expect(await setting('work_mem')).to.equal('12MB');
    expect(await setting('max_connections')).to.not.equal('150');
    await status.refresh();
    expect(status.current).to.equal('RESTART_REQUIRED');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    expect(await setting('max_connections')).to.equal('150');
    await service.updateOverrides({ overrides: {}, remove: true }, context);
  });

  it('stop_db shuts the datastore down and restart brings it back', async () => {
    const { service, status } = harness.stack;
    await service.stopDb({}, context);
    expect(status.current).to.equal('SHUTDOWN');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    expect(await canUse('alice', 'alice-pw-2', 'db1')).to.equal(true);
  });

  it('a restarted agent adopts the running container instead of creating another', async () => {
    const before = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].Id;
    harness.stack.status.stop();
    const { status } = await harness.start();
    expect(status.preparePhase).to.equal('ready');
    expect(await status.refresh()).to.equal('HEALTHY');
    expect(JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].Id).to.equal(before);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=trove.instance-id=${harness.instanceId}`], { encoding: 'utf8' }).trim().split('\n')).to.have.length(1);
  });

  it('notices a container killed behind its back and recovers', async () => {
    const { service, status } = harness.stack;
    execFileSync('docker', ['kill', harness.containerName]);
    const seen: string[] = [];
    await eventually(async () => {
      seen.push(await status.refresh());
      return seen.some((value) => value === 'SHUTDOWN' || value === 'CRASHED');
    }, 20_000, 'SHUTDOWN after docker kill');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    expect(await canUse('alice', 'alice-pw-2', 'db1')).to.equal(true);
  });

  it('upgrades to a new image tag and keeps the data', async () => {
    const tag = `15-agenttest${Date.now()}`;
    execFileSync('docker', ['tag', 'trove/postgresql:15', `trove/postgresql:${tag}`]);
    try {
      const { service, status } = harness.stack;
      await service.upgrade({ upgrade_info: { datastore_version: tag } }, context);
      expect(status.current).to.equal('HEALTHY');
      expect(JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].Config.Image).to.equal(`trove/postgresql:${tag}`);
      const tables = await withClient('alice', 'alice-pw-2', 'db1', async (client) => (await client.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map((row) => row.t));
      expect(tables).to.include('probe_t');
    } finally {
      await harness.stack.service.upgrade({ upgrade_info: { datastore_version: '15' } }, context);
      execFileSync('docker', ['rmi', `trove/postgresql:${tag}`]);
    }
  });
});
