/** Request schemas of databases, users, user access and root (Trove's `apischema.user`, `dbschema`). */
import { databasesDef, databasesRef, envelope, nonEmptyString, userAttributes, usersList, type JsonSchema } from './common.js';

export const userCreate: JsonSchema = { type: 'object', required: ['users'], properties: { users: usersList } };

export const userUpdateAll: JsonSchema = envelope('users', usersList);

export const userUpdate: JsonSchema = envelope('user', userAttributes);

export const userAccessGrant: JsonSchema = databasesRef;

export const databaseCreate: JsonSchema = envelope('databases', databasesDef);

/** Root enable takes an optional password; Trove does not validate it beyond being a string. */
export const rootEnable: JsonSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { password: { oneOf: [nonEmptyString, { type: 'null' }] } },
};
