/**
 * Production wiring of the API's dependencies from configuration: the database, quotas, the flavor catalog
 * of the configured compute backend, the broker transport with the taskmanager client (sealed with
 * `taskmanager_rpc_encr_key`) and per-instance guest clients (keys unwrapped from `instances.encrypted_key`),
 * the authenticator and the policy.
 */
import type { TroveConfig } from '../../shared/config/index.js';
import { generateInstanceKey, createInstanceKeyResolver, keyEncryptionKeysFromConfig, wrapInstanceKey } from '../../shared/crypto/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  connectTransport,
  createRpcClient,
  guestAgentContract,
  guestTopic,
  instanceLookupSealing,
  taskManagerContract,
  taskmanagerSealing,
  type Transport,
} from '../../shared/rpc/index.js';
import type { RpcClient } from '../../shared/rpc/index.js';
import type { GuestAgentContract } from '../../shared/rpc/index.js';
import { createComputeBackend } from '../compute/backend.js';
import { LocalFlavorCatalog } from '../compute/local-flavors.js';
import type { FlavorCatalog } from '../compute/ports.js';
import { openDatabase } from '../db/connection.js';
import type { TroveModels } from '../db/index.js';
import { QuotaEngine, quotaDefaultsFromConfig } from '../db/quotas.js';
import type { Authenticator } from './auth/identity.js';
import { KeystoneAuthenticator, keystoneOptionsFromConfig } from './auth/keystone.js';
import { NoAuthAuthenticator } from './auth/noauth.js';
import type { ApiDeps, GuestClientFactory, InstanceKeyIssuer } from './deps.js';
import { PolicyEnforcer, resolvePolicyFile } from './policy/index.js';

/** The authenticator `[DEFAULT] auth_strategy` names. @throws ConfigError for missing Keystone credentials */
export function authenticatorFromConfig(config: TroveConfig, logger: Logger): Authenticator {
  return config.DEFAULT.auth_strategy === 'noauth' ? new NoAuthAuthenticator() : new KeystoneAuthenticator(keystoneOptionsFromConfig(config, logger));
}

/** Generates and wraps instance keys as configured (none when secure RPC messaging is off). */
export function instanceKeyIssuerFromConfig(config: TroveConfig): InstanceKeyIssuer {
  if (!config.DEFAULT.enable_secure_rpc_messaging) return { issueWrappedKey: async () => null };
  const keys = keyEncryptionKeysFromConfig(config);
  const format = config.DEFAULT.rpc_codec === 'trove-compat' ? 'trove' : 'tt1';
  return { issueWrappedKey: async () => wrapInstanceKey(generateInstanceKey(), { keyId: keys.current.id, kek: keys.current.key, format }) };
}

/** Guest clients per instance, sealed with each instance's key; a bounded cache of clients. */
export function guestClientFactory(config: TroveConfig, transport: Transport, models: TroveModels, logger: Logger): GuestClientFactory {
  const resolver = config.DEFAULT.enable_secure_rpc_messaging
    ? createInstanceKeyResolver({
        loadWrapped: async (instanceId) => (await models.instances.findByPk(instanceId, { attributes: ['id', 'encrypted_key'] }))?.encrypted_key ?? null,
        keys: keyEncryptionKeysFromConfig(config),
        legacy: config.DEFAULT.rpc_codec === 'trove-compat',
      })
    : undefined;
  const sealing = instanceLookupSealing(config, async (instanceId) => (resolver ? resolver.resolveKey(instanceId) : null));
  const clients = new Map<string, RpcClient<GuestAgentContract>>();
  return (instanceId) => {
    let client = clients.get(instanceId);
    if (client === undefined) {
      client = createRpcClient(guestAgentContract, { transport, topic: guestTopic(instanceId), sealing, timeouts: config, logger, instanceId });
      if (clients.size >= 1000) clients.delete(clients.keys().next().value as string);
      clients.set(instanceId, client);
    }
    return client;
  };
}

/** The flavor catalog: `[local_compute] flavors` for the single-host backends, Nova's otherwise. */
export function flavorCatalogFromConfig(config: TroveConfig, logger: Logger): FlavorCatalog {
  if (config.DEFAULT.compute_backend !== 'openstack') return LocalFlavorCatalog.fromEntries(config.local_compute.flavors);
  return createComputeBackend(config, logger).flavors;
}

/** Built dependencies and how to release them. */
export interface WiredDeps {
  deps: ApiDeps;
  close(): Promise<void>;
}

/** Connects everything the API needs. @throws ConfigError for invalid settings; errors of the database or broker */
export async function wireDeps(config: TroveConfig, logger: Logger, configFiles: readonly string[]): Promise<WiredDeps> {
  const policy = new PolicyEnforcer({ file: resolvePolicyFile(config.DEFAULT.policy_file, configFiles), logger });
  const authenticator = authenticatorFromConfig(config, logger);
  const flavors = flavorCatalogFromConfig(config, logger);
  const instanceKeys = instanceKeyIssuerFromConfig(config);
  const tmSealing = taskmanagerSealing(config);
  const database = await openDatabase(config.database, { logger });
  let transport: Transport | undefined;
  try {
    transport = await connectTransport(config, logger, { processName: 'trove-api' });
    const deps: ApiDeps = {
      config,
      logger,
      sequelize: database.sequelize,
      models: database.models,
      quotas: new QuotaEngine({ sequelize: database.sequelize, models: database.models, defaults: quotaDefaultsFromConfig(config), logger }),
      flavors,
      taskManager: createRpcClient(taskManagerContract, { transport, topic: config.DEFAULT.taskmanager_queue, sealing: tmSealing, timeouts: config, logger }),
      guest: guestClientFactory(config, transport, database.models, logger),
      instanceKeys,
      authenticator,
      policy,
    };
    const opened = transport;
    return {
      deps,
      async close() {
        await authenticator.close?.();
        await opened.close();
        await database.close();
      },
    };
  } catch (error) {
    await transport?.close();
    await database.close();
    throw error;
  }
}
