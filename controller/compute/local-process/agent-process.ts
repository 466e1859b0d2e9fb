/**
 * The guest agent of a local-process instance as a host process: started detached in its own process group
 * (so it outlives the taskmanager and can be signalled as a group), with its pid in `agent.pid` and its output
 * in `agent.log` beside the instance's config dir. A restarted controller adopts running agents through the
 * pid file, after checking in /proc that the pid is still that agent (its command line names the instance's
 * config dir) and not a recycled pid or a zombie.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';

/** The compiled guest agent of this installation. */
export function defaultAgentMain(): string {
  return fileURLToPath(new URL('../../../guestagent/main.js', import.meta.url));
}

/** Options to configure the launcher. */
export interface AgentLauncherOptions {
  /** Program and leading arguments; `--config-dir <dir>` is appended. */
  command: readonly string[];
  /** Grace period after SIGTERM before SIGKILL, ms. */
  stopTimeoutMs: number;
  logger: Logger;
  /** Called when an agent this process started exits (not for adopted ones). */
  onExit?: (serverDir: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** The pid file of an instance's agent. */
export function pidFile(serverDir: string): string {
  return join(serverDir, 'agent.pid');
}

/** The log file of an instance's agent. */
export function logFile(serverDir: string): string {
  return join(serverDir, 'agent.log');
}

const ENV_KEEP = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'DOCKER_HOST'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when `pid` is a live (non-zombie) process whose command line contains `marker`. */
export async function isAgentProcess(pid: number, marker: string): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself contain spaces or parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/** Starts, finds and stops instance agents. */
export class AgentLauncher {
  constructor(private readonly options: AgentLauncherOptions) {}

  /** The pid of the instance's running agent, or undefined. */
  async runningPid(serverDir: string, configDir: string): Promise<number | undefined> {
    const text = await readFile(pidFile(serverDir), 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    return (await isAgentProcess(pid, configDir)) ? pid : undefined;
  }

  /**
   * Starts the agent unless it runs already; returns its pid.
   * @throws TroveError BACKEND_ERROR when the process cannot be spawned
   */
  async start(serverDir: string, configDir: string): Promise<number> {
    const running = await this.runningPid(serverDir, configDir);
    if (running !== undefined) return running;
    const [program, ...leading] = this.options.command;
    if (program === undefined) throw new TroveError(ErrorCode.CONFIG_INVALID, '[local_compute] agent_command is empty.');
    const env: NodeJS.ProcessEnv = {};
    for (const name of ENV_KEEP) if (process.env[name] !== undefined) env[name] = process.env[name];
    const log = openSync(logFile(serverDir), 'a', 0o600);
    let child;
    try {
      child = spawn(program, [...leading, '--config-dir', configDir], { cwd: serverDir, detached: true, stdio: ['ignore', log, log], env });
    } finally {
      closeSync(log);
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => reject(new TroveError(ErrorCode.BACKEND_ERROR, `Cannot start the guest agent: ${error.message}`, { details: { service: 'local-process', method: 'startAgent', status: 500 } })));
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.once('exit', (code, signal) => this.options.onExit?.(serverDir, code, signal));
    child.unref();
    await writeFile(pidFile(serverDir), `${pid}\n`, { mode: 0o600 });
    this.options.logger.info({ pid, configDir }, 'guest agent started');
    return pid;
  }

  /**
   * Stops the agent: SIGTERM to its process group (SIGKILL at once when `hard`), SIGKILL after the grace
   * period. Returns once no process of the group is left.
   */
  async stop(serverDir: string, configDir: string, options: { hard?: boolean } = {}): Promise<void> {
    const pid = await this.runningPid(serverDir, configDir);
    if (pid !== undefined) {
      signalGroup(pid, options.hard ? 'SIGKILL' : 'SIGTERM');
      const deadline = Date.now() + (options.hard ? 5000 : this.options.stopTimeoutMs);
      while (Date.now() < deadline && (await isAgentProcess(pid, configDir))) await sleep(100);
      if (await isAgentProcess(pid, configDir)) {
        this.options.logger.warn({ pid }, 'guest agent did not stop in time; killing it');
        signalGroup(pid, 'SIGKILL');
        while (await isAgentProcess(pid, configDir)) await sleep(50);
      }
      this.options.logger.info({ pid }, 'guest agent stopped');
    }
    await unlink(pidFile(serverDir)).catch(() => undefined);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
