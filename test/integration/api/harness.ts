/**
 * A running trove-api for integration tests: a throw-away MariaDB database (migrated, seeded with the
 * mysql/mariadb/postgresql datastores and mysql configuration rules), the in-memory transport with the fake
 * taskmanager (which starts fake guests), the real app on 127.0.0.1:<ephemeral>, and `fetch` helpers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../../../controller/api/app.js';
import type { Authenticator } from '../../../controller/api/auth/identity.js';
import { NoAuthAuthenticator } from '../../../controller/api/auth/noauth.js';
import type { ApiDeps } from '../../../controller/api/deps.js';
import { PolicyEnforcer } from '../../../controller/api/policy/index.js';
import { startApiServer, type ApiServer } from '../../../controller/api/server.js';
import { guestClientFactory, instanceKeyIssuerFromConfig } from '../../../controller/api/wiring.js';
import { LocalFlavorCatalog } from '../../../controller/compute/local-flavors.js';
import { QuotaEngine, quotaDefaultsFromConfig } from '../../../controller/db/quotas.js';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../shared/config/index.js';
import { silentLogger, type Logger } from '../../../shared/logging/index.js';
import { createInMemoryTransport, createRpcClient, taskManagerContract, taskmanagerSealing, type InMemoryTransport } from '../../../shared/rpc/index.js';
import { FakeTaskManager } from '../../fakes/fake-taskmanager.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/mariadb.js';

/** Ids of the seeded datastores and versions. */
export interface SeededDatastores {
  mysqlId: string;
  mysqlVersionId: string;
  mysqlOldVersionId: string;
  mariadbId: string;
  mariadbVersionId: string;
  postgresqlId: string;
  postgresqlVersionId: string;
}

