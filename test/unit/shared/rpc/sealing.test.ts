import { expect } from 'chai';
import { defaultConfig } from '../../../../shared/config/index.js';
import { ConfigError, ErrorCode, type TroveError } from '../../../../shared/errors/index.js';
import { generateInstanceKey } from '../../../../shared/crypto/index.js';
import {
  createInMemoryTransport,
  createRpcClient,
  decodeEnvelope,
  encodeEnvelope,
  guestSealing,
  instanceLookupSealing,
  MessageRejectedError,
  serveRpc,
  taskmanagerSealing,
  type InMemoryTransport,
  type RpcContext,
  type RpcServer,
  type Sealing,
} from '../../../../shared/rpc/index.js';
import { counterValue, echoContract, eventually, fastTimeouts, freshMetrics, logger, tap } from './fixtures.js';

const CODECS = ['aead', 'trove-compat'] as const;

for (const codec of CODECS) {
  describe(`sealed RPC (${codec}) over the in-memory transport`, () => {
    const keys = new Map<string, string>([['inst-a', generateInstanceKey()], ['inst-b', generateInstanceKey()]]);
    const lookup: Sealing = { mode: 'lookup', codec, resolveKey: async (id) => keys.get(id) ?? null };
    const guestA: Sealing = { mode: 'instance', codec, instanceId: 'inst-a', key: keys.get('inst-a') as string };
    const guestB: Sealing = { mode: 'instance', codec, instanceId: 'inst-b', key: keys.get('inst-b') as string };
    let transport: InMemoryTransport;
    let servers: RpcServer[];
    let metrics: ReturnType<typeof freshMetrics>['metrics'];
    let seen: { value: number; context: RpcContext }[];
    let texts: string[];

    beforeEach(() => {
      transport = createInMemoryTransport();
      servers = [];
      metrics = freshMetrics().metrics;
      seen = [];
      texts = [];
    });
    afterEach(async () => {
      for (const server of servers) await server.stop(500);
      await transport.close();
    });

    async function serve(topic: string, sealing: Sealing, now?: () => number): Promise<void> {
      servers.push(await serveRpc(echoContract, {
        echo: async ({ text }) => {
          texts.push(text);
          return `echo: ${text}`;
        },
        whoAmI: async (_args, context) => context.instanceId ?? null,
        explode: async () => {
          throw new Error('x');
        },
        sleep: async () => true,
        newer: async () => true,
        record: async ({ value }, context) => {
          seen.push({ value, context });
        },
      }, { transport, topic, sealing, logger, metrics, retryDelayMs: 5, ...(now ? { now } : {}) }));
    }

    function client(topic: string, sealing: Sealing, extra: { instanceId?: string; now?: () => number; transport?: InMemoryTransport | ReturnType<typeof tap>['transport'] } = {}) {
      return createRpcClient(echoContract, { transport, topic, sealing, timeouts: fastTimeouts, logger, metrics, ...extra });
    }

    const rejected = (reason: string, topic: string) => counterValue(metrics, 'rejected', { topic, reason });

    it('carries a controller call to a guest and back, with nothing readable on the wire', async () => {
      await serve('guestagent.inst-a', guestA);
      const { transport: tapped, published } = tap(transport);
      const result = await client('guestagent.inst-a', lookup, { transport: tapped }).echo({ text: 'the-secret-text' }, { context: { auth_token: 'tok-123' } });
      expect(result).to.equal('echo: the-secret-text');
      expect(published).to.have.length(1);
      const body = published[0]?.message.body as string;
      expect(body).not.to.contain('the-secret-text');
      expect(body).not.to.contain('tok-123');
      expect(decodeEnvelope(body)).to.include({ method: 'echo', version: '1.0' });
    });

    it("tells the conductor which instance's key authenticated a guest's cast", async () => {
      await serve('trove-conductor', lookup);
      await client('trove-conductor', guestB).record({ value: 1 });
      await eventually(() => seen.length === 1);
      expect(seen[0]?.context.instanceId).to.equal('inst-b');
    });

    it('tells the guest its own id for controller calls', async () => {
      await serve('guestagent.inst-a', guestA);
      expect(await client('guestagent.inst-a', lookup).whoAmI({})).to.equal('inst-a');
    });

    it('seals API ↔ taskmanager traffic with the shared key', async () => {
      const shared: Sealing = { mode: 'shared', codec, key: generateInstanceKey() };
      await serve('taskmanager', shared);
      expect(await client('taskmanager', shared).whoAmI({})).to.equal(null);
      const wrongKey = client('taskmanager', { mode: 'shared', codec, key: generateInstanceKey() });
      await wrongKey.record({ value: 1 });
      await eventually(async () => (await rejected('bad_seal', 'taskmanager')) === 1);
      expect(seen).to.have.length(0);
    });

    it('rejects a tampered message and counts it', async () => {
      await serve('guestagent.inst-a', guestA);
      const { transport: tapped, published } = tap(transport);
      await client('guestagent.inst-a', lookup, { transport: tapped }).record({ value: 1 });
      await eventually(() => seen.length === 1);
      const inner = decodeEnvelope(published[0]?.message.body as string);
      if (codec === 'aead') {
        const sealed = inner['_sealed'] as Record<string, string>;
        const bytes = Buffer.from(sealed['ct'] as string, 'base64url');
        bytes[0] = (bytes[0] as number) ^ 1;
        sealed['ct'] = bytes.toString('base64url');
      } else {
        const args = inner['args'] as Record<string, string>;
        const bytes = Buffer.from(args['value'] as string, 'base64');
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x55;
        args['value'] = bytes.toString('base64');
      }
      inner['_unique_id'] = 'f'.repeat(32);
      await transport.publish({ topic: 'guestagent.inst-a' }, { body: encodeEnvelope(inner) });
      await eventually(async () => (await rejected('bad_seal', 'guestagent.inst-a')) === 1);
      expect(seen).to.have.length(1);
    });

    it('rejects a message for another instance', async () => {
      await serve('guestagent.inst-a', guestA);
      // A controller client addressing inst-b's key to inst-a's topic: sealed for the wrong instance.
      await client('guestagent.inst-a', lookup, { instanceId: 'inst-b' }).record({ value: 1 });
      const reason = codec === 'aead' ? 'wrong_instance' : 'bad_seal';
      await eventually(async () => (await rejected(reason, 'guestagent.inst-a')) === 1);
      expect(seen).to.have.length(0);
    });

    it('rejects a guest cast that claims an unknown instance', async () => {
      await serve('trove-conductor', lookup);
      await client('trove-conductor', { mode: 'instance', codec, instanceId: 'inst-zzz', key: generateInstanceKey() }).record({ value: 1 });
      await eventually(async () => (await rejected('unknown_instance', 'trove-conductor')) === 1);
      expect(seen).to.have.length(0);
    });

    it('rejects plaintext when a key exists', async () => {
      await serve('guestagent.inst-a', guestA);
      await client('guestagent.inst-a', { mode: 'plain' }).record({ value: 1 });
      await eventually(async () => (await rejected('unsealed', 'guestagent.inst-a')) === 1);
      expect(seen).to.have.length(0);
    });

    it('refuses to send to an instance without a key instead of sending plaintext', async () => {
      const { transport: tapped, published } = tap(transport);
      const error = await client('guestagent.inst-new', lookup, { transport: tapped }).record({ value: 1 }).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(MessageRejectedError);
      expect((error as MessageRejectedError).reason).to.equal('no_key');
      expect(published).to.have.length(0);
    });

    it('retries a message whose key lookup failed transiently', async () => {
      let failures = 1;
      await serve('trove-conductor', { mode: 'lookup', codec, resolveKey: async (id) => {
        if (failures-- > 0) throw new Error('database unavailable');
        return keys.get(id) ?? null;
      } });
      await client('trove-conductor', guestA).record({ value: 3 });
      await eventually(() => seen.length === 1);
      expect(seen[0]?.context.instanceId).to.equal('inst-a');
    });

    it('rejects a replayed message and runs the handler once', async () => {
      await serve('guestagent.inst-a', guestA);
      const { transport: tapped, published } = tap(transport);
      await client('guestagent.inst-a', lookup, { transport: tapped }).record({ value: 9 });
      await eventually(() => seen.length === 1);
      await transport.publish({ topic: 'guestagent.inst-a' }, published[0]?.message as { body: string });
      await eventually(async () => (await rejected('replayed', 'guestagent.inst-a')) === 1);
      expect(seen.map((entry) => entry.value)).to.deep.equal([9]);
    });

    if (codec === 'aead') {
      it('rejects stale and future messages', async () => {
        await serve('guestagent.inst-a', guestA);
        const hour = 3_600_000;
        const skew = 300_000;
        await client('guestagent.inst-a', lookup, { now: () => Date.now() - hour - skew - 5000 }).record({ value: 1 });
        await client('guestagent.inst-a', lookup, { now: () => Date.now() + skew + 5000 }).record({ value: 2 });
        await client('guestagent.inst-a', lookup, { now: () => Date.now() - hour + 60_000 }).record({ value: 3 });
        await eventually(async () => (await rejected('stale', 'guestagent.inst-a')) === 2);
        await eventually(() => seen.length === 1);
        expect(seen[0]?.value).to.equal(3);
        const call = await client('guestagent.inst-a', lookup, { now: () => Date.now() - skew - 5000 }).echo({ text: 'late' }, { timeoutMs: 300 }).catch((caught: unknown) => caught);
        expect((call as TroveError).code).to.equal(ErrorCode.GUEST_TIMEOUT);
        expect(await rejected('stale', 'guestagent.inst-a')).to.equal(3);
      });

      it('binds the clear method name: a renamed request does not authenticate', async () => {
        await serve('guestagent.inst-a', guestA);
        const { transport: tapped, published } = tap(transport);
        await client('guestagent.inst-a', lookup, { transport: tapped }).echo({ text: 'x' });
        const inner = decodeEnvelope(published[0]?.message.body as string);
        inner['method'] = 'who_am_i';
        inner['_unique_id'] = 'e'.repeat(32);
        await transport.publish({ topic: 'guestagent.inst-a' }, { body: encodeEnvelope(inner) });
        await eventually(async () => (await rejected('bad_seal', 'guestagent.inst-a')) === 1);
      });

      it('binds the topic: a guest cast replayed to another topic does not authenticate', async () => {
        await serve('trove-conductor', lookup);
        await serve('guestagent.inst-a', { ...lookup });
        const { transport: tapped, published } = tap(transport);
        await client('trove-conductor', guestA, { transport: tapped }).record({ value: 1 });
        await transport.publish({ topic: 'guestagent.inst-a' }, published[0]?.message as { body: string });
        await eventually(async () => (await rejected('bad_seal', 'guestagent.inst-a')) === 1);
        await eventually(() => seen.length === 1);
      });
    }
  });
}

