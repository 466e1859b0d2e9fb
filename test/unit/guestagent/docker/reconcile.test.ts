import { expect } from 'chai';
import { silentLogger } from '../../../../shared/logging/index.js';
import { ContainerConflictError, datastoreLabels, reconcileContainers } from '../../../../guestagent/docker/reconcile.js';
import { FakeContainerRuntime } from '../../../fakes/fake-container-runtime.js';

describe('reconcileContainers', () => {
  const instanceId = 'inst-1';
  const logger = silentLogger();

  it('adopts the labelled container of the configured name, running or stopped', async () => {
    for (const state of ['running', 'exited'] as const) {
      const runtime = new FakeContainerRuntime();
      const own = runtime.addContainer({ name: 'database', labels: datastoreLabels(instanceId) }, state);
      const result = await reconcileContainers(runtime, { instanceId, name: 'database', logger });
      expect(result.adopted?.id).to.equal(own.id);
      expect(result.removed).to.deep.equal([]);
      expect(runtime.containers.size).to.equal(1);
    }
  });

  it('removes strays of this instance and leaves other instances alone', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.addContainer({ name: 'database', labels: datastoreLabels(instanceId) });
    runtime.addContainer({ name: 'database-old', labels: datastoreLabels(instanceId) }, 'exited');
    const other = runtime.addContainer({ name: 'database-other', labels: datastoreLabels('inst-2') });
    const result = await reconcileContainers(runtime, { instanceId, name: 'database', logger });
    expect(result.removed).to.deep.equal(['database-old']);
    expect([...runtime.containers.values()].map((c) => c.spec.name).sort()).to.deep.equal(['database', 'database-other']);
    expect(runtime.containers.has(other.id)).to.equal(true);
  });

  it('removes a container left by an interrupted create (created, never started)', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.addContainer({ name: 'database', labels: datastoreLabels(instanceId) }, 'created', false);
    const result = await reconcileContainers(runtime, { instanceId, name: 'database', logger });
    expect(result.adopted).to.equal(undefined);
    expect(result.removed).to.deep.equal(['database']);
    expect(runtime.containers.size).to.equal(0);
  });

  it('refuses, without touching it, a container of that name that is not this instance\'s', async () => {
    for (const labels of [{}, datastoreLabels('inst-2'), { 'trove.instance-id': instanceId, 'trove.role': 'backup' }]) {
      const runtime = new FakeContainerRuntime();
      runtime.addContainer({ name: 'database', labels });
      let caught: unknown;
      try {
        await reconcileContainers(runtime, { instanceId, name: 'database', logger });
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(ContainerConflictError);
      expect((caught as ContainerConflictError).code).to.equal('GUEST_ERROR');
      expect(runtime.containers.size).to.equal(1);
      expect(runtime.callsOf('remove')).to.have.length(0);
    }
  });

  it('finds nothing to adopt on a fresh guest', async () => {
    const runtime = new FakeContainerRuntime();
    const result = await reconcileContainers(runtime, { instanceId, name: 'database', logger });
    expect(result).to.deep.equal({ adopted: undefined, removed: [] });
  });
});
