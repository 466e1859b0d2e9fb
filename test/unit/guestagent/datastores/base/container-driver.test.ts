import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { ContainerBootstrapError } from '../../../../../guestagent/datastores/base/engine.js';
import { loadDriverFactory } from '../../../../../guestagent/datastores/registry.js';
import { VolumeManager } from '../../../../../guestagent/volume.js';
import { FakeContainerRuntime } from '../../../../fakes/fake-container-runtime.js';
import { TempDir } from '../../../../helpers/tmp.js';

describe('ContainerDatastoreDriver (fake engine runtime)', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir('trove-agent-driver-');
  });
  afterEach(() => tmp.cleanup());

  async function driverFor(runtime: FakeContainerRuntime, manager: 'mariadb' | 'mysql' = 'mariadb') {
    const config = defaultConfig({
      DEFAULT: { guest_id: 'inst-1', datastore_manager: manager, datastore_version: '10.11', state_change_poll_time: 1, state_change_wait_time: 3 },
      guest_agent: { datastore_bind_host: '127.20.0.5' },
      [manager]: { mount_point: tmp.join('volume'), device_path: '' },
    });
    const volume = new VolumeManager({ fstype: 'ext3', formatOptions: '', mountOptions: 'defaults', formatTimeoutMs: 1000 }, silentLogger());
    return (await loadDriverFactory(manager))({ instanceId: 'inst-1', config, options: config[manager], runtime, volume, logger: silentLogger() });
  }

  const request = { memoryMb: 512, databases: [], users: [], devicePath: null, mountPoint: null, configContents: null, rootPassword: null, overrides: {}, datastoreVersion: null };

  it('writes config and credentials, starts the container per the image contract, and redacts the password from a failed bootstrap', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add('trove/mariadb:10.11');
    let bootstrapSql = '';
    runtime.execHandler = (_container, command, options) => {
      if (options.stdin !== undefined) {
        bootstrapSql = options.stdin;
        const password = /IDENTIFIED BY '([^']+)'/.exec(options.stdin)?.[1] ?? '';
        return { exitCode: 1, stdout: '', stderr: `ERROR 1064 (42000): near 'IDENTIFIED BY '${password}''` };
      }
      return { exitCode: 0, stdout: command.includes('SELECT 1') ? '1\n' : '', stderr: '' };
    };
    const driver = await driverFor(runtime);
    let caught: unknown;
    // The guest unit runs the agent with UMask=0027: the server's files must still be readable by it.
    const umask = process.umask(0o027);
    try {
      await driver.prepare(request);
    } catch (error) {
      caught = error;
    } finally {
      process.umask(umask);
    }
    expect(caught).to.be.instanceOf(ContainerBootstrapError);
    const credentials = readFileSync(join(tmp.join('volume'), 'conf.d', 'os_admin.cnf'), 'utf8');
    const password = /password = (\S+)/.exec(credentials)?.[1] ?? '';
    expect(password).to.have.length(36);
    expect(statSync(join(tmp.join('volume'), 'conf.d', 'os_admin.cnf')).mode & 0o777).to.equal(0o600);
    expect((caught as Error).message).to.contain('***').and.not.contain(password);
    expect(bootstrapSql).to.contain("'os_admin'@'127.20.0.5'").and.contain("'os_admin'@'localhost'");
    expect(await driver.prepareFailure()).to.contain('Creating the os_admin user failed');
    expect(await driver.isPrepared()).to.equal(false);

    const [container] = [...runtime.containers.values()];
    expect(container?.spec.command).to.deep.equal(['--defaults-file=/etc/mysql/my.cnf']);
    expect(container?.spec.binds.map((bind) => bind.containerPath)).to.deep.equal(['/var/lib/mysql', '/etc/mysql', '/var/run/mysqld']);
    const etc = join(tmp.join('volume'), 'etc', 'mysql');
    expect(readFileSync(join(etc, 'my.cnf'), 'utf8')).to.contain('innodb_buffer_pool_size = 256M');
    expect(readFileSync(join(etc, 'conf.d', '50-system-001-common.cnf'), 'utf8')).to.contain('bind-address = 127.20.0.5');
    expect(statSync(join(tmp.join('volume'), 'data')).uid).to.equal(1001);
    expect(statSync(join(tmp.join('volume'), 'conf.d')).mode & 0o777).to.equal(0o700);
    for (const path of [join(etc, 'my.cnf'), join(etc, 'conf.d', '50-system-001-common.cnf')]) expect(statSync(path).mode & 0o777, path).to.equal(0o644);
    for (const path of [join(tmp.join('volume'), 'etc'), etc, join(etc, 'conf.d')]) expect(statSync(path).mode & 0o777, path).to.equal(0o755);
  });

  it('refuses overrides that could inject configuration before touching anything', async () => {
    const runtime = new FakeContainerRuntime();
    const driver = await driverFor(runtime);
    let caught: unknown;
    try {
      await driver.prepare({ ...request, overrides: { 'max_connections\n[mysqld]\ninit_file': '/tmp/x' } });
    } catch (error) {
      caught = error;
    }
    expect((caught as { code?: string }).code).to.equal('VALIDATION_ERROR');
    expect(runtime.calls).to.deep.equal([]);
  });

  it('MySQL images bootstrap with a generated root password kept on the volume', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add('mysql:10.11');
    const seen: { command: string[]; env?: Record<string, string> }[] = [];
    runtime.execHandler = (_container, command, options) => {
      seen.push({ command, ...(options.env ? { env: options.env } : {}) });
      return { exitCode: 1, stdout: '', stderr: 'not yet' };
    };
    const driver = await driverFor(runtime, 'mysql');
    await driver.prepare(request).catch(() => undefined);
    const [container] = [...runtime.containers.values()];
    const rootPassword = container?.spec.env['MYSQL_ROOT_PASSWORD'] ?? '';
    expect(rootPassword).to.have.length(36);
    expect(readFileSync(join(tmp.join('volume'), 'conf.d', 'bootstrap-root.cnf'), 'utf8')).to.contain(rootPassword);
    expect(seen[0]?.command).to.include('--user=root');
    expect(seen[0]?.env).to.deep.equal({ MYSQL_PWD: rootPassword });
    expect(await driver.prepareFailure()).to.contain('did not become ready');
  });
});
