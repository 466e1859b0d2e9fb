/**
 * A `QemuHost` that runs nothing: launches become fake pids, `qemu-img` and `cloud-localds` write small
 * marker files, QMP and banners answer as a test says. Every call is recorded for assertions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { BannerKind, QemuHost } from '../../../../../controller/compute/local-qemu/index.js';

/** One recorded call. */
export interface HostCall {
  method: string;
  args: unknown[];
}

export class FakeQemuHost implements QemuHost {
  readonly calls: HostCall[] = [];
  /** Pids of running fake VMs, by pid file. */
  readonly running = new Map<string, number>();
  private nextPid = 40_000;
  /** Launches fail with this error when set. */
  launchError: Error | undefined;
  /** The guest powers off when the power button is pressed. */
  obeysPowerButton = true;
  /** Answer of the banner probe. */
  bannerAnswers = false;
  kvm = false;
  kvmWorks = false;
  boot = 'boot-1';
  programs = new Set(['socat']);
  /** Virtual size `qemu-img info` reports. */
  virtualSize = 2 * 2 ** 30;

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  async qemuImg(args: readonly string[]): Promise<string> {
    this.record('qemuImg', [...args]);
    if (args[0] === 'create') {
      const file = args.find((arg, index) => index > 0 && arg.endsWith('.qcow2') && args[index - 1] !== '-b');
      if (file !== undefined) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `qcow2 ${args.join(' ')}\n`);
      }
    }
    if (args[0] === 'info') return JSON.stringify({ 'virtual-size': this.virtualSize });
    return '';
  }

  async makeSeed(iso: string, userData: string, metaData: string): Promise<void> {
    this.record('makeSeed', iso);
    writeFileSync(iso, JSON.stringify({ userData, metaData }), { mode: 0o600 });
  }

  async launch(args: readonly string[]): Promise<void> {
    this.record('launch', [...args]);
    if (this.launchError !== undefined) throw this.launchError;
    const pidFile = args[args.indexOf('-pidfile') + 1] as string;
    const pid = this.nextPid++;
    writeFileSync(pidFile, `${pid}\n`);
    this.running.set(pidFile, pid);
  }

  async runningPid(pidFile: string): Promise<number | undefined> {
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    const pid = this.running.get(pidFile);
    return pid !== undefined && Number(text.trim()) === pid ? pid : undefined;
  }

  kill(pid: number, signal: NodeJS.Signals): void {
    this.record('kill', pid, signal);
    for (const [file, running] of this.running) if (running === pid) this.running.delete(file);
  }

  /** Makes a VM's qemu vanish (a crash, or the guest powering off). */
  crash(pidFile: string): void {
    this.running.delete(pidFile);
  }

  async qmp(socket: string, command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.record('qmp', socket, command, args);
    if (command === 'system_powerdown' && this.obeysPowerButton) {
      const pidFile = socket.replace(/qmp\.sock$/, 'qemu.pid');
      this.running.delete(pidFile);
    }
    return {};
  }

  async datastoreAnswers(host: string, port: number, kind: BannerKind): Promise<boolean> {
    this.record('datastoreAnswers', host, port, kind);
    return this.bannerAnswers;
  }

  async kvmDevice(): Promise<boolean> {
    return this.kvm;
  }

  async probeKvm(kernel: string, initrd: string, timeoutMs: number): Promise<boolean> {
    this.record('probeKvm', kernel, initrd, timeoutMs);
    return this.kvmWorks;
  }

  async bootId(): Promise<string> {
    return this.boot;
  }

  async hasProgram(program: string): Promise<boolean> {
    return this.programs.has(program);
  }
}
