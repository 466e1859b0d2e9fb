/**
 * The narrow port between the guest agent and the container engine: only what the agent calls. The agent
 * runs exactly one long-lived datastore container (plus, later, one-shot backup containers), so the port
 * speaks in container names and ids, never in engine-specific option bags. `dockerode-runtime.ts`
 * implements it over the Docker engine API; unit tests use `test/fakes/fake-container-runtime.ts`.
 */
import { ErrorCode, TroveError } from '../../shared/errors/index.js';

/** Docker's container states (`State.Status`). */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A host directory bound into a container. */
export interface BindMount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/** Everything the agent decides about a container it creates. */
export interface ContainerSpec {
  name: string;
  /** Full image reference, `repository:tag`. */
  image: string;
  labels: Record<string, string>;
  /** `uid:gid` the main process runs as. */
  user: string;
  /** Arguments given to the image's entrypoint. */
  command: string[];
  env: Record<string, string>;
  binds: BindMount[];
  /** Always `host` for datastores: the datastore binds its own address and port. */
  networkMode: 'host';
  restartPolicy: 'unless-stopped' | 'no';
  /** Signal that stops the main process gracefully (PostgreSQL wants SIGINT). @default the image's */
  stopSignal?: string;
}

/** What the agent learns from inspecting a container. */
export interface ContainerInfo {
  id: string;
  /** Name without Docker's leading slash. */
  name: string;
  image: string;
  state: ContainerState;
  labels: Record<string, string>;
  /** Exit code of the last run; 0 while running. */
  exitCode: number;
  /** False for a container that was created but never started. */
  hasStarted: boolean;
  restartCount: number;
}

/** Result of a command run inside a container; output is already demultiplexed. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of a command run inside a container. */
export interface ExecOptions {
  /** `uid:gid` or a user name inside the container. @default the container's user */
  user?: string;
  env?: Record<string, string>;
  /** Text written to the command's standard input (e.g. SQL holding a password, kept off argv). */
  stdin?: string;
  /** @default 60000 */
  timeoutMs?: number;
}

/** Credentials for a private registry (`[guest_agent] container_registry*`). */
export interface RegistryAuth {
  serveraddress: string;
  username: string;
  password: string;
}

/**
 * The container engine as the agent sees it. Every method throws `ContainerRuntimeError` on engine
 * failures; "no such container" is not a failure for `inspect` (it returns undefined).
 */
export interface ContainerRuntime {
  /** Checks that the engine answers. */
  ping(): Promise<void>;
  /** Logs in to a registry; later pulls use the same credentials. */
  login(auth: RegistryAuth): Promise<void>;
  hasImage(image: string): Promise<boolean>;
  pullImage(image: string): Promise<void>;
  /** Creates (does not start) a container; returns its id. Throws if the name is taken. */
  createContainer(spec: ContainerSpec): Promise<string>;
  start(idOrName: string): Promise<void>;
  /** Stops gracefully, killing after `timeoutSeconds`. Stopping a stopped container is not an error. */
  stop(idOrName: string, timeoutSeconds: number): Promise<void>;
  restart(idOrName: string, timeoutSeconds: number): Promise<void>;
  /** Removes the container (force: even while running). Removing a missing container is not an error. */
  remove(idOrName: string, options?: { force?: boolean }): Promise<void>;
  inspect(idOrName: string): Promise<ContainerInfo | undefined>;
  exec(idOrName: string, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Every container (running or not) carrying all the given labels. */
  listByLabels(labels: Record<string, string>): Promise<ContainerInfo[]>;
  /** The last `tail` lines of the container's log, for error reports. */
  logs(idOrName: string, tail: number): Promise<string>;
}

/**
 * Thrown when the container engine refuses or fails an operation. It is a `GUEST_ERROR`: the caller of the
 * guest learns that the guest failed and why (engine messages hold no secrets).
 */
export class ContainerRuntimeError extends TroveError {
  readonly statusCode: number | undefined;

  constructor(message: string, statusCode?: number, options: { cause?: unknown } = {}) {
    super(ErrorCode.GUEST_ERROR, message, { ...options, ...(statusCode === undefined ? {} : { details: { statusCode } }) });
    this.statusCode = statusCode;
  }
}
