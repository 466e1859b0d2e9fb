import { expect } from 'chai';
import { ConfigError } from '../../../../shared/errors/index.js';
import { DATASTORE_SECTIONS } from '../../../../shared/config/index.js';
import { driverFactory, registeredManagers } from '../../../../guestagent/datastores/registry.js';

describe('datastore registry', () => {
  it('has a driver for every datastore section of the configuration', () => {
    expect(registeredManagers().sort()).to.deep.equal([...DATASTORE_SECTIONS].sort());
    for (const manager of DATASTORE_SECTIONS) expect(driverFactory(manager)).to.be.a('function');
  });

  it('rejects an unknown manager with a ConfigError naming the known ones', () => {
    for (const name of ['redis', 'toString', '__proto__', '']) {
      let caught: unknown;
      try {
        driverFactory(name);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).to.be.instanceOf(ConfigError);
      expect((caught as Error).message).to.contain('known: mysql, mariadb, postgresql');
    }
  });
});
