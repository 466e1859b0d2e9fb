/**
 * Runs flows from the journal. `submit` records a flow for a cast (idempotent on the cast's unique id) and
 * starts it; `recover` claims flows whose taskmanager died (lease expired, or its process is gone on this
 * host) and resumes them at their recorded step. Flows of one instance run one after another in the order
 * they were recorded; a delete cancels the flows recorded before it.
 *
 * Per step: record (step, attempt) → run → on success record the next step; on a passing error (broker,
 * guest timeout, backend 5xx) try again with backoff up to `maxAttempts`; on any other error, or when the
 * attempts are used up, run the flow's `onFailure` and mark it failed. Every record is conditional on this
 * runner holding the flow's lease, renewed every third of the lease.
 *
 *   created ──start()──▶ running ──shutdown()──▶ stopping (in-flight flows stop at their next wait; leases
 *                                                 given back so another taskmanager resumes them) ──▶ stopped
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { FlowKind, FlowRecord, FlowStore } from '../store/flow-store.js';
import { FlowAbortedError, describeError, isRetryable, type FlowContext, type FlowDefinition, type FlowDeps } from './flow.js';

/** Step name recorded once every step has run. */
export const DONE_STEP = 'done';

export type RunnerState = 'created' | 'running' | 'stopping' | 'stopped';

/** Options to configure a flow runner. */
export interface FlowRunnerOptions {
  store: FlowStore;
  deps: FlowDeps;
  definitions: readonly FlowDefinition[];
  /** How long a lease lasts without renewal, ms (`taskmanager_flow_lease`). */
  leaseMs: number;
  /** Attempts per step (`taskmanager_step_attempts`). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to 30 s. @default 2000 */
  retryDelayMs?: number;
  /** How often to look for flows to take over. @default half the lease, at most 5 s */
  recoveryIntervalMs?: number;
  /** How often a flow waiting for an earlier flow of its instance looks again. @default 1000 */
  turnPollMs?: number;
  /** This runner's lease owner name. @default `<hostname>/<pid>/<random>` */
  owner?: string;
  /** Whether a lease owner is certainly gone. @default same host and its pid no longer exists */
  isOwnerDead?: (owner: string) => boolean;
  logger: Logger;
}

/** What a submit call reports. */
export interface SubmitResult {
  flow: FlowRecord;
  /** False when the cast was a redelivery of a flow already recorded. */
  created: boolean;
}

interface ActiveFlow {
  flow: FlowRecord;
  abortReason: FlowAbortedError['reason'] | undefined;
  abortWaiters: Set<() => void>;
  done: Promise<void>;
}

/** The default lease owner name of this process. */
export function defaultOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

