import { expect } from 'chai';
import { ConfigError } from '../../../../shared/errors/index.js';
import { DATASTORE_SECTIONS } from '../../../../shared/config/index.js';
import { assertKnownManager, loadDriverFactory, registeredManagers } from '../../../../guestagent/datastores/registry.js';

describe('datastore registry', () => {
  it('has a driver for every datastore section of the configuration', async () => {
    expect(registeredManagers().sort()).to.deep.equal([...DATASTORE_SECTIONS].sort());
    for (const manager of DATASTORE_SECTIONS) {
      assertKnownManager(manager);
      expect(await loadDriverFactory(manager)).to.be.a('function');
    }
  });

  it('rejects an unknown manager with a ConfigError naming the known ones', async () => {
    for (const name of ['redis', 'toString', '__proto__', '']) {
      expect(() => assertKnownManager(name), name).to.throw(ConfigError, 'known: mysql, mariadb, postgresql');
      let caught: unknown;
      try {
        await loadDriverFactory(name);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).to.be.instanceOf(ConfigError);
    }
  });
});
