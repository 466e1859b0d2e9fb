/**
 * `datastore_update datastore_name default_version`: creates the datastore if missing and sets (or, with
 * `''`, clears) its default version, which must be an active version of that datastore.
 */
import { updateDatastore } from '../../db/datastore-admin.js';
import { checkLength, usageError } from '../runtime.js';
import type { ManageCommandRegistration } from './types.js';

export const registerDatastoreUpdate: ManageCommandRegistration = (program, runtime) => {
  program
    .command('datastore_update')
    .description('add or update a datastore; if it exists, its default version is updated')
    .argument('<datastore_name>', 'name of the datastore')
    .argument('<default_version>', "name or id of an existing active version to make the default; '' for none (use '' when adding a datastore)")
    .action(
      runtime.action(async (name: string, defaultVersion: string) => {
        if (name.trim() === '') throw usageError('datastore_name must not be empty');
        checkLength('datastore_name', name, 255);
        const database = await runtime.database();
        const { created } = await updateDatastore(database, name, defaultVersion);
        runtime.say(`Datastore '${name}' ${created ? 'created' : 'updated'}.`);
      }),
    );
};