/** True when `owner` names a process on this host that no longer exists. */
export function ownerProcessGone(owner: string): boolean {
  const [host, pidText] = owner.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class FlowRunner {
  private currentState: RunnerState = 'created';
  private readonly active = new Map<string, ActiveFlow>();
  private readonly definitions: ReadonlyMap<FlowKind, FlowDefinition>;
  private readonly owner: string;
  private readonly logger: Logger;
  private renewTimer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;

  constructor(private readonly options: FlowRunnerOptions) {
    this.definitions = new Map(options.definitions.map((definition) => [definition.kind, definition]));
    this.owner = options.owner ?? defaultOwner();
    this.logger = options.logger.child({ component: 'flow-runner' });
  }

  get state(): RunnerState {
    return this.currentState;
  }

  get ownerName(): string {
    return this.owner;
  }

  /** Ids of the flows this runner is executing. */
  activeFlowIds(): string[] {
    return [...this.active.keys()];
  }

  private leaseUntil(): Date {
    return new Date(this.options.deps.clock.now() + this.options.leaseMs);
  }

  /** Starts lease renewal and recovery, and recovers once at once. */
  start(): Promise<void> {
    if (this.currentState !== 'created') throw new Error(`cannot start a flow runner in state ${this.currentState}`);
    this.currentState = 'running';
    this.renewTimer = setInterval(() => void this.renew(), Math.max(500, Math.floor(this.options.leaseMs / 3)));
    const recoveryMs = this.options.recoveryIntervalMs ?? Math.min(5000, Math.floor(this.options.leaseMs / 2));
    this.recoveryTimer = setInterval(() => void this.recover(), Math.max(200, recoveryMs));
    return this.recover();
  }

  /**
   * Records a flow for a cast and runs it. A redelivered cast (same message id) finds its flow; it is run
   * again only if unfinished and free (its taskmanager died).
   */
  async submit(kind: FlowKind, instanceId: string, args: Record<string, unknown>, meta: { messageId?: string; requestId?: string } = {}): Promise<SubmitResult> {
    const definition = this.definitions.get(kind);
    if (definition === undefined) throw new Error(`no flow definition for ${kind}`);
    const firstStep = definition.steps[0]?.name ?? DONE_STEP;
    const { flow, created } = await this.options.store.insert(
      { id: randomUUID(), instanceId, kind, firstStep, args, messageId: meta.messageId ?? null, requestId: meta.requestId ?? null },
      this.owner,
      this.leaseUntil(),
    );
    const log = this.logger.child({ flowId: flow.id, kind, instanceId });
    if (created) {
      log.info('flow recorded');
      if (kind === 'delete_instance') await this.cancelEarlier(flow);
      if (this.currentState === 'running') this.launch(flow);
      return { flow, created };
    }
    log.info({ state: flow.state }, 'cast redelivered for a recorded flow');
    if (this.currentState === 'running' && (flow.state === 'pending' || flow.state === 'running') && !this.active.has(flow.id)) {
      const claimed = await this.options.store.claim(flow.id, this.owner, this.leaseUntil(), new Date(this.options.deps.clock.now()), this.isDead);
      if (claimed !== undefined) this.launch(claimed);
    }
    return { flow, created };
  }

  private readonly isDead = (owner: string): boolean => (this.options.isOwnerDead ?? ownerProcessGone)(owner);

  private async cancelEarlier(flow: FlowRecord): Promise<void> {
    const count = await this.options.store.cancelEarlier(flow.instanceId, flow.id, flow.createdAt);
    if (count === 0) return;
    this.logger.info({ instanceId: flow.instanceId, cancelled: count }, 'earlier flows of the instance cancelled by its delete');
    for (const entry of this.active.values()) {
      if (entry.flow.instanceId === flow.instanceId && entry.flow.id !== flow.id) this.abort(entry, 'cancelled');
    }
  }

  /** Claims and resumes flows whose taskmanager is gone. */
  recover(): Promise<void> {
    if (this.currentState !== 'running') return Promise.resolve();
    if (this.recovering !== undefined) return this.recovering;
    this.recovering = this.recoverOnce()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'flow recovery pass failed'))
      .finally(() => {
        this.recovering = undefined;
      });
    return this.recovering;
  }

  private async recoverOnce(): Promise<void> {
    const now = new Date(this.options.deps.clock.now());
    const candidates = [...(await this.options.store.listClaimable(now, 200))];
    for (const flow of await this.options.store.listHeldByOthers(this.owner, 200)) {
      if (flow.owner !== null && this.isDead(flow.owner)) candidates.push(flow);
    }
    for (const candidate of candidates) {
      if (this.currentState !== 'running' || this.active.has(candidate.id)) continue;
      const claimed = await this.options.store.claim(candidate.id, this.owner, this.leaseUntil(), now, this.isDead);
      if (claimed === undefined) continue;
      this.logger.info({ flowId: claimed.id, kind: claimed.kind, instanceId: claimed.instanceId, step: claimed.step, previousOwner: candidate.owner }, 'resuming flow');
      this.launch(claimed);
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const held = new Set(await this.options.store.renew(ids, this.owner, this.leaseUntil()));
      for (const id of ids) {
        const entry = this.active.get(id);
        if (entry === undefined || held.has(id)) continue;
        this.abort(entry, (await this.options.store.isCancelled(id)) ? 'cancelled' : 'lease-lost');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not renew flow leases');
    }
  }

  private abort(entry: ActiveFlow, reason: FlowAbortedError['reason']): void {
    if (entry.abortReason !== undefined) return;
    entry.abortReason = reason;
    for (const wake of entry.abortWaiters) wake();
  }

  private launch(flow: FlowRecord): void {
    if (this.active.has(flow.id)) return;
    const entry: ActiveFlow = { flow, abortReason: undefined, abortWaiters: new Set(), done: Promise.resolve() };
    this.active.set(flow.id, entry);
    entry.done = this.execute(entry)
      .catch((error: unknown) => this.logger.error({ err: error, flowId: flow.id }, 'flow runner failed unexpectedly'))
      .finally(() => this.active.delete(flow.id));
  }

  private context(entry: ActiveFlow, logger: Logger): FlowContext {
    const { store, deps } = this.options;
    const flow = entry.flow;
    const checkAborted = async (): Promise<void> => {
      if (entry.abortReason === undefined && (await store.isCancelled(flow.id))) entry.abortReason = 'cancelled';
      if (entry.abortReason !== undefined) throw new FlowAbortedError(entry.abortReason);
    };
    const ctx: FlowContext = {
      flow,
      deps,
      logger,
      args: flow.args,
      data: flow.data,
      save: async (options = {}) => {
        const saved = await store.update(flow.id, this.owner, { data: ctx.data, ...(options.withArgs ? { args: ctx.args } : {}) });
        if (!saved) {
          this.abort(entry, (await store.isCancelled(flow.id)) ? 'cancelled' : 'lease-lost');
          throw new FlowAbortedError(entry.abortReason ?? 'lease-lost');
        }
      },
      sleep: async (ms) => {
        if (entry.abortReason !== undefined) throw new FlowAbortedError(entry.abortReason);
        let wake: () => void = () => undefined;
        const aborted = new Promise<void>((resolve) => {
          wake = resolve;
          entry.abortWaiters.add(resolve);
        });
        try {
          await Promise.race([deps.clock.sleep(ms), aborted]);
        } finally {
          entry.abortWaiters.delete(wake);
        }
        await checkAborted();
      },
      checkAborted,
      rpcContext: () => ({ request_id: flow.requestId ?? `req-${flow.id}` }),
    };
    return ctx;
  }

  private async execute(entry: ActiveFlow): Promise<void> {
    const { store, maxAttempts } = this.options;
    const flow = entry.flow;
    const definition = this.definitions.get(flow.kind);
    const logger = this.logger.child({ flowId: flow.id, kind: flow.kind, instanceId: flow.instanceId });
    if (definition === undefined) {
      await store.finish(flow.id, this.owner, 'failed', `no flow definition for ${flow.kind}`);
      return;
    }
    const ctx = this.context(entry, logger);
    let stepName = flow.step;
    try {
      await this.waitTurn(entry, ctx);
      let index = stepName === DONE_STEP ? definition.steps.length : definition.steps.findIndex((step) => step.name === stepName);
      if (index < 0) throw new TroveError(ErrorCode.INTERNAL_ERROR, `Flow ${flow.id} is at unknown step '${stepName}'.`);
      let attempts = flow.attempts;
      while (index < definition.steps.length) {
        const step = definition.steps[index]!;
        stepName = step.name;
        attempts += 1;
        if (attempts > maxAttempts) {
          throw new TroveError(ErrorCode.INTERNAL_ERROR, `Step ${step.name} was started ${attempts - 1} times without finishing (last error: ${flow.lastError ?? 'none'}).`);
        }
        if (!(await store.update(flow.id, this.owner, { step: step.name, attempts, data: ctx.data }))) {
          throw new FlowAbortedError((await store.isCancelled(flow.id)) ? 'cancelled' : 'lease-lost');
        }
        logger.debug({ step: step.name, attempt: attempts }, 'step started');
        try {
          await step.run(ctx);
        } catch (error) {
          if (error instanceof FlowAbortedError || !isRetryable(error) || attempts >= maxAttempts) throw error;
          const delayMs = Math.min((this.options.retryDelayMs ?? 2000) * 2 ** (attempts - 1), 30_000);
          logger.warn({ step: step.name, attempt: attempts, err: error, retryInMs: delayMs }, 'flow step failed; will retry');
          await store.update(flow.id, this.owner, { lastError: describeError(error), data: ctx.data });
          await ctx.sleep(delayMs);
          continue;
        }
        index += 1;
        attempts = 0;
        const next = definition.steps[index]?.name ?? DONE_STEP;
        if (!(await store.update(flow.id, this.owner, { step: next, attempts: 0, lastError: null, data: ctx.data }))) {
          throw new FlowAbortedError((await store.isCancelled(flow.id)) ? 'cancelled' : 'lease-lost');
        }
      }
      await store.finish(flow.id, this.owner, 'succeeded', null);
      logger.info('flow succeeded');
    } catch (error) {
      if (error instanceof FlowAbortedError) {
        await this.settleAbort(flow, error, logger);
        return;
      }
      const failure = error instanceof TroveError ? error : new TroveError(ErrorCode.INTERNAL_ERROR, 'Internal error.', { cause: error, details: { error: describeError(error) } });
      logger.error({ step: stepName, err: error }, 'flow failed');
      if (definition.onFailure !== undefined) {
        try {
          await definition.onFailure(ctx, failure, stepName);
        } catch (hookError) {
          if (hookError instanceof FlowAbortedError) {
            await this.settleAbort(flow, hookError, logger);
            return;
          }
          logger.error({ err: hookError }, 'flow failure handling failed');
        }
      }
      await store.finish(flow.id, this.owner, 'failed', describeError(error));
    }
  }

  private async settleAbort(flow: FlowRecord, error: FlowAbortedError, logger: Logger): Promise<void> {
    if (error.reason === 'cancelled') {
      await this.options.store.finish(flow.id, this.owner, 'cancelled', 'cancelled by a later flow of the instance');
      logger.info('flow cancelled');
    } else if (error.reason === 'shutdown') {
      await this.options.store.release(flow.id, this.owner, new Date(this.options.deps.clock.now()));
      logger.info('flow handed back at shutdown');
    } else {
      logger.warn('flow lease lost; another taskmanager runs it now');
    }
  }

  /** Waits until no flow of the same instance recorded earlier is unfinished. */
  private async waitTurn(entry: ActiveFlow, ctx: FlowContext): Promise<void> {
    const flow = entry.flow;
    let logged = false;
    while ((await this.options.store.countEarlierUnfinished(flow.instanceId, flow.id, flow.createdAt)) > 0) {
      if (!logged) {
        ctx.logger.info('waiting for an earlier flow of the instance to finish');
        logged = true;
      }
      await ctx.sleep(this.options.turnPollMs ?? 1000);
      // Renew while queued: a long earlier flow must not make this one look abandoned.
      await ctx.save();
    }
  }

  /** Resolves when no flow is running (tests). */
  async waitIdle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()].map((entry) => entry.done));
  }

  /** Stops taking flows; running flows stop at their next wait and their leases are given back. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.currentState === 'stopped' || this.currentState === 'stopping') return;
    this.currentState = 'stopping';
    clearInterval(this.renewTimer);
    clearInterval(this.recoveryTimer);
    await this.recovering;
    for (const entry of this.active.values()) this.abort(entry, 'shutdown');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.waitIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const entry of this.active.values()) await this.options.store.release(entry.flow.id, this.owner, new Date(this.options.deps.clock.now())).catch(() => undefined);
    this.currentState = 'stopped';
  }
}
