/**
 * What the local-qemu e2e test and benchmark share: the switch (`TROVE_VM_TESTS`, on unless `0`), the guest
 * image and its warm base built or reused on this machine (images/guest/build, images/guest/warm-base), a
 * stack whose taskmanager runs `compute_backend = local-qemu` with the guest image registered as the MariaDB
 * version's image, and the VMs' footprint on the host (server directory, qemu pid, its command line), found
 * through the backend's records and stopped by PID.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, Stack, stopGroup, type StackOptions } from '../../helpers/stack.js';

/** VM tests run unless TROVE_VM_TESTS=0 (CI runs them; a developer may switch them off). */
export function vmTestsEnabled(): boolean {
  return process.env['TROVE_VM_TESTS'] !== '0';
}

/** Where guest images live on this machine. */
export const IMAGE_DIR = process.env['TROVE_GUEST_IMAGE_DIR'] ?? '/var/lib/trove/images';
/** The guest image the tests boot. */
export const GUEST_IMAGE = process.env['TROVE_GUEST_IMAGE_NAME'] ?? 'trove-guest';
/** The datastore image the warm base carries. */
export const MARIADB_IMAGE = 'trove/mariadb:10.11';

/** Runs a script of the repository, streaming its stderr to `progress`; resolves with its stdout. */
export function runScript(script: string, args: readonly string[], timeoutMs: number, progress: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, script), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) progress(line);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pending !== '') progress(pending);
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`${script} ${args.join(' ')} failed (${String(code ?? signal)})`));
    });
  });
}

/** The guest image's description as images/guest/build wrote it. */
export function guestManifest(name = GUEST_IMAGE): { hash: string; size_bytes: number; virtual_size_bytes: number; build_seconds: number; built_at: string } {
  return JSON.parse(readFileSync(join(IMAGE_DIR, `${name}.json`), 'utf8')) as { hash: string; size_bytes: number; virtual_size_bytes: number; build_seconds: number; built_at: string };
}

/**
 * Builds the guest image (or reuses it while its inputs are unchanged) and its warm base with MariaDB.
 * @throws Error when this process cannot build images (not root) or a build fails
 */
export async function ensureVmImages(progress: (line: string) => void): Promise<{ qcow2: string; warm: string }> {
  if (process.getuid?.() !== 0) throw new Error('the local-qemu e2e test builds the guest image and must run as root (or set TROVE_VM_TESTS=0)');
  const qcow2 = (await runScript('images/guest/build', ['--output-dir', IMAGE_DIR, '--name', GUEST_IMAGE], 90 * 60_000, progress)).split('\n').at(-1) ?? '';
  const warm = (await runScript('images/guest/warm-base', ['--image-dir', IMAGE_DIR, '--name', GUEST_IMAGE, '--datastore-image', MARIADB_IMAGE], 90 * 60_000, progress)).split('\n').at(-1) ?? '';
  return { qcow2, warm };
}

/** A stack on the local-qemu backend, with MariaDB 10.11 booting the guest image. */
export async function createQemuStack(options: StackOptions = {}): Promise<Stack> {
  const stack = await Stack.create({
    ...options,
    config: {
      ...options.config,
      DEFAULT: { compute_backend: 'local-qemu', usage_timeout: 1800, ...(options.config?.['DEFAULT'] ?? {}) },
      local_qemu: { image_dir: IMAGE_DIR, ...(options.config?.['local_qemu'] ?? {}) },
    },
    // MariaDB's first start in a VM under TCG on a busy host can take minutes.
    guestConfig: { ...options.guestConfig, DEFAULT: { state_change_wait_time: 900, ...(options.guestConfig?.['DEFAULT'] ?? {}) } },
  });
  const result = await stack.manage('datastore_version_update', 'mariadb', '10.11', 'mariadb', GUEST_IMAGE, '', '1');
  if (result.code !== 0) throw new Error(`cannot register ${GUEST_IMAGE} for mariadb 10.11: ${result.stderr}`);
  return stack;
}

/** Where a VM lives on the host. */
export interface VmFootprint {
  serverId: string;
  serverDir: string;
  volumeId: string | null;
  pid: number | undefined;
}

function serversDir(stack: Stack): string {
  return join(stack.stateDir, 'qemu', 'servers');
}

/** True when `pid` is alive and its command line contains `marker`. */
export function processHas(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(marker));
  } catch {
    return false;
  }
}

/** Every process on the host whose command line mentions `marker`. */
export function processesMentioning(marker: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => pid !== process.pid && processHas(pid, marker));
}

/** The VM of an instance, from the backend's records. */
export function vmOf(stack: Stack, instanceId: string): VmFootprint | undefined {
  const dir = serversDir(stack);
  if (!existsSync(dir)) return undefined;
  for (const serverId of readdirSync(dir)) {
    const file = join(dir, serverId, 'server.json');
    if (!existsSync(file)) continue;
    const record = JSON.parse(readFileSync(file, 'utf8')) as { instanceId: string; volumeId: string | null };
    if (record.instanceId !== instanceId) continue;
    const pidFile = join(dir, serverId, 'qemu.pid');
    const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : Number.NaN;
    return { serverId, serverDir: join(dir, serverId), volumeId: record.volumeId, pid: Number.isInteger(pid) && processHas(pid, pidFile) ? pid : undefined };
  }
  return undefined;
}

/** Stops every VM of the stack by the PID in its pid file (checked against its command line). */
export async function stopVms(stack: Stack): Promise<number> {
  const dir = serversDir(stack);
  let stopped = 0;
  for (const serverId of existsSync(dir) ? readdirSync(dir) : []) {
    const pidFile = join(dir, serverId, 'qemu.pid');
    const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : Number.NaN;
    if (Number.isInteger(pid) && processHas(pid, pidFile)) {
      await stopGroup(pid, 5000);
      stopped += 1;
    }
  }
  return stopped;
}

/** The console log of a VM (for failure messages). */
export function consoleTail(vm: VmFootprint | undefined, lines = 40): string {
  const file = vm === undefined ? undefined : join(vm.serverDir, 'console.log');
  return file !== undefined && existsSync(file) ? readFileSync(file, 'latin1').split('\n').slice(-lines).join('\n') : '(no console log)';
}
