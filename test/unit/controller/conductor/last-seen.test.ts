import { expect } from 'chai';
import { isTooOld } from '../../../../controller/conductor/last-seen.js';

describe('conductor last-seen rule', () => {
  it('accepts a message when nothing is stored', () => {
    expect(isTooOld(undefined, 1_700_000_000.5)).to.equal(false);
    expect(isTooOld(null, 1_700_000_000.5)).to.equal(false);
  });

  it('accepts a message strictly newer than the stored time', () => {
    expect(isTooOld(1_700_000_000.000001, 1_700_000_000.000002)).to.equal(false);
  });

  it('drops a message as old as or older than the stored time', () => {
    expect(isTooOld(1_700_000_000.5, 1_700_000_000.5)).to.equal(true);
    expect(isTooOld(1_700_000_000.5, 1_699_999_999)).to.equal(true);
  });

  it('accepts a message without sent whatever is stored', () => {
    expect(isTooOld(1_700_000_000.5, null)).to.equal(false);
    expect(isTooOld(1_700_000_000.5, undefined)).to.equal(false);
  });
});
