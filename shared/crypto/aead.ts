/**
 * AES-256-GCM with associated data (node:crypto): the one authenticated cipher trove-ts uses for sealed RPC
 * messages and wrapped instance keys. A fresh 96-bit nonce from the CSPRNG per message; 128-bit tags only.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { DecryptionError } from './errors.js';

export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

/** A sealed value: the nonce and the ciphertext with its tag appended. */
export interface AeadBox {
  nonce: Buffer;
  sealed: Buffer;
}

/** Encrypts and authenticates `plaintext`, binding `aad` (authenticated, not encrypted). */
export function aeadSeal(key: KeyObject, plaintext: Buffer, aad: Buffer): AeadBox {
  const nonce = randomBytes(AEAD_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

/**
 * Verifies and decrypts a box sealed by `aeadSeal` with the same key and associated data.
 * @throws DecryptionError on any mismatch (key, aad, nonce, ciphertext or tag)
 */
export function aeadOpen(key: KeyObject, box: AeadBox, aad: Buffer): Buffer {
  if (box.nonce.length !== AEAD_NONCE_BYTES || box.sealed.length < AEAD_TAG_BYTES) throw new DecryptionError();
  const tagStart = box.sealed.length - AEAD_TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.nonce, { authTagLength: AEAD_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(box.sealed.subarray(tagStart));
    return Buffer.concat([decipher.update(box.sealed.subarray(0, tagStart)), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}
