/**
 * `datastore_version_update datastore version_name manager image_id packages active [--image-tags a,b]
 * [--version X]`: creates or updates a datastore version (Trove's positional arguments). The version number
 * defaults to the name; an empty image_id means the image is found by tags, so tags are then required.
 */
import { isDatastoreManager } from '../../../shared/config/index.js';
import { updateDatastoreVersion } from '../../db/datastore-admin.js';
import { checkLength, splitList, usageError, type ManageRuntime } from '../runtime.js';
import type { ManageCommandRegistration } from './types.js';

interface Options {
  imageTags?: string;
  version?: string;
}

function checkManager(runtime: ManageRuntime, manager: string): void {
  const extra = Object.keys(runtime.config().DEFAULT.datastore_registry_ext);
  if (isDatastoreManager(manager) || extra.includes(manager)) return;
  const known = ['mysql', 'mariadb', 'postgresql', ...extra].join(', ');
  throw usageError(`unknown datastore manager '${manager}'; expected one of ${known}`);
}

function parseActive(value: string): boolean {
  if (value === '1') return true;
  if (value === '0') return false;
  throw usageError(`active must be 0 or 1, got '${value}'`);
}

export const registerDatastoreVersionUpdate: ManageCommandRegistration = (program, runtime) => {
  program
    .command('datastore_version_update')
    .description('add or update a datastore version; if it exists, everything but the datastore, name and version number is updated')
    .argument('<datastore>', 'name of the datastore')
    .argument('<version_name>', 'name of the datastore version')
    .argument('<manager>', 'manager that administers the version: mysql, mariadb or postgresql')
    .argument('<image_id>', "id of the guest image; '' to choose the image by --image-tags")
    .argument('<packages>', 'packages installed on the guest image (informational)')
    .argument('<active>', '1 if the version may be used, 0 otherwise')
    .option('--image-tags <tags>', 'comma-separated image tags used to find the guest image')
    .option('--version <version>', 'version number, e.g. 10.11.6 (default: version_name)')
    .action(
      runtime.action(async (datastore: string, name: string, manager: string, imageId: string, packages: string, active: string, options: Options) => {
        const isActive = parseActive(active);
        if (name.trim() === '') throw usageError('version_name must not be empty');
        checkLength('version_name', name, 255);
        checkLength('image_id', imageId, 36);
        checkLength('packages', packages, 511);
        if (options.version !== undefined) checkLength('--version', options.version, 255);
        const tags = options.imageTags === undefined ? [] : splitList(options.imageTags);
        checkLength('--image-tags', tags.join(','), 255);
        if (imageId.trim() === '' && tags.length === 0) throw usageError("image_id is empty: give the image's id or --image-tags to find it by");
        checkManager(runtime, manager);
        const database = await runtime.database();
        const spec = { datastore, name, manager, imageId: imageId.trim(), imageTags: tags, packages, active: isActive };
        const { version, created } = await updateDatastoreVersion(database, options.version === undefined ? spec : { ...spec, version: options.version });
        runtime.say(`Datastore version '${name}(${version.version ?? name})' ${created ? 'created' : 'updated'}.`);
      }),
    );
};
