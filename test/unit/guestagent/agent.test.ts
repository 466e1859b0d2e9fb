import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { defaultConfig, type DeepPartial, type TroveConfig } from '../../../shared/config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { conductorContract, createInMemoryTransport, createRpcClient, guestAgentContract, guestTopic, serveRpc, type RpcContext, type Transport } from '../../../shared/rpc/index.js';
import { GuestAgent, guestIdentity } from '../../../guestagent/agent.js';
import { VolumeManager } from '../../../guestagent/volume.js';
import { FakeContainerRuntime } from '../../fakes/fake-container-runtime.js';
import { TempDir } from '../../helpers/tmp.js';

describe('GuestAgent', () => {
  let tmp: TempDir;
  const key = randomBytes(32).toString('hex');
  beforeEach(() => {
    tmp = new TempDir('trove-agent-unit-');
  });
  afterEach(() => tmp.cleanup());

  function config(overrides: DeepPartial<TroveConfig> = {}): TroveConfig {
    return defaultConfig({
      ...overrides,
      DEFAULT: { guest_id: 'inst-1', datastore_manager: 'postgresql', datastore_version: '15', instance_rpc_encr_key: key, report_interval: 60, ...overrides.DEFAULT },
      postgresql: { mount_point: tmp.join('volume'), device_path: '' },
      guest_agent: { status_check_interval: 60, ...overrides.guest_agent },
    });
  }

  it('checks its identity: guest_id set and well-formed, datastore known', () => {
    expect(guestIdentity(config())).to.deep.equal({ guestId: 'inst-1', manager: 'postgresql' });
    expect(() => guestIdentity(config({ DEFAULT: { guest_id: null } }))).to.throw(ConfigError, 'guest_id is not set');
    expect(() => guestIdentity(config({ DEFAULT: { guest_id: '../etc' } }))).to.throw(ConfigError, 'not a valid instance id');
    expect(() => guestIdentity(config({ DEFAULT: { datastore_manager: 'cassandra' } }))).to.throw(ConfigError, "Unknown datastore manager 'cassandra'");
  });

  it('refuses to start without a usable instance key when messages are sealed', async () => {
    const transport = createInMemoryTransport();
    for (const bad of [null, 'short', 'bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz']) {
      let caught: unknown;
      try {
        await GuestAgent.create({ config: config({ DEFAULT: { instance_rpc_encr_key: bad } }), logger: silentLogger(), transport, runtime: new FakeContainerRuntime() });
      } catch (error) {
        caught = error;
      }
      expect(caught, String(bad)).to.be.instanceOf(ConfigError);
    }
    await transport.close();
  });

  describe('running', () => {
    let transport: Transport;
    let runtime: FakeContainerRuntime;
    let agent: GuestAgent | undefined;
    const beats: { status: string; authenticated: string | undefined }[] = [];

    beforeEach(async () => {
      transport = createInMemoryTransport();
      runtime = new FakeContainerRuntime();
      beats.length = 0;
      await serveRpc(
        conductorContract,
        {
          heartbeat: async (args, rpcContext: RpcContext) => void beats.push({ status: args.payload.service_status, authenticated: rpcContext.instanceId }),
          updateBackup: async () => undefined,
          reportRoot: async () => undefined,
          notifyEnd: async () => undefined,
          notifyExcInfo: async () => undefined,
        },
        { transport, topic: 'trove-conductor', sealing: { mode: 'lookup', resolveKey: async (id) => (id === 'inst-1' ? key : null) }, logger: silentLogger() },
      );
    });

    afterEach(async () => {
      await agent?.shutdown();
      await transport.close();
    });

    it('logs in to the configured registry, serves its topic sealed and heartbeats NEW', async () => {
      const volume = new VolumeManager({ fstype: 'ext3', formatOptions: '', mountOptions: 'defaults', formatTimeoutMs: 1000 }, silentLogger());
      agent = await GuestAgent.create({
        config: config({ guest_agent: { container_registry: '127.0.0.1:5999', container_registry_username: 'u', container_registry_password: 'p' } }),
        logger: silentLogger(),
        transport,
        runtime,
        volume,
      });
      expect(runtime.loggedIn).to.deep.equal({ serveraddress: '127.0.0.1:5999', username: 'u', password: 'p' });
      await agent.run();
      expect(agent.state).to.equal('running');
      const client = createRpcClient(guestAgentContract, { transport, topic: guestTopic('inst-1'), sealing: { mode: 'lookup', resolveKey: async () => key }, timeouts: config(), logger: silentLogger() });
      expect(await client.rpcPing({})).to.equal(true);
      const notReady = await client.listUsers({}).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      expect(notReady).to.equal('UNPROCESSABLE_ENTITY');
      for (let i = 0; i < 50 && beats.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(beats[0]).to.deep.equal({ status: 'new', authenticated: 'inst-1' });
      await agent.shutdown();
      expect(agent.state).to.equal('stopped');
    });
  });
});
