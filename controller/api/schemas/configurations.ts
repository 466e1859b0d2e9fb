/** Request schemas of configuration groups and parameters (Trove's `apischema.configuration`, `mgmt_configuration`). */
import {
  booleanString,
  configurationDataTypes,
  configurationIntegerSize,
  configurationNonEmptyString,
  nonEmptyString,
  type JsonSchema,
} from './common.js';

export const configurationCreate: JsonSchema = {
  type: 'object',
  required: ['configuration'],
  properties: {
    configuration: {
      type: 'object',
      required: ['values', 'name'],
      properties: {
        description: nonEmptyString,
        values: { type: 'object' },
        name: nonEmptyString,
        datastore: {
          type: 'object',
          additionalProperties: true,
          properties: { type: nonEmptyString, version: nonEmptyString, version_number: nonEmptyString },
        },
      },
    },
  },
};

export const configurationUpdate: JsonSchema = {
  type: 'object',
  required: ['configuration'],
  properties: {
    configuration: {
      type: 'object',
      properties: { description: nonEmptyString, values: { type: 'object' }, name: nonEmptyString },
    },
  },
};

export const configurationEdit: JsonSchema = {
  type: 'object',
  required: ['configuration'],
  properties: { configuration: { type: 'object', properties: { values: { type: 'object' } } } },
};

const parameter: JsonSchema = {
  type: 'object',
  required: ['name', 'restart_required', 'data_type'],
  properties: {
    name: configurationNonEmptyString,
    data_type: configurationDataTypes,
    restart_required: booleanString,
    max: configurationIntegerSize,
    min: configurationIntegerSize,
  },
};

export const configurationParameterCreate: JsonSchema = {
  type: 'object',
  required: ['configuration-parameter'],
  properties: { 'configuration-parameter': parameter },
};

export const configurationParameterUpdate: JsonSchema = configurationParameterCreate;
