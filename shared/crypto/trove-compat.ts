/**
 * Trove 18's message cipher (`trove/common/crypto_utils.py`), reproduced byte for byte for mixed fleets:
 * the AES key is the 32 ASCII characters of `md5(key).hexdigest()`, AES-256-CBC with a random 16-byte IV
 * prepended, PKCS#7 padding, standard base64 text. It has no integrity check; trove-ts uses it only when
 * `rpc_codec = trove-compat` and, unlike Trove, fails closed on anything that does not decrypt to JSON.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DecryptionError } from './errors.js';
import { pythonJsonDumps } from './python-json.js';

export const TROVE_IV_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function troveAesKey(key: string): Buffer {
  return Buffer.from(createHash('md5').update(key, 'utf8').digest('hex'), 'ascii');
}

/** `crypto_utils.encrypt_data`: IV ‖ AES-256-CBC(pad(data)). `iv` is for test vectors only. */
export function troveEncrypt(data: string | Buffer, key: string, iv: Buffer = randomBytes(TROVE_IV_BYTES)): Buffer {
  if (iv.length !== TROVE_IV_BYTES) throw new RangeError('IV must be 16 bytes');
  const plain = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const padCount = TROVE_IV_BYTES - (plain.length % TROVE_IV_BYTES);
  const cipher = createCipheriv('aes-256-cbc', troveAesKey(key), iv);
  cipher.setAutoPadding(false);
  const padded = Buffer.concat([plain, Buffer.alloc(padCount, padCount)]);
  return Buffer.concat([iv, cipher.update(padded), cipher.final()]);
}

/**
 * `crypto_utils.decrypt_data`, but the padding is verified instead of trusted.
 * @throws DecryptionError when the length or padding is wrong (typically: the wrong key)
 */
export function troveDecrypt(data: Buffer, key: string): Buffer {
  const body = data.length - TROVE_IV_BYTES;
  if (body <= 0 || body % TROVE_IV_BYTES !== 0) throw new DecryptionError();
  const decipher = createDecipheriv('aes-256-cbc', troveAesKey(key), data.subarray(0, TROVE_IV_BYTES));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data.subarray(TROVE_IV_BYTES)), decipher.final()]);
  const padCount = plain[plain.length - 1] ?? 0;
  if (padCount < 1 || padCount > TROVE_IV_BYTES) throw new DecryptionError();
  for (let index = plain.length - padCount; index < plain.length; index++) {
    if (plain[index] !== padCount) throw new DecryptionError();
  }
  return plain.subarray(0, plain.length - padCount);
}

/** `SecureSerializer._serialize_entity`: base64(encrypt(jsonutils.dumps(value))). */
export function troveSealValue(value: unknown, key: string, iv?: Buffer): string {
  return troveEncrypt(pythonJsonDumps(value), key, iv).toString('base64');
}

/**
 * `SecureSerializer._deserialize_entity`, failing closed: the text must be base64 of a ciphertext that
 * decrypts to UTF-8 JSON under `key`.
 * @throws DecryptionError otherwise
 */
export function troveOpenValue(text: unknown, key: string): unknown {
  if (typeof text !== 'string' || !BASE64.test(text)) throw new DecryptionError();
  const plain = troveDecrypt(Buffer.from(text, 'base64'), key);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as unknown;
  } catch {
    throw new DecryptionError();
  }
}

/** Trove's wrapping of an instance key in `instances.encrypted_key`: base64(encrypt(key)), no JSON. */
export function troveWrapKey(instanceKey: string, kek: string, iv?: Buffer): string {
  return troveEncrypt(instanceKey, kek, iv).toString('base64');
}

/**
 * Unwraps a key stored by stock Trove. Without a MAC a wrong key-encryption key is detected only by bad
 * padding or non-printable output, so callers try this last.
 * @throws DecryptionError when the value does not decrypt to printable ASCII
 */
export function troveUnwrapKey(stored: string, kek: string): string {
  if (!BASE64.test(stored)) throw new DecryptionError();
  const plain = troveDecrypt(Buffer.from(stored, 'base64'), kek);
  const text = plain.toString('latin1');
  if (text.length === 0 || !/^[\x21-\x7e]+$/.test(text)) throw new DecryptionError();
  return text;
}
