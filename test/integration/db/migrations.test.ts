/** Migrations on real MariaDB: from empty, re-run, adopting an existing schema, refusing an old one, concurrent runs. */
import { expect } from 'chai';
import { QueryTypes, type Sequelize } from 'sequelize';
import { MIGRATIONS, MIGRATIONS_TABLE, pendingMigrations, runMigrations } from '../../../controller/db/migrate.js';
import { TROVE_TABLES } from '../../../controller/db/migrations/001-trove-schema.js';
import { openDatabase } from '../../../controller/db/connection.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';

async function tables(sequelize: Sequelize): Promise<Array<{ name: string; engine: string; collation: string }>> {
  return sequelize.query(
    'SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME',
    { type: QueryTypes.SELECT },
  );
}

async function constraints(sequelize: Sequelize, table: string): Promise<string[]> {
  const rows = await sequelize.query<{ name: string; type: string }>(
    'SELECT CONSTRAINT_NAME AS name, CONSTRAINT_TYPE AS type FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME',
    { replacements: [table], type: QueryTypes.SELECT },
  );
  return rows.map((row) => `${row.type} ${row.name}`);
}

describe('migrations (MariaDB)', function () {
  this.timeout(120_000);
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('creates every Trove table from an empty database, InnoDB utf8mb4, and reports progress', async () => {
    expect(await pendingMigrations(db.sequelize)).to.deep.equal(MIGRATIONS.map((migration) => migration.name));
    const lines: string[] = [];
    const run = await runMigrations(db.sequelize, { onProgress: (line) => lines.push(line) });
    const names = MIGRATIONS.map((migration) => migration.name);
    expect(run.applied.map((entry) => entry.name)).to.deep.equal(names);
    expect(run.alreadyApplied).to.equal(0);
    expect(lines).to.have.length(names.length + 2);
    expect(lines[0]).to.equal(`Applying ${names.length} migration${names.length === 1 ? '' : 's'}.`);
    names.forEach((name, index) => expect(lines[index + 1]).to.match(new RegExp(`^ {2}${name}: applied in \\d+ ms$`)));
    expect(lines[names.length + 1]).to.equal(`Done: ${names.length} applied, ${names.length} in total.`);

    const found = await tables(db.sequelize);
    const foundNames = found.map((table) => table.name);
    for (const name of [...TROVE_TABLES.map((table) => table.name), MIGRATIONS_TABLE]) expect(foundNames, name).to.include(name);
    for (const table of found.filter((entry) => entry.name !== MIGRATIONS_TABLE)) {
      expect(table.engine, table.name).to.equal('InnoDB');
      expect(table.collation, table.name).to.match(/^utf8mb4_/);
    }
    expect(await pendingMigrations(db.sequelize)).to.deep.equal([]);
  });

  it("has Trove's keys, unique constraints and foreign keys", async () => {
    await runMigrations(db.sequelize);
    expect(await constraints(db.sequelize, 'instances')).to.deep.equal([
      'FOREIGN KEY instances_ibfk_1',
      'FOREIGN KEY instances_ibfk_2',
      'FOREIGN KEY instances_ibfk_3',
      'FOREIGN KEY instances_ibfk_4',
      'PRIMARY KEY PRIMARY',
    ]);
    expect(await constraints(db.sequelize, 'datastore_versions')).to.include('UNIQUE ds_versions');
    expect(await constraints(db.sequelize, 'quota_usages')).to.include('UNIQUE tenant_id');
    expect(await constraints(db.sequelize, 'datastore_configuration_parameters')).to.include('UNIQUE UQ_datastore_configuration_parameters_datastore_version_id_name');
    const indexes = await db.sequelize.query<{ name: string }>("SHOW INDEX FROM instances WHERE Key_name <> 'PRIMARY'", { type: QueryTypes.SELECT });
    const names = new Set(indexes.map((row) => (row as unknown as { Key_name: string }).Key_name));
    for (const name of ['instances_tenant_id', 'instances_deleted', 'instances_cluster_id']) expect(names.has(name), name).to.equal(true);

    // The foreign keys are enforced, e.g. an instance cannot point at a missing datastore version.
    let refused = false;
    try {
      await db.models.instances.create({ name: 'x', datastore_version_id: 'no-such-version' });
    } catch (error) {
      refused = (error as { name?: string }).name === 'SequelizeForeignKeyConstraintError';
    }
    expect(refused).to.equal(true);
  });

  it('leaves every model column in the database with the model\'s type and nullability', async () => {
    await runMigrations(db.sequelize);
    for (const model of Object.values(db.models)) {
      const table = String(model.getTableName());
      const columns = await db.sequelize.query<{ name: string; type: string; nullable: string }>(
        'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        { replacements: [table], type: QueryTypes.SELECT },
      );
      const byName = new Map(columns.map((column) => [column.name, column]));
      const attributes = model.getAttributes() as Record<string, { allowNull?: boolean; type: { toSql(): string } }>;
      for (const [name, attribute] of Object.entries(attributes)) {
        const column = byName.get(name);
        expect(column, `${table}.${name}`).to.not.equal(undefined);
        expect(column!.nullable === 'NO', `${table}.${name} nullability`).to.equal(attribute.allowNull === false);
        const expected = attribute.type.toSql().toLowerCase().replace(/^integer$/, 'int(11)').replace(/^double precision$/, 'double').replace(/^float$/, 'float');
        expect(column!.type, `${table}.${name} type`).to.equal(expected);
      }
    }
  });

  it('is a no-op when run again', async () => {
    await runMigrations(db.sequelize);
    const before = await tables(db.sequelize);
    const lines: string[] = [];
    const again = await runMigrations(db.sequelize, { onProgress: (line) => lines.push(line) });
    const count = MIGRATIONS.length;
    expect(again).to.deep.equal({ applied: [], alreadyApplied: count });
    expect(lines).to.deep.equal([`Database is up to date (${count} migration${count === 1 ? '' : 's'} applied).`]);
    expect(await tables(db.sequelize)).to.deep.equal(before);
  });

  it('serializes concurrent runs: exactly one applies the migrations', async () => {
    const other = await openDatabase(db.settings);
    try {
      const runs = await Promise.all([runMigrations(db.sequelize), runMigrations(other.sequelize)]);
      expect(runs.map((run) => run.applied.length).sort()).to.deep.equal([0, MIGRATIONS.length]);
    } finally {
      await other.close();
    }
  });

  it('adopts an existing database that already has the Trove 18 schema', async () => {
    await runMigrations(db.sequelize);
    await db.models.datastores.create({ name: 'kept' });
    await db.sequelize.query(`DROP TABLE ${MIGRATIONS_TABLE}`);
    const run = await runMigrations(db.sequelize);
    expect(run.applied).to.have.length(MIGRATIONS.length);
    expect(await db.models.datastores.count({ where: { name: 'kept' } })).to.equal(1);
  });

  it('refuses a database with an older Trove schema and names what is missing', async () => {
    await runMigrations(db.sequelize);
    await db.sequelize.query('ALTER TABLE instances DROP COLUMN access');
    await db.sequelize.query(`DROP TABLE ${MIGRATIONS_TABLE}`);
    let message = '';
    try {
      await runMigrations(db.sequelize);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.include('table instances exists but lacks column(s) access');
    expect((await pendingMigrations(db.sequelize))[0]).to.equal('001-trove-schema');
  });

  it('db_upgrade-style runs stop at the requested migration', async () => {
    const extra = { name: '999-test-extra', up: async ({ sequelize }: { sequelize: Sequelize }) => void (await sequelize.query('CREATE TABLE extra_for_test (id INT PRIMARY KEY)')) };
    const migrations = [...MIGRATIONS, extra];
    const first = await runMigrations(db.sequelize, { migrations, to: '001-trove-schema' });
    expect(first.applied.map((entry) => entry.name)).to.deep.equal(['001-trove-schema']);
    const later = migrations.slice(1).map((migration) => migration.name);
    expect(await pendingMigrations(db.sequelize, migrations)).to.deep.equal(later);
    const rest = await runMigrations(db.sequelize, { migrations });
    expect(rest.applied.map((entry) => entry.name)).to.deep.equal(later);
    expect(await tables(db.sequelize)).to.satisfy((found: Array<{ name: string }>) => found.some((table) => table.name === 'extra_for_test'));
  });
});
