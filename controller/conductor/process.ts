/**
 * How trove-conductor runs as processes. With `trove_conductor_workers = 1` the process itself serves; with
 * more, the process becomes a supervisor that forks that many workers (node:cluster), each with its own
 * database pool, broker connection and consumer on the shared queue, so the broker spreads messages over
 * them. A worker that dies is started again (with backoff); SIGTERM to the supervisor stops the workers,
 * each finishing its in-flight batch first. Only the first worker runs the expiry sweeper. The metrics
 * endpoint (`[conductor] metrics_port`) is served by the single process or by the supervisor, which
 * aggregates its workers' metrics.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, register as defaultRegistry } from 'prom-client';
import type { TroveConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RunningService } from '../../shared/process/index.js';
import { connectTransport } from '../../shared/rpc/index.js';
import { openDatabase } from '../db/connection.js';
import { ConductorService } from './service.js';

const WORKER_ENV = 'TROVE_CONDUCTOR_WORKER';
const STOP_TIMEOUT_MS = 40_000;

/** Serves GET /metrics and GET /healthz on `[conductor] metrics_bind_host:metrics_port`; undefined when the port is 0. */
async function startMetricsServer(config: TroveConfig, logger: Logger, metrics: () => Promise<{ text: string; contentType: string }>): Promise<Server | undefined> {
  const port = config.conductor.metrics_port;
  if (port === 0) return undefined;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics().then(
      ({ text, contentType }) => response.writeHead(200, { 'content-type': contentType }).end(text),
      (error: unknown) => {
        logger.warn({ err: error }, 'could not collect metrics');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.conductor.metrics_bind_host, () => resolve());
  });
  logger.info({ host: config.conductor.metrics_bind_host, port }, 'metrics endpoint listening');
  return server;
}

function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Runs one conductor in this process: database, broker, service. */
async function startServing(config: TroveConfig, logger: Logger, options: { sweeper: boolean; metricsEndpoint: boolean }): Promise<RunningService> {
  const database = await openDatabase(config.database, { logger });
  let transport;
  let service: ConductorService;
  let metricsServer: Server | undefined;
  try {
    transport = await connectTransport(config, logger, { processName: 'trove-conductor' });
    service = await ConductorService.create({ config, logger, transport, sequelize: database.sequelize, expirySweeper: options.sweeper });
    await service.run();
    if (options.metricsEndpoint) {
      metricsServer = await startMetricsServer(config, logger, async () => ({ text: await defaultRegistry.metrics(), contentType: defaultRegistry.contentType }));
    }
  } catch (error) {
    await transport?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
  const open = transport;
  return {
    async stop() {
      await closeServer(metricsServer);
      await service.shutdown();
      await open.close();
      await database.close();
    },
  };
}

/** The supervisor of `workers` conductor processes. */
async function startSupervisor(config: TroveConfig, logger: Logger, workers: number): Promise<RunningService> {
  const log = logger.child({ component: 'conductor-supervisor' });
  const live = new Map<number, Worker>();
  const backoff = new Map<number, number>();
  let stopping = false;

  function fork(index: number): void {
    const worker = cluster.fork({ [WORKER_ENV]: String(index) });
    const startedAt = Date.now();
    live.set(index, worker);
    worker.on('exit', (code, signal) => {
      if (live.get(index) === worker) live.delete(index);
      if (stopping) return;
      // A worker that ran for a minute earns a fresh backoff.
      const delay = Date.now() - startedAt > 60_000 ? 1000 : Math.min((backoff.get(index) ?? 500) * 2, 30_000);
      backoff.set(index, delay);
      log.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delay }, 'conductor worker exited; restarting it');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay).unref();
    });
  }

  for (let index = 1; index <= workers; index++) fork(index);
  log.info({ workers }, 'conductor workers started');
  const aggregator = new AggregatorRegistry();
  const metricsServer = await startMetricsServer(config, log, async () => ({ text: await aggregator.clusterMetrics(), contentType: aggregator.contentType }));

  return {
    async stop() {
      stopping = true;
      await closeServer(metricsServer);
      const exits = [...live.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) {
              resolve();
              return;
            }
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
    },
  };
}

/**
 * Starts trove-conductor as configured: in this process (one worker, or this process is a cluster worker)
 * or as the supervisor of `trove_conductor_workers` workers.
 */
export async function startConductor(config: TroveConfig, logger: Logger): Promise<RunningService> {
  const workers = config.DEFAULT.trove_conductor_workers;
  if (cluster.isPrimary && workers > 1) return startSupervisor(config, logger, workers);
  // Answers the supervisor's requests for this worker's metrics (prom-client listens once one exists).
  if (cluster.isWorker) new AggregatorRegistry();
  const index = cluster.isWorker ? Number(process.env[WORKER_ENV] ?? '1') : 1;
  const workerLogger = cluster.isWorker ? logger.child({ worker: index }) : logger;
  return startServing(config, workerLogger, { sweeper: index === 1, metricsEndpoint: !cluster.isWorker });
}
