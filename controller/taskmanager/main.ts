#!/usr/bin/env node
/** Entry point of `trove-taskmanager`: instance provisioning flows. */
import { runDaemon } from '../../shared/process/index.js';

await runDaemon({
  name: 'trove-taskmanager',
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
