/** Trove's paging arguments: `limit` is capped at the page size (`pagination_limit`), `marker` is the last id seen. */
import { badRequest } from './errors.js';

/**
 * The page size for a request.
 * @throws TroveError BAD_REQUEST when `limit` is not a positive integer
 */
export function pageLimit(limit: string | undefined, pageSize: number): number {
  if (limit === undefined || limit === '') return pageSize;
  if (!/^\s*\d+\s*$/.test(limit) || Number.parseInt(limit, 10) < 1) throw badRequest(`Invalid limit '${limit}': it must be a positive integer.`);
  return Math.min(Number.parseInt(limit, 10), pageSize);
}

/** Splits a fetched `limit + 1` rows into the page and the next marker (the page's last key). */
export function splitPage<T>(rows: T[], limit: number, key: (row: T) => string): { page: T[]; nextMarker: string | null } {
  if (rows.length <= limit) return { page: rows, nextMarker: null };
  const page = rows.slice(0, limit);
  return { page, nextMarker: key(page[page.length - 1] as T) };
}
