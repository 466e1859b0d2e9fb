/**
 * SQL plumbing for the MySQL family: one short-lived connection per operation (a restarted server never
 * leaves the agent holding a dead pool), identifiers quoted by us, every value bound as a `?` parameter
 * (mysql2 escapes it as a literal). Nothing a user supplies is ever concatenated into SQL unquoted.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import type { Credentials } from '../base/credentials.js';
import { DatastoreUnavailableError } from '../base/errors.js';

/** Where and as whom the agent connects. */
export interface MysqlEndpoint {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

/** Quotes an identifier (database, table) with backticks, doubling embedded backticks. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * A database name as the object of a database-level GRANT/REVOKE. MySQL treats `_` and `%` there as
 * wildcards, so `a_b` would also grant `aXb`; escaping them makes the grant exact.
 */
export function grantDatabase(name: string): string {
  return `${quoteIdentifier(name.replace(/([\\_%])/g, '\\$1'))}.*`;
}

/** Undoes `grantDatabase`'s escaping for names read back from `mysql.db`. */
export function unescapeGrantDatabase(name: string): string {
  return name.replace(/\\([\\_%])/g, '$1');
}

/** Opens a connection, runs `work`, always closes. */
export async function withConnection<T>(endpoint: MysqlEndpoint, credentials: Credentials, work: (connection: Connection) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await createConnection({
      host: endpoint.host,
      port: endpoint.port,
      user: credentials.user,
      password: credentials.password,
      connectTimeout: endpoint.connectTimeoutMs,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
  } catch (error) {
    throw new DatastoreUnavailableError(`Cannot connect to the datastore at ${endpoint.host}:${endpoint.port}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await work(connection);
  } catch (error) {
    // mysql2 errors carry the statement text, values included (passwords!); it must never reach a log.
    if (typeof error === 'object' && error !== null && 'sql' in error) delete (error as { sql?: unknown }).sql;
    throw error;
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/**
 * Runs a statement that carries a secret. A failure is rethrown without the server's message, which may
 * quote the statement (a syntax error shows the text near the password).
 */
export async function querySecret(connection: Connection, sql: string, values: unknown[], what: string): Promise<void> {
  try {
    await connection.query(sql, values);
  } catch (error) {
    const errno = serverErrorNumber(error);
    const code = (error as { code?: unknown }).code;
    throw new DatastoreUnavailableError(`${what} failed (server error ${errno ?? 'unknown'}${typeof code === 'string' ? ` ${code}` : ''}).`);
  }
}

/** mysql2's error number, when the error came from the server. */
export function serverErrorNumber(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}
