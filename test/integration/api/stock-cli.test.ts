/**
 * A scripted session with the stock openstack CLI (Debian's python3-openstackclient + python3-troveclient)
 * against a running trove-api: real MariaDB, the in-memory transport with the fake taskmanager and fake
 * guests, the app in this process. Every command must exit 0 and show what the API stored.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startHarness, type ApiHarness } from './harness.js';

const OPENSTACK = '/usr/bin/openstack';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('stock openstack CLI session against trove-api', function () {
  this.timeout(600_000);
  let h: ApiHarness;

  before(async function () {
    if (!existsSync(OPENSTACK)) throw new Error(`${OPENSTACK} is missing: run .ci/setup-host (python3-openstackclient, python3-troveclient)`);
    h = await startHarness();
  });
  after(async () => h?.close());

  /** Runs `openstack <args>` with admin_token auth at the tenant-scoped endpoint (asynchronously: the API runs in this process). */
  function cli(args: string[], token = h.tenant): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8' };
    const full = ['--os-auth-type', 'admin_token', '--os-token', token, '--os-endpoint', `${h.url}/v1.0/${h.tenant}`, ...args];
    return new Promise((resolve) => {
      execFile(OPENSTACK, full, { env, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function ok(args: string[]): Promise<string> {
    const result = await cli(args);
    expect(result.code, `openstack ${args.join(' ')}\n${result.stderr}\n${result.stdout}`).to.equal(0);
    return result.stdout;
  }

  async function json<T>(args: string[]): Promise<T> {
    return JSON.parse(await ok([...args, '-f', 'json'])) as T;
  }

  let instanceId = '';
  let backupId = '';
  let configurationId = '';

  it('lists datastores and flavors', async () => {
    // The datastore commands are top-level in python3-troveclient 8 (`openstack datastore list`).
    const datastores = await json<Array<Record<string, string>>>(['datastore', 'list']);
    expect(datastores.map((row) => row['Name']).sort()).to.deep.equal(['mariadb', 'mysql', 'postgresql']);
    const flavors = await json<Array<Record<string, unknown>>>(['database', 'flavor', 'list']);
    expect(flavors.map((row) => row['Name'])).to.include.members(['m1.tiny', 'm1.small']);
    expect(flavors.find((row) => row['Name'] === 'm1.small')).to.include({ RAM: 1024 });
  });

  it('creates, lists and shows an instance', async () => {
    const created = await json<Record<string, unknown>>([
      'database', 'instance', 'create', 'clidb', '--flavor', '2', '--size', '1', '--datastore', 'mysql', '--datastore-version', '5.7.29',
      '--databases', 'appdb', '--users', 'appuser:apppw',
    ]);
    instanceId = String(created['id']);
    expect(created['name']).to.equal('clidb');
    expect(created['flavor']).to.equal('2');
    await h.tm.waitFor('createInstance');
    const list = await json<Array<Record<string, unknown>>>(['database', 'instance', 'list']);
    const row = list.find((item) => item['ID'] === instanceId);
    expect(row).to.include({ Name: 'clidb', Datastore: 'mysql', 'Datastore Version': '5.7.29', Status: 'ACTIVE', 'Operating Status': 'HEALTHY', 'Flavor ID': '2', Size: 1 });
    const shown = await json<Record<string, unknown>>(['database', 'instance', 'show', instanceId]);
    expect(shown).to.include({ id: instanceId, status: 'ACTIVE', operating_status: 'HEALTHY', datastore: 'mysql', volume: 1 });
    const byName = await json<Record<string, unknown>>(['database', 'instance', 'show', 'clidb']);
    expect(byName['id']).to.equal(instanceId);
  });

  it('manages databases', async () => {
    await ok(['database', 'db', 'create', instanceId, 'clidb2', '--character_set', 'utf8', '--collate', 'utf8_general_ci']);
    const list = await json<Array<Record<string, string>>>(['database', 'db', 'list', instanceId]);
    expect(list.map((row) => row['Name']).sort()).to.deep.equal(['appdb', 'clidb2']);
    await ok(['database', 'db', 'delete', instanceId, 'clidb2']);
    const after = await json<Array<Record<string, string>>>(['database', 'db', 'list', instanceId]);
    expect(after.map((row) => row['Name'])).to.deep.equal(['appdb']);
  });

  it('manages users and grants', async () => {
    await ok(['database', 'user', 'create', instanceId, 'cliuser', 'clipw', '--host', '%']);
    const list = await json<Array<Record<string, string>>>(['database', 'user', 'list', instanceId]);
    expect(list.map((row) => row['Name']).sort()).to.deep.equal(['appuser', 'cliuser']);
    await ok(['database', 'user', 'grant', 'access', instanceId, 'cliuser', 'appdb']);
    const shown = await json<Record<string, unknown>>(['database', 'user', 'show', instanceId, 'cliuser']);
    expect(shown).to.include({ name: 'cliuser', host: '%' });
    expect(JSON.stringify(shown['databases'])).to.contain('appdb');
    const access = await json<Array<Record<string, string>>>(['database', 'user', 'show', 'access', instanceId, 'cliuser']);
    expect(access.map((row) => row['Name'])).to.deep.equal(['appdb']);
    await ok(['database', 'user', 'delete', instanceId, 'cliuser']);
    const after = await json<Array<Record<string, string>>>(['database', 'user', 'list', instanceId]);
    expect(after.map((row) => row['Name'])).to.deep.equal(['appuser']);
  });

  it('enables root and shows it', async () => {
    const enabled = await json<Record<string, string>>(['database', 'root', 'enable', instanceId]);
    expect(enabled['name']).to.equal('root');
    expect(enabled['password']).to.have.length.greaterThan(8);
    const shown = await json<Record<string, unknown>>(['database', 'root', 'show', instanceId]);
    expect(shown['is_root_enabled']).to.equal(true);
  });

  it('creates, lists, shows and deletes a backup', async () => {
    const created = await json<Record<string, unknown>>(['database', 'backup', 'create', 'b1', '--instance', instanceId, '--description', 'nightly']);
    backupId = String(created['id']);
    expect(created).to.include({ name: 'b1', instance_id: instanceId, description: 'nightly' });
    await h.tm.waitFor('createBackup');
    const list = await json<Array<Record<string, unknown>>>(['database', 'backup', 'list']);
    expect(list.find((row) => row['ID'] === backupId)).to.include({ Name: 'b1', Status: 'COMPLETED' });
    const shown = await json<Record<string, unknown>>(['database', 'backup', 'show', backupId]);
    expect(shown).to.include({ id: backupId, status: 'COMPLETED', datastore: 'mysql' });
    await ok(['database', 'backup', 'delete', backupId]);
    await h.tm.waitFor('deleteBackup');
  });

  it('creates, attaches, detaches and deletes a configuration group', async () => {
    const created = await json<Record<string, unknown>>([
      'database', 'configuration', 'create', 'cfg1', '{"max_connections": 200}', '--datastore', 'mysql', '--datastore-version', '5.7.29', '--description', 'tuning',
    ]);
    configurationId = String(created['id']);
    expect(created).to.include({ name: 'cfg1', datastore_name: 'mysql', datastore_version_name: '5.7.29' });
    const list = await json<Array<Record<string, unknown>>>(['database', 'configuration', 'list']);
    expect(list.map((row) => row['ID'])).to.include(configurationId);
    const shown = await json<Record<string, unknown>>(['database', 'configuration', 'show', configurationId]);
    expect(shown['values']).to.contain('200');
    await ok(['database', 'configuration', 'attach', instanceId, configurationId]);
    expect(h.tm.guests.get(instanceId)!.overrides).to.deep.equal({ max_connections: 200 });
    const instance = await json<Record<string, unknown>>(['database', 'instance', 'show', instanceId]);
    expect(instance['configuration']).to.equal(configurationId);
    const refused = await cli(['database', 'configuration', 'delete', configurationId]);
    expect(refused.code).not.to.equal(0);
    expect(refused.stderr).to.contain('cannot be deleted');
    await ok(['database', 'configuration', 'detach', instanceId]);
    expect(h.tm.guests.get(instanceId)!.overrides).to.deep.equal({});
    await ok(['database', 'configuration', 'delete', configurationId]);
    const after = await json<Array<Record<string, unknown>>>(['database', 'configuration', 'list']);
    expect(after.map((row) => row['ID'])).not.to.include(configurationId);
  });

  it('shows quotas and limits', async () => {
    const quotas = await json<Array<Record<string, unknown>>>(['database', 'quota', 'show', h.tenant]);
    expect(quotas.find((row) => row['Resource'] === 'instances')).to.include({ 'In Use': 1, Limit: 10 });
    expect(quotas.find((row) => row['Resource'] === 'backups')).to.include({ 'In Use': 0, Limit: 50 });
    const limits = await ok(['database', 'limit', 'list']);
    expect(limits).to.contain('max_instances');
    expect(limits).to.match(/\| 100000 \| POST/);
  });

  it('deletes the instance', async () => {
    await ok(['database', 'instance', 'delete', instanceId]);
    await h.tm.waitFor('deleteInstance');
    const list = await json<Array<Record<string, unknown>>>(['database', 'instance', 'list']);
    expect(list.map((row) => row['ID'])).not.to.include(instanceId);
  });

  it('reports API errors through the CLI with a non-zero exit and Trove\'s message', async () => {
    const missing = await cli(['database', 'instance', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).not.to.equal(0);
    const tooBig = await cli(['database', 'instance', 'create', 'big', '--flavor', '2', '--size', '50', '--datastore', 'mysql', '--datastore-version', '5.7.29']);
    expect(tooBig.code).not.to.equal(0);
    expect(tooBig.stderr).to.contain("Volume 'size' cannot exceed maximum of 10 GB");
  });
});
