/**
 * SQL plumbing for PostgreSQL: one short-lived client per operation, identifiers quoted with
 * `escapeIdentifier`, literals (only where PostgreSQL accepts no parameter: utility statements) with
 * `escapeLiteral`, everything else bound as `$n`.
 */
import pg from 'pg';
import type { Credentials } from '../base/credentials.js';
import { DatastoreUnavailableError } from '../base/errors.js';

/** Where the agent connects. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

/** The maintenance database the admin connects to. */
export const ADMIN_DATABASE = 'postgres';

/** Quotes an identifier with double quotes, doubling embedded ones. */
export const quoteIdentifier = (name: string): string => pg.escapeIdentifier(name);
/** Quotes a string literal (E'' form when it holds backslashes). */
export const quoteLiteral = (value: string): string => pg.escapeLiteral(value);

/** Opens a client to `database`, runs `work`, always closes. */
export async function withClient<T>(endpoint: PostgresEndpoint, credentials: Credentials, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: endpoint.host,
    port: endpoint.port,
    user: credentials.user,
    password: credentials.password,
    database,
    connectionTimeoutMillis: endpoint.connectTimeoutMs,
    application_name: 'trove-guestagent',
  });
  // A server that goes away mid-operation emits 'error' on the client; the pending query rejects anyway.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatastoreUnavailableError(`Cannot connect to the datastore at ${endpoint.host}:${endpoint.port}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SQLSTATE of a server error. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
