/** Trove's API errors by name, so services throw the same codes and messages as Trove does. */
import { ErrorCode, NotFoundError, TroveError } from '../../../shared/errors/index.js';

/** Trove's `NotFound(uuid=...)`: an object that does not exist or belongs to another tenant (404). */
export function notFound(id: string): TroveError {
  return new NotFoundError(`Resource ${id} cannot be found.`, { id });
}

/** Trove's `BadRequest` and other unmapped `TroveError`s (400). */
export function badRequest(message: string): TroveError {
  return new TroveError(ErrorCode.BAD_REQUEST, message);
}

/** True for Trove's idea of a UUID (`oslo_utils.uuidutils.is_uuid_like`). */
export function isUuidLike(value: string): boolean {
  return /^(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})$/i.test(value);
}

/** The last path segment of an href, or the value itself (Trove's `get_id_from_href`). */
export function idFromHref(ref: string | number): string {
  const text = String(ref);
  if (!text.includes('/')) return text;
  try {
    const url = new URL(text);
    return url.pathname.split('/').filter((part) => part !== '').pop() ?? text;
  } catch {
    return text.split('/').filter((part) => part !== '').pop() ?? text;
  }
}
