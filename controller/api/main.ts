#!/usr/bin/env node
/**
 * Entry point of `trove-api`: the Trove v1 REST API. With `trove_api_workers` > 1 (default: the number of
 * CPUs) the primary process forks that many workers sharing the listening socket (node cluster), restarts a
 * worker that dies, and on SIGTERM stops the workers and waits for them.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { runDaemon } from '../../shared/process/index.js';
import { createApp } from './app.js';
import { startApiServer } from './server.js';
import { wireDeps } from './wiring.js';

await runDaemon({
  name: cluster.isPrimary ? 'trove-api' : `trove-api-worker-${cluster.worker?.id ?? 0}`,
  async start({ config, logger, configFiles }) {
    const workers = config.DEFAULT.trove_api_workers ?? availableParallelism();
    if (cluster.isPrimary && workers > 1) {
      let stopping = false;
      const spawn = (): Worker => cluster.fork();
      for (let index = 0; index < workers; index++) spawn();
      cluster.on('exit', (worker, code, signal) => {
        if (stopping) return;
        logger.error({ worker: worker.id, code, signal }, 'API worker exited; starting a new one');
        setTimeout(spawn, 1000).unref();
      });
      logger.info({ workers, host: config.DEFAULT.bind_host, port: config.DEFAULT.bind_port }, 'API workers started');
      return {
        async stop() {
          stopping = true;
          const alive = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
          await Promise.all(
            alive.map(
              (worker) =>
                new Promise<void>((resolve) => {
                  worker.once('exit', () => resolve());
                  worker.process.kill('SIGTERM');
                }),
            ),
          );
        },
      };
    }
    const wired = await wireDeps(config, logger, configFiles);
    const { app } = createApp(wired.deps);
    const server = await startApiServer(app, { host: config.DEFAULT.bind_host, port: config.DEFAULT.bind_port, logger });
    logger.info({ address: server.address() }, 'API listening');
    return {
      async stop() {
        await server.close();
        await wired.close();
      },
    };
  },
});
