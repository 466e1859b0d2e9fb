/**
 * `trove-guestagent` as a process, over real RabbitMQ (AMQP 1.0) and a real MariaDB container: configuration
 * errors are one line and exit 2; the agent serves `guestagent.<id>` sealed with its instance key, prepares
 * on a cast, heartbeats its real status to a test conductor (sealed: the conductor authenticates the
 * instance), drains in-flight calls on SIGTERM, and a restarted agent adopts its container.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { defaultConfig, type TroveConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import {
  conductorContract,
  connectTransport,
  createRpcClient,
  guestAgentContract,
  guestTopic,
  serveRpc,
  type RpcClient,
  type RpcServer,
  type Sealing,
  type Transport,
} from '../../../shared/rpc/index.js';
import { DockerodeRuntime } from '../../../guestagent/docker/dockerode-runtime.js';
import { datastoreLabels } from '../../../guestagent/docker/reconcile.js';
import { TempDir } from '../../helpers/tmp.js';
import { AGENT_MAIN, startAgent, stopAgent, writeGuestConfig, type AgentProcess, type GuestFiles } from './agent-process.js';
import { eventually, rejectionOf, testAddress } from './harness.js';

interface Beat {
  status: string;
  authenticated: string | undefined;
  sent: number;
  instanceId: string;
}

describe('trove-guestagent process (RabbitMQ + Docker)', function () {
  this.timeout(240_000);
  const run = randomUUID().slice(0, 8);
  const guestId = `agent-proc-${randomUUID()}`;
  const key = randomBytes(32).toString('hex');
  const tmp = new TempDir('trove-agent-proc-');
  const files: GuestFiles = {
    guestId,
    manager: 'mariadb',
    version: '10.11',
    key,
    exchange: `trove-agent-it-${run}`,
    conductorQueue: `trove-conductor-agent-it-${run}`,
    bindHost: testAddress(),
    mountPoint: tmp.join('volume'),
    containerName: `trove-test-agent-proc-${run}`,
  };
  const configDir = writeGuestConfig(tmp.join('conf.d'), files);
  const beats: Beat[] = [];
  const runtime = new DockerodeRuntime({ logger: silentLogger() });
  let config: TroveConfig;
  let transport: Transport;
  let conductor: RpcServer;
  let guest: RpcClient<typeof guestAgentContract>;
  let agent: AgentProcess | undefined;
  const lookup: Sealing = { mode: 'lookup', resolveKey: async (id) => (id === guestId ? key : null) };

  function statuses(): string[] {
    return beats.map((beat) => beat.status);
  }

  before(async () => {
    config = defaultConfig({ DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:5672/', control_exchange: files.exchange, agent_call_low_timeout: 15 } });
    transport = await connectTransport(config, silentLogger(), { processName: 'agent-test-conductor' });
    conductor = await serveRpc(
      conductorContract,
      {
        heartbeat: async (args, rpcContext) => {
          beats.push({ status: args.payload.service_status, authenticated: rpcContext.instanceId, sent: args.sent ?? 0, instanceId: args.instance_id });
        },
        updateBackup: async () => undefined,
        reportRoot: async () => undefined,
        notifyEnd: async () => undefined,
        notifyExcInfo: async () => undefined,
      },
      { transport, topic: files.conductorQueue, sealing: lookup, logger: silentLogger() },
    );
    guest = createRpcClient(guestAgentContract, { transport, topic: guestTopic(guestId), sealing: lookup, timeouts: config, logger: silentLogger() });
  });

  after(async () => {
    await stopAgent(agent);
    await conductor?.stop(1000);
    await transport?.close();
    for (const info of await runtime.listByLabels(datastoreLabels(guestId))) await runtime.remove(info.id, { force: true });
    tmp.cleanup();
  });

  it('exits 2 with one line for a missing guest_id, an unknown datastore or Trove\'s published key', () => {
    const cases: [Partial<GuestFiles>, RegExp][] = [
      [{ guestId: '' }, /guest_id is not set/],
      [{ manager: 'redis' }, /Unknown datastore manager 'redis'/],
      [{ key: 'bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz' }, /published default key/],
    ];
    for (const [change, message] of cases) {
      const dir = writeGuestConfig(tmp.join(`bad-${randomUUID()}`), { ...files, ...change });
      const result = spawnSync(process.execPath, [AGENT_MAIN, '--config-dir', dir], { encoding: 'utf8', timeout: 90_000 });
      expect(result.status, String(message)).to.equal(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(message);
    }
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=trove.instance-id=${guestId}`], { encoding: 'utf8' }).trim()).to.equal('');
  });

  it('serves its topic sealed with its key and heartbeats NEW before prepare', async () => {
    agent = startAgent(configDir);
    await eventually(async () => beats.length > 0, 30_000, 'the first heartbeat');
    expect(beats[0]).to.deep.include({ status: 'new', authenticated: guestId, instanceId: guestId });
    expect(await guest.rpcPing({})).to.equal(true);
    const wrongKey = createRpcClient(guestAgentContract, {
      transport,
      topic: guestTopic(guestId),
      sealing: { mode: 'lookup', resolveKey: async () => randomBytes(32).toString('hex') },
      timeouts: config,
      logger: silentLogger(),
    });
    const refused = await rejectionOf(() => wrongKey.rpcPing({}, { timeoutMs: 3000 }));
    expect(refused.code).to.equal('GUEST_TIMEOUT');
    const unsupported = await rejectionOf(() => guest.getReplicationSnapshot({ snapshot_info: {} }));
    expect(unsupported.code).to.equal('DATASTORE_OPERATION_NOT_SUPPORTED');
  });

  it('prepares on a cast and reports building, then healthy; the new user logs in', async () => {
    await guest.prepare({
      memory_mb: 512,
      ds_version: '10.11',
      databases: [{ _name: 'appdb' }],
      users: [{ _name: 'app', _password: 'app-pw-123', _host: '%', _databases: [{ _name: 'appdb' }] }],
    });
    await eventually(async () => statuses().includes('healthy'), 120_000, 'a healthy heartbeat');
    const afterNew = statuses().slice(statuses().indexOf('new'));
    expect(afterNew.indexOf('building')).to.be.greaterThan(0);
    expect(afterNew.indexOf('healthy')).to.be.greaterThan(afterNew.indexOf('building'));
    expect(beats.every((beat) => beat.authenticated === guestId)).to.equal(true);
    const sent = beats.map((beat) => beat.sent);
    expect(sent).to.deep.equal([...sent].sort((a, b) => a - b));
    const [users] = await guest.listUsers({});
    expect(users.map((user) => user._name)).to.deep.equal(['app']);
    const connection = await createConnection({ host: files.bindHost, port: 3306, user: 'app', password: 'app-pw-123', database: 'appdb' });
    await connection.query('CREATE TABLE t (x INT)');
    await connection.end();
    const stats = await guest.getFilesystemStats({});
    expect(stats.total_blocks).to.be.greaterThan(0);
  });

  it('heartbeats at once when the container dies behind its back', async () => {
    const before = beats.length;
    execFileSync('docker', ['kill', files.containerName]);
    await eventually(async () => beats.slice(before).some((beat) => beat.status === 'shutdown' || beat.status === 'crashed'), 20_000, 'a shutdown heartbeat');
    await guest.restart({});
    await eventually(async () => beats[beats.length - 1]?.status === 'healthy', 20_000, 'healthy again');
  });

  it('drains an in-flight call on SIGTERM, then exits 0', async () => {
    const restart = guest.restart({});
    await new Promise((resolve) => setTimeout(resolve, 500));
    agent!.child.kill('SIGTERM');
    expect(await restart).to.equal(null);
    const exit = await agent!.exited;
    expect(exit).to.deep.equal({ code: 0, signal: null });
  });

  it('a restarted agent adopts its container and reports healthy without a new prepare', async () => {
    const containerId = execFileSync('docker', ['inspect', '-f', '{{.Id}}', files.containerName], { encoding: 'utf8' }).trim();
    const before = beats.length;
    agent = startAgent(configDir);
    await eventually(async () => beats.slice(before).some((beat) => beat.status === 'healthy'), 30_000, 'healthy after the agent restart');
    expect(beats.slice(before).filter((beat) => beat.status === 'new' || beat.status === 'unknown')).to.deep.equal([]);
    expect(execFileSync('docker', ['inspect', '-f', '{{.Id}}', files.containerName], { encoding: 'utf8' }).trim()).to.equal(containerId);
    expect(await guest.isRootEnabled({})).to.equal(false);
    agent.child.kill('SIGTERM');
    expect((await agent.exited).code).to.equal(0);
  });
});
