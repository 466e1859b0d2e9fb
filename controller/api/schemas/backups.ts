/** Request schemas of backups and backup strategies (Trove's `apischema.backup`, `backup_strategy`). */
import { booleanString, nonEmptyString, uuid, type JsonSchema } from './common.js';

export const backupCreate: JsonSchema = {
  type: 'object',
  required: ['backup'],
  properties: {
    backup: {
      type: 'object',
      required: ['name'],
      properties: {
        description: nonEmptyString,
        instance: uuid,
        name: nonEmptyString,
        parent_id: uuid,
        incremental: booleanString,
        swift_container: nonEmptyString,
        restore_from: {
          type: 'object',
          required: ['remote_location', 'local_datastore_version_id', 'size'],
          properties: { remote_location: nonEmptyString, local_datastore_version_id: uuid, size: { type: 'number' } },
        },
      },
    },
  },
};

export const backupStrategyCreate: JsonSchema = {
  type: 'object',
  required: ['backup_strategy'],
  properties: {
    backup_strategy: {
      type: 'object',
      additionalProperties: false,
      required: ['swift_container'],
      properties: { instance_id: uuid, swift_container: nonEmptyString },
    },
  },
};
