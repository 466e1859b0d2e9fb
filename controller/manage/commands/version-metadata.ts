/**
 * Flavor and volume-type associations of a datastore version: `datastore_version_flavor_add/_delete` and
 * `datastore_version_volume_type_add/_delete/_list`. Adding several ids is all-or-nothing.
 */
import type { Command } from 'commander';
import { addVersionMetadata, deleteVersionMetadata, listVersionMetadata } from '../../db/datastore-admin.js';
import { DatastoreVersionMetadataKey } from '../../db/models/index.js';
import { checkLength, splitList, usageError, type ManageRuntime } from '../runtime.js';
import type { ManageCommandRegistration } from './types.js';

const VERSION_HELP = 'version number of the datastore version (default: datastore_version_name)';

function target(datastore: string, version: string, options: { version?: string }) {
  return { datastore, version, ...(options.version === undefined ? {} : { versionNumber: options.version }) };
}

function ids(what: string, value: string): string[] {
  const list = splitList(value);
  if (list.length === 0) throw usageError(`${what} must name at least one id`);
  for (const id of list) checkLength(`${what} item '${id.slice(0, 20)}'`, id, 128);
  return list;
}

function single(what: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw usageError(`${what} must not be empty`);
  return checkLength(what, trimmed, 128);
}

function addCommands(program: Command, runtime: ManageRuntime, key: DatastoreVersionMetadataKey, noun: string, plural: string): void {
  program
    .command(`datastore_version_${noun}_add`)
    .description(`associate ${noun.replace('_', ' ')}s with a datastore version`)
    .argument('<datastore_name>', 'name of the datastore')
    .argument('<datastore_version_name>', 'name of the datastore version')
    .argument(`<${plural}>`, `comma-separated list of ${noun.replace('_', ' ')} ids`)
    .option('--version <version>', VERSION_HELP)
    .action(
      runtime.action(async (datastore: string, version: string, value: string, options: { version?: string }) => {
        const list = ids(plural, value);
        await addVersionMetadata(await runtime.database(), target(datastore, version, options), key, list);
        const label = key === DatastoreVersionMetadataKey.FLAVOR ? 'flavors' : 'volume type';
        runtime.say(`Added ${label} '${list.join(',')}' to the '${datastore}' '${version}'.`);
      }),
    );
  program
    .command(`datastore_version_${noun}_delete`)
    .description(`remove a ${noun.replace('_', ' ')} association from a datastore version`)
    .argument('<datastore_name>', 'name of the datastore')
    .argument('<datastore_version_name>', 'name of the datastore version')
    .argument(`<${noun}_id>`, `the ${noun.replace('_', ' ')} to remove`)
    .option('--version <version>', VERSION_HELP)
    .action(
      runtime.action(async (datastore: string, version: string, value: string, options: { version?: string }) => {
        const id = single(`${noun}_id`, value);
        await deleteVersionMetadata(await runtime.database(), target(datastore, version, options), key, id);
        runtime.say(`Deleted ${noun.replace('_', ' ')} '${id}' from '${datastore}' '${version}'.`);
      }),
    );
}

export const registerVersionMetadata: ManageCommandRegistration = (program, runtime) => {
  addCommands(program, runtime, DatastoreVersionMetadataKey.FLAVOR, 'flavor', 'flavor_ids');
  addCommands(program, runtime, DatastoreVersionMetadataKey.VOLUME_TYPE, 'volume_type', 'volume_type_ids');
  program
    .command('datastore_version_volume_type_list')
    .description('list the volume types associated with a datastore version')
    .argument('<datastore_name>', 'name of the datastore')
    .argument('<datastore_version_name>', 'name of the datastore version')
    .option('--version <version>', VERSION_HELP)
    .action(
      runtime.action(async (datastore: string, version: string, options: { version?: string }) => {
        const { values } = await listVersionMetadata(await runtime.database(), target(datastore, version, options), DatastoreVersionMetadataKey.VOLUME_TYPE);
        if (values.length === 0) runtime.say(`No Volume Type Associations found for Datastore: ${datastore}, Version: ${version}.`);
        for (const value of values) runtime.say(`Datastore: ${datastore}, Version: ${version}, Volume Type: ${value}`);
      }),
    );
};
