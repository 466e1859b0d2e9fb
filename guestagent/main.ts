#!/usr/bin/env node
/** Entry point of `trove-guestagent`: serves `guestagent.<guest_id>` inside each instance. */
import { runDaemon } from '../shared/process/index.js';

await runDaemon({
  name: 'trove-guestagent',
  async start({ logger }) {
    const keepAlive = setInterval(() => undefined, 60_000);
    logger.debug('guest agent skeleton running');
    return {
      async stop() {
        clearInterval(keepAlive);
      },
    };
  },
});
