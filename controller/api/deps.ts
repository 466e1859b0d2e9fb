/**
 * What the API needs from the rest of the system, injected into `createApp`: the database, quotas, flavors,
 * the messaging clients (taskmanager casts, guest calls), the authenticator and the policy. Production
 * wiring is in `wiring.ts`; tests build these from the in-memory transport and fakes.
 */
import type { Sequelize } from 'sequelize';
import type { TroveConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { RpcClient } from '../../shared/rpc/contract.js';
import type { GuestAgentContract, TaskManagerContract } from '../../shared/rpc/contracts/index.js';
import type { FlavorCatalog } from '../compute/ports.js';
import type { TroveModels } from '../db/index.js';
import type { QuotaEngine } from '../db/quotas.js';
import type { Authenticator } from './auth/identity.js';
import type { PolicyEnforcer } from './policy/index.js';

/** Issues the RPC key of a new instance. */
export interface InstanceKeyIssuer {
  /**
   * Generates a fresh per-instance key and returns it wrapped for `instances.encrypted_key`, or null when
   * secure RPC messaging is off.
   */
  issueWrappedKey(): Promise<string | null>;
}

/** Returns the RPC client of one instance's guest agent (topic `guestagent.<id>`). */
export type GuestClientFactory = (instanceId: string) => RpcClient<GuestAgentContract>;

export interface ApiDeps {
  config: TroveConfig;
  logger: Logger;
  sequelize: Sequelize;
  models: TroveModels;
  quotas: QuotaEngine;
  flavors: FlavorCatalog;
  taskManager: RpcClient<TaskManagerContract>;
  guest: GuestClientFactory;
  instanceKeys: InstanceKeyIssuer;
  authenticator: Authenticator;
  policy: PolicyEnforcer;
  /** Clock in epoch milliseconds, for tests. @default Date.now */
  now?: () => number;
}
