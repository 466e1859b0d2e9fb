import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ConductorService } from '../../../../controller/conductor/service.js';
import { defaultConfig, type TroveConfig } from '../../../../shared/config/index.js';
import { generateInstanceKey, wrapInstanceKey } from '../../../../shared/crypto/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { silentLogger } from '../../../../shared/logging/index.js';
import { conductorContract, createInMemoryTransport, createRpcClient, rpcMetrics, type InMemoryTransport, type Sealing } from '../../../../shared/rpc/index.js';
import { MemoryGuestRecords, MemoryHeartbeatStore } from './fakes.js';

const KEK = randomBytes(32).toString('hex');

function config(overrides: { secure?: boolean; batchMs?: number } = {}): TroveConfig {
  return defaultConfig({
    DEFAULT: {
      enable_secure_rpc_messaging: overrides.secure ?? true,
      taskmanager_rpc_encr_key: randomBytes(32).toString('hex'),
      inst_rpc_key_encr_key: KEK,
      inst_rpc_key_encr_key_id: 'k1',
      conductor_queue: 'trove-conductor',
      host: 'conductor-test',
    },
    conductor: { heartbeat_batch_ms: overrides.batchMs ?? 0, heartbeat_batch_size: 50 },
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('conductor service (in-memory broker, real sealing)', () => {
  const keys = new Map<string, string>([['inst-a', generateInstanceKey()], ['inst-b', generateInstanceKey()]]);
  let transport: InMemoryTransport;
  let store: MemoryHeartbeatStore;
  let records: MemoryGuestRecords;
  let registry: Registry;
  let service: ConductorService | undefined;

  async function start(cfg: TroveConfig): Promise<ConductorService> {
    service = await ConductorService.create({
      config: cfg,
      logger: silentLogger(),
      transport,
      heartbeatStore: store,
      records,
      loadWrappedKey: async (id) => {
        const key = keys.get(id);
        return key === undefined ? null : wrapInstanceKey(key, { keyId: 'k1', kek: KEK });
      },
      registry,
      retryDelayMs: 5,
    });
    await service.run();
    return service;
  }

  function guest(cfg: TroveConfig, sealing: Sealing) {
    return createRpcClient(conductorContract, { transport, topic: cfg.DEFAULT.conductor_queue, sealing, timeouts: cfg, logger: silentLogger(), metrics: rpcMetrics(new Registry()) });
  }

  function sealedAs(instanceId: string): Sealing {
    return { mode: 'instance', instanceId, key: keys.get(instanceId)! };
  }

  async function rejected(reason: string): Promise<number> {
    const { values } = await rpcMetrics(registry).rejected.get();
    return values.find((entry) => entry.labels['reason'] === reason)?.value ?? 0;
  }

  beforeEach(() => {
    transport = createInMemoryTransport();
    store = new MemoryHeartbeatStore();
    records = new MemoryGuestRecords();
    registry = new Registry();
    store.statuses.set('inst-a', 'NEW');
    store.statuses.set('inst-b', 'NEW');
  });

  afterEach(async () => {
    await service?.shutdown();
    service = undefined;
    await transport.close();
  });

  it('applies a heartbeat sealed with the sender\'s own key', async () => {
    const cfg = config();
    await start(cfg);
    await guest(cfg, sealedAs('inst-a')).heartbeat({ instance_id: 'inst-a', payload: { service_status: 'healthy' }, sent: 100.25 });
    await until(() => store.statuses.get('inst-a') === 'HEALTHY');
    expect(store.lastSeen.get('inst-a')).to.equal(100.25);
  });

  it('refuses a guest that reports for another instance (its own key, another id)', async () => {
    const cfg = config();
    await start(cfg);
    await guest(cfg, sealedAs('inst-a')).heartbeat({ instance_id: 'inst-b', payload: { service_status: 'shutdown' }, sent: 1 });
    await until(async () => (await rejected('wrong_instance')) === 1);
    expect(store.statuses.get('inst-b')).to.equal('NEW');
    expect(store.batches).to.have.length(0);
  });

  it('refuses plaintext while secure messaging is on', async () => {
    const cfg = config();
    await start(cfg);
    await guest(cfg, { mode: 'plain' }).heartbeat({ instance_id: 'inst-a', payload: { service_status: 'healthy' }, sent: 1 });
    await until(async () => (await rejected('unsealed')) === 1);
    expect(store.statuses.get('inst-a')).to.equal('NEW');
  });

  it('refuses a message sealed with a key the controller does not hold for that instance', async () => {
    const cfg = config();
    await start(cfg);
    await guest(cfg, { mode: 'instance', instanceId: 'inst-a', key: generateInstanceKey() }).heartbeat({ instance_id: 'inst-a', payload: { service_status: 'healthy' }, sent: 1 });
    await guest(cfg, { mode: 'instance', instanceId: 'inst-unknown', key: generateInstanceKey() }).heartbeat({ instance_id: 'inst-unknown', payload: { service_status: 'healthy' }, sent: 1 });
    await until(async () => (await rejected('bad_seal')) === 1 && (await rejected('unknown_instance')) === 1);
    expect(store.statuses.get('inst-a')).to.equal('NEW');
  });

  it('accepts plaintext when secure messaging is off', async () => {
    const cfg = config({ secure: false });
    await start(cfg);
    await guest(cfg, { mode: 'plain' }).heartbeat({ instance_id: 'inst-b', payload: { service_status: 'running' }, sent: 1 });
    await until(() => store.statuses.get('inst-b') === 'RUNNING');
  });

  it('redelivers heartbeats whose batch failed until they are written', async () => {
    const cfg = config();
    await start(cfg);
    // More failures than the RPC server's default of 5 attempts: the conductor keeps trying longer.
    store.failures = 8;
    await guest(cfg, sealedAs('inst-a')).heartbeat({ instance_id: 'inst-a', payload: { service_status: 'healthy' }, sent: 7 });
    await until(() => store.statuses.get('inst-a') === 'HEALTHY', 15_000);
    expect(store.failures).to.equal(0);
  });

  it('writes pending heartbeats on shutdown instead of waiting for the batch timer', async () => {
    const cfg = config({ batchMs: 60_000 });
    const running = await start(cfg);
    await guest(cfg, sealedAs('inst-a')).heartbeat({ instance_id: 'inst-a', payload: { service_status: 'healthy' }, sent: 9 });
    await until(() => running.pendingHeartbeats === 1);
    expect(store.statuses.get('inst-a')).to.equal('NEW');
    await running.shutdown();
    expect(store.statuses.get('inst-a')).to.equal('HEALTHY');
    expect(running.state).to.equal('stopped');
  });

  it('refuses to start with Trove\'s published default key-encryption key', async () => {
    const cfg = config();
    cfg.DEFAULT.inst_rpc_key_encr_key = 'emYjgHFqfXNB1NGehAFIUeoyw4V4XwWHEaKP';
    const error = await start(cfg).then(() => undefined, (reason: unknown) => reason);
    expect(error).to.be.instanceOf(ConfigError);
  });
});
