/**
 * Helpers shared by the flows: loading the instance, keeping `server_status` and `addresses` current from the
 * compute backend, rendering the datastore configuration for a flavor, and cleanup that tolerates failures.
 */
import { createHash } from 'node:crypto';
import { renderConfig } from '../../../shared/datastore-templates/index.js';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { InstanceTask } from '../../db/index.js';
import type { Server } from '../../compute/ports.js';
import { FlowAbortedError, StepFailure, describeError, isRetryable, type FlowContext } from '../engine/flow.js';
import type { DatastoreVersionInfo, InstanceAddressRecord, InstanceRecord } from '../store/instance-store.js';

/** Name of an instance's volumes and ports (`trove-<id>`), as Trove names them. */
export function resourceName(instanceId: string): string {
  return `trove-${instanceId}`;
}

/** Name of an instance's security group (`<trove_security_group_name_prefix>-<id>`). */
export function securityGroupName(ctx: FlowContext, instanceId: string): string {
  return `${ctx.deps.config.DEFAULT.trove_security_group_name_prefix}-${instanceId}`;
}

/** The flow's instance. @throws StepFailure when it does not exist or was deleted */
export async function requireInstance(ctx: FlowContext): Promise<InstanceRecord> {
  const instance = await ctx.deps.instances.getInstance(ctx.flow.instanceId);
  if (instance === undefined) throw new StepFailure(`Instance ${ctx.flow.instanceId} does not exist or was deleted.`, { code: ErrorCode.NOT_FOUND });
  return instance;
}

/** The instance's datastore version. @throws StepFailure when it is missing */
export async function requireVersion(ctx: FlowContext, instance: InstanceRecord): Promise<DatastoreVersionInfo> {
  const version = instance.datastoreVersionId === null ? undefined : await ctx.deps.instances.getDatastoreVersion(instance.datastoreVersionId);
  if (version === undefined) {
    throw new StepFailure(`Datastore version ${instance.datastoreVersionId ?? '(none)'} of instance ${instance.id} does not exist.`, { code: ErrorCode.DATASTORE_VERSION_NOT_FOUND });
  }
  return version;
}

/** A server's addresses as the API shows them: fixed ones `private`, floating ones `public`. */
export function addressesOf(server: Server): InstanceAddressRecord[] {
  const result: InstanceAddressRecord[] = [];
  for (const [network, addresses] of Object.entries(server.addresses)) {
    for (const address of addresses) result.push({ address: address.address, type: address.type === 'floating' ? 'public' : 'private', network });
  }
  return result;
}

/**
 * Reads the instance's server and records its status and addresses in the instance row. Returns the server,
 * or undefined when it is gone (recorded as status SHUTDOWN... left to the caller).
 */
export async function refreshServer(ctx: FlowContext, serverId: string): Promise<Server | undefined> {
  const server = await ctx.deps.backend.compute.getServer(serverId);
  if (server === undefined) return undefined;
  await ctx.deps.instances.update(ctx.flow.instanceId, { serverStatus: server.status, addresses: addressesOf(server) });
  return server;
}

/** A stable MySQL server-id (1 .. 2^32-1) for an instance. */
export function serverIdFor(instanceId: string): number {
  const value = createHash('sha256').update(instanceId).digest().readUInt32BE(0);
  return (value % 4_294_967_294) + 1;
}

/** The default configuration of the datastore for a flavor's RAM. */
export function renderDatastoreConfig(manager: string, memoryMb: number, instanceId: string): string {
  return renderConfig(manager, { memoryMb, serverId: serverIdFor(instanceId) });
}

/** The RAM of a flavor dict as the API casts it. */
export function flavorRam(flavor: Record<string, unknown>): number {
  const ram = Number(flavor['ram']);
  if (!Number.isFinite(ram) || ram <= 0) throw new StepFailure(`Flavor ${String(flavor['id'])} has no usable RAM size.`, { code: ErrorCode.BAD_REQUEST });
  return ram;
}

/** A flavor id from a flavor dict. */
export function flavorId(flavor: Record<string, unknown>): string {
  const id = flavor['id'];
  if (typeof id !== 'string' && typeof id !== 'number') throw new StepFailure('The flavor has no id.', { code: ErrorCode.BAD_REQUEST });
  return String(id);
}

/**
 * Runs a cleanup action, trying a passing failure again a few times; a failure that remains is recorded in the
 * flow's data (`cleanupErrors`) and logged, and the flow goes on, as Trove's delete does.
 */
export async function tolerate(ctx: FlowContext, what: string, action: () => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await action();
      return;
    } catch (error) {
      if (error instanceof FlowAbortedError) throw error;
      if (isRetryable(error) && attempt < attempts) {
        await ctx.sleep(1000 * 2 ** (attempt - 1));
        continue;
      }
      ctx.logger.warn({ err: error, what }, 'cleanup step failed; continuing');
      const errors = Array.isArray(ctx.data['cleanupErrors']) ? (ctx.data['cleanupErrors'] as string[]) : [];
      errors.push(`${what}: ${describeError(error)}`);
      ctx.data['cleanupErrors'] = errors.slice(-20);
      return;
    }
  }
}

/**
 * Wraps a backend failure into a StepFailure that sets the instance's error task. An aborted flow (cancelled,
 * lease lost) stays aborted: it must not run the failure handling of a flow this taskmanager no longer owns.
 */
export function failWith(task: InstanceTask, message: string, error: unknown): Error {
  if (error instanceof StepFailure || error instanceof FlowAbortedError) return error;
  const code = error instanceof TroveError ? error.code : ErrorCode.INTERNAL_ERROR;
  return new StepFailure(`${message}: ${error instanceof Error ? error.message : String(error)}`, { task, code, cause: error, retryable: isRetryable(error) });
}

/** Records a fault row for the instance from a failure, without secrets (messages are ours or the backend's). */
export async function recordFault(ctx: FlowContext, message: string, error: unknown): Promise<void> {
  const cause = error instanceof TroveError && error.cause !== undefined ? describeError(error.cause) : '';
  const details = [describeError(error), cause].filter((part) => part !== '').join('\n');
  await ctx.deps.instances.addFault(ctx.flow.instanceId, message, details);
}

/** The timeout in milliseconds for a guest call of a class. */
export function guestTimeoutMs(ctx: FlowContext, timeoutClass: 'low' | 'high'): number {
  const defaults = ctx.deps.config.DEFAULT;
  return (timeoutClass === 'low' ? defaults.agent_call_low_timeout : defaults.agent_call_high_timeout) * 1000;
}
