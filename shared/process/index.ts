export { runDaemon, loadConfigFromArgs, reportFatal } from './run.js';
export type { RunningService, DaemonContext, DaemonOptions } from './run.js';
