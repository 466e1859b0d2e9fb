import { expect } from 'chai';
import sinon from 'sinon';
import { silentLogger } from '../../../shared/logging/index.js';
import { ServiceStatus } from '../../../shared/models/index.js';
import { StatusTracker, type PreparePhase } from '../../../guestagent/status.js';

function tracker(phase: PreparePhase, probe: () => Promise<ServiceStatus>) {
  const seen: string[] = [];
  const subject = new StatusTracker({ probe: { probeStatus: probe }, initialPhase: phase, checkIntervalMs: 1000, logger: silentLogger() });
  subject.onChange((status) => seen.push(status));
  return { subject, seen };
}

describe('StatusTracker', () => {
  afterEach(() => sinon.restore());

  it('reports NEW, then BUILDING and the probed status through prepare', async () => {
    const probe = sinon.stub().resolves(ServiceStatus.HEALTHY);
    const { subject, seen } = tracker('new', probe);
    expect(subject.current).to.equal('NEW');
    await subject.refresh();
    expect(probe.called).to.equal(false);
    subject.beginPrepare();
    await subject.endPrepare();
    expect(seen).to.deep.equal(['BUILDING', 'HEALTHY']);
  });

  it('reports FAILED for a failed prepare and keeps it', async () => {
    const { subject, seen } = tracker('new', async () => ServiceStatus.HEALTHY);
    subject.beginPrepare();
    subject.failPrepare();
    await subject.refresh();
    expect(seen).to.deep.equal(['BUILDING', 'FAILED']);
    expect(subject.current).to.equal('FAILED');
  });

  it('does not report transient states during an operation, then reports the outcome', async () => {
    let state: ServiceStatus = ServiceStatus.HEALTHY;
    const { subject, seen } = tracker('ready', async () => state);
    await subject.refresh();
    await subject.during(async () => {
      state = ServiceStatus.SHUTDOWN;
      await subject.refresh();
      state = ServiceStatus.HEALTHY;
    });
    expect(seen).to.deep.equal(['HEALTHY']);
    state = ServiceStatus.SHUTDOWN;
    await subject.during(async () => undefined);
    expect(seen).to.deep.equal(['HEALTHY', 'SHUTDOWN']);
  });

  it('reports RESTART_REQUIRED while healthy until a restart clears it', async () => {
    const { subject, seen } = tracker('ready', async () => ServiceStatus.HEALTHY);
    await subject.refresh();
    subject.markRestartRequired();
    await subject.refresh();
    expect(subject.current).to.equal('RESTART_REQUIRED');
    await subject.during(async () => undefined, { clearsRestartRequired: true });
    expect(seen).to.deep.equal(['HEALTHY', 'RESTART_REQUIRED', 'HEALTHY']);
  });

  it('treats a failing probe as UNKNOWN rather than crashing', async () => {
    const { subject } = tracker('ready', async () => {
      throw new Error('docker socket gone');
    });
    expect(await subject.refresh()).to.equal('UNKNOWN');
  });

  it('probes periodically once started and announces changes', async () => {
    const clock = sinon.useFakeTimers();
    let state: ServiceStatus = ServiceStatus.HEALTHY;
    const { subject, seen } = tracker('ready', async () => state);
    subject.start();
    await clock.tickAsync(10);
    state = ServiceStatus.SHUTDOWN;
    await clock.tickAsync(1000);
    subject.stop();
    state = ServiceStatus.HEALTHY;
    await clock.tickAsync(5000);
    expect(seen).to.deep.equal(['HEALTHY', 'SHUTDOWN']);
  });
});
