import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { generateInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { t } from '../../../shared/schema/index.js';
import { cast, connectTransport, createRpcClient, defineContract, rpcMetrics, serveRpc, type Sealing, type Transport } from '../../../shared/rpc/index.js';
import { brokerConfig, deleteTopology, uniqueName } from './broker.js';

const run = promisify(execFile);
const contract = defineContract('restart', '1.0', { record: cast(t.object({ value: t.integer() })) });

/**
 * The only test that restarts RabbitMQ (`rabbitmqctl stop_app && start_app`, a few seconds): other suites
 * share the broker, so it stays short and happens once.
 */
describe('RPC across a RabbitMQ restart', function () {
  this.timeout(240_000);
  const exchange = uniqueName('trove-it-restart');
  const topic = uniqueName('restart');
  const transports: Transport[] = [];

  after(async () => {
    for (const transport of transports) await transport.close();
    await deleteTopology(exchange, [topic, `${topic}.host-1`, ...transports.map((transport) => transport.replyQueue)]);
  });

  it('loses no sealed cast sent during a broker restart', async () => {
    const config = brokerConfig(exchange, { oslo_messaging_rabbit: { publish_timeout: 180, heartbeat_timeout_threshold: 10 } });
    const logger = silentLogger();
    const serverSide = await connectTransport(config, logger, { processName: 'it-restart-server' });
    const clientSide = await connectTransport(config, logger, { processName: 'it-restart-client' });
    transports.push(serverSide, clientSide);
    const sealing: Sealing = { mode: 'shared', key: generateInstanceKey() };
    const metrics = rpcMetrics(new Registry());
    const received = new Map<number, number>();
    const server = await serveRpc(contract, {
      record: async ({ value }) => {
        received.set(value, (received.get(value) ?? 0) + 1);
      },
    }, { transport: serverSide, topic, server: 'host-1', sealing, logger, metrics });
    const client = createRpcClient(contract, { transport: clientSide, topic, sealing, timeouts: config, logger, metrics });

    // A steady stream (one cast every 5 ms) that starts before the restart and ends 100 casts after it.
    const sends: Promise<void>[] = [];
    let restarted = false;
    let restartTookMs = 0;
    let sentDuringRestart = 0;
    let afterRestart = 0;
    let restart: Promise<void> | undefined;
    for (let value = 0; afterRestart < 100; value++) {
      sends.push(client.record({ value }));
      if (value === 100) {
        const startedAt = Date.now();
        restart = (async () => {
          await run('rabbitmqctl', ['-q', 'stop_app']);
          await run('rabbitmqctl', ['-q', 'start_app']);
          restartTookMs = Date.now() - startedAt;
          restarted = true;
        })();
      }
      if (restarted) afterRestart += 1;
      else if (restart !== undefined) sentDuringRestart += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const total = sends.length;
    await restart;
    await Promise.all(sends);
    const deadline = Date.now() + 120_000;
    while (received.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await server.stop(5000);

    const missing = Array.from({ length: total }, (_, value) => value).filter((value) => !received.has(value));
    expect(missing, `missing after a ${restartTookMs} ms restart`).to.deep.equal([]);
    const duplicates = (await metrics.duplicates.get()).values.reduce((sum, entry) => sum + entry.value, 0);
    // Handlers may run twice only when the broker lost an acknowledgement; the server skips those it saw.
    const ranTwice = [...received.values()].filter((count) => count > 1).length;
    expect(ranTwice).to.equal(0);
    expect(sentDuringRestart).to.be.greaterThan(100);
    process.stdout.write(`      broker restart took ${restartTookMs} ms; ${total} casts (${sentDuringRestart} sent while it restarted) delivered, ${duplicates} redeliveries skipped\n`);
  });
});
