import { expect } from 'chai';
import { NotSupportedError, ValidationError } from '../../../../shared/errors/index.js';
import { hasTemplate, renderConfig } from '../../../../shared/datastore-templates/index.js';

describe('renderConfig', () => {
  it('sizes the MySQL buffer pool and connections from the flavor', () => {
    const small = renderConfig('mariadb', { memoryMb: 512 });
    const large = renderConfig('mysql', { memoryMb: 8192, serverId: 7 });
    expect(small).to.contain('innodb_buffer_pool_size = 256M').and.contain('max_connections = 100');
    expect(large).to.contain('innodb_buffer_pool_size = 4096M').and.contain('max_connections = 1600').and.contain('server-id = 7');
    expect(large.trimEnd().endsWith('!includedir /etc/mysql/conf.d/')).to.equal(true);
  });

  it('sizes PostgreSQL memory from the flavor and ends with the include directory', () => {
    const rendered = renderConfig('postgresql', { memoryMb: 4096 });
    expect(rendered).to.contain('shared_buffers = 1024MB').and.contain('effective_cache_size = 3072MB');
    expect(rendered.trimEnd().endsWith("include_dir = '/etc/postgresql/conf.d'")).to.equal(true);
  });

  it('refuses unknown managers and nonsense sizes', () => {
    expect(hasTemplate('redis')).to.equal(false);
    expect(() => renderConfig('redis', { memoryMb: 512 })).to.throw(NotSupportedError);
    expect(() => renderConfig('mysql', { memoryMb: 0 })).to.throw(ValidationError);
    expect(() => renderConfig('mysql', { memoryMb: Number.NaN })).to.throw(ValidationError);
    expect(() => renderConfig('mysql', { memoryMb: 512, serverId: 0 })).to.throw(ValidationError);
  });
});
