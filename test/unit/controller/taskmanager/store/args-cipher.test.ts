import { expect } from 'chai';
import { TroveError } from '../../../../../shared/errors/index.js';
import { createArgsCipher } from '../../../../../controller/taskmanager/store/args-cipher.js';

const KEY = 'a-key-encryption-key-of-32-chars-or-more!';

describe('taskmanager flow arguments at rest', () => {
  const args = { instance_id: 'i-1', root_password: 'hunter2-root', users: [{ _name: 'u', _password: 'pw-secret' }] };

  it('seals arguments so no secret is readable, and opens them for the same flow', () => {
    const cipher = createArgsCipher(KEY);
    const stored = cipher.seal('flow-1', args);
    expect(stored).to.match(/^tfa1:[A-Za-z0-9_-]+$/);
    expect(stored).to.not.include('hunter2');
    expect(stored).to.not.include('pw-secret');
    expect(cipher.open('flow-1', stored)).to.deep.equal(args);
    expect(cipher.seal('flow-1', args)).to.not.equal(stored);
  });

  it('refuses a value moved to another flow, tampered with, or opened with another key', () => {
    const stored = createArgsCipher(KEY).seal('flow-1', args);
    expect(() => createArgsCipher(KEY).open('flow-2', stored)).to.throw(TroveError, /authentication failed/);
    const body = Buffer.from(stored.slice(5), 'base64url');
    body[20] = (body[20] ?? 0) ^ 1;
    expect(() => createArgsCipher(KEY).open('flow-1', `tfa1:${body.toString('base64url')}`)).to.throw(TroveError, /authentication failed/);
    expect(() => createArgsCipher(`${KEY}x`).open('flow-1', stored)).to.throw(TroveError, /authentication failed/);
    expect(() => createArgsCipher(null).open('flow-1', stored)).to.throw(TroveError, /no key is configured/);
    expect(() => createArgsCipher(KEY).open('flow-1', 'something else')).to.throw(TroveError, /unknown format/);
  });

  it('stores plain JSON without a key (secure messaging off)', () => {
    const cipher = createArgsCipher(null);
    const stored = cipher.seal('flow-1', args);
    expect(stored.startsWith('json:')).to.equal(true);
    expect(cipher.open('flow-1', stored)).to.deep.equal(args);
    expect(() => cipher.open('flow-1', 'json:[1,2]')).to.throw(TroveError, /not a JSON object/);
  });
});
