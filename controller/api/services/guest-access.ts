/**
 * Guest-side reads and writes of databases, users and root (Trove's `extensions/mysql/models.py` and
 * `extensions/common/models.py`): each loads the instance, requires its datastore to be running, and calls
 * or casts the instance's guest agent over its sealed topic. Names use the instance's datastore rules.
 */
import { UnprocessableError } from '../../../shared/errors/index.js';
import type { SerializedSchema, SerializedUser } from '../../../shared/models/index.js';
import type { RpcClient } from '../../../shared/rpc/contract.js';
import type { GuestAgentContract } from '../../../shared/rpc/contracts/index.js';
import type { RequestContext } from '../context.js';
import type { ApiDeps } from '../deps.js';
import { authorizeOnTarget } from '../middleware/policy.js';
import type { InstanceService, LoadedInstance } from './instances.js';
import { rpcContextOf } from './rpc-context.js';

/** Service statuses in which the datastore answers (Trove's MYSQL_RESPONSIVE_STATUSES). */
const RESPONSIVE = new Set(['RUNNING', 'HEALTHY']);

/** An instance ready for guest work, with its guest client and the RPC options to use. */
export interface GuestTarget {
  loaded: LoadedInstance;
  guest: RpcClient<GuestAgentContract>;
  rpc: { context: Record<string, unknown> };
}

export class GuestAccess {
  constructor(private readonly deps: ApiDeps, private readonly instances: InstanceService) {}

  /**
   * Loads the instance, checks `instance:extension:<rule>` on its owner and that its datastore runs.
   * @throws NotFoundError (404), PolicyNotAuthorizedError (403), UnprocessableError (422)
   */
  async target(context: RequestContext, instanceId: string, rule: string): Promise<GuestTarget> {
    const loaded = await this.instances.load(context, instanceId);
    authorizeOnTarget(this.deps.policy, context, `instance:extension:${rule}`, loaded.row.tenant_id);
    if (loaded.manager === null) throw new UnprocessableError(`Operation not supported for datastore ${loaded.row.datastoreVersion?.manager ?? 'unknown'}.`);
    if (!RESPONSIVE.has(loaded.derived.storedServiceStatus)) {
      throw new UnprocessableError(`Instance ${loaded.row.id} is not ready, status: ${loaded.derived.storedServiceStatus.toLowerCase()}.`);
    }
    return { loaded, guest: this.deps.guest(loaded.row.id), rpc: { context: rpcContextOf(context) } };
  }

  /** One page of users without reserved ones, and the next marker (`name@host`). */
  async listUsers(target: GuestTarget, limit: number, marker: string | undefined, includeMarker: boolean): Promise<[SerializedUser[], string | null]> {
    const [users, next] = await target.guest.listUsers({ limit, marker: marker ?? null, include_marker: includeMarker }, target.rpc);
    const reserved = this.reserved(target).users;
    return [users.filter((user) => !reserved.includes(user._name)), next];
  }

  /** One page of databases without reserved ones, and the next marker. */
  async listDatabases(target: GuestTarget, limit: number, marker: string | undefined, includeMarker: boolean): Promise<[SerializedSchema[], string | null]> {
    const [databases, next] = await target.guest.listDatabases({ limit, marker: marker ?? null, include_marker: includeMarker }, target.rpc);
    const reserved = this.reserved(target).dbs;
    return [databases.filter((database) => !reserved.includes(database._name)), next];
  }

  /** Whether a user `name@host` exists (Trove asks for the page starting at it). */
  async userExists(target: GuestTarget, name: string, host: string): Promise<boolean> {
    const [users] = await this.listUsers(target, 1, `${name}@${host}`, true);
    return users.length > 0 && users[0]?._name === name && (users[0]?._host ?? '%') === host;
  }

  async databaseExists(target: GuestTarget, name: string): Promise<boolean> {
    const [databases] = await this.listDatabases(target, 1, name, true);
    return databases.length > 0 && databases[0]?._name === name;
  }

  reserved(target: GuestTarget): { dbs: string[]; users: string[] } {
    const section = this.deps.config[target.loaded.manager ?? 'mysql'];
    return { dbs: section.ignore_dbs, users: section.ignore_users };
  }
}
