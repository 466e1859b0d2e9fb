/**
 * Small readers for the loosely typed JSON the services return. They never throw: a missing or mistyped
 * field reads as the fallback, because services add, drop and null fields across releases and a view must not
 * fail over an optional field. Required ids are checked by the callers that need them.
 */

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

export function str(object: JsonObject | undefined, key: string, fallback = ''): string {
  const value = object?.[key];
  return typeof value === 'string' ? value : fallback;
}

export function optStr(object: JsonObject | undefined, key: string): string | null {
  const value = object?.[key];
  return typeof value === 'string' ? value : null;
}

export function num(object: JsonObject | undefined, key: string, fallback = 0): number {
  const value = object?.[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

export function optNum(object: JsonObject | undefined, key: string): number | null {
  const value = object?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function bool(object: JsonObject | undefined, key: string, fallback = false): boolean {
  const value = object?.[key];
  if (typeof value === 'boolean') return value;
  if (value === 'True' || value === 'true') return true;
  if (value === 'False' || value === 'false') return false;
  return fallback;
}

export function obj(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = object?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function objects(object: JsonObject | undefined, key: string): JsonObject[] {
  const value = object?.[key];
  return Array.isArray(value) ? value.filter((item): item is JsonObject => typeof item === 'object' && item !== null && !Array.isArray(item)) : [];
}

export function strings(object: JsonObject | undefined, key: string): string[] {
  const value = object?.[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A string-to-string map; non-string values are dropped. */
export function stringMap(object: JsonObject | undefined, key: string): Record<string, string> {
  const value = obj(object, key);
  const result: Record<string, string> = {};
  for (const [name, item] of Object.entries(value ?? {})) if (typeof item === 'string') result[name] = item;
  return result;
}
