import { expect } from 'chai';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { ValidationError } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import type { EngineContext } from '../../../../../guestagent/datastores/base/engine.js';
import { createMysqlEngine } from '../../../../../guestagent/datastores/mysql-common/engine.js';
import { toSetValue } from '../../../../../guestagent/datastores/mysql-common/global-variables.js';
import type { Connection } from 'mysql2/promise';
import { grantDatabase, querySecret, quoteIdentifier, unescapeGrantDatabase } from '../../../../../guestagent/datastores/mysql-common/sql.js';

const engine = createMysqlEngine({ manager: 'mariadb', clientProgram: 'mariadb', hasRoleColumn: true, bootstrap: 'socket-peer' });
const context: EngineContext = {
  mountPoint: '/var/lib/mysql',
  bindHost: '127.20.0.1',
  connectHost: '127.20.0.1',
  port: 3306,
  serviceUid: 1001,
  serviceGid: 1001,
  options: defaultConfig().mariadb,
  connectTimeoutMs: 1000,
  logger: silentLogger(),
};

describe('MySQL-family engine', () => {
  it('quotes identifiers and makes database grants exact', () => {
    expect(quoteIdentifier('a`b')).to.equal('`a``b`');
    expect(grantDatabase('my_db%')).to.equal('`my\\_db\\%`.*');
    expect(unescapeGrantDatabase('my\\_db\\%')).to.equal('my_db%');
  });

  it('never lets a failed statement that carries a password leak it', async () => {
    const connection = {
      query: async () => {
        throw Object.assign(new Error("You have an error in your SQL syntax near 'IDENTIFIED BY 'hunter2-secret''"), { errno: 1064, code: 'ER_PARSE_ERROR', sql: "ALTER USER 'a'@'%' IDENTIFIED BY 'hunter2-secret'" });
      },
    } as unknown as Connection;
    let caught: unknown;
    try {
      await querySecret(connection, 'ALTER USER ?@? IDENTIFIED BY ?', ['a', '%', 'hunter2-secret'], 'Setting the password of a@%');
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.equal('Setting the password of a@% failed (server error 1064 ER_PARSE_ERROR).');
    expect(JSON.stringify(caught)).to.not.contain('hunter2');
  });

  it('converts option-file sizes for SET GLOBAL', () => {
    expect(toSetValue('64M')).to.equal(64 * 1024 * 1024);
    expect(toSetValue('2k')).to.equal(2048);
    expect(toSetValue('ANSI')).to.equal('ANSI');
    expect(toSetValue(5)).to.equal(5);
  });

  it('lays the datastore out under the mount point and binds the image contract paths', () => {
    const layout = engine.layout(context);
    expect(layout.binds).to.deep.equal([
      { hostPath: '/var/lib/mysql', containerPath: '/var/lib/mysql' },
      { hostPath: '/var/lib/mysql/etc/mysql', containerPath: '/etc/mysql', readOnly: true },
      { hostPath: '/var/lib/mysql/run/mysqld', containerPath: '/var/run/mysqld' },
    ]);
    expect(layout.directories.filter((dir) => dir.serviceOwned).map((dir) => dir.path)).to.deep.equal(['/var/lib/mysql/data', '/var/lib/mysql/run/mysqld']);
  });

  it('writes address, port and paths as a system override', () => {
    const { overrides } = engine.systemFiles(context, engine.layout(context));
    expect(overrides).to.contain('bind-address = 127.20.0.1').and.contain('port = 3306').and.contain('datadir = /var/lib/mysql/data');
  });

  it('appends the include directive only when missing', () => {
    const rendered = engine.renderDefaultConfig(2048);
    expect(engine.withInclude(rendered)).to.equal(rendered);
    expect(engine.withInclude('[mysqld]\nmax_connections = 5\n')).to.equal('[mysqld]\nmax_connections = 5\n\n!includedir /etc/mysql/conf.d/\n');
  });

  it('renders user overrides, quoting what an option file would cut', () => {
    expect(engine.renderUserOverrides({ max_connections: 10, slow_query_log: true, sql_mode: 'STRICT_ALL_TABLES,NO_ZERO_DATE', init_connect: 'SET a=1 # x' })).to.equal(
      '[mysqld]\nmax_connections = 10\nslow_query_log = ON\nsql_mode = STRICT_ALL_TABLES,NO_ZERO_DATE\ninit_connect = "SET a=1 # x"\n',
    );
    expect(() => engine.renderUserOverrides({ init_connect: 'say "hi"' })).to.throw(ValidationError);
  });
});
