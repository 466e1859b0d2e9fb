/**
 * The common life of a trove-ts daemon: read `--config-file`/`--config-dir`, build the root logger, start
 * the service, and stop it cleanly on SIGTERM or SIGINT. A configuration error prints one line and exits 2;
 * any other start-up failure exits 1. Each `main.ts` is a thin call to `runDaemon`.
 */
import { ConfigError, TroveError } from '../errors/index.js';
import { defaultConfigFiles, loadConfig, parseConfigArgs, type LoadedConfig, type TroveConfig } from '../config/index.js';
import { createLogger, type Logger } from '../logging/index.js';

/** A started service; `stop` must finish in-flight work and release every resource. */
export interface RunningService {
  stop(): Promise<void>;
}

/** What a daemon's start function receives. */
export interface DaemonContext {
  config: TroveConfig;
  logger: Logger;
  /** Arguments left after the config options. */
  args: string[];
  /** Files the configuration came from, in order. */
  configFiles: string[];
}

export interface DaemonOptions {
  /** Process name, e.g. `trove-conductor`. */
  name: string;
  /** Project whose default config files are searched when no --config-file/--config-dir is given. @default 'trove' */
  project?: string;
  start(context: DaemonContext): Promise<RunningService>;
}

/** Loads configuration from the command line the way every trove-ts process does. */
export function loadConfigFromArgs(argv: readonly string[], project = 'trove'): LoadedConfig & { args: string[] } {
  const parsed = parseConfigArgs(argv);
  const sources =
    parsed.configFiles.length === 0 && parsed.configDirs.length === 0
      ? { configFiles: defaultConfigFiles(project), configDirs: [] }
      : parsed;
  return { ...loadConfig(sources), args: parsed.rest };
}

/** Prints a failure as one readable line and returns the exit status it deserves. */
export function reportFatal(name: string, error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`${name}: ${error.message}\n`);
    return 2;
  }
  const message = error instanceof TroveError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${name}: ${message}\n`);
  return 1;
}

/** Runs a daemon until SIGTERM/SIGINT; never returns normally. */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  let logger: Logger | undefined;
  try {
    const loaded = loadConfigFromArgs(process.argv.slice(2), options.project);
    logger = createLogger({ name: options.name, level: loaded.config.DEFAULT.debug ? 'debug' : 'info' });
    for (const warning of loaded.warnings) logger.warn({ warning }, 'configuration warning');
    const service = await options.start({ config: loaded.config, logger, args: loaded.args, configFiles: loaded.files });
    logger.info({ files: loaded.files }, `${options.name} started`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info({ signal }, `${options.name} stopping`);
      service.stop().then(
        () => {
          logger?.info(`${options.name} stopped`);
          logger?.flush();
          process.exit(0);
        },
        (error: unknown) => {
          logger?.error({ err: error }, 'error while stopping');
          logger?.flush();
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    logger?.error({ err: error }, `${options.name} failed to start`);
    logger?.flush();
    process.exit(reportFatal(options.name, error));
  }
}
