/**
 * Structured JSON logging (pino) shared by every process. Each component takes a child logger with its
 * context bound once (`component`, `instanceId`, `requestId`); secrets are redacted by field name at any
 * of the first three nesting levels, so a password or key passed in a log object never reaches the output.
 */
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values are never logged, wherever they appear in a log object. */
const SECRET_FIELDS = [
  'password',
  'root_password',
  '_password',
  'auth_token',
  'token',
  'x-auth-token',
  'x-subject-token',
  'key',
  'encrypted_key',
  'instance_rpc_encr_key',
  'taskmanager_rpc_encr_key',
  'inst_rpc_key_encr_key',
  'transport_url',
  'connection',
  'config_contents',
  'secret',
  'authorization',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const field of SECRET_FIELDS) {
    const quoted = /^[a-z_][a-z0-9_]*$/i.test(field) ? field : `["${field}"]`;
    const join = (prefix: string) => (quoted.startsWith('[') ? `${prefix}${quoted}` : `${prefix}.${quoted}`);
    paths.push(quoted.startsWith('[') ? quoted.slice(2, -2) : quoted, join('*'), join('*.*'));
  }
  return paths;
}

/** Options to configure the root logger of a process. */
export interface LoggerSettings {
  /** The process name, e.g. `trove-api`; becomes the `name` field. */
  name: string;
  /** @default 'info' (or 'debug' when `debug = true` in the config) */
  level?: string;
  /** Where JSON lines go. @default standard error, so command output on stdout stays clean */
  destination?: DestinationStream;
}

/** Creates a process's root logger. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    redact: { paths: redactPaths(), censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, settings.destination ?? pino.destination(2));
}

/** A logger that discards everything; for unit tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
