/**
 * The controller's database layer: connection, models, migrations, quotas and instance tasks. The API,
 * taskmanager and conductor import from here only.
 */
export * from './models/index.js';
export { INSTANCE_TASKS, InstanceTask, instanceTaskFromCode, instanceTaskColumns } from './instance-task.js';
export type { InstanceTaskInfo } from './instance-task.js';
