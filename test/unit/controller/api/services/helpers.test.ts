import { expect } from 'chai';
import { lenientUnquote, unquoteUserHost, validatedDatabases, validatedUsers } from '../../../../../controller/api/services/datastore-objects.js';
import { maskValues, storedValue, typedValue } from '../../../../../controller/api/services/configurations.js';
import { checkVolumeSize, cidrsOverlap } from '../../../../../controller/api/services/instance-create.js';
import { idFromHref, isUuidLike } from '../../../../../controller/api/services/errors.js';
import { pageLimit, splitPage } from '../../../../../controller/api/services/paging.js';
import { configurationPairs } from '../../../../../controller/api/services/default-configuration.js';
import { generatePassword } from '../../../../../controller/api/services/passwords.js';
import { MYSQL_NAME_RULES, POSTGRESQL_NAME_RULES } from '../../../../../shared/models/index.js';
import { TroveError, ValidationError } from '../../../../../shared/errors/index.js';

describe('API service helpers', () => {
  it('parses {user} segments like Trove\'s unquote_user_host', () => {
    expect(unquoteUserHost('bob')).to.deep.equal({ name: 'bob', host: '%' });
    expect(unquoteUserHost('bob%4010.0.0.1')).to.deep.equal({ name: 'bob', host: '10.0.0.1' });
    expect(unquoteUserHost('a@b@%25')).to.deep.equal({ name: 'a@b', host: '%' });
    expect(unquoteUserHost('bob@')).to.deep.equal({ name: 'bob@', host: '%' });
    expect(lenientUnquote('100%')).to.equal('100%');
    expect(lenientUnquote('%zz%41')).to.equal('%zzA');
  });

  it('validates and serializes initial databases and users', () => {
    expect(validatedDatabases([{ name: 'a', character_set: 'utf8' }], MYSQL_NAME_RULES, [])).to.deep.equal([{ _name: 'a', _character_set: 'utf8', _collate: null }]);
    expect(() => validatedDatabases([{ name: 'a' }, { name: 'a' }], MYSQL_NAME_RULES, [])).to.throw(TroveError, 'share the same name');
    expect(() => validatedDatabases([{ name: 'mysql' }], MYSQL_NAME_RULES, ['mysql'])).to.throw(ValidationError, 'reserved');
    expect(() => validatedDatabases([{ name: 'a', collate: "x'; --" }], MYSQL_NAME_RULES, [])).to.throw(ValidationError);
    const users = validatedUsers([{ name: 'u', password: 'p', databases: [{ name: 'a' }] }], MYSQL_NAME_RULES, [], ['a']);
    expect(users).to.deep.equal([{ _name: 'u', _host: '%', _password: 'p', _databases: [{ _name: 'a', _character_set: null, _collate: null }], _is_root: false }]);
    expect(() => validatedUsers([{ name: 'u', password: 'p' }, { name: 'u', password: 'q', host: '%' }], MYSQL_NAME_RULES, [])).to.throw(TroveError, 'same name and host');
    expect(validatedUsers([{ name: 'u', password: 'p', host: '10.%' }], POSTGRESQL_NAME_RULES, [])[0]!._host).to.equal('%');
    expect(() => validatedUsers([{ name: 'u', password: '' }], MYSQL_NAME_RULES, [])).to.throw(ValidationError);
  });

  it('stores configuration values as Trove does and reads them back typed', () => {
    expect([storedValue(true), storedValue(false), storedValue(12), storedValue('x')]).to.deep.equal(['1', '0', '12', 'x']);
    expect(typedValue('1', 'boolean')).to.equal(true);
    expect(typedValue('0', 'boolean')).to.equal(false);
    expect(typedValue('12', 'integer')).to.equal(12);
    expect(typedValue('2.5', 'float')).to.equal(2.5);
    expect(typedValue('abc', 'integer')).to.equal('abc');
    expect(typedValue('x', undefined)).to.equal('x');
    expect(maskValues({ admin_password: 'secret', max_connections: 5 })).to.deep.equal({ admin_password: '***', max_connections: 5 });
  });

  it('checks volume sizes and CIDR overlaps', () => {
    expect(checkVolumeSize(5, 10)).to.equal(5);
    expect(() => checkVolumeSize(11, 10)).to.throw(TroveError, 'cannot exceed maximum of 10 GB');
    expect(() => checkVolumeSize(undefined, 10)).to.throw(TroveError, 'not specified');
    expect(cidrsOverlap('10.0.0.5/32', '10.0.0.0/8')).to.equal(true);
    expect(cidrsOverlap('192.168.1.0/24', '10.0.0.0/8')).to.equal(false);
    expect(cidrsOverlap('0.0.0.0/0', '172.16.0.0/12')).to.equal(true);
    expect(cidrsOverlap('garbage', '10.0.0.0/8')).to.equal(false);
  });

  it('reads ids from hrefs and recognises UUIDs', () => {
    expect(idFromHref('https://h/v1.0/p/flavors/3')).to.equal('3');
    expect(idFromHref(7)).to.equal('7');
    expect(idFromHref('d2')).to.equal('d2');
    expect(isUuidLike('0f4cd2e2-24f5-44e4-b2a4-8a3e2c1f6f0a')).to.equal(true);
    expect(isUuidLike('0f4cd2e224f544e4b2a48a3e2c1f6f0a')).to.equal(true);
    expect(isUuidLike('5.7.29')).to.equal(false);
  });

  it('pages like Trove: limit capped at the page size, bad limits refused', () => {
    expect(pageLimit(undefined, 20)).to.equal(20);
    expect(pageLimit('5', 20)).to.equal(5);
    expect(pageLimit('500', 20)).to.equal(20);
    expect(() => pageLimit('0', 20)).to.throw(TroveError);
    expect(() => pageLimit('x', 20)).to.throw(TroveError);
    expect(splitPage([1, 2, 3], 2, String)).to.deep.equal({ page: [1, 2], nextMarker: '2' });
    expect(splitPage([1, 2], 2, String)).to.deep.equal({ page: [1, 2], nextMarker: null });
  });

  it('flattens a rendered config and generates strong passwords', () => {
    expect(configurationPairs('[mysqld]\n# c\nmax_connections = 100\nskip-name-resolve\nsql_mode = \'STRICT\'\n')).to.deep.equal({ max_connections: '100', 'skip-name-resolve': '', sql_mode: 'STRICT' });
    const passwords = new Set(Array.from({ length: 50 }, () => generatePassword(36)));
    expect(passwords.size).to.equal(50);
    for (const password of passwords) expect(password).to.match(/^[A-Za-z0-9]{36}$/);
  });
});
