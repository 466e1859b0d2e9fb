/**
 * Real-part helpers for the conductor's integration tests: a throw-away MariaDB database per test file,
 * this run's own exchange and conductor topic on the local RabbitMQ (deleted afterwards), instances seeded
 * the way the API creates them (a wrapped per-instance key, service status NEW), and guest-side clients that
 * seal with an instance's own key, as the guest agent does.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { QueryTypes, type Sequelize } from 'sequelize';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../shared/config/index.js';
import { generateInstanceKey, wrapInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { SERVICE_STATUS_INFO } from '../../../shared/models/index.js';
import { conductorContract, createRpcClient, rpcMetrics, TopologySession, type RpcClient, type Sealing, type Transport } from '../../../shared/rpc/index.js';
import type { ConductorContract } from '../../../shared/rpc/index.js';

const run = promisify(execFile);
const BROKER = { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' };

/** Names and keys of one test run. */
export interface RunSettings {
  exchange: string;
  topic: string;
  host: string;
  kek: string;
}

export function newRunSettings(): RunSettings {
  const suffix = randomBytes(5).toString('hex');
  return { exchange: `conductor-test-${suffix}`, topic: `trove-conductor-test-${suffix}`, host: `conductor-${suffix}`, kek: randomBytes(32).toString('hex') };
}

/** A conductor configuration for this run: local broker, the given database, secure messaging with fresh keys. */
export function runConfig(settings: RunSettings, databaseUrl: string, overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
  return defaultConfig({
    ...overrides,
    DEFAULT: {
      transport_url: 'rabbit://guest:guest@127.0.0.1:5672/',
      control_exchange: settings.exchange,
      conductor_queue: settings.topic,
      host: settings.host,
      enable_secure_rpc_messaging: true,
      taskmanager_rpc_encr_key: randomBytes(32).toString('hex'),
      inst_rpc_key_encr_key: settings.kek,
      inst_rpc_key_encr_key_id: 'k1',
      ...overrides.DEFAULT,
    },
    database: { connection: databaseUrl, ...overrides.database },
    conductor: { heartbeat_batch_ms: 20, ...overrides.conductor },
    oslo_messaging_rabbit: { reconnect_initial_delay_ms: 100, reconnect_max_delay_ms: 1000, ...overrides.oslo_messaging_rabbit },
  });
}

