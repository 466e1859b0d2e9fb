/**
 * Formatting shared by every view: Trove's datetimes (naive UTC, no fraction: `2022-10-05T12:34:56`), links
 * (`https://{host}/v1.0/{tenant}/{path}/{id}` + bookmark, always https like Trove) and paging (`next` link =
 * the request URL with `marker` replaced, forced to https).
 */
import type { Request } from 'express';

/** A link as Trove writes it. */
export interface Link {
  href: string;
  rel: string;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, or null. */
export function formatDate(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().slice(0, 19);
}

/** What views need from the request to build links. */
export interface LinkBase {
  /** The Host header as the client sent it. */
  host: string;
  tenantId: string;
  /** The request path and query, for paging links. */
  originalUrl: string;
}

export function linkBaseOf(req: Request, tenantId: string): LinkBase {
  return { host: req.headers.host ?? 'localhost', tenantId, originalUrl: req.originalUrl };
}

/** Trove's `create_links`: a self link under the tenant and a bookmark without version and tenant. */
export function createLinks(base: LinkBase, resourcePath: string, id: string | number | null): Link[] {
  const idText = id === null ? 'None' : String(id);
  return [
    { href: `https://${base.host}/v1.0/${base.tenantId}/${resourcePath}/${idText}`, rel: 'self' },
    { href: `https://${base.host}/${resourcePath}/${idText}`, rel: 'bookmark' },
  ];
}

/** The `next` link of a page: the request URL with `marker` set, scheme forced to https. */
export function nextPageLink(base: LinkBase, marker: string): Link {
  const url = new URL(base.originalUrl, `https://${base.host}`);
  url.searchParams.set('marker', marker);
  url.protocol = 'https:';
  return { rel: 'next', href: url.toString() };
}

/** `{<name>: items}` plus `links: [next]` when there is a next page (Trove's `SimplePaginatedDataView`). */
export function pagedCollection<T>(base: LinkBase, name: string, items: T[], nextMarker: string | null | undefined): Record<string, unknown> {
  if (nextMarker === null || nextMarker === undefined || nextMarker === '') return { [name]: items };
  return { [name]: items, links: [nextPageLink(base, nextMarker)] };
}
