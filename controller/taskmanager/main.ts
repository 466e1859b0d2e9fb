#!/usr/bin/env node
/**
 * Entry point of `trove-taskmanager --config-file /etc/trove/trove.conf`: runs the provisioning flows cast by
 * the API (create, delete, restart, reboot, resizes, upgrade, configuration, access) on the configured compute
 * backend, recorded step by step in the database so a restarted taskmanager resumes them. Refuses to start on
 * a database whose schema is not current (run `trove-manage db_sync`).
 */
import { ConfigError } from '../../shared/errors/index.js';
import { runDaemon } from '../../shared/process/index.js';
import { connectTransport } from '../../shared/rpc/index.js';
import { createComputeBackend } from '../compute/backend.js';
import { openDatabase } from '../db/connection.js';
import { pendingMigrations } from '../db/migrate.js';
import { TaskManager } from './service.js';

await runDaemon({
  name: 'trove-taskmanager',
  async start({ config, logger }) {
    const database = await openDatabase(config.database, { logger });
    const release: Array<() => Promise<void>> = [() => database.close()];
    const closeAll = async () => {
      for (const close of release.reverse()) await close().catch(() => undefined);
    };
    try {
      const pending = await pendingMigrations(database.sequelize);
      if (pending.length > 0) throw new ConfigError(`the database ${database.description} needs migrations ${pending.join(', ')}: run trove-manage db_sync`);
      const backend = createComputeBackend(config, logger);
      release.push(() => backend.close());
      const transport = await connectTransport(config, logger, { processName: 'trove-taskmanager' });
      release.push(() => transport.close());
      const taskManager = await TaskManager.create({ config, logger, transport, backend, database });
      await taskManager.run();
      return {
        async stop() {
          await taskManager.shutdown();
          await closeAll();
        },
      };
    } catch (error) {
      await closeAll();
      throw error;
    }
  },
});
