/**
 * An in-process taskmanager serving the real `taskManagerContract` for API tests: it records every cast and
 * plays the taskmanager's part in the database at once (a created instance becomes ACTIVE/HEALTHY with an
 * address, a deleted one is marked deleted, resizes take effect, backups complete), and starts a
 * `FakeGuestAgent` per instance on `guestagent.<id>`, sealed with the instance's own key unwrapped from
 * `instances.encrypted_key` exactly as a real guest would receive it. `holdBuilds` keeps new instances
 * BUILDING, `holdBackups` keeps new backups NEW; `failNext` makes the next cast of a method fail (it is then redelivered by the server).
 */
import type { TroveConfig } from '../../shared/config/index.js';
import { keyEncryptionKeysFromConfig, unwrapInstanceKey } from '../../shared/crypto/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { SERVICE_STATUS_INFO, type ServiceStatus } from '../../shared/models/index.js';
import { serveRpc, taskManagerContract, taskmanagerSealing, type RpcHandlers, type RpcServer, type Sealing, type TaskManagerContract, type Transport } from '../../shared/rpc/index.js';
import { instanceTaskColumns, type TroveModels } from '../../controller/db/index.js';
import { FakeGuestAgent } from './fake-guest-agent.js';

/** A recorded cast. */
export interface TaskManagerCall {
  method: string;
  args: Record<string, unknown>;
  context: Record<string, unknown>;
}

/** Options to configure the fake taskmanager. */
export interface FakeTaskManagerOptions {
  transport: Transport;
  models: TroveModels;
  config: TroveConfig;
  logger: Logger;
}

export class FakeTaskManager {
  readonly calls: TaskManagerCall[] = [];
  readonly guests = new Map<string, FakeGuestAgent>();
  /** Keep created instances in BUILDING (no guest started) until `finishBuild`. */
  holdBuilds = false;
  /** Keep created backups NEW (running) instead of completing them. */
  holdBackups = false;
  /** Methods whose next cast throws once. */
  readonly failNext = new Set<string>();
  private server: RpcServer | undefined;
  private addressCounter = 1;
  private readonly waiters: Array<{ method: string; count: number; resolve: () => void }> = [];

  constructor(private readonly options: FakeTaskManagerOptions) {}

  async start(): Promise<void> {
    const { transport, config, logger } = this.options;
    this.server = await serveRpc(taskManagerContract, this.handlers(), {
      transport,
      topic: config.DEFAULT.taskmanager_queue,
      sealing: taskmanagerSealing(config),
      logger,
      retryDelayMs: 10,
    });
  }

  async stop(): Promise<void> {
    await this.server?.stop(1000);
    for (const guest of this.guests.values()) await guest.stop();
    this.guests.clear();
  }

