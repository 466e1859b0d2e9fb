import { expect } from 'chai';
import { ValidationError } from '../../../../../shared/errors/index.js';
import { paginate } from '../../../../../guestagent/datastores/base/paging.js';

describe('paginate', () => {
  const items = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
  const key = (item: string) => item;

  it('returns everything, sorted, without a limit', () => {
    expect(paginate(items, key, {})).to.deep.equal([['alpha', 'bravo', 'charlie', 'delta', 'echo'], null]);
  });

  it('walks pages with the marker of the last item', () => {
    const first = paginate(items, key, { limit: 2 });
    expect(first).to.deep.equal([['alpha', 'bravo'], 'bravo']);
    const second = paginate(items, key, { limit: 2, marker: first[1] });
    expect(second).to.deep.equal([['charlie', 'delta'], 'delta']);
    expect(paginate(items, key, { limit: 2, marker: second[1] })).to.deep.equal([['echo'], null]);
  });

  it('includes the marker item when asked', () => {
    expect(paginate(items, key, { limit: 2, marker: 'charlie', includeMarker: true })).to.deep.equal([['charlie', 'delta'], 'delta']);
  });

  it('gives no next marker when the page ends exactly at the last item', () => {
    expect(paginate(items, key, { limit: 5 })).to.deep.equal([['alpha', 'bravo', 'charlie', 'delta', 'echo'], null]);
  });

  it('rejects a non-positive limit', () => {
    expect(() => paginate(items, key, { limit: 0 })).to.throw(ValidationError);
    expect(() => paginate(items, key, { limit: 1.5 })).to.throw(ValidationError);
  });
});
