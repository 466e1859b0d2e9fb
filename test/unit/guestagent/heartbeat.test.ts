import { expect } from 'chai';
import sinon from 'sinon';
import { silentLogger } from '../../../shared/logging/index.js';
import { ServiceStatus } from '../../../shared/models/index.js';
import { HeartbeatSender, sentNow, type HeartbeatSend } from '../../../guestagent/heartbeat.js';

describe('HeartbeatSender', () => {
  afterEach(() => sinon.restore());

  function sender(send: HeartbeatSend, random = () => 0.5, status: () => ServiceStatus = () => ServiceStatus.HEALTHY) {
    return new HeartbeatSender({ instanceId: 'inst-1', send, status, intervalMs: 30_000, jitter: 0.1, contractVersion: '1.1', logger: silentLogger(), random });
  }

  it('keeps every delay within interval ± jitter', () => {
    expect(sender(async () => undefined, () => 0).nextDelayMs()).to.equal(27_000);
    expect(sender(async () => undefined, () => 0.999999).nextDelayMs()).to.be.closeTo(33_000, 1);
    expect(sender(async () => undefined, () => 0.5).nextDelayMs()).to.equal(30_000);
  });

  it('sends Trove\'s heartbeat at start and then every interval', async () => {
    const clock = sinon.useFakeTimers({ now: 1_700_000_000_123 });
    const sent: Parameters<HeartbeatSend>[0][] = [];
    const subject = sender(async (args) => {
      sent.push(args);
    });
    subject.start();
    await clock.tickAsync(0);
    expect(sent).to.have.length(1);
    expect(sent[0]).to.deep.include({ instance_id: 'inst-1', payload: { service_status: 'healthy', guest_contract_version: '1.1' } });
    await clock.tickAsync(30_000);
    await clock.tickAsync(30_000);
    expect(sent).to.have.length(3);
    expect(sent[2]!.sent).to.be.greaterThan(sent[1]!.sent);
    await subject.stop();
    await clock.tickAsync(120_000);
    expect(sent).to.have.length(3);
  });

  it('sends at once on demand and restarts the period from there', async () => {
    const clock = sinon.useFakeTimers();
    let status: ServiceStatus = ServiceStatus.HEALTHY;
    const sent: string[] = [];
    const subject = sender(
      async (args) => {
        sent.push(args.payload.service_status);
      },
      () => 0.5,
      () => status,
    );
    subject.start();
    await clock.tickAsync(20_000);
    status = ServiceStatus.SHUTDOWN;
    await subject.beat();
    await clock.tickAsync(20_000);
    expect(sent).to.deep.equal(['healthy', 'shutdown']);
    await clock.tickAsync(10_000);
    expect(sent).to.deep.equal(['healthy', 'shutdown', 'shutdown']);
    await subject.stop();
  });

  it('survives a failed send and retries at the next beat', async () => {
    const clock = sinon.useFakeTimers();
    let fail = true;
    const delivered: number[] = [];
    const subject = sender(async (args) => {
      if (fail) throw new Error('broker down');
      delivered.push(args.sent);
    });
    subject.start();
    await clock.tickAsync(0);
    fail = false;
    await clock.tickAsync(30_000);
    expect(delivered).to.have.length(1);
    await subject.stop();
  });

  it('stamps sent as float epoch seconds with microseconds', () => {
    expect(sentNow(() => 1_700_000_000_123.5)).to.equal(1_700_000_000.1235);
    expect(sentNow()).to.be.closeTo(Date.now() / 1000, 1);
  });
});
