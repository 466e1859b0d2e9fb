/**
 * Start-up reconciliation of the agent's containers, so that a restarted agent never creates a second
 * datastore container and never leaves debris behind:
 *
 *   labelled with our instance id, named as configured ............ adopted (kept as it is)
 *   labelled with our instance id, another name ..................... stray: removed
 *   named as configured, created but never started .................. half-failed create: removed
 *   named as configured, labelled for another instance or unlabelled  not ours: refused, never touched
 *
 * Every container the agent creates carries `trove.instance-id` and `trove.role` (see `datastoreLabels`).
 */
import { ErrorCode, TroveError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { ContainerInfo, ContainerRuntime } from './container-runtime.js';

/** Label naming the instance a container belongs to. */
export const LABEL_INSTANCE_ID = 'trove.instance-id';
/** Label naming what the container is to the instance. */
export const LABEL_ROLE = 'trove.role';
/** `trove.role` of the datastore container. */
export const ROLE_DATABASE = 'database';

/** The labels of an instance's datastore container. */
export function datastoreLabels(instanceId: string): Record<string, string> {
  return { [LABEL_INSTANCE_ID]: instanceId, [LABEL_ROLE]: ROLE_DATABASE };
}

/** Thrown when the configured container name is held by a container that is not this instance's. */
export class ContainerConflictError extends TroveError {
  constructor(name: string, instanceId: string) {
    super(
      ErrorCode.GUEST_ERROR,
      `A container named '${name}' exists but is not labelled for instance ${instanceId}; refusing to adopt or replace it.`,
      { details: { container: name } },
    );
  }
}

/** What reconciliation found and did. */
export interface ReconcileResult {
  /** The datastore container to keep using, if there is one. */
  adopted: ContainerInfo | undefined;
  /** Names of the containers removed. */
  removed: string[];
}

function isOurs(info: ContainerInfo, instanceId: string): boolean {
  return info.labels[LABEL_INSTANCE_ID] === instanceId && info.labels[LABEL_ROLE] === ROLE_DATABASE;
}

/**
 * Adopts this instance's datastore container and removes strays.
 * @throws ContainerConflictError when `name` belongs to someone else
 */
export async function reconcileContainers(
  runtime: ContainerRuntime,
  options: { instanceId: string; name: string; logger: Logger },
): Promise<ReconcileResult> {
  const { instanceId, name, logger } = options;
  const removed: string[] = [];
  const labelled = await runtime.listByLabels(datastoreLabels(instanceId));
  for (const info of labelled) {
    if (info.name === name) continue;
    logger.warn({ container: info.name, state: info.state }, 'removing stray container of this instance');
    await runtime.remove(info.id, { force: true });
    removed.push(info.name);
  }
  const named = await runtime.inspect(name);
  if (named === undefined) return { adopted: undefined, removed };
  if (!isOurs(named, instanceId)) throw new ContainerConflictError(name, instanceId);
  if (named.state === 'created' && !named.hasStarted) {
    logger.warn({ container: name }, 'removing container left by an interrupted create');
    await runtime.remove(named.id, { force: true });
    removed.push(name);
    return { adopted: undefined, removed };
  }
  logger.info({ container: name, state: named.state, image: named.image }, 'adopted datastore container');
  return { adopted: named, removed };
}
