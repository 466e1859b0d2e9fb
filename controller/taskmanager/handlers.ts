/**
 * The taskmanager's RPC handlers: each cast of `taskManagerContract` becomes a flow recorded in the journal
 * and run by the flow runner. A handler returns as soon as the flow is recorded (the cast is then settled),
 * so a long create never holds a broker delivery; the journal, not the queue, carries the work across a
 * taskmanager restart. A redelivered cast finds its flow by the message's unique id.
 *
 * Casts this taskmanager has no flow for (replication, clusters, backups, modules, migrate, rebuild) are
 * logged; the instance ones reset the task the API set and record a fault, so no instance hangs in a task
 * nothing will finish.
 */
import type { Logger } from '../../shared/logging/index.js';
import type { RpcContext, RpcHandlers } from '../../shared/rpc/contract.js';
import type { TaskManagerContract } from '../../shared/rpc/contracts/index.js';
import type { FlowRunner } from './engine/flow-runner.js';
import type { InstanceStore } from './store/instance-store.js';
import type { FlowKind } from './store/flow-store.js';

function meta(context: RpcContext, suffix = ''): { messageId: string; requestId: string } {
  return { messageId: `${context.uniqueId}${suffix}`, requestId: context.requestId };
}

/** Builds the handler table over a flow runner. */
export function createTaskManagerHandlers(runner: FlowRunner, instances: InstanceStore, logger: Logger): RpcHandlers<TaskManagerContract> {
  const log = logger.child({ component: 'taskmanager-rpc' });

  const submit = async (kind: FlowKind, instanceId: string, args: Record<string, unknown>, context: RpcContext, suffix = ''): Promise<void> => {
    await runner.submit(kind, instanceId, args, meta(context, suffix));
  };

  const unsupported = async (method: string, instanceId: string | undefined, context: RpcContext): Promise<void> => {
    log.warn({ method, instanceId, requestId: context.requestId }, 'cast not supported by this taskmanager; ignored');
    if (instanceId === undefined) return;
    const instance = await instances.getInstance(instanceId);
    if (instance === undefined) return;
    await instances.update(instanceId, { task: 'NONE' });
    await instances.addFault(instanceId, `The ${method} operation is not supported by this deployment.`, `taskmanager cast ${method} ignored`);
  };

  return {
    async createInstance(args, context) {
      const ids = Array.isArray(args.instance_id) ? args.instance_id : [args.instance_id];
      for (const id of ids) {
        await submit('create_instance', id, { ...args, instance_id: id }, context, ids.length > 1 ? `:${id}` : '');
      }
    },
    deleteInstance: (args, context) => submit('delete_instance', args.instance_id, { ...args }, context),
    resizeVolume: (args, context) => submit('resize_volume', args.instance_id, { ...args }, context),
    resizeFlavor: (args, context) => submit('resize_flavor', args.instance_id, { ...args }, context),
    reboot: (args, context) => submit('reboot', args.instance_id, { ...args }, context),
    restart: (args, context) => submit('restart', args.instance_id, { ...args }, context),
    updateAccess: (args, context) => submit('update_access', args.instance_id, { ...args }, context),
    upgrade: (args, context) => submit('upgrade', args.instance_id, { ...args }, context),
    attachConfiguration: (args, context) => submit('attach_configuration', args.instance_id, { ...args }, context),
    detachConfiguration: (args, context) => submit('detach_configuration', args.instance_id, { ...args }, context),
    updateOverrides: (args, context) => submit('update_overrides', args.instance_id, { ...args }, context),

    detachReplica: (args, context) => unsupported('detach_replica', args.instance_id, context),
    promoteToReplicaSource: (args, context) => unsupported('promote_to_replica_source', args.instance_id, context),
    ejectReplicaSource: (args, context) => unsupported('eject_replica_source', args.instance_id, context),
    migrate: (args, context) => unsupported('migrate', args.instance_id, context),
    rebuild: (args, context) => unsupported('rebuild', args.instance_id, context),
    createBackup: (args, context) => unsupported('create_backup', args.instance_id, context),
    deleteBackup: (_args, context) => unsupported('delete_backup', undefined, context),
    createCluster: (_args, context) => unsupported('create_cluster', undefined, context),
    deleteCluster: (_args, context) => unsupported('delete_cluster', undefined, context),
    restartCluster: (_args, context) => unsupported('restart_cluster', undefined, context),
    growCluster: (_args, context) => unsupported('grow_cluster', undefined, context),
    shrinkCluster: (_args, context) => unsupported('shrink_cluster', undefined, context),
    upgradeCluster: (_args, context) => unsupported('upgrade_cluster', undefined, context),
    reapplyModule: (_args, context) => unsupported('reapply_module', undefined, context),
  };
}
