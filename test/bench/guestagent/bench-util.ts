/** Shared pieces of the guest agent benchmarks: a heartbeat-recording conductor, process memory, stats. */
import { readFileSync } from 'node:fs';
import { defaultConfig, type TroveConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { conductorContract, connectTransport, serveRpc, type RpcServer, type Sealing, type Transport } from '../../../shared/rpc/index.js';

export interface Beat {
  instanceId: string;
  status: string;
  at: number;
}

/** A conductor on `topic` that records every heartbeat with its arrival time. */
export async function startConductor(exchange: string, topic: string, resolveKey: (id: string) => string | null): Promise<{ beats: Beat[]; transport: Transport; server: RpcServer; config: TroveConfig; stop(): Promise<void> }> {
  const config = defaultConfig({ DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/', control_exchange: exchange } });
  const transport = await connectTransport(config, silentLogger(), { processName: 'bench-conductor' });
  const beats: Beat[] = [];
  const sealing: Sealing = { mode: 'lookup', resolveKey: async (id) => resolveKey(id) };
  const server = await serveRpc(
    conductorContract,
    {
      heartbeat: async (args) => {
        beats.push({ instanceId: args.instance_id, status: args.payload.service_status, at: performance.now() });
      },
      updateBackup: async () => undefined,
      reportRoot: async () => undefined,
      notifyEnd: async () => undefined,
      notifyExcInfo: async () => undefined,
    },
    { transport, topic, sealing, logger: silentLogger() },
  );
  return {
    beats,
    transport,
    server,
    config,
    async stop() {
      await server.stop(1000);
      await transport.close();
    },
  };
}

/** RSS and PSS of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; pssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb(status, 'VmRSS') / 1024, pssMb: kb(rollup, 'Pss') / 1024 };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
