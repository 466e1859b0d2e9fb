/** Schemas of wire values shared by several contracts (Trove's serialized users and databases). */
import { t } from '../../schema/index.js';

export const serializedSchema = t.object(
  {
    _name: t.string({ minLength: 1, maxLength: 255 }),
    _character_set: t.optional(t.nullable(t.string({ maxLength: 64 }))),
    _collate: t.optional(t.nullable(t.string({ maxLength: 64 }))),
  },
  { additionalProperties: true },
);

export const serializedUser = t.object(
  {
    _name: t.string({ minLength: 1, maxLength: 255 }),
    _password: t.optional(t.nullable(t.string({ maxLength: 1024 }))),
    _host: t.optional(t.nullable(t.string({ maxLength: 255 }))),
    _databases: t.optional(t.array(serializedSchema)),
    _is_root: t.optional(t.boolean()),
  },
  { additionalProperties: true },
);

/** An opaque JSON object whose shape Trove itself does not fix (backup_info, snapshot, cluster_config ...). */
export const looseObject = t.record(t.unknown());

/** Typed configuration overrides: `{param: value}` with Trove's converted types. */
export const overrides = t.record(t.union([t.string(), t.number(), t.boolean(), t.null()]));

export const nothing = t.null();
