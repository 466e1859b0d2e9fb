/**
 * How an RPC contract is declared: once, shared by caller and callee. Each method names its argument and
 * result schemas, whether it is a call (waits for a reply) or a cast (fire and forget, at-least-once), its
 * timeout class and the Trove RPC version it is sent with. Client stubs (`RpcClient<C>`) and server
 * handler tables (`RpcHandlers<C>`) are both derived from the declaration, so a renamed or missing method
 * fails to compile on both sides.
 *
 * Method keys are camelCase; the wire name is the snake_case form Trove uses (`getFilesystemStats` →
 * `get_filesystem_stats`). Argument names are Trove's keyword arguments, unchanged, because they are wire data.
 */
import type { Schema, Static } from '../schema/index.js';

/** Which configured timeout a call waits for (reference §3.1). */
export type TimeoutClass = 'low' | 'high' | 'snapshot' | 'default';

export interface CallSpec<A = unknown, R = unknown> {
  readonly kind: 'call';
  readonly args: Schema<A>;
  readonly result: Schema<R>;
  readonly timeout: TimeoutClass;
  readonly version: string;
}

export interface CastSpec<A = unknown> {
  readonly kind: 'cast';
  readonly args: Schema<A>;
  readonly version: string;
}

export type MethodSpec = CallSpec | CastSpec;
export type MethodTable = Record<string, MethodSpec>;

/** A declared contract: the topic family it is served on, its version, and its methods. */
export interface Contract<M extends MethodTable = MethodTable> {
  /** Service name, e.g. `guestagent`; also the prefix of per-instance topics. */
  readonly service: string;
  /** Latest version this declaration serves (Trove's `API_LATEST_VERSION`). */
  readonly version: string;
  readonly methods: M;
}

/** Declares a call. @default version '1.0' */
export function call<AS extends Schema, RS extends Schema>(
  args: AS,
  result: RS,
  options: { timeout: TimeoutClass; version?: string },
): CallSpec<Static<AS>, Static<RS>> {
  return { kind: 'call', args, result, timeout: options.timeout, version: options.version ?? '1.0' } as CallSpec<Static<AS>, Static<RS>>;
}

/** Declares a cast. @default version '1.0' */
export function cast<AS extends Schema>(args: AS, options: { version?: string } = {}): CastSpec<Static<AS>> {
  return { kind: 'cast', args, version: options.version ?? '1.0' } as CastSpec<Static<AS>>;
}

export function defineContract<const M extends MethodTable>(service: string, version: string, methods: M): Contract<M> {
  return { service, version, methods };
}

/** The Trove wire name of a method key. */
export function wireName(method: string): string {
  return method.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The method key for a wire name, or undefined when the contract has no such method. */
export function methodForWireName<M extends MethodTable>(contract: Contract<M>, wire: string): (keyof M & string) | undefined {
  const key = wire.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  return Object.prototype.hasOwnProperty.call(contract.methods, key) && wireName(key) === wire ? (key as keyof M & string) : undefined;
}

/**
 * What a handler learns about the message besides its arguments. `instanceId` is set only when the sender's
 * identity was authenticated by the message codec (a sealed guest message); handlers that act on behalf of an
 * instance must check it against their arguments.
 */
export interface RpcContext {
  requestId: string;
  /** Trove's request context as sent in `_context_*` (project_id, user, auth_token, is_admin, roles ...). */
  values: Record<string, unknown>;
  /** The instance whose key authenticated the message, when sealed with a per-instance key. */
  instanceId?: string;
  /** The message's unique id; casts are deduplicated on it. */
  uniqueId: string;
}

type ArgsOf<S> = S extends CallSpec<infer A, unknown> ? A : S extends CastSpec<infer A> ? A : never;
type ResultOf<S> = S extends CallSpec<unknown, infer R> ? R : void;

/** Per-call options a caller may give. */
export interface CallOptions {
  /** Overrides the method's timeout class, in milliseconds. */
  timeoutMs?: number;
  /** Request context forwarded as `_context_*` (request id, project, user, token). */
  context?: Record<string, unknown>;
}

/** The caller's stub: one async function per method. */
export type RpcClient<C extends Contract> = {
  [K in keyof C['methods']]: (args: ArgsOf<C['methods'][K]>, options?: CallOptions) => Promise<ResultOf<C['methods'][K]>>;
};

/** The callee's implementation: one async handler per method. */
export type RpcHandlers<C extends Contract> = {
  [K in keyof C['methods']]: (args: ArgsOf<C['methods'][K]>, context: RpcContext) => Promise<ResultOf<C['methods'][K]>>;
};

export type MethodArgs<C extends Contract, K extends keyof C['methods']> = ArgsOf<C['methods'][K]>;
export type MethodResult<C extends Contract, K extends keyof C['methods']> = ResultOf<C['methods'][K]>;
