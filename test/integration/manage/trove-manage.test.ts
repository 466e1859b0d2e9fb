/**
 * trove-manage as operators run it: the compiled CLI in a child process, a temporary trove.conf, and a
 * throw-away MariaDB database. Every failure must be one stderr line, a non-zero status, and no change.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { MIGRATIONS } from '../../../controller/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';
import { TempDir } from '../../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../../../controller/manage/main.js', import.meta.url));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const CATALOG_TABLES = ['datastores', 'datastore_versions', 'datastore_version_metadata', 'datastore_configuration_parameters'];

describe('trove-manage (MariaDB, child process)', function () {
  // Each command is a fresh node process (about 1 s of CPU); on a loaded host a test of ten runs takes minutes.
  this.timeout(600_000);
  let db: TestDatabase;
  let tmp: TempDir;
  let conf: string;

  function manage(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [MAIN, '--config-file', conf, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ status, stdout, stderr });
      });
    });
  }

  async function snapshot(): Promise<string> {
    const parts: unknown[] = [];
    for (const table of CATALOG_TABLES) parts.push(await db.sequelize.query(`SELECT * FROM ${table} ORDER BY id`, { type: QueryTypes.SELECT }));
    return JSON.stringify(parts);
  }

  /** Runs a command that must fail: status, one stderr line matching `message`, nothing changed. */
  async function failsUnchanged(status: number, message: RegExp, ...args: string[]): Promise<void> {
    const before = await snapshot();
    const run = await manage(...args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).to.equal(status);
    const lines = run.stderr.split('\n').filter((line) => line !== '');
    expect(lines, run.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^trove-manage: /);
    expect(lines[0]).to.match(message);
    expect(await snapshot(), 'database changed').to.equal(before);
  }

  async function succeeds(...args: string[]): Promise<string> {
    const run = await manage(...args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
    return run.stdout;
  }

  async function version(name: string, number = name) {
    return db.models.datastoreVersions.findOne({ where: { name, version: number } });
  }

  before(async () => {
    db = await createTestDatabase({ migrate: false });
    tmp = new TempDir();
    conf = tmp.write('trove.conf', `[DEFAULT]\ndebug = false\n\n[database]\nconnection = mysql+pymysql://root@127.0.0.1:3306/${db.name}?charset=utf8\nmax_retries = 0\n`);
  });
  after(async () => {
    tmp?.cleanup();
    await db?.drop();
  });

  describe('db_sync / db_upgrade', () => {
    it('migrates an empty database with one progress line per migration', async () => {
      const stdout = await succeeds('db_sync');
      const lines = stdout.trim().split('\n');
      const count = MIGRATIONS.length;
      expect(lines[0]).to.equal(`Migrating mysql+pymysql://root@127.0.0.1:3306/${db.name}`);
      expect(lines.slice(1)).to.have.length(count + 2);
      expect(lines[1]).to.equal(`Applying ${count} migration${count === 1 ? '' : 's'}.`);
      expect(lines[2]).to.match(/^ {2}001-trove-schema: applied in \d+ ms$/);
      expect(lines[count + 2]).to.equal(`Done: ${count} applied, ${count} in total.`);
      expect(await db.models.instances.count()).to.equal(0);
    });

    it('is a no-op when run again, also as db_upgrade', async () => {
      expect(await succeeds('db_sync')).to.include(`Database is up to date (${MIGRATIONS.length} migration${MIGRATIONS.length === 1 ? '' : 's'} applied).`);
      expect(await succeeds('db_upgrade', '--version', '1')).to.include('Database is up to date');
    });

    it('accepts and ignores --repo_path with a warning', async () => {
      const run = await manage('db_sync', '--repo_path', '/usr/lib/python3/dist-packages/trove/db/sqlalchemy/migrate_repo');
      expect(run.status).to.equal(0);
      expect(run.stderr).to.equal('trove-manage: warning: --repo_path is ignored: trove-ts migrations are built in\n');
    });

    it('refuses an unknown target version', async () => {
      await failsUnchanged(2, /unknown migration version '7'; known: 001-trove-schema/, 'db_upgrade', '--version', '7');
    });
  });

  describe('datastore_update', () => {
    it("creates a datastore without a default version ('')", async () => {
      expect(await succeeds('datastore_update', 'mariadb', '')).to.equal("Datastore 'mariadb' created.\n");
      const row = await db.models.datastores.findOne({ where: { name: 'mariadb' } });
      expect(row?.default_version_id).to.equal(null);
    });

    it('refuses a default version that does not exist, and does not create the datastore', async () => {
      await failsUnchanged(1, /^trove-manage: Datastore version '10\.11' cannot be found\.$/, 'datastore_update', 'newstore', '10.11');
      expect(await db.models.datastores.count({ where: { name: 'newstore' } })).to.equal(0);
    });

    it('refuses missing arguments as a usage error', async () => {
      await failsUnchanged(2, /missing required argument 'default_version'/, 'datastore_update', 'mariadb');
    });
  });

  describe('datastore_version_update', () => {
    it('creates a version (version number defaults to the name) and upserts it', async () => {
      expect(await succeeds('datastore_version_update', 'mariadb', '10.11', 'mariadb', '', 'mariadb-server', '1', '--image-tags', 'trove, mariadb')).to.equal(
        "Datastore version '10.11(10.11)' created.\n",
      );
      const created = await version('10.11');
      expect(created).to.include({ manager: 'mariadb', image_id: null, image_tags: 'trove,mariadb', packages: 'mariadb-server', active: true });
      expect(await succeeds('datastore_version_update', 'mariadb', '10.11', 'mariadb', 'f1e2d3c4-0000-4000-8000-000000000001', 'mariadb-server-10.11', '0')).to.equal(
        "Datastore version '10.11(10.11)' updated.\n",
      );
      const updated = await version('10.11');
      expect(updated?.id).to.equal(created?.id);
      expect(updated).to.include({ image_id: 'f1e2d3c4-0000-4000-8000-000000000001', image_tags: null, packages: 'mariadb-server-10.11', active: false });
      await succeeds('datastore_version_update', 'mariadb', '10.11', 'mariadb', '', '', '1', '--image-tags', 'mariadb');
    });

    it('keeps versions with the same name and different --version apart', async () => {
      await succeeds('datastore_version_update', 'mariadb', '10.6', 'mariadb', '', '', '1', '--image-tags', 'mariadb', '--version', '10.6.16');
      await succeeds('datastore_version_update', 'mariadb', '10.6', 'mariadb', '', '', '0', '--image-tags', 'mariadb', '--version', '10.6.17');
      expect(await db.models.datastoreVersions.count({ where: { name: '10.6' } })).to.equal(2);
    });

    it('refuses a missing datastore, an unknown manager, a bad active flag and an image-less version', async () => {
      await failsUnchanged(1, /^trove-manage: Datastore 'oracle' cannot be found\.$/, 'datastore_version_update', 'oracle', '19', 'mysql', '', '', '1', '--image-tags', 'x');
      await failsUnchanged(2, /unknown datastore manager 'mongodb'/, 'datastore_version_update', 'mariadb', '10.11', 'mongodb', 'img', '', '1');
      await failsUnchanged(2, /active must be 0 or 1, got 'yes'/, 'datastore_version_update', 'mariadb', '10.11', 'mariadb', 'img', '', 'yes');
      await failsUnchanged(2, /image_id is empty/, 'datastore_version_update', 'mariadb', '10.11', 'mariadb', '', '', '1');
    });
  });

  describe('datastore_update with a default version', () => {
    it('sets an active version as the default, by name or id', async () => {
      expect(await succeeds('datastore_update', 'mariadb', '10.11')).to.equal("Datastore 'mariadb' updated.\n");
      const target = await version('10.11');
      expect((await db.models.datastores.findOne({ where: { name: 'mariadb' } }))?.default_version_id).to.equal(target?.id);
      await succeeds('datastore_update', 'mariadb', target!.id);
    });

    it('refuses an inactive or ambiguous default version', async () => {
      await succeeds('datastore_version_update', 'mariadb', '10.5', 'mariadb', '', '', '0', '--image-tags', 'mariadb');
      await failsUnchanged(1, /Datastore version '10\.5' is not active\./, 'datastore_update', 'mariadb', '10.5');
      await failsUnchanged(1, /Multiple datastore versions found for '10\.6'/, 'datastore_update', 'mariadb', '10.6');
    });
  });

  describe('db_load_datastore_config_parameters / db_remove_datastore_config_parameters', () => {
    const rulesFile = () => join(repositoryRoot(), 'controller', 'templates', 'mariadb', 'validation-rules.json');

    it('loads the shipped MariaDB rules in one go, bounds stored as strings', async () => {
      const stdout = await succeeds('db_load_datastore_config_parameters', 'mariadb', '10.11', rulesFile());
      const [first, second] = stdout.trim().split('\n');
      expect(first).to.equal('Loading config parameters for datastore (mariadb) version (10.11)');
      const loaded = Number(/^Loaded (\d+) parameters \((\d+) added, 0 updated\)\.$/.exec(second ?? '')?.[1]);
      expect(loaded).to.be.at.least(40);
      const target = await version('10.11');
      const rows = await db.models.datastoreConfigurationParameters.findAll({ where: { datastore_version_id: target!.id } });
      expect(rows).to.have.length(loaded);
      const cache = rows.find((row) => row.name === 'query_cache_size');
      expect(cache).to.include({ data_type: 'integer', restart_required: false, min_size: '0', max_size: '18446744073709551615' });
      expect(rows.find((row) => row.name === 'long_query_time')).to.include({ data_type: 'float', min_size: '0', max_size: '31536000' });
    });

    it('updates existing rules on reload and adds new ones', async () => {
      const file = tmp.write('two.json', JSON.stringify({ 'configuration-parameters': [
        { name: 'max_connections', restart_required: true, type: 'integer', min: 1, max: 5000 },
        { name: 'my_new_param', restart_required: false, type: 'string' },
      ] }));
      expect(await succeeds('db_load_datastore_config_parameters', 'mariadb', '10.11', file)).to.include('Loaded 2 parameters (1 added, 1 updated).');
      const target = await version('10.11');
      const row = await db.models.datastoreConfigurationParameters.findOne({ where: { datastore_version_id: target!.id, name: 'max_connections' } });
      expect(row).to.include({ restart_required: true, min_size: '1', max_size: '5000' });
    });

    it('loads into an inactive version when --version selects it', async () => {
      const file = tmp.write('one.json', JSON.stringify({ 'configuration-parameters': [{ name: 'wait_timeout', restart_required: false, type: 'integer', min: 1 }] }));
      await succeeds('db_load_datastore_config_parameters', 'mariadb', '10.6', file, '--version', '10.6.17');
      const target = await version('10.6', '10.6.17');
      expect(await db.models.datastoreConfigurationParameters.count({ where: { datastore_version_id: target!.id } })).to.equal(1);
    });

    it('refuses malformed JSON, bad rules, and missing versions or files, leaving the database unchanged', async () => {
      const malformed = tmp.write('malformed.json', '{"configuration-parameters": [ {"name": "x", ');
      await failsUnchanged(1, /malformed\.json: not valid JSON/, 'db_load_datastore_config_parameters', 'mariadb', '10.11', malformed);
      const badType = tmp.write('bad-type.json', JSON.stringify({ 'configuration-parameters': [
        { name: 'max_connections', restart_required: false, type: 'integer', min: 1, max: 9 },
        { name: 'other', restart_required: false, type: 'decimal' },
      ] }));
      await failsUnchanged(1, /configuration-parameters\[1\] \(other\): "type" must be one of integer, string, boolean, float, got "decimal"/, 'db_load_datastore_config_parameters', 'mariadb', '10.11', badType);
      const badRestart = tmp.write('bad-restart.json', JSON.stringify({ 'configuration-parameters': [{ name: 'a', restart_required: 'false', type: 'string' }] }));
      await failsUnchanged(1, /"restart_required" must be true or false/, 'db_load_datastore_config_parameters', 'mariadb', '10.11', badRestart);
      const noName = tmp.write('no-name.json', JSON.stringify({ 'configuration-parameters': [{ restart_required: true, type: 'string' }] }));
      await failsUnchanged(1, /"name" is missing/, 'db_load_datastore_config_parameters', 'mariadb', '10.11', noName);
      await failsUnchanged(1, /Datastore version '9\.9' cannot be found\./, 'db_load_datastore_config_parameters', 'mariadb', '9.9', rulesFile());
      await failsUnchanged(1, /Datastore 'nosuch' cannot be found\./, 'db_load_datastore_config_parameters', 'nosuch', '10.11', rulesFile());
      await failsUnchanged(1, /Multiple datastore versions found for '10\.6'/, 'db_load_datastore_config_parameters', 'mariadb', '10.6', rulesFile());
      await failsUnchanged(1, /cannot read .*absent\.json: no such file/, 'db_load_datastore_config_parameters', 'mariadb', '10.11', tmp.join('absent.json'));
    });

    it('removes every rule of a version', async () => {
      const target = await version('10.11');
      const count = await db.models.datastoreConfigurationParameters.count({ where: { datastore_version_id: target!.id } });
      const stdout = await succeeds('db_remove_datastore_config_parameters', 'mariadb', '10.11');
      expect(stdout).to.equal(`Removing config parameters for datastore (mariadb) version (10.11)\nRemoved ${count} parameters.\n`);
      expect(await db.models.datastoreConfigurationParameters.count({ where: { datastore_version_id: target!.id } })).to.equal(0);
      await failsUnchanged(1, /Datastore version '1\.0' cannot be found\./, 'db_remove_datastore_config_parameters', 'mariadb', '1.0');
    });
  });

  describe('flavor and volume-type associations', () => {
    async function values(key: string, deleted = false): Promise<string[]> {
      const target = await version('10.11');
      const rows = await db.models.datastoreVersionMetadata.findAll({ where: { datastore_version_id: target!.id, key, deleted } });
      return rows.map((row) => row.value ?? '').sort();
    }

    it('adds flavors all or nothing', async () => {
      expect(await succeeds('datastore_version_flavor_add', 'mariadb', '10.11', '1,2')).to.equal("Added flavors '1,2' to the 'mariadb' '10.11'.\n");
      expect(await values('flavor')).to.deep.equal(['1', '2']);
      await failsUnchanged(1, /^trove-manage: Flavor 2 is already associated with datastore version [0-9a-f-]{36}$/, 'datastore_version_flavor_add', 'mariadb', '10.11', '3,2');
      expect(await values('flavor')).to.deep.equal(['1', '2']);
    });

    it('deletes a flavor (soft) and revives it when added again', async () => {
      expect(await succeeds('datastore_version_flavor_delete', 'mariadb', '10.11', '1')).to.equal("Deleted flavor '1' from 'mariadb' '10.11'.\n");
      expect(await values('flavor')).to.deep.equal(['2']);
      expect(await values('flavor', true)).to.deep.equal(['1']);
      await failsUnchanged(1, /Flavor 1 is not supported for datastore version/, 'datastore_version_flavor_delete', 'mariadb', '10.11', '1');
      await succeeds('datastore_version_flavor_add', 'mariadb', '10.11', '1');
      expect(await values('flavor')).to.deep.equal(['1', '2']);
      expect(await values('flavor', true)).to.deep.equal([]);
    });

    it('addresses a version by --version when its name is ambiguous', async () => {
      await failsUnchanged(1, /Multiple datastore versions found for '10\.6'/, 'datastore_version_flavor_add', 'mariadb', '10.6', '5');
      await succeeds('datastore_version_flavor_add', 'mariadb', '10.6', '5', '--version', '10.6.16');
      await failsUnchanged(2, /flavor_ids must name at least one id/, 'datastore_version_flavor_add', 'mariadb', '10.11', ' , ');
    });

    it('adds, lists and deletes volume types', async () => {
      expect(await succeeds('datastore_version_volume_type_list', 'mariadb', '10.11')).to.equal('No Volume Type Associations found for Datastore: mariadb, Version: 10.11.\n');
      expect(await succeeds('datastore_version_volume_type_add', 'mariadb', '10.11', 'ssd,hdd')).to.equal("Added volume type 'ssd,hdd' to the 'mariadb' '10.11'.\n");
      const listed = (await succeeds('datastore_version_volume_type_list', 'mariadb', '10.11')).trim().split('\n').sort();
      expect(listed).to.deep.equal(['Datastore: mariadb, Version: 10.11, Volume Type: hdd', 'Datastore: mariadb, Version: 10.11, Volume Type: ssd']);
      await failsUnchanged(1, /mapping already exists/, 'datastore_version_volume_type_add', 'mariadb', '10.11', 'ssd');
      expect(await succeeds('datastore_version_volume_type_delete', 'mariadb', '10.11', 'hdd')).to.equal("Deleted volume type 'hdd' from 'mariadb' '10.11'.\n");
      await failsUnchanged(1, /The volume type hdd is not valid for datastore version/, 'datastore_version_volume_type_delete', 'mariadb', '10.11', 'hdd');
      expect(await values('volume_type')).to.deep.equal(['ssd']);
      await failsUnchanged(1, /Datastore 'nosuch' cannot be found\./, 'datastore_version_volume_type_list', 'nosuch', '10.11');
    });
  });

  it('reports a database that was never synced with a hint', async () => {
    const empty = await createTestDatabase({ migrate: false });
    const other = tmp.write('empty.conf', `[database]\nconnection = mysql://root@127.0.0.1:3306/${empty.name}\n`);
    try {
      const run = await new Promise<Run>((resolve) => {
        execFile(process.execPath, [MAIN, '--config-file', other, 'datastore_update', 'mysql', ''], (error, stdout, stderr) => {
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
        });
      });
      expect(run.status).to.equal(1);
      expect(run.stderr).to.match(/^trove-manage: .*doesn't exist \(run trove-manage db_sync first\)\n$/);
    } finally {
      await empty.drop();
    }
  });
});
