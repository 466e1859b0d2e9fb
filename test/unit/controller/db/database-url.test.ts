import { expect } from 'chai';
import { ConfigError } from '../../../../shared/errors/index.js';
import { describeDatabaseUrl, parseDatabaseUrl } from '../../../../controller/db/database-url.js';

function configError(url: string | null): ConfigError {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail(`expected ${String(url)} to be refused`);
}

describe('parseDatabaseUrl', () => {
  it("parses Trove's SQLAlchemy form with charset", () => {
    const url = parseDatabaseUrl('mysql+pymysql://trove:s3cret@db.example.com:3307/trove?charset=utf8');
    expect(url).to.include({ scheme: 'mysql+pymysql', user: 'trove', password: 's3cret', host: 'db.example.com', port: 3307, database: 'trove' });
    expect(url.socketPath).to.equal(undefined);
    expect(url.warnings).to.deep.equal(["[database] connection: charset 'utf8' is served as utf8mb4"]);
  });

  it('parses plain mysql:// and mariadb:// with the default port', () => {
    expect(parseDatabaseUrl('mysql://root@127.0.0.1/trove')).to.include({ user: 'root', password: '', host: '127.0.0.1', port: 3306, database: 'trove' });
    expect(parseDatabaseUrl('mariadb://u:p@localhost:3306/x')).to.include({ scheme: 'mariadb', host: 'localhost', database: 'x' });
  });

  it('percent-decodes the user, password and database', () => {
    const url = parseDatabaseUrl('mysql+pymysql://tro%40ve:p%3Aa%2Fss%40w%25rd@10.0.0.1:3306/tro%20ve');
    expect(url).to.include({ user: 'tro@ve', password: 'p:a/ss@w%rd', database: 'tro ve' });
  });

  it('reads an IPv6 host in brackets', () => {
    expect(parseDatabaseUrl('mysql://u:p@[::1]:3310/trove')).to.include({ host: '::1', port: 3310 });
  });

  it('takes unix_socket from the query and allows an empty host with it', () => {
    const url = parseDatabaseUrl('mysql+pymysql://trove:pw@/trove?unix_socket=/run/mysqld/mysqld.sock&charset=utf8mb4');
    expect(url.socketPath).to.equal('/run/mysqld/mysqld.sock');
    expect(url.warnings).to.deep.equal([]);
  });

  it('collects TLS files and connect_timeout, warns about unknown parameters', () => {
    const url = parseDatabaseUrl('mysql://u:p@h/db?ssl_ca=/etc/ca.pem&ssl_verify_cert=false&connect_timeout=5&plugin=x');
    expect(url.ssl).to.deep.equal({ ca: '/etc/ca.pem', verifyCert: false });
    expect(url.connectTimeoutSeconds).to.equal(5);
    expect(url.warnings).to.deep.equal(["[database] connection: query parameter 'plugin' is not used by trove-ts"]);
  });

  it('refuses sqlite and other databases, naming the option', () => {
    expect(configError('sqlite:///var/lib/trove/trove.sqlite').message).to.match(/^\[database\] connection: unsupported database 'sqlite:\/\/'/);
    expect(configError('postgresql://u:p@h/db').message).to.include('[database] connection');
    expect(configError('mysql+oursql://u:p@h/db').message).to.include("unsupported database 'mysql+oursql://'");
  });

  it('refuses a missing, malformed or incomplete URL', () => {
    expect(configError(null).message).to.match(/^\[database\] connection is not set/);
    expect(configError('   ').message).to.match(/is not set/);
    expect(configError('not a url').message).to.match(/is not a database URL/);
    expect(configError('mysql://u:p@h:3306').message).to.match(/names no database/);
    expect(configError('mysql://u:p@h:99999/db').message).to.match(/port '99999'/);
    expect(configError('mysql://u:p@h:abc/db').message).to.match(/port 'abc'/);
    expect(configError('mysql://u:p@/db').message).to.match(/names no host/);
    expect(configError('mysql://u:%zz@h/db').message).to.match(/password is not valid percent-encoding/);
    expect(configError('mysql://u:p@h/db?charset=latin1').message).to.match(/charset 'latin1' is not supported/);
    expect(configError('mysql://u:p@h/db?connect_timeout=-1').message).to.match(/connect_timeout/);
  });

  it('never puts the password in messages or descriptions', () => {
    const url = parseDatabaseUrl('mysql+pymysql://trove:TopSecret@db:3306/trove');
    expect(describeDatabaseUrl(url)).to.equal('mysql+pymysql://trove:***@db:3306/trove');
    expect(configError('mysql://trove:TopSecret@db:70000/trove').message).not.to.include('TopSecret');
    expect(describeDatabaseUrl(parseDatabaseUrl('mysql://root@/t?unix_socket=/s'))).to.equal('mysql://root@/t?unix_socket=/s');
  });
});
