/**
 * The trove-manage command registry: every command module's registration, in help order. To add a
 * command, write `commands/<name>.ts` exporting a `ManageCommandRegistration` and append it here.
 */
import { registerConfigParameters } from './config-parameters.js';
import { registerDatastoreUpdate } from './datastore-update.js';
import { registerDatastoreVersionUpdate } from './datastore-version-update.js';
import { registerDbSync } from './db-sync.js';
import { registerGenerateConfig } from './generate-config.js';
import { registerGeneratePolicy } from './generate-policy.js';
import type { ManageCommandRegistration } from './types.js';
import { registerVersionMetadata } from './version-metadata.js';

export const COMMANDS: readonly ManageCommandRegistration[] = [
  registerDbSync,
  registerDatastoreUpdate,
  registerDatastoreVersionUpdate,
  registerConfigParameters,
  registerVersionMetadata,
  registerGenerateConfig,
  registerGeneratePolicy,
];

export type { ManageCommandRegistration } from './types.js';