describe('sealing from configuration', () => {
  const strong = { taskmanager_rpc_encr_key: 'a'.repeat(40), inst_rpc_key_encr_key: 'b'.repeat(40) };

  it('is plain when enable_secure_rpc_messaging is false, and messages then carry their arguments in clear', async () => {
    const config = defaultConfig({ DEFAULT: { enable_secure_rpc_messaging: false } });
    const sealing = taskmanagerSealing(config);
    expect(sealing).to.deep.equal({ mode: 'plain' });
    expect(guestSealing(config)).to.deep.equal({ mode: 'plain' });
    expect(instanceLookupSealing(config, async () => null)).to.deep.equal({ mode: 'plain' });
    const transport = createInMemoryTransport();
    const { transport: tapped, published } = tap(transport);
    const received: number[] = [];
    const server = await serveRpc(echoContract, {
      echo: async ({ text }) => text, whoAmI: async () => null, explode: async () => null, sleep: async () => true, newer: async () => true,
      record: async ({ value }) => { received.push(value); },
    }, { transport, topic: 'taskmanager', sealing, logger });
    await createRpcClient(echoContract, { transport: tapped, topic: 'taskmanager', sealing, timeouts: config, logger }).record({ value: 41 });
    await eventually(() => received.length === 1);
    expect(decodeEnvelope(published[0]?.message.body as string)['args']).to.deep.equal({ value: 41 });
    await server.stop();
    await transport.close();
  });

  it('a plain server refuses sealed messages instead of guessing', async () => {
    const transport = createInMemoryTransport();
    const { metrics } = freshMetrics();
    const received: number[] = [];
    const server = await serveRpc(echoContract, {
      echo: async ({ text }) => text, whoAmI: async () => null, explode: async () => null, sleep: async () => true, newer: async () => true,
      record: async ({ value }) => { received.push(value); },
    }, { transport, topic: 'taskmanager', sealing: { mode: 'plain' }, logger, metrics });
    await createRpcClient(echoContract, { transport, topic: 'taskmanager', sealing: { mode: 'shared', key: generateInstanceKey() }, timeouts: fastTimeouts, logger }).record({ value: 1 });
    await eventually(async () => (await counterValue(metrics, 'rejected', { topic: 'taskmanager', reason: 'no_key' })) === 1);
    expect(received).to.deep.equal([]);
    await server.stop();
    await transport.close();
  });

  it('seals with the configured key and codec when enabled', () => {
    const config = defaultConfig({ DEFAULT: { ...strong, rpc_codec: 'trove-compat', rpc_max_clock_skew: 60 } });
    expect(taskmanagerSealing(config)).to.deep.include({ mode: 'shared', key: 'a'.repeat(40), codec: 'trove-compat', maxClockSkewSeconds: 60 });
    const guest = defaultConfig({ DEFAULT: { guest_id: 'inst-1', instance_rpc_encr_key: 'c'.repeat(43) } });
    expect(guestSealing(guest)).to.deep.include({ mode: 'instance', instanceId: 'inst-1', key: 'c'.repeat(43), codec: 'aead' });
  });

  it("refuses missing keys and Trove's published defaults", () => {
    expect(() => taskmanagerSealing(defaultConfig())).to.throw(ConfigError, /taskmanager_rpc_encr_key/);
    const published = defaultConfig({ DEFAULT: { ...strong, taskmanager_rpc_encr_key: 'bzH6y0SGmjuoY0FNSTptrhgieGXNDX6PIhvz' } });
    expect(() => taskmanagerSealing(published)).to.throw(ConfigError, /published default/);
    expect(() => guestSealing(defaultConfig({ DEFAULT: { guest_id: 'x' } }))).to.throw(ConfigError, /instance_rpc_encr_key/);
  });
});
