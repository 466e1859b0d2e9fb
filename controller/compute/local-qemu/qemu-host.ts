/**
 * Everything the local-qemu backend asks of the host, behind one port so unit tests can fake it: the disk
 * tools (`qemu-img`, `cloud-localds`), launching qemu as a daemon (`-daemonize -pidfile`, so the VM outlives
 * the taskmanager and a restarted controller adopts it), finding a running VM by its pid file and
 * `/proc/<pid>/cmdline`, signalling it by PID (its process group: qemu and the `socat` children of its
 * `guestfwd`), its QMP monitor, the database banner, and the KVM probe.
 */
import { spawn } from 'node:child_process';
import { access, chmod, constants, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';
import { isAgentProcess } from '../local-process/index.js';
import { datastoreAnswers, type BannerKind } from './banner.js';
import { PROBE_MARKER } from './probe-initrd.js';
import { qmpCommand } from './qmp.js';
import { removePath } from './records.js';

/** The host operations of the backend. */
export interface QemuHost {
  /**
   * Runs `qemu-img` and resolves with its standard output.
   * @throws TroveError BACKEND_ERROR with qemu-img's message when it fails
   */
  qemuImg(args: readonly string[]): Promise<string>;
  /** Writes a NoCloud seed ISO (volume label `cidata`) holding `user-data` and `meta-data`, mode 0600. */
  makeSeed(iso: string, userData: string, metaData: string): Promise<void>;
  /**
   * Starts qemu with `args` (which include `-daemonize` and `-pidfile`); resolves once the daemon runs.
   * @throws TroveError BACKEND_ERROR with qemu's message when it refuses to start
   */
  launch(args: readonly string[]): Promise<void>;
  /** The pid in `pidFile` when that process is alive and is the qemu started with that pid file. */
  runningPid(pidFile: string): Promise<number | undefined>;
  /** Sends `signal` to the process group led by `pid` (qemu and its socat children); gone is not an error. */
  kill(pid: number, signal: NodeJS.Signals): void;
  /** Runs one QMP command on a VM's monitor socket. */
  qmp(socket: string, command: string, args?: Record<string, unknown>): Promise<unknown>;
  /** True when a database of `kind` answers on `host:port` (a banner, never just a connect). */
  datastoreAnswers(host: string, port: number, kind: BannerKind): Promise<boolean>;
  /** True when `/dev/kvm` exists and this process may open it. */
  kvmDevice(): Promise<boolean>;
  /** Boots `kernel` with the probe initrd under KVM; true when the probe's marker appears within `timeoutMs`. */
  probeKvm(kernel: string, initrd: string, timeoutMs: number): Promise<boolean>;
  /** This boot of the host (`/proc/sys/kernel/random/boot_id`). */
  bootId(): Promise<string>;
  /** True when `program` is an executable on PATH. */
  hasProgram(program: string): Promise<boolean>;
}

/** Options to configure the real host. */
export interface ProcessQemuHostOptions {
  /** @default qemu-system-x86_64 */
  qemuBinary?: string;
  /** @default qemu-img */
  qemuImgBinary?: string;
  /** @default cloud-localds */
  cloudLocaldsBinary?: string;
  /** Longest a tool may run, ms. @default 120000 */
  toolTimeoutMs?: number;
}

function backendError(method: string, message: string, status = 500): TroveError {
  return new TroveError(ErrorCode.BACKEND_ERROR, message, { details: { service: 'qemu', method, status } });
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program; resolves when the program itself exits (a daemon it forked may keep running). */
function runProgram(program: string, args: readonly string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      // A daemonized qemu inherited the pipes only until it redirected them; do not wait for them to close.
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, stdout, stderr });
      });
    });
  });
}

/** The last lines of a tool's error output, for an error message. */
function tail(text: string): string {
  return text.trim().split('\n').slice(-4).join(' | ') || 'no message';
}

/** `QemuHost` on this machine. */
export class ProcessQemuHost implements QemuHost {
  private readonly qemuBinary: string;
  private readonly qemuImgBinary: string;
  private readonly cloudLocaldsBinary: string;
  private readonly toolTimeoutMs: number;

  constructor(options: ProcessQemuHostOptions = {}) {
    this.qemuBinary = options.qemuBinary ?? 'qemu-system-x86_64';
    this.qemuImgBinary = options.qemuImgBinary ?? 'qemu-img';
    this.cloudLocaldsBinary = options.cloudLocaldsBinary ?? 'cloud-localds';
    this.toolTimeoutMs = options.toolTimeoutMs ?? 120_000;
  }

  private async tool(method: string, program: string, args: readonly string[]): Promise<string> {
    let result: Finished;
    try {
      result = await runProgram(program, args, this.toolTimeoutMs);
    } catch (error) {
      throw backendError(method, `Cannot run ${program}: ${(error as Error).message}`);
    }
    if (result.code !== 0) throw backendError(method, `${program} failed (exit ${String(result.code)}): ${tail(result.stderr)}`);
    return result.stdout;
  }

  qemuImg(args: readonly string[]): Promise<string> {
    return this.tool('qemu-img', this.qemuImgBinary, args);
  }

  async makeSeed(iso: string, userData: string, metaData: string): Promise<void> {
    const work = await mkdtemp(join(dirname(iso), '.seed-'));
    try {
      await writeFile(join(work, 'user-data'), userData, { mode: 0o600 });
      await writeFile(join(work, 'meta-data'), metaData, { mode: 0o600 });
      await this.tool('makeSeed', this.cloudLocaldsBinary, [iso, join(work, 'user-data'), join(work, 'meta-data')]);
      await chmod(iso, 0o600);
    } finally {
      // The plain user data holds the instance key; only the ISO the VM needs stays.
      await removePath(work);
    }
  }

  async launch(args: readonly string[]): Promise<void> {
    await this.tool('launch', this.qemuBinary, args);
  }

  async runningPid(pidFile: string): Promise<number | undefined> {
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    // The pid file path is an argument of exactly one qemu: a recycled pid or a stranger never has it.
    return (await isAgentProcess(pid, pidFile)) ? pid : undefined;
  }

  kill(pid: number, signal: NodeJS.Signals): void {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, signal);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }

  qmp(socket: string, command: string, args?: Record<string, unknown>): Promise<unknown> {
    return qmpCommand(socket, command, args);
  }

  datastoreAnswers(host: string, port: number, kind: BannerKind): Promise<boolean> {
    return datastoreAnswers(host, port, kind);
  }

  async kvmDevice(): Promise<boolean> {
    return access('/dev/kvm', constants.R_OK | constants.W_OK).then(
      () => true,
      () => false,
    );
  }

  probeKvm(kernel: string, initrd: string, timeoutMs: number): Promise<boolean> {
    const args = ['-accel', 'kvm', '-cpu', 'host', '-m', '256', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-serial', 'stdio', '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1'];
    return new Promise((resolve) => {
      const child = spawn(this.qemuBinary, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      let output = '';
      let settled = false;
      const finish = (usable: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Under PVM a stock kernel crawls instead of failing: stop the probe's qemu (ours, by its pid).
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        resolve(usable);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('latin1');
        if (output.includes(PROBE_MARKER)) finish(true);
      });
      child.once('error', () => finish(false));
      child.once('exit', () => finish(output.includes(PROBE_MARKER)));
    });
  }

  async bootId(): Promise<string> {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  }

  async hasProgram(program: string): Promise<boolean> {
    const candidates = program.includes('/') ? [program] : (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).map((dir) => join(dir, program));
    for (const candidate of candidates) {
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return true;
    }
    return false;
  }
}
