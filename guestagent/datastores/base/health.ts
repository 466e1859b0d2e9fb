/**
 * Container state plus a real query → Trove service status (reference §6):
 *
 *   running + SELECT 1 answered ..... HEALTHY
 *   running + no answer ............. RUNNING
 *   exited / restarting / created / absent ... SHUTDOWN
 *   paused .......................... PAUSED
 *   dead ............................ CRASHED
 *   anything else (removing) ........ UNKNOWN
 */
import { ServiceStatus } from '../../../shared/models/index.js';
import type { ContainerState } from '../../docker/container-runtime.js';

/** Maps what the engine and the probe saw to a service status. */
export function statusFromContainer(state: ContainerState | undefined, probeAnswered: boolean): ServiceStatus {
  switch (state) {
    case 'running':
      return probeAnswered ? ServiceStatus.HEALTHY : ServiceStatus.RUNNING;
    case undefined:
    case 'exited':
    case 'restarting':
    case 'created':
      return ServiceStatus.SHUTDOWN;
    case 'paused':
      return ServiceStatus.PAUSED;
    case 'dead':
      return ServiceStatus.CRASHED;
    default:
      return ServiceStatus.UNKNOWN;
  }
}
