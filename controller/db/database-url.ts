/**
 * Parses `[database] connection` in the forms Trove deployments use: SQLAlchemy's
 * `mysql+pymysql://user:password@host:port/trove?charset=utf8`, plain `mysql://` and `mariadb://`. Only
 * MySQL-protocol servers are supported; anything else (sqlite://, postgresql://) is a ConfigError that
 * names the option, so a misconfigured controller stops at start-up with one clear line.
 */
import { ConfigError } from '../../shared/errors/index.js';

const OPTION = '[database] connection';

/** Schemes accepted: the MySQL family with SQLAlchemy's usual driver suffixes. */
const SCHEME = /^(mysql|mariadb)(\+(pymysql|mysqldb|mysqlconnector|mariadbconnector|mysql2))?$/;

/** SQLAlchemy's URL grammar (sqlalchemy/engine/url.py `_parse_url`). */
const URL_PATTERN =
  /^(?<scheme>[\w+]+):\/\/(?:(?<user>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6>[^/?]+)\]|(?<host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/s;

/** Character sets a connection may ask for; all are served as utf8mb4, the tables' character set. */
const UTF8_CHARSETS = new Set(['utf8', 'utf8mb3', 'utf8mb4']);

/** Query parameters understood (pymysql's names); others are reported as warnings. */
const KNOWN_PARAMS = new Set(['charset', 'unix_socket', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_verify_cert', 'connect_timeout']);

/** A parsed `[database] connection`. */
export interface DatabaseUrl {
  /** The scheme as written, e.g. `mysql+pymysql`. */
  scheme: string;
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
  /** Set when the URL names `unix_socket`; host and port are then ignored by the driver. */
  socketPath?: string;
  /** TLS files from `ssl_ca`/`ssl_cert`/`ssl_key`; present when any of them is given. */
  ssl?: { ca?: string; cert?: string; key?: string; verifyCert: boolean };
  /** Seconds, from `connect_timeout`. */
  connectTimeoutSeconds?: number;
  /** Notes about the URL worth logging (unknown parameters, charset upgraded to utf8mb4). */
  warnings: string[];
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(`${OPTION}: the ${what} is not valid percent-encoding`);
  }
}

/**
 * Parses a connection URL.
 * @throws ConfigError when the URL is missing, malformed, or not a MySQL/MariaDB URL
 */
export function parseDatabaseUrl(url: string | null | undefined): DatabaseUrl {
  if (url === null || url === undefined || url.trim() === '') {
    throw new ConfigError(`${OPTION} is not set; give a URL such as mysql+pymysql://trove:password@127.0.0.1:3306/trove`);
  }
  const match = URL_PATTERN.exec(url.trim());
  if (!match?.groups) throw new ConfigError(`${OPTION} is not a database URL (expected mysql+pymysql://user:password@host:port/database)`);
  const g = match.groups;
  const scheme = (g['scheme'] ?? '').toLowerCase();
  if (!SCHEME.test(scheme)) {
    throw new ConfigError(`${OPTION}: unsupported database '${scheme}://'; only MySQL and MariaDB (mysql://, mysql+pymysql://, mariadb://) are supported`);
  }
  const warnings: string[] = [];
  const params = new URLSearchParams(g['query'] ?? '');
  for (const key of new Set(params.keys())) {
    if (!KNOWN_PARAMS.has(key)) warnings.push(`${OPTION}: query parameter '${key}' is not used by trove-ts`);
  }
  const charset = params.get('charset');
  if (charset !== null && !UTF8_CHARSETS.has(charset.toLowerCase())) {
    throw new ConfigError(`${OPTION}: charset '${charset}' is not supported; use utf8 or utf8mb4`);
  }
  if (charset !== null && charset.toLowerCase() !== 'utf8mb4') warnings.push(`${OPTION}: charset '${charset}' is served as utf8mb4`);

  let port = 3306;
  const portText = g['port'];
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new ConfigError(`${OPTION}: port '${portText}' is not a number between 1 and 65535`);
  }
  const database = decode(g['database'] ?? '', 'database name');
  if (database === '') throw new ConfigError(`${OPTION} names no database (add /trove after the host)`);
  const socketPath = params.get('unix_socket') ?? undefined;
  const host = g['ipv6'] ?? (g['host'] !== undefined ? decode(g['host'], 'host') : '');
  if (host === '' && socketPath === undefined) throw new ConfigError(`${OPTION} names no host (and no unix_socket)`);

  const parsed: DatabaseUrl = {
    scheme,
    user: decode(g['user'] ?? '', 'user name'),
    password: decode(g['password'] ?? '', 'password'),
    host: host === '' ? 'localhost' : host,
    port,
    database,
    warnings,
  };
  if (socketPath !== undefined) {
    if (socketPath === '') throw new ConfigError(`${OPTION}: unix_socket is empty`);
    parsed.socketPath = socketPath;
  }
  const ca = params.get('ssl_ca');
  const cert = params.get('ssl_cert');
  const key = params.get('ssl_key');
  if (ca !== null || cert !== null || key !== null) {
    const verify = params.get('ssl_verify_cert');
    parsed.ssl = { verifyCert: verify === null || !/^(0|false|no|off)$/i.test(verify) };
    if (ca !== null) parsed.ssl.ca = ca;
    if (cert !== null) parsed.ssl.cert = cert;
    if (key !== null) parsed.ssl.key = key;
  }
  const timeout = params.get('connect_timeout');
  if (timeout !== null) {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new ConfigError(`${OPTION}: connect_timeout '${timeout}' is not a positive number`);
    parsed.connectTimeoutSeconds = seconds;
  }
  return parsed;
}

/** The URL without its password, for logs and messages: `mysql+pymysql://trove:***@db:3306/trove`. */
export function describeDatabaseUrl(url: DatabaseUrl): string {
  const auth = url.user === '' ? '' : `${encodeURIComponent(url.user)}${url.password === '' ? '' : ':***'}@`;
  const where = url.socketPath !== undefined ? `?unix_socket=${url.socketPath}` : '';
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return `${url.scheme}://${auth}${url.socketPath !== undefined ? '' : `${host}:${url.port}`}/${url.database}${where}`;
}
