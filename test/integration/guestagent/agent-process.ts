/**
 * Runs the compiled `trove-guestagent` as a child process with a config directory laid out exactly as
 * cloud-init writes it (guest_info.conf + trove-guestagent.conf), for process-level tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_MAIN = fileURLToPath(new URL('../../../guestagent/main.js', import.meta.url));

/** What goes into the two files. */
export interface GuestFiles {
  guestId?: string;
  manager: string;
  version: string;
  key?: string;
  exchange: string;
  conductorQueue: string;
  bindHost: string;
  mountPoint: string;
  containerName: string;
  reportInterval?: number;
  extraDefault?: string;
}

/** Writes guest_info.conf and trove-guestagent.conf into `dir`. */
export function writeGuestConfig(dir: string, files: GuestFiles): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'guest_info.conf'),
    ['[DEFAULT]', `guest_id = ${files.guestId ?? ''}`, `datastore_manager = ${files.manager}`, `datastore_version = ${files.version}`, 'tenant_id = tenant-1', `instance_rpc_encr_key = ${files.key ?? ''}`, ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'trove-guestagent.conf'),
    [
      '[DEFAULT]',
      'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
      `control_exchange = ${files.exchange}`,
      `conductor_queue = ${files.conductorQueue}`,
      `report_interval = ${files.reportInterval ?? 2}`,
      'state_change_poll_time = 1',
      'state_change_wait_time = 120',
      files.extraDefault ?? '',
      '[guest_agent]',
      `container_name = ${files.containerName}`,
      `datastore_bind_host = ${files.bindHost}`,
      'status_check_interval = 0.5',
      'drain_timeout = 60',
      `[${files.manager}]`,
      `mount_point = ${files.mountPoint}`,
      'device_path =',
      '',
    ].join('\n'),
  );
  return dir;
}

/** A running agent process. */
export interface AgentProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startAgent(configDir: string): AgentProcess {
  const child = spawn(process.execPath, [AGENT_MAIN, '--config-dir', configDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exited };
}

/** Stops a child we started, by its pid, if it still runs. */
export async function stopAgent(agent: AgentProcess | undefined): Promise<void> {
  if (!agent || agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  agent.child.kill('SIGKILL');
  await agent.exited;
}
