/**
 * Benchmark: prepare time of the trove-ts guest agent, from the `prepare` cast to the `healthy` heartbeat at
 * the conductor, for MariaDB 10.11 and PostgreSQL 15 (images present locally; a fresh volume each run, so
 * every run initializes a new data directory). The agent runs as a process over RabbitMQ with sealed RPC,
 * exactly as in production; report_interval does not matter because status changes are sent at once.
 *
 *   node dist-<you>/test/bench/guestagent/prepare-time.js        (BENCH_RUNS=3)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger } from '../../../shared/logging/index.js';
import { createRpcClient, guestAgentContract, guestTopic } from '../../../shared/rpc/index.js';
import { DockerodeRuntime } from '../../../guestagent/docker/dockerode-runtime.js';
import { datastoreLabels } from '../../../guestagent/docker/reconcile.js';
import { startAgent, stopAgent, writeGuestConfig } from '../../integration/guestagent/agent-process.js';
import { TempDir } from '../../helpers/tmp.js';
import { median, startConductor, waitFor } from './bench-util.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const managers = [
  { manager: 'mariadb', version: '10.11' },
  { manager: 'postgresql', version: '15' },
] as const;
const run = randomUUID().slice(0, 8);
const exchange = `trove-bench-prepare-${run}`;
const conductorQueue = `trove-conductor-bench-prepare-${run}`;
const keys = new Map<string, string>();
const conductor = await startConductor(exchange, conductorQueue, (id) => keys.get(id) ?? null);
const runtime = new DockerodeRuntime({ logger: silentLogger() });
const results: Record<string, number[]> = {};

try {
  for (const { manager, version } of managers) {
    for (let attempt = 1; attempt <= runs; attempt++) {
      const guestId = `bench-prepare-${randomUUID()}`;
      const key = randomBytes(32).toString('hex');
      keys.set(guestId, key);
      const tmp = new TempDir('trove-bench-prepare-');
      const agent = startAgent(
        writeGuestConfig(tmp.join('conf.d'), {
          guestId,
          manager,
          version,
          key,
          exchange,
          conductorQueue,
          bindHost: '127.20.250.2',
          mountPoint: tmp.join('volume'),
          containerName: `trove-bench-prepare-${run}-${attempt}`,
          reportInterval: 30,
        }),
      );
      try {
        const mine = () => conductor.beats.filter((beat) => beat.instanceId === guestId);
        await waitFor(() => mine().length > 0, 60_000, 'the agent to serve');
        const guest = createRpcClient(guestAgentContract, { transport: conductor.transport, topic: guestTopic(guestId), sealing: { mode: 'lookup', resolveKey: async () => key }, timeouts: conductor.config, logger: silentLogger() });
        const started = performance.now();
        await guest.prepare({ memory_mb: 1024, ds_version: version, databases: [{ _name: 'benchdb' }], users: [{ _name: 'bench', _password: 'bench-pw-123', _databases: [{ _name: 'benchdb' }] }] });
        await waitFor(() => mine().some((beat) => beat.status === 'healthy' || beat.status === 'failed to spawn'), 300_000, 'healthy');
        const healthy = mine().find((beat) => beat.status === 'healthy' || beat.status === 'failed to spawn')!;
        if (healthy.status !== 'healthy') throw new Error(`${manager} prepare failed`);
        (results[manager] ??= []).push((healthy.at - started) / 1000);
        console.log(`${manager} run ${attempt}: ${((healthy.at - started) / 1000).toFixed(2)} s from cast to healthy`);
      } finally {
        await stopAgent(agent);
        for (const info of await runtime.listByLabels(datastoreLabels(guestId))) await runtime.remove(info.id, { force: true });
        tmp.cleanup();
      }
    }
  }
  console.log('| datastore | runs | min s | median s | max s |');
  console.log('|---|---|---|---|---|');
  for (const [manager, values] of Object.entries(results)) {
    console.log(`| ${manager} | ${values.length} | ${Math.min(...values).toFixed(2)} | ${median(values).toFixed(2)} | ${Math.max(...values).toFixed(2)} |`);
  }
} finally {
  await conductor.stop();
}
