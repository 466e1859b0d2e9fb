import { expect } from 'chai';
import { expiryMarginWarning } from '../../../../controller/conductor/expiry-sweeper.js';
import { defaultConfig } from '../../../../shared/config/index.js';

describe('conductor expiry margin check', () => {
  it('accepts Trove\'s defaults: 90 s expiry over 30 s heartbeats with 10 % jitter', () => {
    expect(expiryMarginWarning(defaultConfig())).to.equal(undefined);
  });

  it('warns when the expiry does not exceed two jittered heartbeat periods', () => {
    const warning = expiryMarginWarning(defaultConfig({ DEFAULT: { report_interval: 45, agent_heartbeat_expiry: 90 } }));
    expect(warning).to.match(/agent_heartbeat_expiry \(90 s\) should exceed .* \(99\.0 s\)/);
  });
});
