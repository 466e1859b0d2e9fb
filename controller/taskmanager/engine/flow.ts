/**
 * How a flow is declared and what its steps receive. A flow is an ordered list of named steps; the runner
 * records the step before running it, so a flow interrupted anywhere (taskmanager killed, broker gone) is
 * resumed at that step. Steps must therefore be idempotent: each looks at what already exists (the ids in
 * `ctx.data`, resources found by name) before creating anything.
 */
import type { TroveConfig } from '../../../shared/config/index.js';
import { ErrorCode, RETRYABLE_CODES, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RpcClient } from '../../../shared/rpc/contract.js';
import type { GuestAgentContract } from '../../../shared/rpc/contracts/index.js';
import type { InstanceTask } from '../../db/index.js';
import type { ComputeBackend } from '../../compute/ports.js';
import type { FlowKind, FlowRecord } from '../store/flow-store.js';
import type { InstanceStore } from '../store/instance-store.js';

/** Clock and sleep, injectable so unit tests run flows on fake time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What flows use besides their own record. */
export interface FlowDeps {
  config: TroveConfig;
  instances: InstanceStore;
  backend: ComputeBackend;
  /** The RPC client of an instance's guest agent. */
  guest(instanceId: string): RpcClient<GuestAgentContract>;
  /** The plain per-instance RPC key (null when the instance has none): written into guest_info.conf. */
  instanceKey(instanceId: string): Promise<string | null>;
  /** Reads a file of the controller host (guest_config, cloud-init prefixes); undefined when absent. */
  readHostFile(path: string): Promise<string | undefined>;
  /** The data of the latest flow of a kind for an instance (a delete finds what its create made). */
  flowData(instanceId: string, kind: FlowKind): Promise<Record<string, unknown> | undefined>;
  clock: Clock;
  logger: Logger;
}

/** What a running step sees. */
export interface FlowContext {
  readonly flow: Readonly<FlowRecord>;
  readonly deps: FlowDeps;
  readonly logger: Logger;
  /** The cast's arguments (secrets may have been scrubbed after use). */
  args: Record<string, unknown>;
  /** Facts the steps learnt; saved with `save()` and on every step boundary. */
  data: Record<string, unknown>;
  /** Persists `data` (and `args` when `withArgs`). @throws FlowAbortedError when the lease was lost */
  save(options?: { withArgs?: boolean }): Promise<void>;
  /** Sleeps, waking early with FlowAbortedError when the flow is cancelled or its lease lost. */
  sleep(ms: number): Promise<void>;
  /** @throws FlowAbortedError when the flow was cancelled or its lease lost */
  checkAborted(): Promise<void>;
  /** Context for RPC calls made on behalf of the flow (request id, project). */
  rpcContext(): Record<string, unknown>;
}

/** One named, idempotent step. */
export interface StepDefinition {
  readonly name: string;
  run(ctx: FlowContext): Promise<void>;
}

/** A flow: its steps, and what to do when a step fails for good. */
export interface FlowDefinition {
  readonly kind: FlowKind;
  readonly steps: readonly StepDefinition[];
  /** Called once when the flow fails (not when cancelled); errors it throws are logged and swallowed. */
  onFailure?(ctx: FlowContext, error: TroveError, step: string): Promise<void>;
}

/**
 * Thrown by a step that failed for good: the flow stops and `onFailure` records `task` (the instance's error
 * task, e.g. BUILDING_ERROR_VOLUME) and the fault.
 */
export class StepFailure extends TroveError {
  readonly task: InstanceTask | undefined;
  /** True when the step may pass if tried again (a backend that was briefly unavailable). @default false */
  readonly retryable: boolean;

  constructor(message: string, options: { task?: InstanceTask; code?: ErrorCode; cause?: unknown; details?: Record<string, unknown>; retryable?: boolean } = {}) {
    super(options.code ?? ErrorCode.INTERNAL_ERROR, message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
    this.task = options.task;
    this.retryable = options.retryable ?? false;
  }
}

/** Thrown inside a flow when it must stop at once: cancelled by a later flow, or its lease taken over. */
export class FlowAbortedError extends Error {
  constructor(readonly reason: 'cancelled' | 'lease-lost' | 'shutdown') {
    super(`flow aborted: ${reason}`);
    this.name = 'FlowAbortedError';
  }
}

/**
 * Whether a failed step may pass when tried again unchanged: broker or database trouble, a guest that did
 * not answer in time, a backend that failed without saying the request was wrong.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StepFailure) return error.retryable;
  if (error instanceof TroveError) {
    if (RETRYABLE_CODES.has(error.code)) return true;
    if (error.code === ErrorCode.BACKEND_ERROR) {
      const status = error.details?.['status'];
      return typeof status !== 'number' || status >= 500 || status === 409 || status === 429;
    }
    return false;
  }
  const name = (error as { name?: string } | null)?.name ?? '';
  return /^Sequelize(Connection|ConnectionRefused|ConnectionTimedOut|HostNotReachable|Timeout)Error$/.test(name);
}

/** A one-line description of an error for the journal and faults (never includes secrets: messages are ours). */
export function describeError(error: unknown): string {
  if (error instanceof TroveError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
