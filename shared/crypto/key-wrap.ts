/**
 * Per-instance RPC keys at rest. The controller stores each instance's key in `instances.encrypted_key`
 * wrapped with the key-encryption key `inst_rpc_key_encr_key`; the stored text names the wrapping key's id
 * (`inst_rpc_key_encr_key_id`), so operators can rotate: set a new key and id, move the old pair into
 * `inst_rpc_key_encr_old_keys`, and re-wrap at leisure (`rewrapInstanceKey`).
 *
 * Stored form: `tt1:<key id>:<base64url(nonce ‖ AES-256-GCM(key) ‖ tag)>`, about 100 characters for a
 * generated key, well inside VARCHAR(255). The key id is bound as associated data, so a value cannot be
 * relabelled to another id.
 */
import { aeadOpen, aeadSeal, AEAD_NONCE_BYTES } from './aead.js';
import { DecryptionError, KeyUnwrapError } from './errors.js';
import { deriveKey } from './keys.js';
import { troveUnwrapKey, troveWrapKey } from './trove-compat.js';

const PREFIX = 'tt1';
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** The longest value `instances.encrypted_key` holds. */
export const WRAPPED_KEY_MAX_LENGTH = 255;

/** The key-encryption keys a process knows: the current one (wraps and unwraps) and retired ones (unwrap only). */
export interface KeyEncryptionKeys {
  current: { id: string; key: string };
  /** Retired keys by id, still accepted to unwrap during a rotation. */
  old?: Readonly<Record<string, string>>;
}

/** Options to wrap an instance key. */
export interface WrapOptions {
  keyId: string;
  kek: string;
  /** `trove` writes stock Trove's format (no key id, no integrity) for a database shared with stock Trove. @default 'tt1' */
  format?: 'tt1' | 'trove';
}

function aad(keyId: string): Buffer {
  return Buffer.from(`trove-ts instance key/1\u0000${keyId}`, 'utf8');
}

/**
 * Wraps an instance key for storage.
 * @throws RangeError when the key id has characters outside `[A-Za-z0-9_.-]` or the result would not fit VARCHAR(255)
 */
export function wrapInstanceKey(instanceKey: string, options: WrapOptions): string {
  if (options.format === 'trove') return troveWrapKey(instanceKey, options.kek);
  if (!KEY_ID.test(options.keyId)) throw new RangeError(`Invalid key id ${JSON.stringify(options.keyId)}: use 1-64 of [A-Za-z0-9_.-]`);
  const box = aeadSeal(deriveKey(options.kek, 'instance-key-wrap/1'), Buffer.from(instanceKey, 'utf8'), aad(options.keyId));
  const stored = `${PREFIX}:${options.keyId}:${Buffer.concat([box.nonce, box.sealed]).toString('base64url')}`;
  if (stored.length > WRAPPED_KEY_MAX_LENGTH) throw new RangeError('Instance key too long to store wrapped');
  return stored;
}

/** The key id a stored value was wrapped with, or undefined for stock Trove's format. */
export function wrappedKeyId(stored: string): string | undefined {
  const parts = stored.split(':');
  return parts.length === 3 && parts[0] === PREFIX ? parts[1] : undefined;
}

function unwrapTt1(stored: string, keys: KeyEncryptionKeys): string {
  const [, keyId = '', payload = ''] = stored.split(':');
  const kek = keyId === keys.current.id ? keys.current.key : keys.old?.[keyId];
  if (kek === undefined) {
    throw new KeyUnwrapError(
      `Instance key is wrapped with key id '${keyId}', which is neither inst_rpc_key_encr_key_id nor in inst_rpc_key_encr_old_keys`,
      { keyId },
    );
  }
  const raw = Buffer.from(payload, 'base64url');
  try {
    const plain = aeadOpen(deriveKey(kek, 'instance-key-wrap/1'), { nonce: raw.subarray(0, AEAD_NONCE_BYTES), sealed: raw.subarray(AEAD_NONCE_BYTES) }, aad(keyId));
    return plain.toString('utf8');
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new KeyUnwrapError(`Instance key wrapped with key id '${keyId}' does not authenticate: the configured key for that id is wrong or the value is damaged`, { keyId });
    }
    throw error;
  }
}

/**
 * Unwraps a stored instance key. Values in stock Trove's format are accepted only with `legacy: true`
 * (`rpc_codec = trove-compat`); they are tried with the current key, then the retired ones.
 * @throws KeyUnwrapError naming the key id when no configured key opens the value
 */
export function unwrapInstanceKey(stored: string, keys: KeyEncryptionKeys, options: { legacy?: boolean } = {}): string {
  if (wrappedKeyId(stored) !== undefined) return unwrapTt1(stored, keys);
  if (!options.legacy) throw new KeyUnwrapError('Stored instance key is not in the trove-ts format (tt1:<key id>:...)');
  for (const kek of [keys.current.key, ...Object.values(keys.old ?? {})]) {
    try {
      return troveUnwrapKey(stored, kek);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
    }
  }
  throw new KeyUnwrapError('Stored instance key (Trove format) does not decrypt with any configured key-encryption key');
}

/** True when the stored value is wrapped with the current key (nothing to do in a rotation). */
export function isWrappedWithCurrent(stored: string, keys: KeyEncryptionKeys): boolean {
  return wrappedKeyId(stored) === keys.current.id;
}

/**
 * Re-wraps a stored key with the current key-encryption key; returns the value unchanged when it already is.
 * @throws KeyUnwrapError when the value cannot be unwrapped
 */
export function rewrapInstanceKey(stored: string, keys: KeyEncryptionKeys, options: { legacy?: boolean } = {}): string {
  if (isWrappedWithCurrent(stored, keys)) return stored;
  return wrapInstanceKey(unwrapInstanceKey(stored, keys, options), { keyId: keys.current.id, kek: keys.current.key });
}
