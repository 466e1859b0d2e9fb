/**
 * How a client or server seals its messages, and helpers that derive it from configuration
 * (`enable_secure_rpc_messaging`, `rpc_codec`, `rpc_max_clock_skew`, the keys). With secure messaging on,
 * nothing is ever sent or accepted in plaintext; the helpers refuse Trove's published default keys through
 * `assertRpcKeys`.
 */
import { assertRpcKeys, type TroveConfig } from '../config/index.js';
import { createAeadCodec } from './codecs/aead.js';
import type { MessageCodec } from './codecs/codec.js';
import { createKeySource } from './codecs/key-source.js';
import { createPlainCodec } from './codecs/plain.js';
import { createTroveCompatCodec } from './codecs/trove-compat.js';

/** The sealed formats: `aead` (AES-256-GCM, trove-ts) or `trove-compat` (Trove 18's AES-CBC). */
export type CodecName = 'aead' | 'trove-compat';

/** Tuning shared by the keyed modes. */
export interface SealingTuning {
  /** @default 'aead' */
  codec?: CodecName;
  /** Sent times further than this from local time are refused. @default 300 */
  maxClockSkewSeconds?: number;
  /** The longest a sealed cast may wait in its queue before it is refused as stale. @default 3600 */
  castMaxAgeSeconds?: number;
}

/**
 * - `plain`: secure messaging is off.
 * - `shared`: API ↔ taskmanager with `taskmanager_rpc_encr_key`.
 * - `instance`: a guest with its own key (serving `guestagent.<id>`, casting to the conductor).
 * - `lookup`: the controller side of guest traffic; the key is found by instance id (guest clients: the
 *   client's instance; the conductor server: the instance the message names).
 */
export type Sealing =
  | { mode: 'plain' }
  | ({ mode: 'shared'; key: string } & SealingTuning)
  | ({ mode: 'instance'; instanceId: string; key: string } & SealingTuning)
  | ({ mode: 'lookup'; resolveKey(instanceId: string): Promise<string | null> } & SealingTuning);

/** Builds the codec for a sealing; `now` is injectable for tests of the clock window. */
export function createCodec(sealing: Sealing, options: { now?: () => number } = {}): MessageCodec {
  if (sealing.mode === 'plain') return createPlainCodec();
  const keys = createKeySource(sealing);
  if (sealing.codec === 'trove-compat') return createTroveCompatCodec({ keys });
  return createAeadCodec({
    keys,
    maxClockSkewMs: (sealing.maxClockSkewSeconds ?? 300) * 1000,
    maxAgeMs: (sealing.castMaxAgeSeconds ?? 3600) * 1000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** The maximum age a sealing allows a cast, in milliseconds (the lifetime clients declare for casts). */
export function castTtlMs(sealing: Sealing): number {
  return sealing.mode === 'plain' ? 0 : (sealing.castMaxAgeSeconds ?? 3600) * 1000;
}

function tuning(config: TroveConfig): SealingTuning {
  return {
    codec: config.DEFAULT.rpc_codec as CodecName,
    maxClockSkewSeconds: config.DEFAULT.rpc_max_clock_skew,
    castMaxAgeSeconds: config.oslo_messaging_rabbit.sealed_cast_max_age,
  };
}

/**
 * API ↔ taskmanager sealing (`taskmanager_rpc_encr_key`).
 * @throws ConfigError when secure messaging is on and a controller key is missing, short or Trove's default
 */
export function taskmanagerSealing(config: TroveConfig): Sealing {
  if (!config.DEFAULT.enable_secure_rpc_messaging) return { mode: 'plain' };
  assertRpcKeys(config, 'controller');
  return { mode: 'shared', key: config.DEFAULT.taskmanager_rpc_encr_key as string, ...tuning(config) };
}

/**
 * A guest's sealing: its own key (`instance_rpc_encr_key`) and id (`guest_id`).
 * @throws ConfigError when secure messaging is on and the key is missing, short or Trove's default
 */
export function guestSealing(config: TroveConfig): Sealing {
  if (!config.DEFAULT.enable_secure_rpc_messaging) return { mode: 'plain' };
  assertRpcKeys(config, 'guest');
  const guestId = config.DEFAULT.guest_id;
  if (guestId === null || guestId === '') throw new RangeError('[DEFAULT] guest_id must be set for a guest');
  return { mode: 'instance', instanceId: guestId, key: config.DEFAULT.instance_rpc_encr_key as string, ...tuning(config) };
}

/**
 * The controller's sealing for guest traffic: per-instance keys found by `resolveKey` (see
 * `createInstanceKeyResolver` in shared/crypto).
 * @throws ConfigError when secure messaging is on and a controller key is missing, short or Trove's default
 */
export function instanceLookupSealing(config: TroveConfig, resolveKey: (instanceId: string) => Promise<string | null>): Sealing {
  if (!config.DEFAULT.enable_secure_rpc_messaging) return { mode: 'plain' };
  assertRpcKeys(config, 'controller');
  return { mode: 'lookup', resolveKey, ...tuning(config) };
}
