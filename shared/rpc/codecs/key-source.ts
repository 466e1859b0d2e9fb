/**
 * Which key seals what, by sealing mode (`Sealing` in sealing.ts):
 * - `shared`: one key both ways (API ↔ taskmanager, `taskmanager_rpc_encr_key`); no instance identity.
 * - `instance`: a guest's own key; outgoing messages name the guest, incoming ones must name it too.
 * - `lookup`: the controller side; the instance named by the message (or by the client) selects the key.
 */
import { MessageRejectedError } from '../errors.js';
import type { KeyUse } from './codec.js';

export type KeyedMode =
  | { mode: 'shared'; key: string }
  | { mode: 'instance'; instanceId: string; key: string }
  | { mode: 'lookup'; resolveKey(instanceId: string): Promise<string | null> };

/** Resolves keys for one sealing mode. */
export interface KeySource {
  readonly mode: KeyedMode['mode'];
  /** The key for an outgoing request. @throws MessageRejectedError ('no_key') */
  outgoing(instanceId: string | undefined): Promise<KeyUse>;
  /**
   * The key for an incoming message that claims `claimed` as its sender instance.
   * @throws MessageRejectedError ('wrong_instance' | 'unknown_instance' | 'unsealed'); other errors are transient
   */
  incoming(claimed: string | undefined): Promise<KeyUse>;
}

export function createKeySource(sealing: KeyedMode): KeySource {
  switch (sealing.mode) {
    case 'shared':
      return {
        mode: 'shared',
        outgoing: async () => ({ key: sealing.key }),
        incoming: async (claimed) => {
          if (claimed !== undefined) throw new MessageRejectedError('wrong_instance', 'Message sealed for an instance arrived on a shared-key topic', { claimed });
          return { key: sealing.key };
        },
      };
    case 'instance':
      return {
        mode: 'instance',
        outgoing: async () => ({ key: sealing.key, instanceId: sealing.instanceId }),
        incoming: async (claimed) => {
          if (claimed !== undefined && claimed !== sealing.instanceId) {
            throw new MessageRejectedError('wrong_instance', 'Message names another instance', { claimed });
          }
          return { key: sealing.key, instanceId: sealing.instanceId };
        },
      };
    case 'lookup':
      return {
        mode: 'lookup',
        outgoing: async (instanceId) => {
          if (instanceId === undefined) throw new MessageRejectedError('no_key', 'A per-instance key is required but the client names no instance');
          const key = await sealing.resolveKey(instanceId);
          if (key === null || key === '') {
            throw new MessageRejectedError('no_key', `No RPC key is stored for instance ${instanceId}; refusing to send in plaintext`, { instanceId });
          }
          return { key, instanceId };
        },
        incoming: async (claimed) => {
          if (claimed === undefined) throw new MessageRejectedError('unsealed', 'Message names no instance');
          const key = await sealing.resolveKey(claimed);
          if (key === null || key === '') throw new MessageRejectedError('unknown_instance', 'No key for the instance the message names', { claimed });
          return { key, instanceId: claimed };
        },
      };
  }
}
