import { expect } from 'chai';
import { ConfigError, ErrorCode } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import {
  HttpTransport,
  KeystoneSession,
  OpenStackApiError,
  toEndpointInterface,
  type ServiceCredentials,
} from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer, SERVICE_PASSWORD, SERVICE_PROJECT_ID, loadFixture, substitute } from './helpers/fixture-server.js';
import { LogCapture, cloudBackend, errorText, ids, secretsIn } from './helpers/cloud.js';

describe('openstack KeystoneSession', () => {
  let server: FixtureServer;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  function credentials(extra: Partial<ServiceCredentials> = {}): ServiceCredentials {
    return {
      authUrl: `${server.base}/identity/v3`,
      username: 'trove',
      password: SERVICE_PASSWORD,
      userDomainName: 'Default',
      projectName: 'service',
      projectDomainName: 'Default',
      ...extra,
    };
  }

  function session(options: { regionName?: string; now?: () => number; creds?: Partial<ServiceCredentials>; logs?: LogCapture } = {}): KeystoneSession {
    const logger = options.logs?.logger ?? silentLogger();
    return new KeystoneSession({
      credentials: credentials(options.creds),
      regionName: options.regionName ?? 'RegionOne',
      interface: 'public',
      transport: new HttpTransport({ logger, connectRetries: 0 }),
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  it('authenticates with the password method scoped to the project by name and parses the catalog', async () => {
    server.keystone.expectedAuth = substitute(loadFixture<{ body: unknown }>('keystone/auth-request-project-name.json').body, server.vars());
    const keystone = session();
    const state = await keystone.getToken();
    expect(state.token).to.equal(server.issuedTokens[0]);
    expect(state.projectId).to.equal(SERVICE_PROJECT_ID);
    expect(state.userId).to.equal('ee4dfb6e5540447cb3741905149d9b6e');
    expect(state.catalog.map((service) => service.type)).to.include.members(['compute', 'volumev3', 'network', 'image', 'identity']);
    expect(await keystone.endpoint(['compute'])).to.equal(`${server.base}/compute/v2.1`);
    expect(await keystone.endpoint(['volumev3'])).to.equal(`${server.base}/volume/v3/${SERVICE_PROJECT_ID}`);
    expect(await keystone.endpoint(['network'], 'internal')).to.equal(`${server.base}/internal/network`);
    expect(server.authCount).to.equal(1);
    server.assertDone();
  });

  it('scopes by project id when project_id is set', async () => {
    server.keystone.expectedAuth = substitute(loadFixture<{ body: unknown }>('keystone/auth-request-project-id.json').body, server.vars());
    await session({ creds: { projectId: SERVICE_PROJECT_ID } }).getToken();
    server.assertDone();
  });

  it('picks the endpoint of the configured region and tries service types in order', async () => {
    const keystone = session({ regionName: 'RegionTwo' });
    expect(await keystone.endpoint(['compute'])).to.equal(`${server.base}/r2/compute/v2.1`);
    expect(await keystone.endpoint(['no-such-type', 'image'])).to.equal(`${server.base}/r2/image`);
  });

  it('fails with a clear ConfigError when the region has no endpoint', async () => {
    const keystone = session({ regionName: 'RegionNine' });
    const error = await keystone.endpoint(['compute']).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).to.include("'compute'").and.include("region 'RegionNine'").and.include('RegionOne').and.include('RegionTwo').and.include('region_name');
    expect((error as ConfigError).details).to.deep.include({ region: 'RegionNine', interface: 'public' });
  });

  it('fails with a ConfigError naming a service type that the catalog lacks', async () => {
    const error = await session().endpoint(['object-store']).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.include("'object-store'").and.include('no such service');
  });

  it('caches the token and shares one authentication among concurrent callers', async () => {
    const keystone = session();
    const states = await Promise.all([keystone.getToken(), keystone.getToken(), keystone.getToken()]);
    expect(new Set(states.map((state) => state.token)).size).to.equal(1);
    await keystone.getToken();
    expect(server.authCount).to.equal(1);
  });

  it('renews the token before it expires', async () => {
    let now = Date.now();
    server.keystone.lifetimeMs = 600_000;
    server.keystone.now = () => now;
    const keystone = session({ now: () => now });
    const first = await keystone.getToken();
    now += 400_000; // 200 s left: more than the 120 s margin
    expect((await keystone.getToken()).token).to.equal(first.token);
    now += 100_000; // 100 s left: inside the margin
    const second = await keystone.getToken();
    expect(second.token).to.not.equal(first.token);
    expect(server.authCount).to.equal(2);
  });

  it('invalidate() forgets only the token it names', async () => {
    const keystone = session();
    const first = await keystone.getToken();
    keystone.invalidate('some-other-token');
    expect((await keystone.getToken()).token).to.equal(first.token);
    keystone.invalidate(first.token);
    expect((await keystone.getToken()).token).to.not.equal(first.token);
  });

  it('re-authenticates once when a service answers 401 to a revoked token', async () => {
    const { backend, logs } = cloudBackend(server);
    server.expectFixture('nova/flavors-show.json');
    const first = await backend.session.getToken();
    server.revokedTokens.add(first.token);
    const flavor = await backend.flavors.getFlavor('6');
    expect(flavor?.name).to.equal('ds2G');
    expect(server.authCount).to.equal(2);
    const novaRequests = server.received.filter((request) => request.url.startsWith('/compute/'));
    expect(novaRequests.map((request) => request.headers['x-auth-token'])).to.deep.equal([first.token, server.issuedTokens.at(-1)]);
    server.assertDone();
    expect(secretsIn(server, logs.text())).to.deep.equal([]);
  });

  it('gives up when the renewed token is refused too', async () => {
    const { backend } = cloudBackend(server);
    const first = await backend.session.getToken();
    server.revokedTokens.add(first.token);
    server.keystone.revokeNewTokens = true;
    const error = await backend.flavors.getFlavor('6').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    expect((error as OpenStackApiError).status).to.equal(401);
    expect((error as OpenStackApiError).code).to.equal(ErrorCode.BACKEND_ERROR);
    expect(secretsIn(server, errorText(error))).to.deep.equal([]);
  });

  it('reports rejected credentials without the password', async () => {
    const failure = loadFixture<{ status: number; body: unknown }>('keystone/auth-response-unauthorized.json');
    server.keystone.failWith = { status: failure.status, body: failure.body };
    const logs = new LogCapture();
    const error = await session({ logs }).getToken().catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    const apiError = error as OpenStackApiError;
    expect(apiError.status).to.equal(401);
    expect(apiError.message).to.include("user 'trove'").and.include('/identity/v3/auth/tokens').and.include('requires authentication');
    expect(apiError.details).to.deep.include({ service: 'keystone', method: 'POST', status: 401 });
    expect(errorText(error)).to.not.include(SERVICE_PASSWORD);
    expect(logs.text()).to.not.include(SERVICE_PASSWORD);
  });

  it('refuses a token response without X-Subject-Token or catalog', async () => {
    server.keystone.failWith = { status: 201, body: { token: { expires_at: new Date(Date.now() + 3_600_000).toISOString() } } };
    const error = await session().getToken().catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    expect((error as Error).message).to.include('X-Subject-Token');
  });

  it('adds /v3 to an unversioned auth_url', async () => {
    const keystone = session({ creds: { authUrl: `${server.base}/identity/` } });
    await keystone.getToken();
    expect(server.received[0]?.url).to.equal('/identity/v3/auth/tokens');
  });

  it('rejects incomplete credentials and bad URLs at construction', () => {
    expect(() => session({ creds: { password: '' } })).to.throw(ConfigError, /password/);
    expect(() => session({ creds: { projectName: '' } })).to.throw(ConfigError, /project_id or project_name/);
    expect(() => session({ creds: { authUrl: 'not a url' } })).to.throw(ConfigError, /auth_url/);
    expect(() => session({ creds: { authUrl: 'ftp://127.0.0.1/v3' } })).to.throw(ConfigError, /http or https/);
  });

  it('maps oslo endpoint types to Keystone interfaces', () => {
    expect(toEndpointInterface('publicURL')).to.equal('public');
    expect(toEndpointInterface('internalURL')).to.equal('internal');
    expect(toEndpointInterface('admin')).to.equal('admin');
    expect(() => toEndpointInterface('privateURL')).to.throw(ConfigError);
  });

  it('uses the internal interface for every service when endpoint_type is internalURL', async () => {
    const { backend } = cloudBackend(server, { service_credentials: { endpoint_type: 'internalURL' } });
    server.expectFixture('glance/images-show.json', (exchange) => {
      exchange.request.path = exchange.request.path.replace('/image/', '/internal/image/');
    });
    expect((await backend.images.getImage(ids.image))?.name).to.equal('trove-guest-debian-12');
    server.assertDone();
  });
});
