import { expect } from 'chai';
import { aeadOpen, aeadSeal, DecryptionError, deriveKey, generateInstanceKey } from '../../../../shared/crypto/index.js';

describe('instance keys and AES-256-GCM', () => {
  it('generates distinct 256-bit keys that fit an INI line', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateInstanceKey()));
    expect(keys.size).to.equal(100);
    for (const key of keys) {
      expect(key).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key, 'base64url')).to.have.length(32);
    }
  });

  it('derives independent keys per purpose and per secret', () => {
    const secret = generateInstanceKey();
    const rpc = deriveKey(secret, 'rpc-aead/1').export();
    expect(rpc).to.have.length(32);
    expect(rpc.equals(deriveKey(secret, 'rpc-aead/1').export())).to.equal(true);
    expect(rpc.equals(deriveKey(secret, 'instance-key-wrap/1').export())).to.equal(false);
    expect(rpc.equals(deriveKey(generateInstanceKey(), 'rpc-aead/1').export())).to.equal(false);
  });

  it('opens what it sealed with the same key and associated data', () => {
    const key = deriveKey(generateInstanceKey(), 'rpc-aead/1');
    const box = aeadSeal(key, Buffer.from('payload'), Buffer.from('aad'));
    expect(box.nonce).to.have.length(12);
    expect(aeadOpen(key, box, Buffer.from('aad')).toString()).to.equal('payload');
    const again = aeadSeal(key, Buffer.from('payload'), Buffer.from('aad'));
    expect(again.nonce.equals(box.nonce)).to.equal(false);
  });

  it('refuses a wrong key, wrong associated data, a flipped bit or a truncated tag', () => {
    const key = deriveKey(generateInstanceKey(), 'rpc-aead/1');
    const box = aeadSeal(key, Buffer.from('payload'), Buffer.from('aad'));
    const flipped = Buffer.from(box.sealed);
    flipped[0] = (flipped[0] as number) ^ 0x80;
    expect(() => aeadOpen(deriveKey(generateInstanceKey(), 'rpc-aead/1'), box, Buffer.from('aad'))).to.throw(DecryptionError);
    expect(() => aeadOpen(key, box, Buffer.from('aae'))).to.throw(DecryptionError);
    expect(() => aeadOpen(key, { nonce: box.nonce, sealed: flipped }, Buffer.from('aad'))).to.throw(DecryptionError);
    expect(() => aeadOpen(key, { nonce: box.nonce, sealed: box.sealed.subarray(0, box.sealed.length - 4) }, Buffer.from('aad'))).to.throw(DecryptionError);
  });
});
