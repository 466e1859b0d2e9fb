/**
 * A small JSON Schema builder whose values are both plain JSON Schema (for ajv) and carriers of a static
 * TypeScript type (`Static<typeof s>`). RPC contracts and API request schemas are written once with it, so
 * the runtime check and the compile-time type cannot drift apart.
 */

declare const staticType: unique symbol;
declare const optionalMark: unique symbol;

/** A JSON Schema object that also carries the TypeScript type it validates. */
export type Schema<T = unknown> = { readonly [key: string]: unknown; readonly [staticType]: T };

/** A property schema marked optional inside `t.object`. */
export type OptionalSchema<T = unknown> = Schema<T> & { readonly [optionalMark]: true };

/** The TypeScript type a schema validates. */
export type Static<S> = S extends { readonly [staticType]: infer T } ? T : never;

type Props = Record<string, Schema>;
type OptionalKeys<P extends Props> = { [K in keyof P]: P[K] extends { readonly [optionalMark]: true } ? K : never }[keyof P];
type RequiredKeys<P extends Props> = Exclude<keyof P, OptionalKeys<P>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectStatic<P extends Props> = Simplify<
  { [K in RequiredKeys<P>]: Static<P[K]> } & { [K in OptionalKeys<P>]?: Static<P[K]> }
>;

interface StringOptions { minLength?: number; maxLength?: number; pattern?: string; format?: string }
interface NumberOptions { minimum?: number; maximum?: number }
interface ArrayOptions { minItems?: number; maxItems?: number; uniqueItems?: boolean }
interface ObjectOptions { additionalProperties?: boolean }

function make<T>(schema: Record<string, unknown>): Schema<T> {
  return schema as unknown as Schema<T>;
}

export const t = {
  string(options: StringOptions = {}): Schema<string> {
    return make({ type: 'string', ...options });
  },
  integer(options: NumberOptions = {}): Schema<number> {
    return make({ type: 'integer', ...options });
  },
  number(options: NumberOptions = {}): Schema<number> {
    return make({ type: 'number', ...options });
  },
  boolean(): Schema<boolean> {
    return make({ type: 'boolean' });
  },
  null(): Schema<null> {
    return make({ type: 'null' });
  },
  literal<const V extends string | number | boolean>(value: V): Schema<V> {
    return make({ const: value });
  },
  enum<const V extends readonly (string | number)[]>(values: V): Schema<V[number]> {
    return make({ enum: [...values] });
  },
  /** Any JSON value; use only where Trove itself passes opaque data (flavor dicts, overrides). */
  unknown(): Schema<unknown> {
    return make({});
  },
  array<S extends Schema>(items: S, options: ArrayOptions = {}): Schema<Static<S>[]> {
    return make({ type: 'array', items, ...options });
  },
  /** A fixed-length array, e.g. Trove's `[items, next_marker]` list results. */
  tuple<const S extends readonly Schema[]>(items: S): Schema<{ [K in keyof S]: Static<S[K]> }> {
    return make({ type: 'array', prefixItems: [...items], items: false, minItems: items.length, maxItems: items.length });
  },
  object<P extends Props>(properties: P, options: ObjectOptions = {}): Schema<ObjectStatic<P>> {
    const required = Object.keys(properties).filter((key) => (properties[key] as Record<string, unknown>)['x-optional'] !== true);
    const cleaned: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties)) {
      const { 'x-optional': _drop, ...rest } = value as Record<string, unknown>;
      cleaned[key] = rest;
    }
    return make({
      type: 'object',
      properties: cleaned,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: options.additionalProperties ?? false,
    });
  },
  /** A string-keyed map with values of one schema. */
  record<S extends Schema>(values: S): Schema<Record<string, Static<S>>> {
    return make({ type: 'object', additionalProperties: values });
  },
  optional<S extends Schema>(schema: S): OptionalSchema<Static<S>> {
    return { ...(schema as Record<string, unknown>), 'x-optional': true } as unknown as OptionalSchema<Static<S>>;
  },
  nullable<S extends Schema>(schema: S): Schema<Static<S> | null> {
    return make({ anyOf: [schema, { type: 'null' }] });
  },
  union<const S extends readonly Schema[]>(schemas: S): Schema<Static<S[number]>> {
    return make({ anyOf: [...schemas] });
  },
};
