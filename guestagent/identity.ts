/**
 * The guest's identity from guest_info.conf (`guest_id`, `datastore_manager`), checked before anything else
 * starts. Kept apart from `agent.ts` so the entry point can refuse a bad configuration without loading the
 * Docker, broker and database client libraries.
 */
import type { TroveConfig } from '../shared/config/index.js';
import { ConfigError } from '../shared/errors/index.js';
import { assertKnownManager } from './datastores/registry.js';

/** The guest's identity from guest_info.conf. */
export interface GuestIdentity {
  guestId: string;
  manager: string;
}

const GUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Reads and checks `guest_id` and `datastore_manager`.
 * @throws ConfigError with one line naming the missing or bad option
 */
export function guestIdentity(config: TroveConfig): GuestIdentity {
  const guestId = config.DEFAULT.guest_id;
  if (guestId === null || guestId === '') throw new ConfigError('[DEFAULT] guest_id is not set (guest_info.conf must provide it)');
  if (!GUEST_ID_PATTERN.test(guestId)) throw new ConfigError(`[DEFAULT] guest_id '${guestId}' is not a valid instance id`);
  const manager = config.DEFAULT.datastore_manager;
  if (manager === null || manager === '') throw new ConfigError('[DEFAULT] datastore_manager is not set (guest_info.conf must provide it)');
  assertKnownManager(manager);
  return { guestId, manager };
}
