#!/usr/bin/env node
/**
 * Entry point of `trove-conductor`: `trove-conductor --config-file /etc/trove/trove.conf` consumes guest
 * heartbeats, backup progress, root reports and notifications from `[DEFAULT] conductor_queue` and writes
 * them to the controller database; SIGTERM stops it after the in-flight batch. See docs/conductor.md.
 */
import { runDaemon } from '../../shared/process/index.js';
import { startConductor } from './process.js';

await runDaemon({
  name: 'trove-conductor',
  start: ({ config, logger }) => startConductor(config, logger),
});
