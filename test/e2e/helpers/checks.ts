/** What the e2e tests look at behind the API: the host's processes, addresses, containers and the database. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { DockerodeHost, isAgentProcess, isListening } from '../../../controller/compute/local-process/index.js';
import { testServerUrl } from '../../helpers/mariadb.js';
import type { Stack } from '../../helpers/stack.js';

/** A connection to the stack's controller database. */
export async function controllerDb(stack: Stack): Promise<Connection> {
  const url = new URL(testServerUrl());
  return createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: stack.databaseName });
}

/** One row of a query, or undefined. */
export async function queryOne(connection: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(sql, params);
  return rows[0];
}

/** Where an instance lives on the host: its server directory, agent pid and config dir. */
export interface HostFootprint {
  serverDir: string;
  configDir: string;
  pid: number | undefined;
}

/** The server directory of an instance (from the backend's records), or undefined. */
export function footprintOf(stack: Stack, instanceId: string): HostFootprint | undefined {
  for (const serverDir of stack.serverDirs()) {
    const record = join(serverDir, 'server.json');
    if (!existsSync(record)) continue;
    if ((JSON.parse(readFileSync(record, 'utf8')) as { instanceId: string }).instanceId !== instanceId) continue;
    const pidFile = join(serverDir, 'agent.pid');
    const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : undefined;
    return { serverDir, configDir: join(serverDir, 'etc/trove/conf.d'), pid: Number.isInteger(pid) ? pid : undefined };
  }
  return undefined;
}

/** Polls until the backend has started the instance's agent. */
export async function waitForAgent(stack: Stack, instanceId: string, timeoutMs = 60_000): Promise<HostFootprint & { pid: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const footprint = footprintOf(stack, instanceId);
    if (footprint?.pid !== undefined) return footprint as HostFootprint & { pid: number };
    if (Date.now() > deadline) throw new Error(`no agent for ${instanceId} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Everything an instance could leave behind on the host and in the database. */
export interface Leftovers {
  containers: string[];
  agentRunning: boolean;
  listening: boolean;
  addressAllocated: boolean;
  serverDir: boolean;
  rowDeleted: boolean | undefined;
  serviceStatus: string | undefined;
  unfinishedFlows: number;
}

/** Looks for what a deleted instance might have left. */
export async function leftovers(stack: Stack, instanceId: string, address: string, port: number, footprint: HostFootprint | undefined): Promise<Leftovers> {
  const docker = new DockerodeHost('/var/run/docker.sock');
  const db = await controllerDb(stack);
  try {
    const row = await queryOne(db, 'SELECT deleted FROM instances WHERE id = ?', [instanceId]);
    const status = await queryOne(db, 'SELECT status_description FROM service_statuses WHERE instance_id = ?', [instanceId]);
    const flows = await queryOne(db, "SELECT COUNT(*) AS n FROM taskmanager_flows WHERE instance_id = ? AND state IN ('pending', 'running')", [instanceId]);
    return {
      containers: await docker.listInstanceContainers(instanceId),
      agentRunning: footprint?.pid !== undefined && (await isAgentProcess(footprint.pid, footprint.configDir)),
      listening: await isListening(address, port),
      addressAllocated: existsSync(join(stack.stateDir, 'addresses', address)),
      serverDir: footprint !== undefined && existsSync(footprint.serverDir),
      rowDeleted: row === undefined ? undefined : Number(row['deleted']) === 1,
      serviceStatus: status === undefined ? undefined : String(status['status_description']),
      unfinishedFlows: Number(flows?.['n'] ?? 0),
    };
  } finally {
    await db.end();
  }
}

/** What a cleanly deleted instance leaves: nothing but its soft-deleted row. */
export const NOTHING_LEFT: Leftovers = {
  containers: [],
  agentRunning: false,
  listening: false,
  addressAllocated: false,
  serverDir: false,
  rowDeleted: true,
  serviceStatus: 'deleted',
  unfinishedFlows: 0,
};
