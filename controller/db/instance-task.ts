/**
 * Trove's instance tasks (`instance/tasks.py`, reference §2.1): what the control plane is doing to an
 * instance, stored in `instances.task_id` (code) and `task_description` (description). The API derives the
 * instance status from the task and the guest's service status; the taskmanager sets tasks as flows run.
 */

/** One task: its code, the action it belongs to, Trove's description text and whether it is a failure. */
export interface InstanceTaskInfo {
  readonly code: number;
  readonly action: string;
  readonly description: string;
  readonly isError: boolean;
}

const task = (code: number, action: string, description: string, isError = false): InstanceTaskInfo => ({ code, action, description, isError });

/** Every task Trove 18 defines, keyed by Trove's constant name. */
export const INSTANCE_TASKS = {
  NONE: task(0x01, 'NONE', 'No tasks for the instance.'),
  DELETING: task(0x02, 'DELETING', 'Deleting the instance.'),
  REBOOTING: task(0x03, 'REBOOTING', 'Rebooting the instance.'),
  RESIZING: task(0x04, 'RESIZING', 'Resizing the instance.'),
  BUILDING: task(0x05, 'BUILDING', 'The instance is building.'),
  MIGRATING: task(0x06, 'MIGRATING', 'Migrating the instance.'),
  RESTART_REQUIRED: task(0x07, 'RESTART_REQUIRED', 'Instance requires a restart.'),
  PROMOTING: task(0x08, 'PROMOTING', 'Promoting the instance to replica source.'),
  EJECTING: task(0x09, 'EJECTING', 'Ejecting the replica source.'),
  LOGGING: task(0x0a, 'LOGGING', 'Transferring guest logs.'),
  DETACHING: task(0x0b, 'DETACHING', 'Detaching the instance from replica source.'),
  UPDATING: task(0x0c, 'UPDATING', 'Updating the instance.'),
  UPGRADING: task(0x59, 'UPGRADING', 'Upgrading the instance.'),
  BUILDING_ERROR_DNS: task(0x50, 'BUILDING', 'Build error: DNS.', true),
  BUILDING_ERROR_SERVER: task(0x51, 'BUILDING', 'Build error: Server.', true),
  BUILDING_ERROR_VOLUME: task(0x52, 'BUILDING', 'Build error: Volume.', true),
  BUILDING_ERROR_SEC_GROUP: task(0x53, 'BUILDING', 'Build error: Secgroup or rule.', true),
  BUILDING_ERROR_REPLICA: task(0x54, 'BUILDING', 'Build error: Replica.', true),
  PROMOTION_ERROR: task(0x55, 'PROMOTING', 'Replica Promotion Error.', true),
  EJECTION_ERROR: task(0x56, 'EJECTING', 'Replica Source Ejection Error.', true),
  GROWING_ERROR: task(0x57, 'GROWING', 'Growing Cluster Error.', true),
  SHRINKING_ERROR: task(0x58, 'SHRINKING', 'Shrinking Cluster Error.', true),
  UPGRADING_ERROR: task(0x5a, 'UPGRADING', 'Upgrading Cluster Error.', true),
  BUILDING_ERROR_TIMEOUT_GA: task(0x5b, 'ERROR', 'Build error: guestagent timeout.', true),
  BUILDING_ERROR_PORT: task(0x5c, 'BUILDING', 'Build error: Port.', true),
  UPDATING_ERROR_ACCESS: task(0x5d, 'UPDATING', 'Update error: Access.', true),
} as const satisfies Record<string, InstanceTaskInfo>;

/** A task name, e.g. `'BUILDING'` or `'BUILDING_ERROR_SERVER'`. */
export type InstanceTask = keyof typeof INSTANCE_TASKS;

/** Task names as constants, so callers write `InstanceTask.BUILDING` and never a bare string. */
export const InstanceTask = Object.fromEntries(Object.keys(INSTANCE_TASKS).map((name) => [name, name])) as { readonly [K in InstanceTask]: K };

const BY_CODE: ReadonlyMap<number, InstanceTask> = new Map(
  (Object.keys(INSTANCE_TASKS) as InstanceTask[]).map((name) => [INSTANCE_TASKS[name].code, name]),
);

/** The task stored under `code`, or undefined for a code Trove does not define. */
export function instanceTaskFromCode(code: number | null | undefined): InstanceTask | undefined {
  return code === null || code === undefined ? undefined : BY_CODE.get(code);
}

/** The `instances` columns that record `name` as the current task. */
export function instanceTaskColumns(name: InstanceTask): { task_id: number; task_description: string } {
  const info = INSTANCE_TASKS[name];
  return { task_id: info.code, task_description: info.description };
}
