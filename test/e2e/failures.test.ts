/**
 * Provisioning when things go wrong, on the real stack (short `usage_timeout`): a datastore version whose
 * image tag does not exist, a guest agent that dies before it answers, a taskmanager killed in the middle of a
 * create and restarted, and the broker restarted in the middle of a create. Every instance is deleted at the
 * end and must leave nothing behind.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, run } from '../helpers/stack.js';
import { DockerodeHost } from '../../controller/compute/local-process/index.js';
import { addressOf, openstackJson, openstackOk, showInstance, waitForGone, waitForStatus } from './helpers/cli.js';
import { NOTHING_LEFT, controllerDb, footprintOf, leftovers, queryOne, waitForAgent } from './helpers/checks.js';

const USAGE_TIMEOUT_SECONDS = 40;

describe('e2e: provisioning failures and recovery', function () {
  this.timeout(900_000);
  let stack: Stack;

  before(async () => {
    stack = await Stack.create({ config: { DEFAULT: { usage_timeout: USAGE_TIMEOUT_SECONDS } } });
    await stack.start();
    await stack.manage('datastore_version_update', 'mariadb', '99.9', 'mariadb', 'trove/mariadb', '', '1');
  });

  after(async () => {
    await stack?.teardown();
  });

  async function create(name: string, version = '10.11'): Promise<string> {
    const created = await openstackJson<Record<string, unknown>>(stack, [
      'database', 'instance', 'create', name, '--flavor', '1', '--size', '1', '--datastore', 'mariadb', '--datastore-version', version, '--databases', 'db1',
    ]);
    return String(created['id']);
  }

  async function deleteAndCheck(id: string, address: string | undefined): Promise<void> {
    const footprint = footprintOf(stack, id);
    await openstackOk(stack, ['database', 'instance', 'delete', id]);
    await waitForGone(stack, id);
    const found = await leftovers(stack, id, address ?? '127.0.0.2', 3306, footprint);
    expect(found).to.deep.equal(NOTHING_LEFT);
  }

  async function flowsOf(id: string): Promise<Array<{ kind: string; state: string }>> {
    const db = await controllerDb(stack);
    try {
      const [rows] = await db.query('SELECT kind, state FROM taskmanager_flows WHERE instance_id = ? ORDER BY created_at', [id]);
      return rows as Array<{ kind: string; state: string }>;
    } finally {
      await db.end();
    }
  }

  it('a version whose image tag does not exist ends in ERROR with a fault, and deletes cleanly', async () => {
    const id = await create('bad-tag', '99.9');
    const instance = await waitForStatus(stack, id, ['ERROR'], { timeoutMs: 120_000 });
    expect((instance['fault'] as { message: string }).message).to.equal("The guest reported 'failed to spawn' instead of becoming ready.");
    const agentLog = stack.log('agent', footprintOf(stack, id)!.serverDir);
    expect(agentLog).to.include('trove/mariadb:99.9');
    await deleteAndCheck(id, addressOf(instance));
  });

  it('a guest that never answers times out into ERROR after usage_timeout', async () => {
    const started = Date.now();
    const id = await create('silent');
    const agent = await waitForAgent(stack, id);
    process.kill(-agent.pid, 'SIGKILL');
    const instance = await waitForStatus(stack, id, ['ERROR'], { timeoutMs: (USAGE_TIMEOUT_SECONDS + 60) * 1000 });
    expect(Date.now() - started).to.be.at.least(USAGE_TIMEOUT_SECONDS * 1000);
    expect((instance['fault'] as { message: string }).message).to.equal(`The guest did not become ready within ${USAGE_TIMEOUT_SECONDS} s.`);
    const db = await controllerDb(stack);
    const status = await queryOne(db, 'SELECT status_description FROM service_statuses WHERE instance_id = ?', [id]);
    await db.end();
    expect(status?.['status_description']).to.equal('guestagent error');
    await deleteAndCheck(id, addressOf(instance));
  });

  it('a taskmanager killed in the middle of a create is restarted and the create converges, building nothing twice', async () => {
    const id = await create('tm-killed');
    const db = await controllerDb(stack);
    let step: string | undefined;
    for (let i = 0; i < 500 && step === undefined; i++) {
      step = (await queryOne(db, "SELECT step FROM taskmanager_flows WHERE instance_id = ? AND kind = 'create_instance'", [id]))?.['step'] as string | undefined;
      if (step === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await db.end();
    expect(step, 'the create flow was recorded').to.be.a('string');
    await stack.stopProcess('taskmanager', { kill: true });
    await stack.startProcess('taskmanager');
    const instance = await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 240_000 });
    const servers = stack.instanceIdsOnHost().filter((instanceId) => instanceId === id);
    expect(servers, `killed at step ${String(step)}`).to.have.length(1);
    const volumes = readdirSync(join(stack.stateDir, 'volumes'));
    const containers = await new DockerodeHost('/var/run/docker.sock').listInstanceContainers(id);
    expect(containers).to.have.length(1);
    expect(await flowsOf(id)).to.deep.equal([{ kind: 'create_instance', state: 'succeeded' }]);
    await deleteAndCheck(id, addressOf(instance));
    expect(readdirSync(join(stack.stateDir, 'volumes'))).to.have.length(volumes.length - 1);
  });

  it('a broker restarted in the middle of a create still ends ACTIVE', async () => {
    const id = await create('broker-restart');
    await waitForAgent(stack, id);
    const stop = await run('rabbitmqctl', ['stop_app']);
    const start = await run('rabbitmqctl', ['start_app']);
    expect(stop.code, stop.stderr).to.equal(0);
    expect(start.code, start.stderr).to.equal(0);
    const instance = await waitForStatus(stack, id, ['ACTIVE'], { timeoutMs: 300_000 });
    expect(instance['operating_status']).to.equal('HEALTHY');
    expect(await showInstance(stack, id)).to.not.equal(undefined);
    await deleteAndCheck(id, addressOf(instance));
  });
});
