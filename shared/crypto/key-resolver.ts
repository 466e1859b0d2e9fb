/**
 * Finds an instance's RPC key by instance id for the controller processes that talk to guests (taskmanager,
 * API, conductor): loads the wrapped key (from `instances.encrypted_key`, through a callback so this module
 * needs no database), unwraps it and keeps it in a bounded LRU cache. Plain keys exist only in this cache.
 */
import type { TroveConfig } from '../config/index.js';
import { unwrapInstanceKey, type KeyEncryptionKeys } from './key-wrap.js';

/** The controller's key-encryption keys as configured (`inst_rpc_key_encr_key`, its id, the retired keys). */
export function keyEncryptionKeysFromConfig(config: TroveConfig): KeyEncryptionKeys {
  const key = config.DEFAULT.inst_rpc_key_encr_key;
  if (key === null || key === '') throw new RangeError('[DEFAULT] inst_rpc_key_encr_key is not set');
  return { current: { id: config.DEFAULT.inst_rpc_key_encr_key_id, key }, old: { ...config.DEFAULT.inst_rpc_key_encr_old_keys } };
}

/** Options to configure an instance key resolver. */
export interface InstanceKeyResolverOptions {
  /** Returns the stored (wrapped) key of an instance, or null when the instance has none or does not exist. */
  loadWrapped(instanceId: string): Promise<string | null>;
  keys: KeyEncryptionKeys;
  /** Accept stock Trove's wrapped-key format (`rpc_codec = trove-compat`). @default false */
  legacy?: boolean;
  /** Unwrapped keys kept in memory. @default 1000 */
  cacheSize?: number;
}

/** A cached key lookup; `resolveKey` fits `Sealing`'s lookup mode. */
export interface InstanceKeyResolver {
  resolveKey(instanceId: string): Promise<string | null>;
  /** Drops an instance's key from the cache (instance deleted, key replaced). */
  forget(instanceId: string): void;
}

/** Creates a resolver; unwrap failures (a retired wrapping key, a damaged value) propagate as KeyUnwrapError. */
export function createInstanceKeyResolver(options: InstanceKeyResolverOptions): InstanceKeyResolver {
  const limit = options.cacheSize ?? 1000;
  const cache = new Map<string, string>();
  const loading = new Map<string, Promise<string | null>>();

  async function load(instanceId: string): Promise<string | null> {
    const stored = await options.loadWrapped(instanceId);
    if (stored === null || stored === '') return null;
    const key = unwrapInstanceKey(stored, options.keys, { legacy: options.legacy ?? false });
    cache.set(instanceId, key);
    if (cache.size > limit) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return key;
  }

  return {
    async resolveKey(instanceId: string): Promise<string | null> {
      const cached = cache.get(instanceId);
      if (cached !== undefined) {
        cache.delete(instanceId);
        cache.set(instanceId, cached);
        return cached;
      }
      let pending = loading.get(instanceId);
      if (pending === undefined) {
        pending = load(instanceId).finally(() => loading.delete(instanceId));
        loading.set(instanceId, pending);
      }
      return pending;
    },
    forget(instanceId: string): void {
      cache.delete(instanceId);
    },
  };
}
