export { createLogger, silentLogger } from './logger.js';
export type { Logger, LoggerSettings } from './logger.js';
