/**
 * Building blocks of the request schemas, equal to Trove 18's `common/apischema.py` (JSON Schema draft 4
 * semantics: `pattern` searches, properties are open unless `additionalProperties: false`).
 */

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

export const booleanString: JsonSchema = { type: 'integer', minimum: 0, maximum: 1 };

export const nonEmptyString: JsonSchema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^.*[0-9a-zA-Z]+.*$' };

export const configurationDataTypes: JsonSchema = { type: 'string', minLength: 1, pattern: 'integer|string' };

export const configurationIntegerSize: JsonSchema = { type: 'string', maxLength: 40, pattern: '[0-9]+' };

export const configurationPositiveInteger: JsonSchema = { type: 'string', maxLength: 40, minLength: 1, pattern: '^0*[1-9]+[0-9]*$' };

export const configurationNonEmptyString: JsonSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '^.*[0-9a-zA-Z]+.*$' };

export const flavorRef: JsonSchema = { oneOf: [nonEmptyString, { type: 'integer' }] };

export const volumeSize: JsonSchema = { oneOf: [{ type: 'integer', minimum: 1 }, configurationPositiveInteger] };

export const hostString: JsonSchema = { type: 'string', minLength: 1, pattern: '^[%]?[\\w(-).]*[%]?$' };

export const nameString: JsonSchema = { type: 'string', minLength: 1, pattern: '^.*[0-9a-zA-Z]+.*$' };

export const uuid: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
};

export const ipAddressV4: JsonSchema = { type: 'string', minLength: 7, maxLength: 15, pattern: '^(?:[0-9]{1,3}\\.){3}[0-9]{1,3}$' };

export const volume: JsonSchema = {
  type: 'object',
  required: ['size'],
  properties: { size: volumeSize, type: { oneOf: [nonEmptyString, { type: 'null' }] } },
};

export const nics: JsonSchema = {
  type: 'array',
  maxItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    properties: { 'net-id': uuid, network_id: uuid, subnet_id: uuid, ip_address: ipAddressV4 },
  },
};

export const databasesRefList: JsonSchema = {
  type: 'array',
  minItems: 0,
  uniqueItems: true,
  items: { type: 'object', required: ['name'], additionalProperties: true, properties: { name: nonEmptyString } },
};

export const databasesRef: JsonSchema = {
  type: 'object',
  required: ['databases'],
  additionalProperties: true,
  properties: { databases: databasesRefList },
};

export const databasesDef: JsonSchema = {
  type: 'array',
  minItems: 0,
  items: {
    type: 'object',
    required: ['name'],
    additionalProperties: true,
    properties: { name: nonEmptyString, character_set: nonEmptyString, collate: nonEmptyString },
  },
};

export const userAttributes: JsonSchema = {
  type: 'object',
  additionalProperties: true,
  minProperties: 1,
  properties: { name: nameString, password: nonEmptyString, host: hostString },
};

export const usersList: JsonSchema = {
  type: 'array',
  minItems: 0,
  items: {
    type: 'object',
    required: ['name', 'password'],
    additionalProperties: true,
    properties: { name: nameString, password: nonEmptyString, host: hostString, databases: databasesRefList },
  },
};

export const configurationId: JsonSchema = { oneOf: [uuid, { type: 'null' }] };

export const moduleList: JsonSchema = {
  type: 'array',
  minItems: 0,
  items: { type: 'object', required: ['id'], additionalProperties: true, properties: { id: uuid } },
};

export const allowedCidrs: JsonSchema = {
  type: 'array',
  uniqueItems: true,
  items: { type: 'string', pattern: '^([0-9]{1,3}\\.){3}[0-9]{1,3}(\\/([0-9]|[1-2][0-9]|3[0-2]))?$' },
};

export const packageList: JsonSchema = {
  type: 'array',
  minItems: 0,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^.*[0-9a-zA-Z]+.*$' },
};

export const imageTags: JsonSchema = {
  type: 'array',
  minItems: 0,
  maxItems: 5,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 20, pattern: '^.*[0-9a-zA-Z]+.*$' },
};

/** `{"<key>": <inner>}` with the key required and other keys allowed, Trove's usual body envelope. */
export function envelope(key: string, inner: JsonSchema, additionalProperties = true): JsonSchema {
  return { type: 'object', required: [key], additionalProperties, properties: { [key]: inner } };
}
