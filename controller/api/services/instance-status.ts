/**
 * Derivation of an instance's API `status` and `operating_status` (reference §2.3, Trove's
 * `SimpleInstance.status`/`operating_status`), and the action gate (`validate_can_perform_action`). Pure
 * functions over what the database holds: the task, the server status the taskmanager keeps current in
 * `instances.server_status`, whether a backup runs, and the guest's last reported service status. No compute
 * backend is asked per request.
 */
import { INSTANCE_TASKS, instanceTaskFromCode, type InstanceTask } from '../../db/index.js';
import { UnprocessableError } from '../../../shared/errors/index.js';
import { ACTION_ALLOWED_STATUSES, SERVICE_STATUS_INFO, serviceStatusFromCode, type ServiceStatus } from '../../../shared/models/index.js';

/** What the derivation reads. */
export interface StatusInputs {
  taskId: number | null;
  /** `instances.server_status`; null when no server is known. */
  serverStatus: string | null;
  /** A backup of the instance is NEW, BUILDING or SAVING. */
  backupRunning: boolean;
  /** `service_statuses.status_id`. */
  serviceStatusId: number | null;
  /** `service_statuses.updated_at`: the last heartbeat. */
  serviceUpdatedAt: Date | null;
}

/** The derived statuses. */
export interface DerivedStatus {
  status: string;
  operatingStatus: string;
  /** The task (NONE when the stored code is unknown). */
  task: InstanceTask;
  /** The server status after Trove's substitutions (BUILD while building, SHUTDOWN when missing). */
  serverStatus: string;
  /** The service status after the heartbeat-expiry substitution (what `operating_status` shows). */
  serviceStatus: ServiceStatus;
  /** The service status as stored (what the action gate checks, as Trove's `Instance.load` does). */
  storedServiceStatus: ServiceStatus;
}

const DIRECT_SERVER_STATUSES = new Set(['BUILD', 'ERROR', 'REBOOT', 'RESIZE', 'ACTIVE', 'SHUTDOWN']);

const STATUS_BY_ACTION: Record<string, string> = {
  REBOOTING: 'REBOOT',
  RESIZING: 'RESIZE',
  UPGRADING: 'UPGRADE',
  RESTART_REQUIRED: 'RESTART_REQUIRED',
  PROMOTING: 'PROMOTE',
  EJECTING: 'EJECT',
  LOGGING: 'LOGGING',
  DETACHING: 'DETACH',
};

/** The instance task stored under `taskId`; unknown codes read as NONE. */
export function taskOf(taskId: number | null): InstanceTask {
  return instanceTaskFromCode(taskId) ?? 'NONE';
}

/** The server status as Trove sees it: forced to BUILD while building, SHUTDOWN when unknown. */
export function effectiveServerStatus(task: InstanceTask, serverStatus: string | null): string {
  if (INSTANCE_TASKS[task].action === 'BUILDING') return 'BUILD';
  return serverStatus === null || serverStatus === '' ? 'SHUTDOWN' : serverStatus.toUpperCase();
}

/**
 * The service status after Trove's `update_service_status`: a guest whose last heartbeat is older than the
 * expiry is reported as FAILED_TIMEOUT_GUESTAGENT while no task runs (RESTART_REQUIRED is left alone).
 */
export function effectiveServiceStatus(
  task: InstanceTask,
  statusId: number | null,
  updatedAt: Date | null,
  nowMs: number,
  heartbeatExpiryMs: number,
): ServiceStatus {
  const stored = serviceStatusFromCode(statusId ?? -1) ?? 'UNKNOWN';
  if (task !== 'NONE' || stored === 'RESTART_REQUIRED') return stored;
  const last = updatedAt?.getTime();
  if (last === undefined || nowMs - last >= heartbeatExpiryMs) return 'FAILED_TIMEOUT_GUESTAGENT';
  return stored;
}

/** Trove's status rules, in order. */
export function deriveStatus(inputs: StatusInputs, nowMs: number, heartbeatExpiryMs: number): DerivedStatus {
  const task = taskOf(inputs.taskId);
  const info = INSTANCE_TASKS[task];
  const serverStatus = effectiveServerStatus(task, inputs.serverStatus);
  const serviceStatus = effectiveServiceStatus(task, inputs.serviceStatusId, inputs.serviceUpdatedAt, nowMs, heartbeatExpiryMs);
  const storedServiceStatus = serviceStatusFromCode(inputs.serviceStatusId ?? -1) ?? 'UNKNOWN';
  const operatingStatus = task === 'NONE' && serverStatus === 'ACTIVE' ? SERVICE_STATUS_INFO[serviceStatus].apiStatus : '';
  const status = statusFor(info.isError, info.action, serverStatus, inputs.backupRunning);
  return { status, operatingStatus, task, serverStatus, serviceStatus, storedServiceStatus };
}

function statusFor(isError: boolean, action: string, serverStatus: string, backupRunning: boolean): string {
  if (isError) return 'ERROR';
  if (action === 'BUILDING') return serverStatus === 'ERROR' ? 'ERROR' : 'BUILD';
  const byAction = STATUS_BY_ACTION[action];
  if (byAction !== undefined) return byAction;
  if (action === 'DELETING') return ['ACTIVE', 'SHUTDOWN', 'DELETED'].includes(serverStatus) ? 'SHUTDOWN' : 'ERROR';
  if (backupRunning) return 'BACKUP';
  if (DIRECT_SERVER_STATUSES.has(serverStatus)) return serverStatus;
  if (serverStatus === 'VERIFY_RESIZE') return 'RESIZE';
  return 'UNKNOWN';
}

/** Statuses in which `show` does not ask the guest for filesystem usage (Trove's AGENT_INVALID_STATUSES). */
export const AGENT_INVALID_STATUSES: ReadonlySet<string> = new Set(['BUILD', 'REBOOT', 'RESIZE', 'PROMOTE', 'EJECT', 'UPGRADE']);

/**
 * Trove's action gate: refuses with 422 unless the server is ACTIVE (or HEALTHY), no task other than
 * RESTART_REQUIRED runs, the guest's status allows actions and no backup runs.
 * @throws UnprocessableError
 */
export function assertActionAllowed(instanceId: string, derived: DerivedStatus, backupRunning: boolean): void {
  let statusType = 'instance';
  let status: string | undefined;
  if (derived.serverStatus !== 'ACTIVE' && derived.serverStatus !== 'HEALTHY') {
    status = derived.serverStatus;
  } else if (derived.task !== 'NONE' && derived.task !== 'RESTART_REQUIRED') {
    statusType = 'task';
    status = INSTANCE_TASKS[derived.task].action;
  } else if (!ACTION_ALLOWED_STATUSES.has(derived.storedServiceStatus)) {
    status = derived.status;
  } else if (backupRunning) {
    status = 'BACKUP';
  }
  if (status === undefined) return;
  throw new UnprocessableError(
    `Instance ${instanceId} is not currently available for an action to be performed (${statusType} status was ${status}).`,
    { instanceId, statusType, status },
  );
}
