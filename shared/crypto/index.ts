/**
 * Message and key cryptography for trove-ts (DESIGN D3): AES-256-GCM sealing primitives, per-instance key
 * generation, wrapping of instance keys at rest with key-id rotation, the cached controller-side key
 * resolver, and Trove 18's AES-CBC format for the opt-in compatibility codec.
 */
export { generateInstanceKey, deriveKey, INSTANCE_KEY_BYTES } from './keys.js';
export type { KeyPurpose } from './keys.js';
export { aeadSeal, aeadOpen, AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from './aead.js';
export type { AeadBox } from './aead.js';
export {
  wrapInstanceKey,
  unwrapInstanceKey,
  rewrapInstanceKey,
  isWrappedWithCurrent,
  wrappedKeyId,
  WRAPPED_KEY_MAX_LENGTH,
} from './key-wrap.js';
export type { KeyEncryptionKeys, WrapOptions } from './key-wrap.js';
export { createInstanceKeyResolver, keyEncryptionKeysFromConfig } from './key-resolver.js';
export type { InstanceKeyResolver, InstanceKeyResolverOptions } from './key-resolver.js';
export {
  troveEncrypt,
  troveDecrypt,
  troveSealValue,
  troveOpenValue,
  troveWrapKey,
  troveUnwrapKey,
  TROVE_IV_BYTES,
} from './trove-compat.js';
export { pythonJsonDumps } from './python-json.js';
export { DecryptionError, KeyUnwrapError } from './errors.js';
