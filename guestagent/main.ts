#!/usr/bin/env node
/**
 * Entry point of `trove-guestagent`: `trove-guestagent --config-dir /etc/trove/conf.d` reads what cloud-init
 * wrote (guest_info.conf: identity and key; trove-guestagent.conf: transport, exchange, datastore sections),
 * serves `guestagent.<guest_id>` and stops cleanly on SIGTERM, draining in-flight calls. A missing guest_id,
 * an unknown datastore or a missing/unsafe key ends it at once: one line on stderr, exit status 2.
 */
import { assertRpcKeys } from '../shared/config/index.js';
import { loadConfigFromArgs, reportFatal, runDaemon } from '../shared/process/index.js';
import type { GuestAgent } from './agent.js';
import { guestIdentity } from './identity.js';

const NAME = 'trove-guestagent';

// Identity and keys are checked before the daemon starts logging (one line for a bad guest_info.conf) and
// before the broker, Docker and database client libraries are loaded (a quick refusal).
try {
  const { config } = loadConfigFromArgs(process.argv.slice(2));
  guestIdentity(config);
  assertRpcKeys(config, 'guest');
} catch (error) {
  process.exit(reportFatal(NAME, error));
}

await runDaemon({
  name: NAME,
  async start({ config, logger }) {
    const [{ connectTransport }, agentModule] = await Promise.all([import('../shared/rpc/index.js'), import('./agent.js')]);
    const transport = await connectTransport(config, logger, { processName: NAME });
    let agent: GuestAgent;
    try {
      agent = await agentModule.GuestAgent.create({ config, logger, transport });
      await agent.run();
    } catch (error) {
      await transport.close();
      throw error;
    }
    return {
      async stop() {
        await agent.shutdown();
        await transport.close();
      },
    };
  },
});
