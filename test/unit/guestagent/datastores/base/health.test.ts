import { expect } from 'chai';
import { statusFromContainer } from '../../../../../guestagent/datastores/base/health.js';

describe('statusFromContainer', () => {
  it('maps container state and probe to Trove statuses', () => {
    expect(statusFromContainer('running', true)).to.equal('HEALTHY');
    expect(statusFromContainer('running', false)).to.equal('RUNNING');
    expect(statusFromContainer('exited', false)).to.equal('SHUTDOWN');
    expect(statusFromContainer('restarting', false)).to.equal('SHUTDOWN');
    expect(statusFromContainer(undefined, false)).to.equal('SHUTDOWN');
    expect(statusFromContainer('created', false)).to.equal('SHUTDOWN');
    expect(statusFromContainer('paused', false)).to.equal('PAUSED');
    expect(statusFromContainer('dead', false)).to.equal('CRASHED');
    expect(statusFromContainer('removing', false)).to.equal('UNKNOWN');
  });

  it('never calls a stopped container healthy, whatever the probe said', () => {
    expect(statusFromContainer('exited', true)).to.equal('SHUTDOWN');
    expect(statusFromContainer('paused', true)).to.equal('PAUSED');
  });
});
