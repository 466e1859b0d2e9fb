/**
 * Key material: per-instance key generation and the derivation of cipher keys from configured key text.
 * Configured keys are text (an operator's `openssl rand -hex 32`, a generated instance key, or a legacy
 * 32-character Trove key); HKDF-SHA256 turns any of them into a uniformly random 32-byte key per purpose, so
 * one secret never keys two different constructions.
 */
import { createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/** Random bytes in a generated instance key; 256 bits. */
export const INSTANCE_KEY_BYTES = 32;

/**
 * A new per-instance RPC key: 32 bytes from the CSPRNG, base64url-encoded (43 characters, no padding), so it
 * fits an INI line in guest_info.conf (`instance_rpc_encr_key = ...`) without quoting.
 */
export function generateInstanceKey(): string {
  return randomBytes(INSTANCE_KEY_BYTES).toString('base64url');
}

/** What a derived key is used for; part of the HKDF info so keys for different uses are independent. */
export type KeyPurpose = 'rpc-aead/1' | 'instance-key-wrap/1';

const SALT = Buffer.from('trove-ts key derivation v1', 'utf8');
const CACHE_LIMIT = 4096;
const derived = new Map<string, KeyObject>();

/**
 * The 32-byte AES key for `purpose` derived from key text. Results are cached (bounded) because a busy
 * conductor opens many messages per second with a few thousand instance keys.
 */
export function deriveKey(secret: string, purpose: KeyPurpose): KeyObject {
  const cacheKey = `${purpose}\u0000${secret}`;
  const cached = derived.get(cacheKey);
  if (cached !== undefined) {
    // Re-insert so the Map's insertion order is least-recently-used first.
    derived.delete(cacheKey);
    derived.set(cacheKey, cached);
    return cached;
  }
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, Buffer.from(purpose, 'utf8'), 32)));
  derived.set(cacheKey, key);
  if (derived.size > CACHE_LIMIT) {
    const oldest = derived.keys().next().value;
    if (oldest !== undefined) derived.delete(oldest);
  }
  return key;
}
