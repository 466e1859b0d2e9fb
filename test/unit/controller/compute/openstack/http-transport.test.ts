import { expect } from 'chai';
import { createServer } from 'node:net';
import { ErrorCode } from '../../../../../shared/errors/index.js';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { HttpTransport, OpenStackApiError } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer } from './helpers/fixture-server.js';
import { LogCapture, cloudBackend, errorText, ids, secretsIn } from './helpers/cloud.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('openstack HttpTransport', () => {
  let server: FixtureServer;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('retries a refused connection with exponential backoff, then reports the service and path', async () => {
    const port = await closedPort();
    const delays: number[] = [];
    const logs = new LogCapture();
    const transport = new HttpTransport({ logger: logs.logger, connectRetries: 3, connectRetryDelayMs: 100, sleep: (ms) => { delays.push(ms); return Promise.resolve(); } });
    const error = await transport
      .send({ service: 'nova', method: 'POST', url: new URL(`http://127.0.0.1:${port}/compute/v2.1/servers`), body: { server: {} } })
      .catch((caught: unknown) => caught);
    expect(delays).to.deep.equal([100, 200, 400]);
    expect(error).to.be.instanceOf(OpenStackApiError);
    const apiError = error as OpenStackApiError;
    expect(apiError.code).to.equal(ErrorCode.BACKEND_ERROR);
    expect(apiError.status).to.equal(null);
    expect(apiError.message).to.equal(`nova POST /compute/v2.1/servers could not be completed: no response from http://127.0.0.1:${port} (ECONNREFUSED) after 4 attempt(s)`);
    expect(logs.text()).to.include('retrying');
  });

  it('succeeds when the service comes back during the retries', async () => {
    const { backend } = cloudBackend(server);
    server.expectFixture('nova/flavors-show.json', (exchange) => {
      exchange.behaviour = 'destroy';
    });
    server.expectFixture('nova/flavors-show.json');
    expect((await backend.flavors.getFlavor('6'))?.id).to.equal('6');
    server.assertDone();
  });

  it('does not resend a POST whose connection broke after it was sent', async () => {
    const { backend } = cloudBackend(server);
    server.expectFixture('cinder/volumes-create.json', (exchange) => {
      exchange.behaviour = 'destroy';
    });
    const error = await backend.volumes
      .createVolume({
        name: `trove-${ids.instance}`,
        sizeGb: 5,
        volumeType: 'lvmdriver-1',
        availabilityZone: 'nova',
        description: `Data volume of trove instance ${ids.instance}`,
        metadata: { trove_instance_id: ids.instance },
      })
      .catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    expect((error as OpenStackApiError).status).to.equal(null);
    expect((error as Error).message).to.include('after 1 attempt(s)');
    expect(server.received.filter((entry) => entry.method === 'POST' && entry.url.includes('/volumes'))).to.have.length(1);
    server.assertDone();
  });

  it('times out a request that gets no answer', async () => {
    const { backend } = cloudBackend(server, { service_credentials: { timeout: 1, connect_retries: 0 } });
    await backend.session.getToken();
    server.expectFixture('nova/servers-show-active.json', (exchange) => {
      exchange.behaviour = 'hang';
    });
    const started = Date.now();
    const error = await backend.compute.getServer(ids.server).catch((caught: unknown) => caught);
    expect(Date.now() - started).to.be.within(900, 4000);
    expect((error as Error).message).to.include('(timeout)');
    expect(secretsIn(server, errorText(error))).to.deep.equal([]);
  });

  it('sends a request id, never follows redirects, and logs the call without headers', async () => {
    const logs = new LogCapture();
    const transport = new HttpTransport({ logger: logs.logger });
    const { backend } = cloudBackend(server);
    const { token } = await backend.session.getToken();
    server.expectFixture('nova/flavors-show.json', (exchange) => {
      exchange.response = { status: 302, headers: { location: 'http://127.0.0.3:9/steal' } };
    });
    const response = await transport.send({
      service: 'nova',
      method: 'GET',
      url: new URL(`${server.base}/compute/v2.1/flavors/6`),
      headers: { 'x-auth-token': token },
    });
    expect(response.status).to.equal(302);
    const sent = server.received.at(-1)!;
    expect(sent.headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/);
    expect(response.requestId).to.match(/^req-/);
    expect(logs.text()).to.include('"path":"/compute/v2.1/flavors/6"').and.include('"status":302');
    expect(logs.text()).to.not.include(token);
    server.assertDone();
  });

  it('answers non-JSON and empty bodies with undefined body and the raw text', async () => {
    const transport = new HttpTransport({ logger: silentLogger() });
    const { backend } = cloudBackend(server);
    const { token } = await backend.session.getToken();
    server.expectFixture('glance/images-show-not-found.json');
    const response = await transport.send({ service: 'glance', method: 'GET', url: new URL(`${server.base}/image/v2/images/${ids.image}`), headers: { 'x-auth-token': token } });
    expect(response.status).to.equal(404);
    expect(response.body).to.equal(undefined);
    expect(response.text).to.include('404 Not Found');
    server.assertDone();
  });
});
