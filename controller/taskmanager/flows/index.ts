/** Every flow the taskmanager runs, by kind. */
import type { FlowDefinition } from '../engine/flow.js';
import { attachConfigurationFlow, detachConfigurationFlow, updateOverridesFlow } from './configuration.js';
import { createInstanceFlow } from './create-instance.js';
import { deleteInstanceFlow } from './delete-instance.js';
import { rebootFlow, restartFlow } from './restart.js';
import { resizeFlavorFlow, resizeVolumeFlow } from './resize.js';
import { updateAccessFlow } from './update-access.js';
import { upgradeFlow } from './upgrade.js';

export const FLOW_DEFINITIONS: readonly FlowDefinition[] = [
  createInstanceFlow,
  deleteInstanceFlow,
  restartFlow,
  rebootFlow,
  resizeVolumeFlow,
  resizeFlavorFlow,
  upgradeFlow,
  attachConfigurationFlow,
  detachConfigurationFlow,
  updateOverridesFlow,
  updateAccessFlow,
];

export { scrubSecrets } from './create-instance.js';
