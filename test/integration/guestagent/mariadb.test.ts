/**
 * The guest agent's RPC handlers against a real MariaDB container (trove/mariadb:10.11) on 127.20.x.y:3306,
 * checked with a real client: users log in, grants and revokes show as real permission errors, overrides
 * show in SHOW VARIABLES, the container survives restarts, kills and a restarted agent.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { context, eventually, GuestHarness, rejectionOf } from './harness.js';

const HOSTILE = ["a'; DROP DATABASE db1; --", 'x`; DROP DATABASE db1; `', 'quote"name', 'back\\slash', 'd'.repeat(65), 'semi;colon'];

describe('guest agent on MariaDB (real container)', function () {
  this.timeout(240_000);
  const harness = new GuestHarness('mariadb');

  async function connect(user: string, password: string, database?: string): Promise<Connection> {
    return createConnection({ host: harness.bindHost, port: harness.port, user, password, ...(database ? { database } : {}), connectTimeout: 5000 });
  }

  async function canUse(user: string, password: string, database: string): Promise<boolean | number> {
    try {
      const connection = await connect(user, password, database);
      await connection.query('CREATE TABLE IF NOT EXISTS probe_t (x INT)');
      await connection.end();
      return true;
    } catch (error) {
      const errno = (error as { errno?: number }).errno ?? -1;
      // 1045 (bad password) and 1698 (no such account, MariaDB) are both "access denied".
      return errno === 1698 ? 1045 : errno;
    }
  }

  async function variable(name: string): Promise<string | undefined> {
    const credentials = await harness.stack.driver.admin.enableRoot(null);
    const connection = await connect('root', credentials._password as string);
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
      return rows[0]?.['Value'] as string | undefined;
    } finally {
      await connection.end();
    }
  }

  before(async () => {
    const { service, status } = await harness.start();
    status.start();
    await service.prepare(
      {
        memory_mb: 512,
        ds_version: '10.11',
        databases: [{ _name: 'db1' }, { _name: 'db2', _character_set: 'latin1', _collate: 'latin1_swedish_ci' }],
        users: [{ _name: 'alice', _password: 'alice-pw-1', _host: '%', _databases: [{ _name: 'db1' }] }],
        overrides: { max_connections: 111 },
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
    expect(databases[1]).to.deep.include({ _character_set: 'latin1', _collate: 'latin1_swedish_ci' });
    expect(await canUse('alice', 'alice-pw-1', 'db1')).to.equal(true);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal(1044);
    expect(await canUse('alice', 'wrong', 'db1')).to.equal(1045);
  });

  it('runs the container as Trove does: labelled, host network, uid 1001, unless-stopped, data on the volume', async () => {
    const info = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0];
    expect(info.Config.Labels).to.include({ 'trove.instance-id': harness.instanceId, 'trove.role': 'database' });
    expect(info.HostConfig.NetworkMode).to.equal('host');
    expect(info.HostConfig.RestartPolicy.Name).to.equal('unless-stopped');
    expect(info.Config.User).to.equal('1001:1001');
    expect(info.Config.Image).to.equal('trove/mariadb:10.11');
    expect(existsSync(join(harness.mountPoint, 'data', 'db1'))).to.equal(true);
    const credentials = join(harness.mountPoint, 'conf.d', 'os_admin.cnf');
    expect(statSync(credentials).mode & 0o777).to.equal(0o600);
    expect(existsSync(join(harness.mountPoint, 'conf.d', '.guestagent.prepare.end'))).to.equal(true);
    expect(await variable('max_connections')).to.equal('111');
  });

  it('lists users with their databases, hiding os_admin and root', async () => {
    const [users, next] = await harness.stack.service.listUsers({}, context);
    expect(next).to.equal(null);
    expect(users).to.deep.equal([{ _name: 'alice', _host: '%', _password: null, _databases: [{ _name: 'db1', _character_set: 'utf8mb4', _collate: 'utf8mb4_general_ci' }], _is_root: false }]);
    expect(await harness.stack.service.getUser({ username: 'nobody', hostname: '%' }, context)).to.equal(null);
  });

  it('grants and revokes access, verified by real permission errors', async () => {
    const { service } = harness.stack;
    await service.grantAccess({ username: 'alice', hostname: '%', databases: ['db2'] }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal(true);
    expect((await service.listAccess({ username: 'alice', hostname: '%' }, context)).map((db) => db._name)).to.deep.equal(['db1', 'db2']);
    await service.revokeAccess({ username: 'alice', hostname: '%', database: 'db2' }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db2')).to.equal(1044);
    await service.revokeAccess({ username: 'alice', hostname: '%', database: 'db2' }, context);
    const missing = await rejectionOf(() => service.grantAccess({ username: 'ghost', hostname: '%', databases: ['db1'] }, context));
    expect(missing.code).to.equal('NOT_FOUND');
  });

  it('makes a grant on a name with _ exact (no wildcard match)', async () => {
    const { service } = harness.stack;
    await service.createDatabase({ databases: [{ _name: 'a_b' }, { _name: 'axb' }] }, context);
    await service.createUser({ users: [{ _name: 'wild', _password: 'wild-pw-1', _databases: [{ _name: 'a_b' }] }] }, context);
    expect(await canUse('wild', 'wild-pw-1', 'a_b')).to.equal(true);
    expect(await canUse('wild', 'wild-pw-1', 'axb')).to.equal(1044);
  });

  it('changes passwords, verified by logging in', async () => {
    const { service } = harness.stack;
    await service.changePasswords({ users: [{ _name: 'alice', _host: '%', _password: 'alice-pw-2' }] }, context);
    expect(await canUse('alice', 'alice-pw-1', 'db1')).to.equal(1045);
    expect(await canUse('alice', 'alice-pw-2', 'db1')).to.equal(true);
    await service.updateAttributes({ username: 'alice', hostname: '%', user_attrs: { password: 'alice-pw-3' } }, context);
    expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
  });

  it('renames a user and deletes it', async () => {
    const { service } = harness.stack;
    await service.createUser({ users: [{ _name: 'bob', _password: 'bob-pw-1', _databases: [{ _name: 'db1' }] }] }, context);
    await service.updateAttributes({ username: 'bob', hostname: '%', user_attrs: { name: 'robert' } }, context);
    expect(await canUse('robert', 'bob-pw-1', 'db1')).to.equal(true);
    expect(await service.getUser({ username: 'bob', hostname: '%' }, context)).to.equal(null);
    await service.deleteUser({ user: { _name: 'robert', _host: '%' } }, context);
    expect(await canUse('robert', 'bob-pw-1', 'db1')).to.equal(1045);
  });

  it('rejects hostile and over-long names; nothing is created or dropped', async () => {
    const { service } = harness.stack;
    const before = (await service.listDatabases({}, context))[0].map((db) => db._name);
    for (const name of HOSTILE) {
      await service.createDatabase({ databases: [{ _name: name }] }, context);
      await service.deleteDatabase({ database: { _name: name } }, context);
      await service.createUser({ users: [{ _name: name, _password: 'pw-123456' }] }, context);
      const refused = await rejectionOf(() => service.grantAccess({ username: 'alice', hostname: '%', databases: [name] }, context));
      expect(refused.code, name).to.equal('VALIDATION_ERROR');
      expect((await rejectionOf(() => service.getUser({ username: name, hostname: '%' }, context))).code, name).to.equal('VALIDATION_ERROR');
    }
    expect((await rejectionOf(() => service.getUser({ username: 'alice', hostname: "%'; --" }, context))).code).to.equal('VALIDATION_ERROR');
    expect((await service.listDatabases({}, context))[0].map((db) => db._name)).to.deep.equal(before);
    expect((await service.listUsers({}, context))[0].map((user) => user._name).sort()).to.deep.equal(['alice', 'wild']);
    expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
  });

  it('refuses reserved names (os_admin, mysql)', async () => {
    const { service } = harness.stack;
    expect((await rejectionOf(() => service.getUser({ username: 'os_admin', hostname: 'localhost' }, context))).code).to.equal('VALIDATION_ERROR');
    await service.deleteDatabase({ database: { _name: 'mysql' } }, context);
    const root = await harness.stack.driver.admin.enableRoot(null);
    const connection = await connect('root', root._password as string);
    const [rows] = await connection.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = 'mysql'");
    await connection.end();
    expect(Number(rows[0]?.['n'])).to.equal(1);
  });

  it('pages databases with a marker', async () => {
    const { service } = harness.stack;
    const [first, marker] = await service.listDatabases({ limit: 2 }, context);
    expect(first.map((db) => db._name)).to.deep.equal(['a_b', 'axb']);
    expect(marker).to.equal('axb');
    const [second] = await service.listDatabases({ limit: 2, marker }, context);
    expect(second.map((db) => db._name)).to.deep.equal(['db1', 'db2']);
  });

  it('enables root with a password a client can use, and disables it again', async () => {
    const { service } = harness.stack;
    const root = await service.enableRootWithPassword({ root_password: 'Root-pw-123' }, context);
    expect(root).to.deep.include({ _name: 'root', _host: '%', _password: 'Root-pw-123' });
    expect(await service.isRootEnabled({}, context)).to.equal(true);
    expect(await service.getRootPassword({}, context)).to.equal('Root-pw-123');
    const connection = await connect('root', 'Root-pw-123');
    const [rows] = await connection.query<RowDataPacket[]>('SELECT CURRENT_USER() AS who');
    await connection.end();
    expect(rows[0]?.['who']).to.equal('root@%');
    await service.disableRoot({}, context);
    expect(await service.isRootEnabled({}, context)).to.equal(false);
    expect([1045, 1698]).to.include((await rejectionOf(() => connect('root', 'Root-pw-123'))).errno);
  });

  it('applies dynamic overrides live and reports static ones as needing a restart', async () => {
    const { service, status } = harness.stack;
    await service.updateOverrides({ overrides: { max_connections: 222, innodb_log_buffer_size: '32M' } }, context);
    await service.applyOverrides({ overrides: { max_connections: 222, innodb_log_buffer_size: '32M' } }, context);
    expect(await variable('max_connections')).to.equal('222');
    expect(await variable('innodb_log_buffer_size')).to.not.equal(String(32 * 1024 * 1024));
    await status.refresh();
    expect(status.current).to.equal('RESTART_REQUIRED');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    expect(await variable('innodb_log_buffer_size')).to.equal(String(32 * 1024 * 1024));
    const refused = await rejectionOf(() => service.applyOverrides({ overrides: { max_connections: 'lots' } }, context));
    expect(refused.code).to.equal('VALIDATION_ERROR');
    await service.updateOverrides({ overrides: {}, remove: true }, context);
  });

  it('stop_db shuts the datastore down and restart brings it back', async () => {
    const { service, status } = harness.stack;
    await service.stopDb({}, context);
    expect(status.current).to.equal('SHUTDOWN');
    expect(JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].State.Status).to.equal('exited');
    await service.restart({}, context);
    expect(status.current).to.equal('HEALTHY');
    expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
  });

  it('a restarted agent adopts the running container instead of creating another', async () => {
    const before = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].Id;
    harness.stack.status.stop();
    const { status, service } = await harness.start();
    expect(status.preparePhase).to.equal('ready');
    expect(await status.refresh()).to.equal('HEALTHY');
    const after = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0].Id;
    expect(after).to.equal(before);
    const count = execFileSync('docker', ['ps', '-aq', '--filter', `label=trove.instance-id=${harness.instanceId}`], { encoding: 'utf8' }).trim().split('\n');
    expect(count).to.have.length(1);
    await service.prepare({ ds_version: '10.11' }, context);
    expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
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
    expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
  });

  it('reports real filesystem figures for the volume', async () => {
    const stats = await harness.stack.service.getFilesystemStats({}, context);
    const df = execFileSync('stat', ['-f', '-c', '%S %b %f', harness.mountPoint], { encoding: 'utf8' }).trim().split(' ').map(Number);
    expect(stats.block_size).to.equal(df[0]);
    expect(stats.total_blocks).to.equal(df[1]);
    expect(Math.abs(stats.free_blocks - (df[2] ?? 0))).to.be.lessThan(50_000);
  });

  it('upgrades to a new image tag and keeps the data', async () => {
    const tag = `10.11-agenttest${Date.now()}`;
    execFileSync('docker', ['tag', 'trove/mariadb:10.11', `trove/mariadb:${tag}`]);
    try {
      const { service, status } = harness.stack;
      expect(await service.preUpgrade({}, context)).to.deep.equal({});
      await service.upgrade({ upgrade_info: { datastore_version: tag } }, context);
      expect(status.current).to.equal('HEALTHY');
      const info = JSON.parse(execFileSync('docker', ['inspect', harness.containerName], { encoding: 'utf8' }))[0];
      expect(info.Config.Image).to.equal(`trove/mariadb:${tag}`);
      expect(await canUse('alice', 'alice-pw-3', 'db1')).to.equal(true);
      const connection = await connect('alice', 'alice-pw-3', 'db1');
      const [rows] = await connection.query<RowDataPacket[]>('SHOW TABLES');
      await connection.end();
      expect(rows.map((row) => Object.values(row)[0])).to.include('probe_t');
    } finally {
      await harness.stack.service.upgrade({ upgrade_info: { datastore_version: '10.11' } }, context);
      execFileSync('docker', ['rmi', `trove/mariadb:${tag}`]);
    }
  });
});

describe('guest agent on MariaDB: failed prepare', function () {
  this.timeout(60_000);
  const harness = new GuestHarness('mariadb');
  after(() => harness.cleanup());

  it('reports FAILED, records why on the volume, and creates no container when the image is missing', async () => {
    const { service, status } = await harness.start();
    await service.prepare({ ds_version: 'no-such-version' }, context);
    expect(status.current).to.equal('FAILED');
    expect(await harness.stack.driver.prepareFailure()).to.contain('trove/mariadb:no-such-version is not present');
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=trove.instance-id=${harness.instanceId}`], { encoding: 'utf8' }).trim()).to.equal('');
    const restarted = await harness.start();
    expect(restarted.status.current).to.equal('FAILED');
  });
});
