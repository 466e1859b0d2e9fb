import { expect } from 'chai';
import { defaultConfig } from '../../../../shared/config/index.js';
import {
  createInstanceKeyResolver,
  generateInstanceKey,
  isWrappedWithCurrent,
  keyEncryptionKeysFromConfig,
  KeyUnwrapError,
  rewrapInstanceKey,
  troveWrapKey,
  unwrapInstanceKey,
  wrapInstanceKey,
  wrappedKeyId,
  WRAPPED_KEY_MAX_LENGTH,
} from '../../../../shared/crypto/index.js';

const kek1 = 'first-key-encryption-key-0123456789abcdef';
const kek2 = 'second-key-encryption-key-0123456789abcdef';

describe('instance key wrapping', () => {
  it('wraps into a value that fits instances.encrypted_key and records the key id', () => {
    const key = generateInstanceKey();
    const stored = wrapInstanceKey(key, { keyId: 'k1', kek: kek1 });
    expect(stored.length).to.be.at.most(WRAPPED_KEY_MAX_LENGTH);
    expect(stored).to.match(/^tt1:k1:[A-Za-z0-9_-]+$/);
    expect(stored).not.to.contain(key);
    expect(wrappedKeyId(stored)).to.equal('k1');
    expect(unwrapInstanceKey(stored, { current: { id: 'k1', key: kek1 } })).to.equal(key);
    expect(wrapInstanceKey(key, { keyId: 'k1', kek: kek1 })).not.to.equal(stored);
  });

  it('refuses a wrong key-encryption key, a relabelled key id and a damaged value', () => {
    const stored = wrapInstanceKey(generateInstanceKey(), { keyId: 'k1', kek: kek1 });
    expect(() => unwrapInstanceKey(stored, { current: { id: 'k1', key: kek2 } })).to.throw(KeyUnwrapError, /does not authenticate/);
    expect(() => unwrapInstanceKey(stored.replace('tt1:k1:', 'tt1:k2:'), { current: { id: 'k2', key: kek1 } })).to.throw(KeyUnwrapError);
    expect(() => unwrapInstanceKey(`${stored.slice(0, -2)}AA`, { current: { id: 'k1', key: kek1 } })).to.throw(KeyUnwrapError);
    expect(() => unwrapInstanceKey('garbage', { current: { id: 'k1', key: kek1 } })).to.throw(KeyUnwrapError, /not in the trove-ts format/);
    expect(() => wrapInstanceKey('k', { keyId: 'bad:id', kek: kek1 })).to.throw(RangeError);
  });

  it('rotates: old values open with retired keys, re-wrap moves them to the current key', () => {
    const key = generateInstanceKey();
    const before = wrapInstanceKey(key, { keyId: 'k1', kek: kek1 });
    const rotated = { current: { id: 'k2', key: kek2 }, old: { k1: kek1 } };
    expect(unwrapInstanceKey(before, rotated)).to.equal(key);
    expect(isWrappedWithCurrent(before, rotated)).to.equal(false);
    const after = rewrapInstanceKey(before, rotated);
    expect(wrappedKeyId(after)).to.equal('k2');
    expect(rewrapInstanceKey(after, rotated)).to.equal(after);
    const retired = { current: { id: 'k2', key: kek2 } };
    expect(unwrapInstanceKey(after, retired)).to.equal(key);
    expect(() => unwrapInstanceKey(before, retired)).to.throw(KeyUnwrapError, /key id 'k1'/);
  });

  it("reads stock Trove's wrapped keys only when asked to", () => {
    const key = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    const legacy = troveWrapKey(key, kek1);
    expect(() => unwrapInstanceKey(legacy, { current: { id: 'k2', key: kek2 } })).to.throw(KeyUnwrapError);
    expect(unwrapInstanceKey(legacy, { current: { id: 'k2', key: kek2 }, old: { k1: kek1 } }, { legacy: true })).to.equal(key);
    expect(wrappedKeyId(rewrapInstanceKey(legacy, { current: { id: 'k2', key: kek2 }, old: { k1: kek1 } }, { legacy: true }))).to.equal('k2');
  });

  it('builds the key ring from configuration', () => {
    const config = defaultConfig({ DEFAULT: { inst_rpc_key_encr_key: kek2, inst_rpc_key_encr_key_id: 'k2', inst_rpc_key_encr_old_keys: { k1: kek1 } } });
    expect(keyEncryptionKeysFromConfig(config)).to.deep.equal({ current: { id: 'k2', key: kek2 }, old: { k1: kek1 } });
    expect(() => keyEncryptionKeysFromConfig(defaultConfig())).to.throw(RangeError);
  });
});

describe('instance key resolver', () => {
  it('unwraps once per instance and serves later lookups from its cache', async () => {
    const key = generateInstanceKey();
    const stored = new Map([['inst-1', wrapInstanceKey(key, { keyId: 'k1', kek: kek1 })]]);
    let loads = 0;
    const resolver = createInstanceKeyResolver({
      keys: { current: { id: 'k1', key: kek1 } },
      loadWrapped: async (id) => {
        loads += 1;
        return stored.get(id) ?? null;
      },
    });
    const [first, second] = await Promise.all([resolver.resolveKey('inst-1'), resolver.resolveKey('inst-1')]);
    expect(first).to.equal(key);
    expect(second).to.equal(key);
    expect(await resolver.resolveKey('inst-1')).to.equal(key);
    expect(loads).to.equal(1);
    resolver.forget('inst-1');
    await resolver.resolveKey('inst-1');
    expect(loads).to.equal(2);
  });

  it('returns null for an instance without a key and propagates unwrap failures', async () => {
    const resolver = createInstanceKeyResolver({
      keys: { current: { id: 'k2', key: kek2 } },
      loadWrapped: async (id) => (id === 'old' ? wrapInstanceKey(generateInstanceKey(), { keyId: 'k1', kek: kek1 }) : null),
    });
    expect(await resolver.resolveKey('missing')).to.equal(null);
    const error = await resolver.resolveKey('old').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(KeyUnwrapError);
  });
});
