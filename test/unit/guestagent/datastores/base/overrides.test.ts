import { expect } from 'chai';
import { ValidationError } from '../../../../../shared/errors/index.js';
import { validateOverrides } from '../../../../../guestagent/datastores/base/overrides.js';

describe('validateOverrides', () => {
  it('accepts option names with scalar values', () => {
    expect(validateOverrides({ max_connections: 200, 'innodb-buffer-pool-size': '64M', slow_query_log: true, 'auto_explain.log_min_duration': 10 })).to.deep.equal({
      max_connections: 200,
      'innodb-buffer-pool-size': '64M',
      slow_query_log: true,
      'auto_explain.log_min_duration': 10,
    });
  });

  it('refuses names that could add lines, sections or includes', () => {
    for (const name of ['max_connections\n[client]', '!includedir', 'a b', '', 'x=y', "a'b"]) {
      expect(() => validateOverrides({ [name]: 1 }), name).to.throw(ValidationError);
    }
  });

  it('refuses values with line breaks or control characters, non-finite numbers and nulls', () => {
    for (const value of ['1\n[mysqld]\ninit_file=/tmp/x', 'a\rb', 'tab\there', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(() => validateOverrides({ sql_mode: value as never }), String(value)).to.throw(ValidationError);
    }
  });

  it('refuses a value that is not an object', () => {
    expect(() => validateOverrides(null as never)).to.throw(ValidationError);
    expect(() => validateOverrides([] as never)).to.throw(ValidationError);
  });
});
