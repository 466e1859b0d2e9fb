import { expect } from 'chai';
import { Sequelize } from 'sequelize';
import { TROVE_TABLES } from '../../../../controller/db/migrations/001-trove-schema.js';
import { createTableSql } from '../../../../controller/db/migrations/types.js';
import { createModels } from '../../../../controller/db/models/index.js';
import { MIGRATIONS } from '../../../../controller/db/migrate.js';

describe('001 schema specification', () => {
  it('creates each table after the tables its foreign keys reference', () => {
    const created = new Set<string>();
    for (const table of TROVE_TABLES) {
      for (const clause of table.keys) {
        const match = /REFERENCES `([^`]+)`/.exec(clause);
        if (match) expect(match[1] === table.name || created.has(match[1]!), `${table.name} -> ${match[1]}`).to.equal(true);
      }
      created.add(table.name);
    }
    expect(created.size).to.equal(TROVE_TABLES.length);
  });

  it('declares the 001 columns in the models with the same type and nullability', () => {
    const models = createModels(new Sequelize('mysql://u:p@127.0.0.1:1/none', { logging: false }));
    for (const model of Object.values(models)) {
      const spec = TROVE_TABLES.find((table) => table.name === model.getTableName());
      expect(spec, String(model.getTableName())).to.not.equal(undefined);
      const columns = new Map(spec!.columns.map(([name, definition]) => [name, definition]));
      const attributes = model.getAttributes() as Record<string, { allowNull?: boolean; type: { toSql(): string } }>;
      // Columns a later migration adds are checked against the migrated database by the integration test.
      for (const [name, attribute] of Object.entries(attributes).filter(([column]) => columns.has(column))) {
        const definition = columns.get(name);
        expect(definition!.includes('NOT NULL'), `${spec!.name}.${name} nullability`).to.equal(attribute.allowNull === false);
        const modelType = attribute.type.toSql().replace(/^INTEGER$/, 'INT').replace(/^DOUBLE PRECISION$/, 'DOUBLE');
        expect(definition!.replace(/ (NOT )?NULL$/, ''), `${spec!.name}.${name} type`).to.equal(modelType);
      }
      for (const column of columns.keys()) expect(attributes[column], `${spec!.name}.${column} has no model attribute`).to.not.equal(undefined);
    }
  });

  it('renders InnoDB utf8mb4 DDL with quoted identifiers', () => {
    const sql = createTableSql(TROVE_TABLES.find((table) => table.name === 'datastore_version_metadata')!);
    expect(sql).to.match(/^CREATE TABLE IF NOT EXISTS `datastore_version_metadata` \(/);
    expect(sql).to.include('`key` VARCHAR(128) NOT NULL');
    expect(sql).to.include('ON DELETE CASCADE');
    expect(sql).to.match(/ENGINE=InnoDB DEFAULT CHARSET=utf8mb4/);
  });

  it('registers migrations with unique, ordered, numbered names', () => {
    const names = MIGRATIONS.map((migration) => migration.name);
    expect(names[0]).to.equal('001-trove-schema');
    expect([...names].sort()).to.deep.equal(names);
    for (const name of names) expect(name).to.match(/^\d{3}-[a-z0-9-]+$/);
    expect(new Set(names).size).to.equal(names.length);
  });
});