  /** Casts of one method received so far. */
  callsOf(method: string): TaskManagerCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves once `count` casts of `method` were handled. */
  waitFor(method: string, count = 1): Promise<void> {
    if (this.callsOf(method).length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ method, count, resolve }));
  }

  private async setStatus(instanceId: string, status: ServiceStatus): Promise<void> {
    const info = SERVICE_STATUS_INFO[status];
    await this.options.models.serviceStatuses.update({ status_id: info.code, status_description: info.description, updated_at: new Date() }, { where: { instance_id: instanceId } });
  }

  private guestSealing(instanceId: string, wrapped: string | null): Sealing {
    const config = this.options.config;
    if (!config.DEFAULT.enable_secure_rpc_messaging) return { mode: 'plain' };
    if (wrapped === null) throw new Error(`instance ${instanceId} has no RPC key`);
    const key = unwrapInstanceKey(wrapped, keyEncryptionKeysFromConfig(config), { legacy: config.DEFAULT.rpc_codec === 'trove-compat' });
    return { mode: 'instance', instanceId, key, codec: config.DEFAULT.rpc_codec as 'aead' | 'trove-compat' };
  }

  /** Plays the end of a build: starts the guest, records the server, marks the instance ACTIVE/HEALTHY. */
  async finishBuild(instanceId: string, seed: { databases?: unknown; users?: unknown; rootPassword?: string | null } = {}): Promise<FakeGuestAgent> {
    const { models, transport, logger } = this.options;
    const row = await models.instances.findByPk(instanceId);
    if (row === null) throw new Error(`no instance ${instanceId}`);
    const guest = new FakeGuestAgent(instanceId);
    guest.seed((seed.databases ?? []) as never, (seed.users ?? []) as never);
    if (seed.rootPassword) {
      guest.rootEnabled = true;
      guest.rootPassword = seed.rootPassword;
      await models.rootEnabledHistory.findOrCreate({ where: { id: instanceId }, defaults: { id: instanceId, user: 'taskmanager', created: new Date() } });
    }
    await guest.serve(transport, this.guestSealing(instanceId, row.encrypted_key), logger);
    this.guests.set(instanceId, guest);
    const address = `127.10.${Math.floor(this.addressCounter / 250)}.${(this.addressCounter++ % 250) + 2}`;
    await row.update({ ...instanceTaskColumns('NONE'), server_status: 'ACTIVE', compute_instance_id: `fake-server-${instanceId.slice(0, 8)}` });
    await models.instances.sequelize!.query('UPDATE instances SET addresses = ? WHERE id = ?', {
      replacements: [JSON.stringify([{ address, type: 'private', network: 'local' }]), instanceId],
    });
    await this.setStatus(instanceId, 'HEALTHY');
    return guest;
  }

  private handlers(): RpcHandlers<TaskManagerContract> {
    const { models } = this.options;
    const track = async (method: string, args: Record<string, unknown>, context: Record<string, unknown>, work: () => Promise<void>): Promise<void> => {
      if (this.failNext.delete(method)) throw new Error(`${method} failed (fake)`);
      await work();
      this.calls.push({ method, args, context });
      for (const waiter of [...this.waiters]) {
        if (waiter.method === method && this.callsOf(method).length >= waiter.count) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    const settle = (method: string, changes: (args: Record<string, unknown>) => Promise<void> = async () => undefined) =>
      async (args: Record<string, unknown>, context: { values: Record<string, unknown> }) =>
        track(method, args, context.values, async () => {
          await changes(args);
          if (typeof args['instance_id'] === 'string') await models.instances.update({ ...instanceTaskColumns('NONE') }, { where: { id: args['instance_id'] } });
        });
    return {
      createInstance: async (args, context) =>
        track('createInstance', args as Record<string, unknown>, context.values, async () => {
          if (this.holdBuilds) return;
          const ids = Array.isArray(args.instance_id) ? args.instance_id : [args.instance_id];
          for (const id of ids) await this.finishBuild(id, { databases: args.databases, users: args.users, rootPassword: args.root_password ?? null });
        }),
      deleteInstance: async (args, context) =>
        track('deleteInstance', args, context.values, async () => {
          await this.guests.get(args.instance_id)?.stop();
          this.guests.delete(args.instance_id);
          await models.instances.update({ deleted: true, deleted_at: new Date(), ...instanceTaskColumns('NONE'), server_status: 'DELETED' }, { where: { id: args.instance_id } });
          await this.setStatus(args.instance_id, 'DELETED');
        }),
      resizeVolume: settle('resizeVolume', async (args) => {
        await models.instances.update({ volume_size: args['new_size'] as number }, { where: { id: args['instance_id'] as string } });
      }),
      resizeFlavor: settle('resizeFlavor', async (args) => {
        await models.instances.update({ flavor_id: String((args['new_flavor'] as { id: string }).id) }, { where: { id: args['instance_id'] as string } });
      }),
      reboot: settle('reboot'),
      restart: settle('restart', async (args) => this.setStatus(args['instance_id'] as string, 'HEALTHY')),
      detachReplica: settle('detachReplica', async (args) => {
        await models.instances.update({ slave_of_id: null }, { where: { id: args['instance_id'] as string } });
      }),
      promoteToReplicaSource: settle('promoteToReplicaSource'),
      ejectReplicaSource: settle('ejectReplicaSource'),
      migrate: settle('migrate'),
      rebuild: settle('rebuild'),
      updateAccess: settle('updateAccess', async (args) => {
        await models.instances.update({ access: JSON.stringify(args['access']) }, { where: { id: args['instance_id'] as string } });
      }),
      upgrade: settle('upgrade'),
      createBackup: async (args, context) =>
        track('createBackup', args, context.values, async () => {
          const id = String(args.backup_info['id']);
          if (this.holdBackups) return;
          await models.backups.update({ state: 'COMPLETED', size: 0.1, location: `file:///var/lib/trove/backups/${id}.xbstream`, checksum: 'c0ffee' }, { where: { id } });
        }),
      deleteBackup: async (args, context) =>
        track('deleteBackup', args, context.values, async () => {
          await models.backups.update({ deleted: true, deleted_at: new Date() }, { where: { id: args.backup_id } });
        }),
      createCluster: async (args, context) => track('createCluster', args, context.values, async () => undefined),
      deleteCluster: async (args, context) => track('deleteCluster', args, context.values, async () => undefined),
      restartCluster: async (args, context) => track('restartCluster', args, context.values, async () => undefined),
      growCluster: async (args, context) => track('growCluster', args, context.values, async () => undefined),
      shrinkCluster: async (args, context) => track('shrinkCluster', args, context.values, async () => undefined),
      upgradeCluster: async (args, context) => track('upgradeCluster', args, context.values, async () => undefined),
      reapplyModule: async (args, context) => track('reapplyModule', args, context.values, async () => undefined),
      attachConfiguration: settle('attachConfiguration'),
      detachConfiguration: settle('detachConfiguration'),
      updateOverrides: async (args, context) => track('updateOverrides', args, context.values, async () => undefined),
    };
  }
}
