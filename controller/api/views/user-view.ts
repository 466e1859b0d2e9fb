/** Views of datastore users, databases and root (Trove's `extensions/mysql/views.py`, `extensions/common/views.py`). */
import type { SerializedSchema, SerializedUser } from '../../../shared/models/index.js';

export function userView(user: SerializedUser): Record<string, unknown> {
  return { name: user._name, host: user._host ?? '%', databases: (user._databases ?? []).map((database) => ({ name: database._name })) };
}

export function databaseView(database: SerializedSchema): Record<string, unknown> {
  return { name: database._name };
}

export function rootCreatedView(user: SerializedUser): Record<string, unknown> {
  return { user: { name: user._name, password: user._password ?? null } };
}
