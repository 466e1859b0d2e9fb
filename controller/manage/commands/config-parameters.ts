/**
 * `db_load_datastore_config_parameters datastore version_name file [--version]` and
 * `db_remove_datastore_config_parameters datastore version_name [--version]`: load or remove a version's
 * configuration-group validation rules. The rules file is checked completely before the database is
 * touched, and the load is one transaction.
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../../shared/errors/index.js';
import { parseValidationRules } from '../../templates/validation-rules.js';
import { loadConfigurationParameters, removeConfigurationParameters } from '../../db/datastore-admin.js';
import type { ManageCommandRegistration } from './types.js';

function readRules(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ValidationError(`cannot read ${path}: ${why}`);
  }
}

export const registerConfigParameters: ManageCommandRegistration = (program, runtime) => {
  program
    .command('db_load_datastore_config_parameters')
    .description('load the configuration-group validation rules of a datastore version into the database')
    .argument('<datastore>', 'name of the datastore')
    .argument('<datastore_version_name>', 'name of the datastore version')
    .argument('<config_file_location>', 'path of the validation-rules.json file')
    .option('--version <version>', 'version number of the datastore version (default: datastore_version_name)')
    .action(
      runtime.action(async (datastore: string, versionName: string, file: string, options: { version?: string }) => {
        const rules = parseValidationRules(readRules(file), file);
        const database = await runtime.database();
        runtime.say(`Loading config parameters for datastore (${datastore}) version (${versionName})`);
        const target = { datastore, version: versionName, ...(options.version === undefined ? {} : { versionNumber: options.version }) };
        const { added, updated } = await loadConfigurationParameters(database, target, rules);
        runtime.say(`Loaded ${rules.length} parameters (${added} added, ${updated} updated).`);
      }),
    );
  program
    .command('db_remove_datastore_config_parameters')
    .description('remove the configuration-group validation rules of a datastore version from the database')
    .argument('<datastore>', 'name of the datastore')
    .argument('<datastore_version_name>', 'name of the datastore version')
    .option('--version <version>', 'version number of the datastore version (default: datastore_version_name)')
    .action(
      runtime.action(async (datastore: string, versionName: string, options: { version?: string }) => {
        const database = await runtime.database();
        runtime.say(`Removing config parameters for datastore (${datastore}) version (${versionName})`);
        const target = { datastore, version: versionName, ...(options.version === undefined ? {} : { versionNumber: options.version }) };
        const { removed } = await removeConfigurationParameters(database, target);
        runtime.say(`Removed ${removed} parameters.`);
      }),
    );
};
