import { expect } from 'chai';
import { silentLogger } from '../../../../../shared/logging/index.js';
import { ContainerApp, DatastoreTimeoutError, LABEL_SPEC_HASH, type ContainerRecipe } from '../../../../../guestagent/datastores/base/container-app.js';
import { FakeContainerRuntime } from '../../../../fakes/fake-container-runtime.js';

const recipe: ContainerRecipe = {
  image: 'trove/mariadb:10.11',
  command: ['--defaults-file=/etc/mysql/my.cnf'],
  env: {},
  binds: [{ hostPath: '/vol', containerPath: '/var/lib/mysql' }],
};

function app(runtime: FakeContainerRuntime, pullImages = false): ContainerApp {
  return new ContainerApp({ runtime, instanceId: 'inst-1', containerName: 'database', user: '1001:1001', pullImages, waitMs: 300, pollMs: 20, logger: silentLogger() });
}

describe('ContainerApp', () => {
  it('creates and starts the container with labels, host network, restart policy and user', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add(recipe.image);
    await app(runtime).ensureStarted(recipe);
    const [container] = [...runtime.containers.values()];
    expect(container?.state).to.equal('running');
    expect(container?.spec).to.include({ name: 'database', image: recipe.image, user: '1001:1001', networkMode: 'host', restartPolicy: 'unless-stopped' });
    expect(container?.spec.labels).to.include({ 'trove.instance-id': 'inst-1', 'trove.role': 'database' });
    expect(container?.spec.labels[LABEL_SPEC_HASH]).to.match(/^[0-9a-f]{32}$/);
  });

  it('reuses a matching container (starting it if stopped) and never creates a second one', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add(recipe.image);
    const subject = app(runtime);
    await subject.ensureStarted(recipe);
    const id = [...runtime.containers.keys()][0];
    runtime.kill('database');
    await subject.ensureStarted(recipe);
    expect([...runtime.containers.keys()]).to.deep.equal([id]);
    expect(runtime.containers.get(id!)?.state).to.equal('running');
    expect(runtime.callsOf('createContainer')).to.have.length(1);
  });

  it('replaces the container when the spec changes (new image tag), keeping one container', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add(recipe.image).add('trove/mariadb:10.11.9');
    const subject = app(runtime);
    await subject.ensureStarted(recipe);
    await subject.ensureStarted({ ...recipe, image: 'trove/mariadb:10.11.9' });
    const containers = [...runtime.containers.values()];
    expect(containers).to.have.length(1);
    expect(containers[0]?.spec.image).to.equal('trove/mariadb:10.11.9');
  });

  it('refuses to run a missing image when pulling is off, and pulls it when on', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.pullable.add(recipe.image);
    let caught: unknown;
    try {
      await app(runtime).ensureStarted(recipe);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.contain('pull_images is false');
    expect(runtime.containers.size).to.equal(0);
    await app(runtime, true).ensureStarted(recipe);
    expect(runtime.callsOf('pullImage')).to.deep.equal([[recipe.image]]);
    expect(runtime.containers.size).to.equal(1);
  });

  it('waits for N consecutive confirmations', async () => {
    const runtime = new FakeContainerRuntime();
    const answers = [true, false, true, true, true];
    let asked = 0;
    await app(runtime).waitFor('healthy', async () => answers[asked++] ?? false, 3);
    expect(asked).to.equal(5);
  });

  it('times out with the container state and log tail', async () => {
    const runtime = new FakeContainerRuntime();
    const container = runtime.addContainer({ name: 'database' }, 'restarting');
    container.logs.push('mariadbd: unknown variable foo');
    let caught: unknown;
    try {
      await app(runtime).waitFor('healthy', async () => false);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(DatastoreTimeoutError);
    const details = (caught as DatastoreTimeoutError).details;
    expect(details).to.include({ state: 'restarting' });
    expect(String(details?.['logTail'])).to.contain('unknown variable foo');
  });
});
