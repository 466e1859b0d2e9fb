/**
 * Start-up checks on RPC keys. Trove ships published default keys; a deployment that kept them would let
 * anyone who read Trove's source forge control messages. trove-ts has no default keys and refuses them.
 */
import { ConfigError } from '../errors/index.js';
import type { TroveConfig } from './schema.js';

/** Trove 18's published defaults for `taskmanager_rpc_encr_key` and `inst_rpc_key_encr_key`. */
export const PUBLISHED_DEFAULT_KEYS: readonly string[] = [
  'bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz',
  'emYjgHFqfXNB1NGehAFIUeoyw4V4XwWHEaKP',
];

/** Shortest acceptable key text; 32 characters of a random alphabet carry well over 128 bits. */
export const MIN_KEY_LENGTH = 32;

function checkKey(config: TroveConfig, option: 'taskmanager_rpc_encr_key' | 'inst_rpc_key_encr_key' | 'instance_rpc_encr_key'): void {
  const value = config.DEFAULT[option];
  if (value === null || value === '') {
    throw new ConfigError(`[DEFAULT] ${option} must be set when enable_secure_rpc_messaging is true`, { option });
  }
  if (PUBLISHED_DEFAULT_KEYS.includes(value) && !config.DEFAULT.allow_insecure_default_keys) {
    throw new ConfigError(`[DEFAULT] ${option} is Trove's published default key; generate a new one (e.g. openssl rand -hex 32)`, { option });
  }
  if (value.length < MIN_KEY_LENGTH) {
    throw new ConfigError(`[DEFAULT] ${option} must be at least ${MIN_KEY_LENGTH} characters`, { option });
  }
}

/**
 * Verifies the keys a process needs. Controller processes need both controller keys; a guest needs its
 * instance key. Nothing is required when secure messaging is off.
 * @throws ConfigError naming the option
 */
export function assertRpcKeys(config: TroveConfig, role: 'controller' | 'guest'): void {
  if (!config.DEFAULT.enable_secure_rpc_messaging) return;
  if (role === 'guest') {
    checkKey(config, 'instance_rpc_encr_key');
    return;
  }
  checkKey(config, 'taskmanager_rpc_encr_key');
  checkKey(config, 'inst_rpc_key_encr_key');
}
