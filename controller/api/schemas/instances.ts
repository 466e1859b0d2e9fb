/** Request schemas of `/instances` (Trove's `apischema.instance` and `mgmt_instance`). */
import {
  allowedCidrs,
  booleanString,
  configurationId,
  databasesDef,
  envelope,
  flavorRef,
  moduleList,
  nics,
  nonEmptyString,
  usersList,
  uuid,
  volume,
  type JsonSchema,
} from './common.js';

const datastoreRef: JsonSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { type: nonEmptyString, version: nonEmptyString, version_number: nonEmptyString },
};

export const instanceCreate: JsonSchema = envelope('instance', {
  type: 'object',
  required: ['name'],
  additionalProperties: true,
  properties: {
    name: nonEmptyString,
    configuration_id: configurationId,
    flavorRef,
    volume,
    databases: databasesDef,
    users: usersList,
    restorePoint: { type: 'object', required: ['backupRef'], additionalProperties: true, properties: { backupRef: uuid } },
    replica_of: uuid,
    replica_count: { type: 'integer', minimum: 1, maximum: 3 },
    availability_zone: nonEmptyString,
    datastore: datastoreRef,
    nics,
    modules: moduleList,
    region_name: nonEmptyString,
    locality: nonEmptyString,
    access: { type: 'object', properties: { is_public: { type: 'boolean' }, allowed_cidrs: allowedCidrs } },
  },
});

export const instanceUpdate: JsonSchema = {
  type: 'object',
  required: ['instance'],
  properties: {
    instance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: nonEmptyString,
        replica_of: {},
        configuration: configurationId,
        datastore_version: nonEmptyString,
        access: {
          type: 'object',
          additionalProperties: false,
          properties: { is_public: { type: 'boolean' }, allowed_cidrs: allowedCidrs },
        },
      },
    },
  },
};

/** PATCH: Trove's `edit` schema (adds `slave_of`, has no `access`). */
export const instanceEdit: JsonSchema = {
  type: 'object',
  required: ['instance'],
  properties: {
    instance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        slave_of: {},
        replica_of: {},
        name: nonEmptyString,
        configuration: configurationId,
        datastore_version: nonEmptyString,
      },
    },
  },
};

export const resizeVolumeAction: JsonSchema = envelope('resize', {
  type: 'object',
  required: ['volume'],
  additionalProperties: true,
  properties: { volume },
});

export const resizeFlavorAction: JsonSchema = envelope('resize', {
  type: 'object',
  required: ['flavorRef'],
  additionalProperties: true,
  properties: { flavorRef },
});

export const restartAction: JsonSchema = envelope('restart', { type: 'object' });

export const mgmtInstanceActions: Record<string, JsonSchema> = {
  migrate: envelope('migrate', { type: 'object' }),
  reboot: envelope('reboot', { type: 'object' }),
  stop: envelope('stop', { type: 'object' }),
  rebuild: envelope('rebuild', { type: 'object', required: ['image_id'], additionalProperties: false, properties: { image_id: uuid } }),
  'reset-task-status': envelope('reset-task-status', { type: 'object' }),
};

export const guestLogAction: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: nonEmptyString, enable: booleanString, disable: booleanString, publish: booleanString, discard: booleanString },
};

export const moduleApply: JsonSchema = { type: 'object', required: ['modules'], properties: { modules: moduleList } };
