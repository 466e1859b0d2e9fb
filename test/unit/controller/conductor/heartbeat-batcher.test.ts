import { expect } from 'chai';
import { Registry } from 'prom-client';
import { BatcherClosedError, HeartbeatBatcher } from '../../../../controller/conductor/heartbeat-batcher.js';
import type { HeartbeatEntry, PlannedOutcome } from '../../../../controller/conductor/heartbeat-plan.js';
import type { HeartbeatStore } from '../../../../controller/conductor/heartbeat-store.js';
import { conductorMetrics, type ConductorMetrics } from '../../../../controller/conductor/metrics.js';
import { silentLogger } from '../../../../shared/logging/index.js';

/** A store whose batches the test completes by hand. */
class ControlledStore implements HeartbeatStore {
  readonly batches: HeartbeatEntry[][] = [];
  private readonly completions: { resolve(outcomes: PlannedOutcome[]): void; reject(error: unknown): void; size: number }[] = [];

  applyBatch(entries: readonly HeartbeatEntry[]): Promise<PlannedOutcome[]> {
    this.batches.push([...entries]);
    return new Promise((resolve, reject) => this.completions.push({ resolve, reject, size: entries.length }));
  }

  commitNext(outcome: PlannedOutcome = 'applied'): void {
    const next = this.completions.shift();
    if (next === undefined) throw new Error('no batch in flight');
    next.resolve(new Array<PlannedOutcome>(next.size).fill(outcome));
  }

  failNext(error: Error): void {
    const next = this.completions.shift();
    if (next === undefined) throw new Error('no batch in flight');
    next.reject(error);
  }

  get inFlight(): number {
    return this.completions.length;
  }
}

function entry(index: number, sent: number | null = 1000 + index): HeartbeatEntry {
  return { instanceId: `instance-${index}`, status: 'HEALTHY', sent };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function counter(metrics: ConductorMetrics, outcome: string): Promise<number> {
  const values = (await metrics.heartbeats.get()).values;
  return values.find((value) => value.labels['outcome'] === outcome)?.value ?? 0;
}

describe('conductor heartbeat batcher', () => {
  let store: ControlledStore;
  let metrics: ConductorMetrics;

  beforeEach(() => {
    store = new ControlledStore();
    metrics = conductorMetrics(new Registry());
  });

  function batcher(batchMs: number, batchSize: number): HeartbeatBatcher {
    return new HeartbeatBatcher({ store, batchMs, batchSize, metrics, logger: silentLogger() });
  }

  it('writes a full batch at once and settles its heartbeats only after the commit', async () => {
    const subject = batcher(60_000, 3);
    let settled = 0;
    const results = [0, 1, 2].map((index) => subject.submit(entry(index)).then((outcome) => {
      settled++;
      return outcome;
    }));
    await until(() => store.batches.length === 1);
    expect(store.batches[0]).to.have.length(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled, 'settled before commit').to.equal(0);
    store.commitNext();
    expect(await Promise.all(results)).to.deep.equal(['applied', 'applied', 'applied']);
    expect(await counter(metrics, 'applied')).to.equal(3);
    expect((await metrics.batchSize.get()).values.find((value) => value.metricName === 'trove_conductor_heartbeat_batch_size_sum')?.value).to.equal(3);
    await subject.close();
  });

  it('writes a partial batch when its time is up', async () => {
    const subject = batcher(30, 100);
    const started = Date.now();
    const result = subject.submit(entry(1));
    await until(() => store.batches.length === 1);
    expect(Date.now() - started).to.be.at.least(25);
    store.commitNext('stale');
    expect(await result).to.equal('stale');
    await subject.close();
  });

  it('fills the next batch while one is written, one write at a time', async () => {
    const subject = batcher(10, 2);
    const first = [subject.submit(entry(1)), subject.submit(entry(2))];
    await until(() => store.batches.length === 1);
    const second = [subject.submit(entry(3)), subject.submit(entry(4)), subject.submit(entry(5))];
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.inFlight, 'only one batch in flight').to.equal(1);
    store.commitNext();
    await Promise.all(first);
    await until(() => store.batches.length === 2);
    expect(store.batches[1]!.map((item) => item.instanceId)).to.deep.equal(['instance-3', 'instance-4']);
    store.commitNext();
    await until(() => store.batches.length === 3);
    store.commitNext();
    await Promise.all(second);
    await subject.close();
  });

  it('rejects every heartbeat of a failed batch so their messages are redelivered, and keeps working', async () => {
    const subject = batcher(5, 10);
    const failing = [subject.submit(entry(1)), subject.submit(entry(2))];
    await until(() => store.batches.length === 1);
    store.failNext(new Error('database down'));
    for (const result of failing) {
      const error = await result.then(() => undefined, (reason: unknown) => reason);
      expect((error as Error).message).to.equal('database down');
    }
    expect(await counter(metrics, 'applied')).to.equal(0);
    const later = subject.submit(entry(3));
    await until(() => store.batches.length === 2);
    store.commitNext();
    expect(await later).to.equal('applied');
    await subject.close();
  });

  it('close() writes what is pending at once and then refuses new heartbeats', async () => {
    const subject = batcher(60_000, 100);
    const pending = subject.submit(entry(1));
    const closing = subject.close();
    await until(() => store.batches.length === 1);
    store.commitNext();
    await closing;
    expect(await pending).to.equal('applied');
    const refused = await subject.submit(entry(2)).then(() => undefined, (reason: unknown) => reason);
    expect(refused).to.be.instanceOf(BatcherClosedError);
    expect(subject.state).to.equal('closed');
  });

  it('refuses nonsensical settings', () => {
    expect(() => batcher(10, 0)).to.throw(RangeError);
    expect(() => batcher(-1, 10)).to.throw(RangeError);
  });
});
