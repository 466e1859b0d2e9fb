import { expect } from 'chai';
import { DecryptionError, pythonJsonDumps, troveDecrypt, troveEncrypt, troveOpenValue, troveSealValue } from '../../../../shared/crypto/index.js';

describe('python json.dumps', () => {
  it('writes separators, escapes and floats as CPython does', () => {
    expect(pythonJsonDumps({ a: 1, b: [true, null, 'x'], c: {} })).to.equal('{"a": 1, "b": [true, null, "x"], "c": {}}');
    expect(pythonJsonDumps('é ☃ 😀 \u007f "q" \\ \n\t\u0001')).to.equal('"\\u00e9 \\u2603 \\ud83d\\ude00 \\u007f \\"q\\" \\\\ \\n\\t\\u0001"');
    const floats: [number, string][] = [
      [1.5, '1.5'], [0.1, '0.1'], [1e16, '10000000000000000'], [1.5e22, '1.5e+22'], [1e21, '1e+21'], [1234567.5e10, '12345675000000000'], [123456.789, '123456.789'], [0.0001, '0.0001'],
      [0.00001, '1e-05'], [-2.5e-7, '-2.5e-07'], [1617000000.123456, '1617000000.123456'], [1e300, '1e+300'], [NaN, 'NaN'],
    ];
    for (const [value, text] of floats) expect(pythonJsonDumps(value), String(value)).to.equal(text);
    expect(pythonJsonDumps([])).to.equal('[]');
    expect(pythonJsonDumps({ skip: undefined, keep: 0 })).to.equal('{"keep": 0}');
  });
});

describe("Trove's message cipher", () => {
  const key = 'Trove32CharacterInstanceKey01234';

  it('round-trips values as base64 of IV ‖ AES-256-CBC', () => {
    const sealed = troveSealValue({ service_status: 'running' }, key);
    const raw = Buffer.from(sealed, 'base64');
    expect(raw.length % 16).to.equal(0);
    expect(raw.length).to.equal(16 + 32);
    expect(troveOpenValue(sealed, key)).to.deep.equal({ service_status: 'running' });
    expect(troveSealValue('x', key)).not.to.equal(troveSealValue('x', key));
  });

  it('pads a full block when the plaintext is block-aligned', () => {
    const iv = Buffer.alloc(16, 7);
    const data = troveEncrypt('0123456789abcdef', key, iv);
    expect(data).to.have.length(48);
    expect(troveDecrypt(data, key).toString()).to.equal('0123456789abcdef');
  });

  it('fails closed on a wrong key, bad padding, bad length or bad base64', () => {
    const sealed = troveSealValue({ a: 1 }, key);
    expect(() => troveOpenValue(sealed, 'AnotherKeyAnotherKeyAnotherKey12')).to.throw(DecryptionError);
    const raw = Buffer.from(sealed, 'base64');
    expect(() => troveDecrypt(raw.subarray(0, raw.length - 1), key)).to.throw(DecryptionError);
    expect(() => troveDecrypt(raw.subarray(0, 16), key)).to.throw(DecryptionError);
    expect(() => troveOpenValue('not base64!', key)).to.throw(DecryptionError);
    expect(() => troveOpenValue(42, key)).to.throw(DecryptionError);
  });
});
