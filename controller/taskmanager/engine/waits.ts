/**
 * Polling with deadlines, as Trove's `poll_until`: probe, and if not done sleep and probe again until an
 * absolute deadline. Deadlines are absolute (kept in the flow's data) so a resumed flow does not start its
 * timeout over.
 */
import type { FlowContext } from './flow.js';

/** Options of one wait. */
export interface WaitOptions<T> {
  /** Milliseconds between probes. */
  intervalMs: number;
  /** Epoch milliseconds after which the wait fails. */
  deadline: number;
  /** Returns the result when done, undefined to keep waiting; throws to fail at once. */
  probe(): Promise<T | undefined>;
  /** The error thrown at the deadline. */
  onTimeout(): Error;
  /** Milliseconds before the first probe. @default 0 */
  initialDelayMs?: number;
}

/** Probes until done or the deadline passes; wakes early if the flow is cancelled. */
export async function waitFor<T>(ctx: FlowContext, options: WaitOptions<T>): Promise<T> {
  const clock = ctx.deps.clock;
  if (options.initialDelayMs !== undefined && options.initialDelayMs > 0) await ctx.sleep(options.initialDelayMs);
  for (;;) {
    const result = await options.probe();
    if (result !== undefined) return result;
    const left = options.deadline - clock.now();
    if (left <= 0) throw options.onTimeout();
    await ctx.sleep(Math.min(options.intervalMs, left));
  }
}

/**
 * The deadline stored under `key` in the flow's data, set to now + `timeoutMs` on first use (and saved), so a
 * resumed flow keeps the original deadline.
 */
export async function deadlineFor(ctx: FlowContext, key: string, timeoutMs: number): Promise<number> {
  const stored = ctx.data[key];
  if (typeof stored === 'number') return stored;
  const deadline = ctx.deps.clock.now() + timeoutMs;
  ctx.data[key] = deadline;
  await ctx.save();
  return deadline;
}
