/**
 * Trove's marker paging for `list_users` / `list_databases`: items are ordered by their key; a page holds
 * the items after the marker (or from it, with `include_marker`), at most `limit` of them; the next marker is
 * the key of the page's last item when more items follow, else null.
 */
import { ValidationError } from '../../../shared/errors/index.js';
import type { Page, PageRequest } from './datastore-driver.js';

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pages a list in memory (instances hold few users and databases); sorts by key first. */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, request: PageRequest): Page<T> {
  const limit = request.limit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw new ValidationError(`limit must be a positive integer, got ${String(limit)}.`);
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const marker = request.marker ?? null;
  const start =
    marker === null || marker === ''
      ? sorted
      : sorted.filter((item) => {
          const order = compareKeys(keyOf(item), marker);
          return request.includeMarker ? order >= 0 : order > 0;
        });
  if (limit === null || start.length <= limit) return [start, null];
  const page = start.slice(0, limit);
  const last = page[page.length - 1];
  return [page, last === undefined ? null : keyOf(last)];
}
