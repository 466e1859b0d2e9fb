#!/usr/bin/env node
/** Entry point of `trove-conductor`: heartbeats and backup progress from guests. */
import { runDaemon } from '../../shared/process/index.js';

await runDaemon({
  name: 'trove-conductor',
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
