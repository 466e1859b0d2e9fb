/**
 * `ContainerRuntime` over the Docker engine API (dockerode), talking to the engine's unix socket
 * (`[guest_agent] docker_socket`). Engine failures become `ContainerRuntimeError` with the engine's status
 * code; "not found" and "already in that state" answers are folded into the port's documented semantics.
 */
import Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from '../../shared/logging/index.js';
import {
  ContainerRuntimeError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ExecOptions,
  type ExecResult,
  type RegistryAuth,
} from './container-runtime.js';
import { StreamDemuxer } from './stream-demux.js';

const NEVER_STARTED = '0001-01-01T00:00:00Z';
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

interface EngineError {
  statusCode?: number;
  message?: string;
  json?: { message?: string } | null;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as EngineError).statusCode : undefined;
}

function engineMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const engine = error as EngineError;
    const fromJson = engine.json?.message;
    if (typeof fromJson === 'string' && fromJson !== '') return fromJson;
    if (typeof engine.message === 'string') return engine.message.replace(/^\(HTTP code \d+\)\s*/, '');
  }
  return String(error);
}

function wrap(action: string, error: unknown): ContainerRuntimeError {
  return new ContainerRuntimeError(`Docker ${action} failed: ${engineMessage(error)}`, statusOf(error), { cause: error });
}

function toState(value: string | undefined): ContainerState {
  switch (value) {
    case 'created':
    case 'running':
    case 'paused':
    case 'restarting':
    case 'removing':
    case 'exited':
    case 'dead':
      return value;
    default:
      return 'dead';
  }
}

/** Options to configure the Docker runtime. */
export interface DockerodeRuntimeOptions {
  /** @default '/var/run/docker.sock' */
  socketPath?: string;
  logger: Logger;
}

/** The Docker engine behind the `ContainerRuntime` port. */
export class DockerodeRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly logger: Logger;
  private auth: RegistryAuth | undefined;

  constructor(options: DockerodeRuntimeOptions) {
    this.docker = new Docker({ socketPath: options.socketPath ?? '/var/run/docker.sock' });
    this.logger = options.logger.child({ component: 'docker' });
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw wrap('ping', error);
    }
  }

  async login(auth: RegistryAuth): Promise<void> {
    try {
      await this.docker.checkAuth(auth);
    } catch (error) {
      throw wrap(`login to ${auth.serveraddress}`, error);
    }
    this.auth = auth;
    this.logger.info({ registry: auth.serveraddress, username: auth.username }, 'logged in to container registry');
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw wrap('image inspect', error);
    }
  }

  async pullImage(image: string): Promise<void> {
    this.logger.info({ image }, 'pulling image');
    try {
      const stream = (await this.docker.pull(image, this.auth ? { authconfig: this.auth } : {})) as Readable;
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
          const failed = error ?? output.find((event) => typeof event.error === 'string')?.error;
          if (failed) reject(failed instanceof Error ? failed : new Error(failed));
          else resolve();
        });
      });
    } catch (error) {
      throw wrap(`pull of ${image}`, error);
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      const container = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
        User: spec.user,
        Labels: spec.labels,
        ...(spec.stopSignal ? { StopSignal: spec.stopSignal } : {}),
        HostConfig: {
          NetworkMode: spec.networkMode,
          RestartPolicy: { Name: spec.restartPolicy },
          Privileged: false,
          // Mounts (not Binds): paths may hold colons, and a missing source is an error instead of a new dir.
          Mounts: spec.binds.map((bind) => ({ Type: 'bind' as const, Source: bind.hostPath, Target: bind.containerPath, ReadOnly: bind.readOnly ?? false })),
        },
      });
      return container.id;
    } catch (error) {
      throw wrap(`create of container ${spec.name}`, error);
    }
  }

  async start(idOrName: string): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).start();
    } catch (error) {
      if (statusOf(error) === 304) return;
      throw wrap(`start of ${idOrName}`, error);
    }
  }

  async stop(idOrName: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).stop({ t: timeoutSeconds });
    } catch (error) {
      if (statusOf(error) === 304) return;
      throw wrap(`stop of ${idOrName}`, error);
    }
  }

  async restart(idOrName: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).restart({ t: timeoutSeconds });
    } catch (error) {
      throw wrap(`restart of ${idOrName}`, error);
    }
  }

  async remove(idOrName: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.docker.getContainer(idOrName).remove({ force: options.force ?? false });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw wrap(`removal of ${idOrName}`, error);
    }
  }

  async inspect(idOrName: string): Promise<ContainerInfo | undefined> {
    let data: Docker.ContainerInspectInfo;
    try {
      data = await this.docker.getContainer(idOrName).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(`inspect of ${idOrName}`, error);
    }
    return {
      id: data.Id,
      name: data.Name.replace(/^\//, ''),
      image: data.Config.Image,
      state: toState(data.State.Status),
      labels: data.Config.Labels ?? {},
      exitCode: data.State.ExitCode,
      hasStarted: data.State.StartedAt !== NEVER_STARTED && data.State.StartedAt !== '',
      restartCount: data.RestartCount,
    };
  }

  async exec(idOrName: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const hasStdin = options.stdin !== undefined;
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    let execution: Docker.Exec;
    let stream: Duplex;
    try {
      execution = await this.docker.getContainer(idOrName).exec({
        Cmd: command,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: hasStdin,
        Tty: false,
        ...(options.user ? { User: options.user } : {}),
        ...(options.env ? { Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`) } : {}),
      });
      stream = (await execution.start({ hijack: hasStdin, stdin: hasStdin })) as Duplex;
    } catch (error) {
      throw wrap(`exec in ${idOrName}`, error);
    }
    const demuxer = new StreamDemuxer();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new ContainerRuntimeError(`command ${command[0] ?? ''} in ${idOrName} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.on('data', (chunk: Buffer) => {
        try {
          demuxer.push(chunk);
        } catch (error) {
          clearTimeout(timer);
          stream.destroy();
          reject(wrap(`exec output of ${idOrName}`, error));
        }
      });
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(wrap(`exec in ${idOrName}`, error));
      });
      if (hasStdin) stream.end(options.stdin);
    });
    let exitCode: number | null = null;
    try {
      // The exit code can lag the end of the stream by a moment.
      for (let attempt = 0; attempt < 50; attempt++) {
        const info = await execution.inspect();
        if (!info.Running && info.ExitCode !== null) {
          exitCode = info.ExitCode;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } catch (error) {
      throw wrap(`exec inspect in ${idOrName}`, error);
    }
    if (exitCode === null) throw new ContainerRuntimeError(`command ${command[0] ?? ''} in ${idOrName} reported no exit code`);
    return { exitCode, stdout: demuxer.stdout, stderr: demuxer.stderr };
  }

  async listByLabels(labels: Record<string, string>): Promise<ContainerInfo[]> {
    let summaries: Docker.ContainerInfo[];
    try {
      summaries = await this.docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
      });
    } catch (error) {
      throw wrap('container list', error);
    }
    const found: ContainerInfo[] = [];
    for (const summary of summaries) {
      const info = await this.inspect(summary.Id);
      if (info) found.push(info);
    }
    return found;
  }

  async logs(idOrName: string, tail: number): Promise<string> {
    try {
      const raw = (await this.docker.getContainer(idOrName).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      const demuxer = new StreamDemuxer();
      demuxer.push(Buffer.from(raw));
      return demuxer.combined;
    } catch (error) {
      if (statusOf(error) === 404) return '';
      throw wrap(`logs of ${idOrName}`, error);
    }
  }
}
