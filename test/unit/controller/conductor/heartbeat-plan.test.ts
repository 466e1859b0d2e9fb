import { expect } from 'chai';
import { planHeartbeatBatch, type HeartbeatEntry, type StoredHeartbeatState } from '../../../../controller/conductor/heartbeat-plan.js';
import { SERVICE_STATUS_INFO } from '../../../../shared/models/index.js';

const NEW = SERVICE_STATUS_INFO.NEW.code;
const RESTART_REQUIRED = SERVICE_STATUS_INFO.RESTART_REQUIRED.code;

function stored(entries: Record<string, StoredHeartbeatState>): Map<string, StoredHeartbeatState> {
  return new Map(Object.entries(entries));
}

describe('conductor heartbeat batch plan', () => {
  it('applies a first heartbeat: status written, last-seen stored', () => {
    const plan = planHeartbeatBatch([{ instanceId: 'a', status: 'HEALTHY', sent: 10 }], stored({ a: { statusCode: NEW, lastSent: null } }));
    expect(plan.outcomes).to.deep.equal(['applied']);
    expect([...plan.statusUpdates]).to.deep.equal([['a', 'HEALTHY']]);
    expect([...plan.lastSeen]).to.deep.equal([['a', 10]]);
  });

  it('drops a heartbeat not newer than the stored last-seen time and writes nothing for it', () => {
    const plan = planHeartbeatBatch(
      [
        { instanceId: 'a', status: 'SHUTDOWN', sent: 10 },
        { instanceId: 'b', status: 'SHUTDOWN', sent: 9 },
      ],
      stored({ a: { statusCode: NEW, lastSent: 10 }, b: { statusCode: NEW, lastSent: 10 } }),
    );
    expect(plan.outcomes).to.deep.equal(['stale', 'stale']);
    expect(plan.statusUpdates.size).to.equal(0);
    expect(plan.lastSeen.size).to.equal(0);
  });

  it('reports instances without a service status row as unknown', () => {
    const plan = planHeartbeatBatch([{ instanceId: 'ghost', status: 'HEALTHY', sent: 1 }], stored({}));
    expect(plan.outcomes).to.deep.equal(['unknown_instance']);
    expect(plan.statusUpdates.size).to.equal(0);
    expect(plan.lastSeen.size).to.equal(0);
  });

  it('keeps RESTART_REQUIRED but still records the last-seen time, as Trove does', () => {
    const plan = planHeartbeatBatch([{ instanceId: 'a', status: 'HEALTHY', sent: 20 }], stored({ a: { statusCode: RESTART_REQUIRED, lastSent: 10 } }));
    expect(plan.outcomes).to.deep.equal(['restart_required']);
    expect(plan.statusUpdates.size).to.equal(0);
    expect(plan.lastSeen.get('a')).to.equal(20);
  });

  it('folds several heartbeats of one instance in arrival order: newest sent wins, older ones are stale', () => {
    const entries: HeartbeatEntry[] = [
      { instanceId: 'a', status: 'BUILDING', sent: 5 },
      { instanceId: 'a', status: 'HEALTHY', sent: 7 },
      { instanceId: 'a', status: 'SHUTDOWN', sent: 6 },
    ];
    const plan = planHeartbeatBatch(entries, stored({ a: { statusCode: NEW, lastSent: 1 } }));
    expect(plan.outcomes).to.deep.equal(['coalesced', 'applied', 'stale']);
    expect(plan.statusUpdates.get('a')).to.equal('HEALTHY');
    expect(plan.lastSeen.get('a')).to.equal(7);
  });

  it('accepts heartbeats without sent and leaves the last-seen time alone', () => {
    const plan = planHeartbeatBatch(
      [
        { instanceId: 'a', status: 'HEALTHY', sent: 7 },
        { instanceId: 'a', status: 'SHUTDOWN', sent: null },
      ],
      stored({ a: { statusCode: NEW, lastSent: 1 } }),
    );
    expect(plan.outcomes).to.deep.equal(['coalesced', 'applied']);
    expect(plan.statusUpdates.get('a')).to.equal('SHUTDOWN');
    expect(plan.lastSeen.get('a')).to.equal(7);
  });

  it('stops applying once a heartbeat of the batch itself reported restart required', () => {
    const plan = planHeartbeatBatch(
      [
        { instanceId: 'a', status: 'RESTART_REQUIRED', sent: 2 },
        { instanceId: 'a', status: 'HEALTHY', sent: 3 },
      ],
      stored({ a: { statusCode: NEW, lastSent: 1 } }),
    );
    expect(plan.outcomes).to.deep.equal(['applied', 'restart_required']);
    expect(plan.statusUpdates.get('a')).to.equal('RESTART_REQUIRED');
    expect(plan.lastSeen.get('a')).to.equal(3);
  });

  it('plans many instances independently', () => {
    const entries: HeartbeatEntry[] = Array.from({ length: 100 }, (_, index) => ({ instanceId: `i${index}`, status: 'HEALTHY', sent: 100 + index }));
    const state = stored(Object.fromEntries(entries.map((entry, index) => [entry.instanceId, { statusCode: NEW, lastSent: index % 2 === 0 ? null : 1000 }])));
    const plan = planHeartbeatBatch(entries, state);
    expect(plan.outcomes.filter((outcome) => outcome === 'applied')).to.have.length(50);
    expect(plan.outcomes.filter((outcome) => outcome === 'stale')).to.have.length(50);
    expect(plan.statusUpdates.size).to.equal(50);
  });
});
