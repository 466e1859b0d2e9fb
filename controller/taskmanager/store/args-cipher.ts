/**
 * Flow arguments at rest. A create cast carries user passwords and the root password; the flow journal must
 * keep them until `prepare` has been sent (a restarted taskmanager resumes from the journal), but never in
 * clear text. They are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the controller's
 * `inst_rpc_key_encr_key`, bound to the flow id, and scrubbed from the journal once `prepare` is sent.
 *
 * Stored form: `tfa1:<base64url(nonce ‖ ciphertext ‖ tag)>`, or `json:<text>` when no key is configured
 * (secure messaging off), in which case the flows scrub the secrets all the same.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { ErrorCode, TroveError } from '../../../shared/errors/index.js';

const PREFIX = 'tfa1:';
const PLAIN_PREFIX = 'json:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SALT = Buffer.from('trove-ts taskmanager flow args', 'utf8');
const INFO = Buffer.from('flow-args/1', 'utf8');

/** Seals and opens flow arguments. */
export interface ArgsCipher {
  seal(flowId: string, args: Record<string, unknown>): string;
  /** @throws TroveError INTERNAL_ERROR for a damaged value or another key */
  open(flowId: string, stored: string): Record<string, unknown>;
}

function aad(flowId: string): Buffer {
  return Buffer.from(`taskmanager flow ${flowId}`, 'utf8');
}

function damaged(flowId: string, why: string): TroveError {
  return new TroveError(ErrorCode.INTERNAL_ERROR, `Stored arguments of flow ${flowId} cannot be read: ${why}.`, { details: { flowId } });
}

function parseObject(flowId: string, text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged(flowId, 'not a JSON object');
  return value as Record<string, unknown>;
}

/** A cipher keyed from `secret`, or a plain codec when `secret` is null or empty. */
export function createArgsCipher(secret: string | null): ArgsCipher {
  const key: KeyObject | null =
    secret === null || secret === '' ? null : createSecretKey(Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, INFO, 32)));
  return {
    seal(flowId, args) {
      const text = JSON.stringify(args);
      if (key === null) return `${PLAIN_PREFIX}${text}`;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(aad(flowId));
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return `${PREFIX}${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(flowId, stored) {
      if (stored.startsWith(PLAIN_PREFIX)) return parseObject(flowId, stored.slice(PLAIN_PREFIX.length));
      if (!stored.startsWith(PREFIX)) throw damaged(flowId, 'unknown format');
      if (key === null) throw damaged(flowId, 'they are sealed and no key is configured');
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
      if (raw.length < NONCE_BYTES + TAG_BYTES) throw damaged(flowId, 'too short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
        decipher.setAAD(aad(flowId));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const text = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        return parseObject(flowId, text);
      } catch (error) {
        if (error instanceof TroveError) throw error;
        throw damaged(flowId, 'authentication failed');
      }
    },
  };
}
