/** Request schemas of the management endpoints: datastore versions and quotas. */
import { imageTags, nonEmptyString, packageList, uuid, type JsonSchema } from './common.js';

export const datastoreVersionCreate: JsonSchema = {
  type: 'object',
  required: ['version'],
  properties: {
    version: {
      type: 'object',
      required: ['name', 'datastore_name', 'datastore_manager', 'active'],
      additionalProperties: false,
      properties: {
        name: nonEmptyString,
        datastore_name: nonEmptyString,
        datastore_manager: nonEmptyString,
        packages: packageList,
        image: uuid,
        image_tags: imageTags,
        active: { enum: [true, false] },
        default: { enum: [true, false] },
        version: nonEmptyString,
      },
    },
  },
};

export const datastoreVersionEdit: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    datastore_manager: nonEmptyString,
    packages: packageList,
    image: uuid,
    image_tags: imageTags,
    active: { enum: [true, false] },
    default: { enum: [true, false] },
    name: nonEmptyString,
  },
};

/** PUT /mgmt/quotas/{project}: an integer limit (or null, skipped) per resource; ≥ -1 is checked by the route. */
export const quotaUpdate: JsonSchema = {
  type: 'object',
  required: ['quotas'],
  properties: {
    quotas: {
      type: 'object',
      additionalProperties: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
    },
  },
};