/** The same configuration as an INI file for a child process. */
export function runConfigIni(settings: RunSettings, databaseUrl: string, conductor: Record<string, string | number>, extraDefault: Record<string, string | number> = {}): string {
  const lines = [
    '[DEFAULT]',
    'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
    `control_exchange = ${settings.exchange}`,
    `conductor_queue = ${settings.topic}`,
    `host = ${settings.host}`,
    'enable_secure_rpc_messaging = true',
    `taskmanager_rpc_encr_key = ${randomBytes(32).toString('hex')}`,
    `inst_rpc_key_encr_key = ${settings.kek}`,
    'inst_rpc_key_encr_key_id = k1',
    ...Object.entries(extraDefault).map(([name, value]) => `${name} = ${value}`),
    '[database]',
    `connection = ${databaseUrl}`,
    '[conductor]',
    ...Object.entries(conductor).map(([name, value]) => `${name} = ${value}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Deletes queues and exchanges from the shared broker, one 0-9-1 session each; missing ones are fine. */
export async function deleteBrokerObjects(queues: Iterable<string>, exchanges: Iterable<string>): Promise<void> {
  const each = async (work: (session: TopologySession) => Promise<void>) => {
    const session = await TopologySession.open(BROKER, '/', { tls: false, timeoutMs: 5000 });
    try {
      await work(session);
    } catch {
      // already gone
    } finally {
      await session.close().catch(() => undefined);
    }
  };
  for (const queue of queues) await each((session) => session.deleteQueue(queue));
  for (const exchange of exchanges) await each((session) => session.deleteExchange(exchange));
}

/** Deletes this run's queues and exchange from the shared broker. */
export async function deleteRunTopology(settings: RunSettings, extraQueues: Iterable<string> = []): Promise<void> {
  await deleteBrokerObjects([settings.topic, `${settings.topic}.${settings.host}`, ...extraQueues], [settings.exchange]);
}

/** Ready and unacknowledged messages of a queue, from rabbitmqctl; undefined when the queue does not exist. */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number; consumers: number } | undefined> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged', 'consumers'], { timeout: 30_000 });
  for (const line of stdout.split('\n')) {
    const [name, ready, unacked, consumers] = line.trim().split(/\s+/);
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked), consumers: Number(consumers) };
  }
  return undefined;
}

/** Waits until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** The `updated_at` seeded instances start with: long ago, so a heartbeat's refresh is visible. */
export const SEEDED_UPDATED_AT = new Date('2001-01-01T00:00:00Z');

/**
 * Inserts `count` live instances as the API creates them (task NONE here, since they are "running") with
 * service status NEW, each with its own RPC key wrapped by the run's key-encryption key (in trove-ts's format,
 * or stock Trove's for `rpc_codec = trove-compat`). Returns id → key.
 */
export async function seedInstances(
  sequelize: Sequelize,
  settings: RunSettings,
  count: number,
  options: { tenant?: string; keyFormat?: 'tt1' | 'trove' } = {},
): Promise<Map<string, string>> {
  const tenant = options.tenant ?? 'tenant-conductor-test';
  const keys = new Map<string, string>();
  const created = new Date();
  const chunk = 500;
  for (let offset = 0; offset < count; offset += chunk) {
    const instanceRows: unknown[] = [];
    const statusRows: unknown[] = [];
    const size = Math.min(chunk, count - offset);
    for (let index = 0; index < size; index++) {
      const id = randomUUID();
      const key = generateInstanceKey();
      keys.set(id, key);
      instanceRows.push(id, created, created, `conductor-test-${offset + index}`, 1, 'No tasks for the instance.', tenant, 'ACTIVE', 0, wrapInstanceKey(key, { keyId: 'k1', kek: settings.kek, format: options.keyFormat ?? 'tt1' }));
      statusRows.push(randomUUID(), id, SERVICE_STATUS_INFO.NEW.code, SERVICE_STATUS_INFO.NEW.description, SEEDED_UPDATED_AT);
    }
    await sequelize.query(
      `INSERT INTO instances (id, created, updated, name, task_id, task_description, tenant_id, server_status, deleted, encrypted_key) VALUES ${new Array<string>(size).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      { replacements: instanceRows },
    );
    await sequelize.query(
      `INSERT INTO service_statuses (id, instance_id, status_id, status_description, updated_at) VALUES ${new Array<string>(size).fill('(?, ?, ?, ?, ?)').join(', ')}`,
      { replacements: statusRows },
    );
  }
  return keys;
}

/** An instance's service status row. */
export async function serviceStatus(sequelize: Sequelize, instanceId: string): Promise<{ status_id: number; status_description: string; updated_at: Date }> {
  const rows = await sequelize.query<{ status_id: number; status_description: string; updated_at: Date }>(
    'SELECT status_id, status_description, updated_at FROM service_statuses WHERE instance_id = ?',
    { replacements: [instanceId], type: QueryTypes.SELECT },
  );
  if (rows[0] === undefined) throw new Error(`no service status for ${instanceId}`);
  return rows[0];
}

/** A count from a SELECT COUNT(*) AS n query. */
export async function countRows(sequelize: Sequelize, sql: string, replacements: unknown[] = []): Promise<number> {
  const rows = await sequelize.query<{ n: number }>(sql, { replacements, type: QueryTypes.SELECT });
  return Number(rows[0]?.n ?? 0);
}

/** A guest's conductor client: casts sealed with the instance's own key, as the guest agent sends them. */
export function guestClient(transport: Transport, config: TroveConfig, sealing: Sealing): RpcClient<ConductorContract> {
  return createRpcClient(conductorContract, { transport, topic: config.DEFAULT.conductor_queue, sealing, timeouts: config, logger: silentLogger(), metrics: rpcMetrics(new Registry()) });
}

/** Trove's `sent`: float epoch seconds with microseconds. */
export function sentNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1_000_000;
}