/** An HTTP answer. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Options of one request. */
export interface RequestOptions {
  token?: string | null;
  tenant?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Options to configure the harness. */
export interface HarnessOptions {
  config?: DeepPartial<TroveConfig>;
  authenticator?: Authenticator;
  policyFile?: string;
  policyReloadMs?: number;
  logger?: Logger;
}

export interface ApiHarness {
  url: string;
  /** A project id (32 hex) the default requests use as tenant and token. */
  tenant: string;
  config: TroveConfig;
  db: TestDatabase;
  deps: ApiDeps;
  tm: FakeTaskManager;
  transport: InMemoryTransport;
  server: ApiServer;
  datastores: SeededDatastores;
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Creates an instance through the API and waits until the fake taskmanager built it. */
  createInstance(options?: { tenant?: string; token?: string; body?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

/** A random project id in Keystone's format (32 hex characters). */
export function newProjectId(): string {
  return randomBytes(16).toString('hex');
}

async function seed(db: TestDatabase): Promise<SeededDatastores> {
  const m = db.models;
  const ids: SeededDatastores = {
    mysqlId: randomUUID(),
    mysqlVersionId: randomUUID(),
    mysqlOldVersionId: randomUUID(),
    mariadbId: randomUUID(),
    mariadbVersionId: randomUUID(),
    postgresqlId: randomUUID(),
    postgresqlVersionId: randomUUID(),
  };
  await m.datastores.bulkCreate([
    { id: ids.mysqlId, name: 'mysql', default_version_id: ids.mysqlVersionId },
    { id: ids.mariadbId, name: 'mariadb', default_version_id: ids.mariadbVersionId },
    { id: ids.postgresqlId, name: 'postgresql', default_version_id: ids.postgresqlVersionId },
  ]);
  await m.datastoreVersions.bulkCreate([
    { id: ids.mysqlVersionId, datastore_id: ids.mysqlId, name: '5.7.29', version: '5.7.29', manager: 'mysql', image_id: null, image_tags: 'trove,mysql', packages: '', active: true },
    { id: ids.mysqlOldVersionId, datastore_id: ids.mysqlId, name: '5.6', version: '5.6', manager: 'mysql', image_id: null, image_tags: 'trove', packages: '', active: false },
    { id: ids.mariadbVersionId, datastore_id: ids.mariadbId, name: '10.11', version: '10.11', manager: 'mariadb', image_id: null, image_tags: 'trove', packages: '', active: true },
    { id: ids.postgresqlVersionId, datastore_id: ids.postgresqlId, name: '15', version: '15', manager: 'postgresql', image_id: null, image_tags: 'trove', packages: '', active: true },
  ]);
  const rule = (name: string, data_type: string, restart_required: boolean, min_size: string | null = null, max_size: string | null = null) => ({
    id: randomUUID(),
    name,
    datastore_version_id: ids.mysqlVersionId,
    restart_required,
    data_type,
    min_size,
    max_size,
  });
  await m.datastoreConfigurationParameters.bulkCreate([
    rule('max_connections', 'integer', false, '1', '100000'),
    rule('innodb_buffer_pool_size', 'integer', true, '5242880', '18446744073709551615'),
    rule('character_set_server', 'string', false),
    rule('autocommit', 'boolean', false),
    rule('long_query_time', 'float', false),
  ]);
  return ids;
}

/** Config for tests: noauth, secure messaging on with fresh random keys, generous rate limits. */
export function testConfig(overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
  const base: DeepPartial<TroveConfig> = {
    DEFAULT: {
      auth_strategy: 'noauth',
      taskmanager_rpc_encr_key: randomBytes(24).toString('hex'),
      inst_rpc_key_encr_key: randomBytes(24).toString('hex'),
      default_datastore: 'mysql',
      compute_backend: 'local-process',
      http_get_rate: 100000,
      http_post_rate: 100000,
      http_put_rate: 100000,
      http_delete_rate: 100000,
      http_mgmt_post_rate: 100000,
      agent_call_low_timeout: 5,
      agent_call_high_timeout: 10,
    },
  };
  return defaultConfig({
    ...base,
    ...overrides,
    DEFAULT: { ...base.DEFAULT, ...overrides.DEFAULT },
  } as DeepPartial<TroveConfig>);
}

export async function startHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const config = testConfig(options.config);
  const logger = options.logger ?? silentLogger();
  const db = await createTestDatabase();
  const closers: Array<() => Promise<void>> = [async () => db.drop()];
  try {
    const datastores = await seed(db);
    const transport = createInMemoryTransport();
    closers.unshift(async () => transport.close());
    const tm = new FakeTaskManager({ transport, models: db.models, config, logger });
    await tm.start();
    closers.unshift(async () => tm.stop());
    const deps: ApiDeps = {
      config,
      logger,
      sequelize: db.sequelize,
      models: db.models,
      quotas: new QuotaEngine({ sequelize: db.sequelize, models: db.models, defaults: quotaDefaultsFromConfig(config), logger }),
      flavors: LocalFlavorCatalog.fromEntries(config.local_compute.flavors),
      taskManager: createRpcClient(taskManagerContract, { transport, topic: config.DEFAULT.taskmanager_queue, sealing: taskmanagerSealing(config), timeouts: config, logger }),
      guest: guestClientFactory(config, transport, db.models, logger),
      instanceKeys: instanceKeyIssuerFromConfig(config),
      authenticator: options.authenticator ?? new NoAuthAuthenticator(),
      policy: new PolicyEnforcer({ ...(options.policyFile ? { file: options.policyFile } : {}), logger, reloadCheckMs: options.policyReloadMs ?? 0 }),
    };
    const { app } = createApp(deps);
    const server = await startApiServer(app, { host: '127.0.0.1', port: 0, logger });
    closers.unshift(async () => server.close(1000));
    const url = `http://127.0.0.1:${server.address().port}`;
    const tenant = newProjectId();

    const request = async <T>(method: string, path: string, requestOptions: RequestOptions = {}): Promise<ApiResponse<T>> => {
      const project = requestOptions.tenant ?? tenant;
      const headers: Record<string, string> = { accept: 'application/json', ...requestOptions.headers };
      const token = requestOptions.token === undefined ? project : requestOptions.token;
      if (token !== null) headers['x-auth-token'] = token;
      let body: string | undefined;
      if (requestOptions.rawBody !== undefined) body = requestOptions.rawBody;
      else if (requestOptions.body !== undefined) {
        body = JSON.stringify(requestOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      const target = path.startsWith('/v1.0') || path === '/' ? path : `/v1.0/${project}${path}`;
      const response = await fetch(`${url}${target}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        parsed = { raw: text };
      }
      return { status: response.status, headers: response.headers, body: parsed as T, text };
    };

    const harness: ApiHarness = {
      url,
      tenant,
      config,
      db,
      deps,
      tm,
      transport,
      server,
      datastores,
      request,
      async createInstance(createOptions = {}) {
        const before = tm.callsOf('createInstance').length;
        const response = await request<{ instance: { id: string } }>('POST', '/instances', {
          ...(createOptions.tenant ? { tenant: createOptions.tenant } : {}),
          ...(createOptions.token ? { token: createOptions.token } : {}),
          body: { instance: { name: 'db1', flavorRef: '2', volume: { size: 1 }, ...createOptions.body } },
        });
        if (response.status !== 200) throw new Error(`create failed: ${response.status} ${response.text}`);
        await tm.waitFor('createInstance', before + 1);
        return response.body.instance.id;
      },
      async close() {
        for (const close of closers) await close().catch(() => undefined);
      },
    };
    return harness;
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
