/**
 * Glance (image API v2): the guest image by id, or the newest active image carrying a datastore version's
 * tags (Trove's `image_tags`: `GET /v2/images?tag=..&tag=..&status=active&sort=created_at:desc&limit=1`).
 */
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Image, ImageCatalog } from '../ports.js';
import { isApiStatus } from './errors.js';
import { num, str, strings, type JsonObject } from './json.js';
import { segment, type ServiceClient } from './service-client.js';

/** Glance's API as the image port. */
export class GlanceClient implements ImageCatalog {
  constructor(private readonly client: ServiceClient) {}

  async getImage(id: string): Promise<Image | undefined> {
    // Glance v2 returns the image itself, not wrapped in a key.
    try {
      const response = await this.client.call('GET', `/images/${segment(id)}`);
      const body = response.body as JsonObject | undefined;
      return body && typeof body['id'] === 'string' ? toImage(body) : undefined;
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async findNewestImageByTags(tags: readonly string[]): Promise<Image | undefined> {
    if (tags.length === 0) throw new TroveError(ErrorCode.BAD_REQUEST, 'An image lookup by tags needs at least one tag.');
    const response = await this.client.call('GET', '/images', {
      query: { tag: tags, status: 'active', sort: 'created_at:desc', limit: 1 },
    });
    const images = (response.body as JsonObject | undefined)?.['images'];
    if (!Array.isArray(images)) return undefined;
    const found = images
      .filter((image): image is JsonObject => typeof image === 'object' && image !== null)
      .map(toImage)
      // Guard against a Glance that ignores a filter: every tag present, active, newest first.
      .filter((image) => image.status === 'active' && tags.every((tag) => image.tags.includes(tag)))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return found[0];
  }
}

function toImage(image: JsonObject): Image {
  return {
    id: str(image, 'id'),
    name: str(image, 'name'),
    status: str(image, 'status'),
    tags: strings(image, 'tags'),
    createdAt: str(image, 'created_at'),
    minDiskGb: num(image, 'min_disk'),
    minRamMb: num(image, 'min_ram'),
  };
}
