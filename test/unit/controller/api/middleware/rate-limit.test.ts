import { expect } from 'chai';
import { RateLimiter, rateLimitsFromConfig } from '../../../../../controller/api/middleware/rate-limit.js';
import { defaultConfig } from '../../../../../shared/config/index.js';

describe('RateLimiter (Trove leaky bucket)', () => {
  it('admits `value` requests per minute per project and verb, then asks to wait', () => {
    let now = 1000;
    const limiter = new RateLimiter([{ verb: 'GET', uri: '*', regex: '.*', value: 3, unitSeconds: 60 }], () => now);
    for (let index = 0; index < 3; index++) expect(limiter.check('p1', 'GET', '/instances')).to.equal(undefined);
    const over = limiter.check('p1', 'GET', '/instances');
    expect(over?.delaySeconds).to.be.closeTo(20, 0.001);
    expect(over?.message).to.equal('Only 3 GET request(s) can be made to * every minute.');
    expect(limiter.check('p2', 'GET', '/instances')).to.equal(undefined);
    expect(limiter.check('p1', 'POST', '/instances')).to.equal(undefined);
    now += 20;
    expect(limiter.check('p1', 'GET', '/instances')).to.equal(undefined);
  });

  it('reports remaining requests and the next available time for /limits', () => {
    const now = 5000;
    const limiter = new RateLimiter(rateLimitsFromConfig(defaultConfig()), () => now);
    limiter.check('p1', 'POST', '/instances');
    const views = limiter.limitsFor('p1');
    expect(views.map((view) => view.verb)).to.deep.equal(['POST', 'PUT', 'DELETE', 'GET', 'POST']);
    expect(views[0]).to.include({ value: 200, remaining: 199, unit: 'MINUTE', uri: '*', regex: '.*', resetTime: 5000 });
    expect(views[4]).to.include({ uri: '*/mgmt', regex: '^/mgmt' });
  });

  it('charges POSTs to /mgmt against the mgmt limit too, and leaves out limits set to 0', () => {
    const limiter = new RateLimiter([{ verb: 'POST', uri: '*/mgmt', regex: '^/mgmt', value: 1, unitSeconds: 60 }], () => 0);
    expect(limiter.check('p', 'POST', '/mgmt/instances/x/action')).to.equal(undefined);
    expect(limiter.check('p', 'POST', '/mgmt/instances/x/action')).not.to.equal(undefined);
    expect(limiter.check('p', 'POST', '/instances')).to.equal(undefined);
    const specs = rateLimitsFromConfig(defaultConfig({ DEFAULT: { http_get_rate: 0 } }));
    expect(specs.map((spec) => spec.verb)).not.to.include('GET');
  });
});
