/** The domain services of the API, built once per app from its dependencies and shared by the routes. */
import type { ApiDeps } from '../deps.js';
import { ConfigurationService } from './configurations.js';
import { DatastoreService } from './datastores.js';
import { InstanceActions } from './instance-actions.js';
import { InstanceCreator } from './instance-create.js';
import { InstanceService } from './instances.js';

export interface ApiServices {
  instances: InstanceService;
  creator: InstanceCreator;
  actions: InstanceActions;
  datastores: DatastoreService;
  configurations: ConfigurationService;
}

export function createServices(deps: ApiDeps): ApiServices {
  const now = deps.now ?? Date.now;
  const instances = new InstanceService(deps.models, deps.config, deps.guest, now);
  return {
    instances,
    creator: new InstanceCreator(deps, instances),
    actions: new InstanceActions(deps, instances),
    datastores: new DatastoreService(deps.models),
    configurations: new ConfigurationService(deps.models),
  };
}
