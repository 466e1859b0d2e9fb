#!/usr/bin/env node
/** Entry point of `trove-api`: Trove v1 REST API (routes land with the API issue). */
import { runDaemon } from '../../shared/process/index.js';

await runDaemon({
  name: 'trove-api',
  async start({ logger }) {
    // Skeleton until its issue lands: keeps the process alive so supervisors see it running.
    const keepAlive = setInterval(() => undefined, 60_000);
    logger.debug('service skeleton running');
    return {
      async stop() {
        clearInterval(keepAlive);
      },
    };
  },
});
