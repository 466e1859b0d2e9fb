import { expect } from 'chai';
import { defaultConfig } from '../../../../../shared/config/index.js';
import { ConfigError } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { createComputeBackend } from '../../../../../controller/compute/backend.js';
import { OPENSTACK_CAPABILITIES } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer } from './helpers/fixture-server.js';
import { cloudConfig } from './helpers/cloud.js';

describe('createComputeBackend', () => {
  let server: FixtureServer;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('builds the openstack backend from [service_credentials] and reaches Nova through the catalog', async () => {
    const backend = createComputeBackend(cloudConfig(server), silentLogger());
    expect(backend.capabilities).to.deep.equal(OPENSTACK_CAPABILITIES);
    server.expectFixture('nova/flavors-show.json');
    expect((await backend.flavors.getFlavor('6'))?.name).to.equal('ds2G');
    await backend.close();
    server.assertDone();
  });

  it('contacts nothing until the first call', () => {
    createComputeBackend(cloudConfig(server), silentLogger());
    expect(server.received).to.have.length(0);
  });

  it('refuses incomplete service credentials with a ConfigError', () => {
    expect(() => createComputeBackend(defaultConfig(), silentLogger())).to.throw(ConfigError, /\[service_credentials\] username, password, project_id or project_name must be set/);
  });

  it('refuses a backend name this build does not have with a ConfigError naming the option', () => {
    const config = defaultConfig();
    // The schema already rejects unknown names when a file is loaded; this guards callers that build a config in code.
    (config.DEFAULT as { compute_backend: string }).compute_backend = 'vmware';
    expect(() => createComputeBackend(config, silentLogger())).to.throw(ConfigError, /compute_backend = vmware is not available/);
  });
});
