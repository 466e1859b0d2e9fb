/**
 * An in-memory `ContainerRuntime` for unit tests: containers with names, labels and states, images that are
 * present or pullable, and an exec handler the test programs. It enforces what the engine enforces (unique
 * names, no start of a missing container) and records every call, so tests assert on behaviour, not mocks.
 */
import { randomUUID } from 'node:crypto';
import {
  ContainerRuntimeError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ExecOptions,
  type ExecResult,
  type RegistryAuth,
} from '../../guestagent/docker/container-runtime.js';

/** A container as the fake keeps it. */
export interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  state: ContainerState;
  exitCode: number;
  hasStarted: boolean;
  restartCount: number;
  logs: string[];
}

/** Answers an exec; the default answers exit 0 with no output. */
export type FakeExecHandler = (container: FakeContainer, command: string[], options: ExecOptions) => ExecResult | Promise<ExecResult>;

export class FakeContainerRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  /** Images a pull can fetch. */
  readonly pullable = new Set<string>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  execHandler: FakeExecHandler = () => ({ exitCode: 0, stdout: '', stderr: '' });
  loggedIn: RegistryAuth | undefined;
  /** Set to make the next call of that method fail once. */
  failNext: Partial<Record<keyof ContainerRuntime, Error>> = {};

  private record(method: keyof ContainerRuntime, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failNext[method];
    if (failure) {
      delete this.failNext[method];
      throw failure;
    }
  }

  callsOf(method: keyof ContainerRuntime): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  private find(idOrName: string): FakeContainer | undefined {
    for (const container of this.containers.values()) {
      if (container.id === idOrName || container.spec.name === idOrName) return container;
    }
    return undefined;
  }

  private require(idOrName: string): FakeContainer {
    const container = this.find(idOrName);
    if (!container) throw new ContainerRuntimeError(`No such container: ${idOrName}`, 404);
    return container;
  }

  private info(container: FakeContainer): ContainerInfo {
    return {
      id: container.id,
      name: container.spec.name,
      image: container.spec.image,
      state: container.state,
      labels: { ...container.spec.labels },
      exitCode: container.exitCode,
      hasStarted: container.hasStarted,
      restartCount: container.restartCount,
    };
  }

  /** Adds a container directly (a leftover from an earlier agent run, or someone else's). */
  addContainer(spec: Partial<ContainerSpec> & { name: string }, state: ContainerState = 'running', hasStarted = state !== 'created'): FakeContainer {
    const container: FakeContainer = {
      id: randomUUID().replace(/-/g, ''),
      spec: {
        image: 'fake:latest',
        labels: {},
        user: '1001:1001',
        command: [],
        env: {},
        binds: [],
        networkMode: 'host',
        restartPolicy: 'unless-stopped',
        ...spec,
      },
      state,
      exitCode: 0,
      hasStarted,
      restartCount: 0,
      logs: [],
    };
    this.containers.set(container.id, container);
    return container;
  }

  /** Simulates `docker kill` behind the agent's back. */
  kill(idOrName: string): void {
    const container = this.require(idOrName);
    container.state = 'exited';
    container.exitCode = 137;
  }

  async ping(): Promise<void> {
    this.record('ping');
  }

  async login(auth: RegistryAuth): Promise<void> {
    this.record('login', auth.serveraddress);
    this.loggedIn = auth;
  }

  async hasImage(image: string): Promise<boolean> {
    this.record('hasImage', image);
    return this.images.has(image);
  }

  async pullImage(image: string): Promise<void> {
    this.record('pullImage', image);
    if (!this.pullable.has(image)) throw new ContainerRuntimeError(`pull access denied for ${image}`, 404);
    this.images.add(image);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.record('createContainer', spec);
    if (this.find(spec.name)) throw new ContainerRuntimeError(`Conflict. The container name "/${spec.name}" is already in use`, 409);
    if (!this.images.has(spec.image)) throw new ContainerRuntimeError(`No such image: ${spec.image}`, 404);
    return this.addContainer(structuredClone(spec), 'created', false).id;
  }

  async start(idOrName: string): Promise<void> {
    this.record('start', idOrName);
    const container = this.require(idOrName);
    container.state = 'running';
    container.hasStarted = true;
    container.exitCode = 0;
  }

  async stop(idOrName: string, timeoutSeconds: number): Promise<void> {
    this.record('stop', idOrName, timeoutSeconds);
    const container = this.require(idOrName);
    if (container.state === 'running' || container.state === 'restarting') {
      container.state = 'exited';
      container.exitCode = 0;
    }
  }

  async restart(idOrName: string, timeoutSeconds: number): Promise<void> {
    this.record('restart', idOrName, timeoutSeconds);
    const container = this.require(idOrName);
    container.state = 'running';
    container.hasStarted = true;
    container.restartCount++;
  }

  async remove(idOrName: string, options: { force?: boolean } = {}): Promise<void> {
    this.record('remove', idOrName, options);
    const container = this.find(idOrName);
    if (!container) return;
    if (container.state === 'running' && !options.force) throw new ContainerRuntimeError('You cannot remove a running container', 409);
    this.containers.delete(container.id);
  }

  async inspect(idOrName: string): Promise<ContainerInfo | undefined> {
    this.record('inspect', idOrName);
    const container = this.find(idOrName);
    return container ? this.info(container) : undefined;
  }

  async exec(idOrName: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.record('exec', idOrName, command, options);
    const container = this.require(idOrName);
    if (container.state !== 'running') throw new ContainerRuntimeError(`Container ${idOrName} is not running`, 409);
    return this.execHandler(container, command, options);
  }

  async listByLabels(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.record('listByLabels', labels);
    return [...this.containers.values()]
      .filter((container) => Object.entries(labels).every(([key, value]) => container.spec.labels[key] === value))
      .map((container) => this.info(container));
  }

  async logs(idOrName: string, tail: number): Promise<string> {
    this.record('logs', idOrName, tail);
    const container = this.find(idOrName);
    return container ? container.logs.slice(-tail).join('\n') : '';
  }
}
