/**
 * Benchmark: RPC through the real broker (RabbitMQ at 127.0.0.1:5672, AMQP 1.0): call round-trip latency
 * (p50/p99, one call at a time, then 32 in flight) and cast throughput (publish until the broker has them,
 * and until the server has handled them), plain, sealed with AES-256-GCM and with the Trove-compatible codec.
 * The same measurements of stock Trove 18's stack (oslo.messaging 14 + kombu over AMQP 0-9-1, Trove's
 * SecureSerializer; Debian python3-trove) run in the same script on the same broker. Prints a table; uses
 * its own exchanges and topics and deletes them afterwards.
 *
 *   node dist-<you>/test/bench/rpc/roundtrip.js      (BENCH_CALLS=2000 BENCH_CASTS=10000)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { defaultConfig } from '../../../shared/config/index.js';
import { generateInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { t } from '../../../shared/schema/index.js';
import { call, cast, connectTransport, createRpcClient, defineContract, rpcMetrics, serveRpc, TopologySession, type Sealing } from '../../../shared/rpc/index.js';

const calls = Number(process.env['BENCH_CALLS'] ?? 2000);
const casts = Number(process.env['BENCH_CASTS'] ?? 10000);
const logger = silentLogger();
const contract = defineContract('bench', '1.0', {
  ping: call(t.object({ instance_id: t.string(), payload: t.object({ service_status: t.string() }), sent: t.number() }), t.boolean(), { timeout: 'low' }),
  heartbeat: cast(t.object({ instance_id: t.string(), payload: t.object({ service_status: t.string() }), sent: t.number() })),
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(label: string, serverSealing: Sealing, clientSealing: Sealing): Promise<string> {
  const run = randomBytes(4).toString('hex');
  const exchange = `trove-bench-rpc-${run}`;
  const topic = `bench-${run}`;
  const config = defaultConfig({ DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/', control_exchange: exchange } });
  const serverSide = await connectTransport(config, logger, { processName: 'bench-server' });
  const clientSide = await connectTransport(config, logger, { processName: 'bench-client' });
  let handled = 0;
  const server = await serveRpc(contract, {
    ping: async () => true,
    heartbeat: async () => {
      handled += 1;
    },
  }, { transport: serverSide, topic, sealing: serverSealing, logger, metrics: rpcMetrics(new Registry()), concurrency: 256 });
  const client = createRpcClient(contract, { transport: clientSide, topic, instanceId: 'inst-bench', sealing: clientSealing, timeouts: config, logger });
  const args = () => ({ instance_id: 'inst-bench', payload: { service_status: 'running' }, sent: Date.now() / 1000 });

  for (let index = 0; index < 200; index++) await client.ping(args());
  const latencies: number[] = [];
  for (let index = 0; index < calls; index++) {
    const started = performance.now();
    await client.ping(args());
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);

  const parallelStarted = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < calls) {
      next += 1;
      await client.ping(args());
    }
  }));
  const callsPerSecond = calls / ((performance.now() - parallelStarted) / 1000);

  const castStarted = performance.now();
  const pending: Promise<void>[] = [];
  for (let index = 0; index < casts; index++) pending.push(client.heartbeat(args()));
  await Promise.all(pending);
  const acceptedMs = performance.now() - castStarted;
  while (handled < casts) await new Promise((resolve) => setTimeout(resolve, 5));
  const handledMs = performance.now() - castStarted;

  await server.stop(5000);
  await serverSide.close();
  await clientSide.close();
  await cleanUp(exchange, [topic, serverSide.replyQueue, clientSide.replyQueue]);
  return row(label, percentile(latencies, 50), percentile(latencies, 99), callsPerSecond, casts / (acceptedMs / 1000), casts / (handledMs / 1000));
}

function row(label: string, p50: number, p99: number, callsPerSecond: number, accepted: number, handled: number): string {
  return `| ${label} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${Math.round(callsPerSecond)} | ${Math.round(accepted)} | ${Math.round(handled)} |`;
}

async function cleanUp(exchange: string, queues: string[]): Promise<void> {
  const session = await TopologySession.open({ host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' }, '/', { tls: false, timeoutMs: 5000 });
  for (const queue of queues) await session.deleteQueue(queue).catch(() => undefined);
  await session.deleteExchange(exchange).catch(() => undefined);
  await session.close();
}

/** Stock Trove 18's messaging stack on the same broker (stock_oslo_rpc.py); reply and fanout queues expire by themselves. */
async function measureStock(key: string | undefined): Promise<string> {
  const run = randomBytes(4).toString('hex');
  const exchange = `trove-bench-stock-${run}`;
  const topic = `bench-stock-${run}`;
  const script = fileURLToPath(new URL('../../../../test/bench/rpc/stock_oslo_rpc.py', import.meta.url));
  const label = `stock Trove 18: oslo.messaging + kombu (AMQP 0-9-1)${key ? ', SecureSerializer' : ''}`;
  try {
    const output = execFileSync('/usr/bin/python3', [script], {
      input: JSON.stringify({ url: 'rabbit://guest:guest@127.0.0.1:5672/', exchange, topic, calls, casts, ...(key ? { key } : {}) }),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, EVENTLET_NO_GREENDNS: 'yes' },
      maxBuffer: 1 << 20,
    });
    const stock = JSON.parse(output) as Record<string, number>;
    return row(label, stock['p50_ms'] ?? NaN, stock['p99_ms'] ?? NaN, stock['calls_per_s'] ?? NaN, stock['casts_accepted_per_s'] ?? NaN, stock['casts_handled_per_s'] ?? NaN);
  } catch (error) {
    return `| ${label} | not measured: ${(error as Error).message.split('\n')[0]} | | | | |`;
  } finally {
    await cleanUp(exchange, [topic, `${topic}.bench`]);
  }
}

const key = generateInstanceKey();
const rows = [
  await measure('plain', { mode: 'plain' }, { mode: 'plain' }),
  await measure('sealed (AES-256-GCM, instance key)', { mode: 'instance', instanceId: 'inst-bench', key }, { mode: 'lookup', resolveKey: async () => key }),
  await measure('sealed (trove-compat)', { mode: 'instance', codec: 'trove-compat', instanceId: 'inst-bench', key }, { mode: 'lookup', codec: 'trove-compat', resolveKey: async () => key }),
  await measureStock(undefined),
  await measureStock(key),
];
console.log(`RPC through one RabbitMQ broker, ${calls} calls, ${casts} casts, heartbeat-sized arguments`);
console.log('| stack | call p50 ms | call p99 ms | calls/s (32 in flight) | casts/s accepted by broker | casts/s handled |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
