import { expect } from 'chai';
import { ErrorCode, TroveError } from '../../../../../shared/errors/index.js';
import { OpenStackApiError, type OpenStackBackend } from '../../../../../controller/compute/openstack/index.js';
import { FixtureServer } from './helpers/fixture-server.js';
import { cloudBackend, ids, secretsIn, type LogCapture } from './helpers/cloud.js';

describe('openstack Glance client (ImageCatalog)', () => {
  let server: FixtureServer;
  let backend: OpenStackBackend;
  let logs: LogCapture;

  before(async () => {
    server = await FixtureServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    ({ backend, logs } = cloudBackend(server));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') {
      server.assertDone();
      expect(secretsIn(server, logs.text()), 'secrets in logs').to.deep.equal([]);
    }
  });

  const guestImage = {
    id: ids.image,
    name: 'trove-guest-debian-12',
    status: 'active',
    tags: ['trove', 'mariadb'],
    createdAt: '2026-11-24T08:00:00Z',
    minDiskGb: 5,
    minRamMb: 512,
  };

  it('shows an image by id (unwrapped v2 body, endpoint gains /v2)', async () => {
    server.expectFixture('glance/images-show.json');
    expect(await backend.images.getImage(ids.image)).to.deep.equal(guestImage);
  });

  it('returns undefined for an unknown image despite the HTML error body', async () => {
    server.expectFixture('glance/images-show-not-found.json');
    expect(await backend.images.getImage(ids.image)).to.equal(undefined);
  });

  it('keeps the text of an HTML error page readable', async () => {
    server.expectFixture('glance/images-show-not-found.json', (exchange) => {
      exchange.response.status = 403;
      exchange.response.text = '<html><body><h1>403 Forbidden</h1>Access was denied to this resource.</body></html>';
    });
    const error = await backend.images.getImage(ids.image).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(OpenStackApiError);
    expect((error as Error).message).to.match(/HTTP 403: 403 Forbidden Access was denied to this resource\.$/);
  });

  it('finds the newest active image carrying every tag', async () => {
    server.expectFixture('glance/images-list-by-tags.json');
    expect(await backend.images.findNewestImageByTags(['trove', 'mariadb'])).to.deep.equal(guestImage);
  });

  it('returns undefined when no image carries the tags', async () => {
    server.expectFixture('glance/images-list-by-tags-none.json');
    expect(await backend.images.findNewestImageByTags(['trove', 'mariadb'])).to.equal(undefined);
  });

  it('ignores images that lack a tag even if Glance returns them', async () => {
    server.expectFixture('glance/images-list-by-tags.json', (exchange) => {
      const body = exchange.response.body as { images: Array<{ tags: string[] }> };
      body.images[0]!.tags = ['trove'];
    });
    expect(await backend.images.findNewestImageByTags(['trove', 'mariadb'])).to.equal(undefined);
  });

  it('refuses a lookup without tags', async () => {
    const error = await backend.images.findNewestImageByTags([]).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(TroveError);
    expect((error as TroveError).code).to.equal(ErrorCode.BAD_REQUEST);
  });
});
