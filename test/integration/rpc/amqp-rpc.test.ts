import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ErrorCode, GuestTimeoutError, NotFoundError, RemoteError, type TroveError } from '../../../shared/errors/index.js';
import { generateInstanceKey } from '../../../shared/crypto/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { t } from '../../../shared/schema/index.js';
import {
  call,
  cast,
  connectTransport,
  createRpcClient,
  decodeEnvelope,
  defineContract,
  encodeEnvelope,
  MessagingUnavailableError,
  rpcMetrics,
  serveRpc,
  type RpcContext,
  type RpcMetrics,
  type RpcServer,
  type Sealing,
  type Transport,
  type WireMessage,
  TopologySession,
} from '../../../shared/rpc/index.js';
import { BROKER, brokerConfig, deleteTopology, uniqueName } from './broker.js';

const logger = silentLogger();
const contract = defineContract('itest', '1.0', {
  echo: call(t.object({ text: t.string() }), t.string(), { timeout: 'low' }),
  whoAmI: call(t.object({}), t.nullable(t.string()), { timeout: 'low' }),
  fail: call(t.object({}), t.null(), { timeout: 'low' }),
  record: cast(t.object({ value: t.integer() })),
});
const peer = defineContract('itest', '1.0', {
  echo: call(t.object({ text: t.unknown() }), t.unknown(), { timeout: 'low' }),
  missing: call(t.object({}), t.unknown(), { timeout: 'low' }),
});
const timeouts = { lowMs: 5000, highMs: 5000, snapshotMs: 5000, defaultMs: 5000 };

async function counter(metrics: RpcMetrics, name: keyof RpcMetrics, labels: Record<string, string>): Promise<number> {
  const data = await metrics[name].get();
  return data.values.find((entry) => Object.entries(labels).every(([key, value]) => (entry.labels as Record<string, unknown>)[key] === value))?.value ?? 0;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('RPC over RabbitMQ (AMQP 1.0, rhea)', function () {
  this.timeout(60_000);
  const exchange = uniqueName('trove-it');
  const topic = uniqueName('itest');
  const queues = new Set<string>();
  const transports: Transport[] = [];
  let servers: RpcServer[] = [];
  let metrics: RpcMetrics;
  let recorded: { value: number; context: RpcContext }[];
  let failuresLeft: number;

  async function open(processName: string, overrides: Parameters<typeof brokerConfig>[1] = {}): Promise<Transport> {
    const transport = await connectTransport(brokerConfig(exchange, overrides), logger, { processName });
    transports.push(transport);
    queues.add(transport.replyQueue);
    return transport;
  }

  async function serve(transport: Transport, sealing: Sealing, serveTopic = topic): Promise<RpcServer> {
    queues.add(serveTopic).add(`${serveTopic}.host-1`);
    const server = await serveRpc(contract, {
      echo: async ({ text }) => `echo: ${text}`,
      whoAmI: async (_args, context) => context.instanceId ?? null,
      fail: async () => {
        throw new NotFoundError('Backup b1 not found.', { backup: 'b1' });
      },
      record: async ({ value }, context) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('transient');
        }
        recorded.push({ value, context });
      },
    }, { transport, topic: serveTopic, server: 'host-1', sealing, logger, metrics, retryDelayMs: 20 });
    servers.push(server);
    return server;
  }

  beforeEach(() => {
    metrics = rpcMetrics(new Registry());
    recorded = [];
    failuresLeft = 0;
  });
  afterEach(async () => {
    for (const server of servers) await server.stop(2000);
    servers = [];
  });
  after(async () => {
    for (const transport of transports) await transport.close();
    await deleteTopology(exchange, queues);
  });

  it('round-trips a call and a cast through the broker, on a bound durable queue', async () => {
    const serverSide = await open('it-server');
    const clientSide = await open('it-client');
    await serve(serverSide, { mode: 'plain' });
    const client = createRpcClient(contract, { transport: clientSide, topic, sealing: { mode: 'plain' }, timeouts, logger });
    expect(await client.echo({ text: 'over the wire' })).to.equal('echo: over the wire');
    expect(await createRpcClient(contract, { transport: clientSide, topic, server: 'host-1', sealing: { mode: 'plain' }, timeouts, logger }).echo({ text: 'direct' })).to.equal('echo: direct');
    await client.record({ value: 42 }, { context: { request_id: 'req-it' } });
    await eventually(() => recorded.length === 1);
    expect(recorded[0]?.value).to.equal(42);
    expect(recorded[0]?.context.requestId).to.equal('req-it');
    // Messages went through the exchange (v1 `/exchange/<x>` with the routing key as subject), so the
    // bindings exist; redeclaring with the same flags succeeds only if the broker holds exactly those.
    const session = await TopologySession.open(BROKER, '/', { tls: false, timeoutMs: 5000 });
    await session.declareQueue(topic, { durable: true, autoDelete: false });
    await session.declareQueue(clientSide.replyQueue, { durable: false, autoDelete: false, expiresMs: 1_800_000 });
    await session.close();
    const mismatch = await TopologySession.open(BROKER, '/', { tls: false, timeoutMs: 5000 });
    const refused = await mismatch.declareQueue(topic, { durable: false, autoDelete: false }).catch((caught: unknown) => caught);
    await mismatch.close();
    expect((refused as Error).message).to.match(/406 PRECONDITION_FAILED - inequivalent arg 'durable'/);
  });

  it('times out a call nobody answers with GuestTimeoutError', async () => {
    const clientSide = await open('it-timeout');
    const lonely = uniqueName('nobody');
    const error = await createRpcClient(contract, { transport: clientSide, topic: lonely, sealing: { mode: 'plain' }, timeouts, logger })
      .echo({ text: 'hello?' }, { timeoutMs: 500 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(GuestTimeoutError);
    expect((error as TroveError).code).to.equal(ErrorCode.GUEST_TIMEOUT);
  });

  it('maps remote failures, unknown methods and bad arguments to typed errors', async () => {
    const serverSide = await open('it-errors-server');
    const clientSide = await open('it-errors-client');
    await serve(serverSide, { mode: 'plain' });
    const failure = await createRpcClient(contract, { transport: clientSide, topic, sealing: { mode: 'plain' }, timeouts, logger }).fail({}).catch((caught: unknown) => caught);
    expect(failure).to.be.instanceOf(RemoteError);
    expect((failure as TroveError).code).to.equal(ErrorCode.NOT_FOUND);
    expect((failure as TroveError).details).to.deep.equal({ backup: 'b1' });
    const looseClient = createRpcClient(peer, { transport: clientSide, topic, sealing: { mode: 'plain' }, timeouts, logger });
    const unknown = await looseClient.missing({}).catch((caught: unknown) => caught);
    expect((unknown as TroveError).code).to.equal(ErrorCode.RPC_UNKNOWN_METHOD);
    const bad = await looseClient.echo({ text: ['not', 'a', 'string'] }).catch((caught: unknown) => caught);
    expect((bad as TroveError).code).to.equal(ErrorCode.RPC_BAD_ARGUMENTS);
    expect(await looseClient.echo({ text: 'still fine' })).to.equal('echo: still fine');
  });

  it('redelivers a cast whose handler failed, and deduplicates a duplicate delivery', async () => {
    const serverSide = await open('it-alo-server');
    const clientSide = await open('it-alo-client');
    await serve(serverSide, { mode: 'plain' });
    failuresLeft = 2;
    const client = createRpcClient(contract, { transport: clientSide, topic, sealing: { mode: 'plain' }, timeouts, logger });
    await client.record({ value: 1 });
    await eventually(() => recorded.length === 1);
    expect(await counter(metrics, 'handlerFailures', { topic, method: 'record' })).to.equal(2);
    const body = encodeEnvelope({ method: 'record', version: '1.0', _unique_id: 'a'.repeat(32), args: { value: 2 } });
    await clientSide.publish({ topic }, { body });
    await clientSide.publish({ topic }, { body });
    await eventually(async () => (await counter(metrics, 'duplicates', { topic })) === 1);
    expect(recorded.map((entry) => entry.value)).to.deep.equal([1, 2]);
  });

  it('keeps a cast in its durable queue until a server starts', async () => {
    const lateTopic = uniqueName('itest-late');
    queues.add(lateTopic);
    const clientSide = await open('it-late-client');
    await createRpcClient(contract, { transport: clientSide, topic: lateTopic, sealing: { mode: 'plain' }, timeouts, logger }).record({ value: 5 });
    const serverSide = await open('it-late-server');
    await serve(serverSide, { mode: 'plain' }, lateTopic);
    await eventually(() => recorded.length === 1);
    expect(recorded[0]?.value).to.equal(5);
  });

  it('stop() drains in-flight handlers and leaves later casts in the queue for the next server', async () => {
    const drainTopic = uniqueName('itest-drain');
    queues.add(drainTopic);
    const serverSide = await open('it-drain-server');
    const clientSide = await open('it-drain-client');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: number[] = [];
    const server = await serveRpc(contract, {
      echo: async ({ text }) => {
        await gate;
        return text;
      },
      whoAmI: async () => null,
      fail: async () => null,
      record: async ({ value }) => {
        seen.push(value);
      },
    }, { transport: serverSide, topic: drainTopic, sealing: { mode: 'plain' }, logger, metrics });
    const client = createRpcClient(contract, { transport: clientSide, topic: drainTopic, sealing: { mode: 'plain' }, timeouts, logger });
    const inFlight = client.echo({ text: 'finish me' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = server.stop(5000);
    release();
    await stopping;
    expect(await inFlight).to.equal('finish me');
    await client.record({ value: 9 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).to.deep.equal([]);
    await serve(serverSide, { mode: 'plain' }, drainTopic);
    await eventually(() => recorded.length === 1);
    expect(recorded[0]?.value).to.equal(9);
  });

  describe('sealed (AES-GCM)', () => {
    const keys = new Map([['inst-1', generateInstanceKey()], ['inst-2', generateInstanceKey()]]);
    const lookup: Sealing = { mode: 'lookup', resolveKey: async (id) => keys.get(id) ?? null };
    const guest1: Sealing = { mode: 'instance', instanceId: 'inst-1', key: keys.get('inst-1') as string };
    const rejected = (reason: string) => counter(metrics, 'rejected', { topic, reason });

    function capture(transport: Transport): { transport: Transport; bodies: WireMessage[] } {
      const bodies: WireMessage[] = [];
      return {
        bodies,
        transport: {
          get replyQueue() {
            return transport.replyQueue;
          },
          publish: async (address, message, options) => {
            bodies.push(message);
            await transport.publish(address, message, options);
          },
          sendReply: (queue, message) => transport.sendReply(queue, message),
          listen: (address, onDelivery, options) => transport.listen(address, onDelivery, options),
          listenReplies: (onReply) => transport.listenReplies(onReply),
          close: () => transport.close(),
        },
      };
    }

    it('authenticates the guest and keeps payloads unreadable on the broker', async () => {
      const serverSide = await open('it-sealed-server');
      const clientSide = capture(await open('it-sealed-client'));
      await serve(serverSide, guest1);
      const client = createRpcClient(contract, { transport: clientSide.transport, topic, instanceId: 'inst-1', sealing: lookup, timeouts, logger });
      expect(await client.whoAmI({})).to.equal('inst-1');
      expect(await client.echo({ text: 'classified' })).to.equal('echo: classified');
      expect(clientSide.bodies.map((message) => message.body).join('')).not.to.contain('classified');
    });

    it('rejects tampered, wrong-instance, replayed and stale messages', async () => {
      const serverSide = await open('it-reject-server');
      const clientSide = capture(await open('it-reject-client'));
      await serve(serverSide, guest1);
      const client = createRpcClient(contract, { transport: clientSide.transport, topic, instanceId: 'inst-1', sealing: lookup, timeouts, logger });
      await client.record({ value: 1 });
      await eventually(() => recorded.length === 1);

      const original = clientSide.bodies[0] as WireMessage;
      await clientSide.transport.publish({ topic }, original);
      await eventually(async () => (await rejected('replayed')) === 1);

      const inner = decodeEnvelope(original.body);
      const sealed = inner['_sealed'] as Record<string, string>;
      const bytes = Buffer.from(sealed['ct'] as string, 'base64url');
      bytes[3] = (bytes[3] as number) ^ 0x10;
      await clientSide.transport.publish({ topic }, { body: encodeEnvelope({ ...inner, _unique_id: 'b'.repeat(32), _sealed: { ...sealed, ct: bytes.toString('base64url') } }) });
      await eventually(async () => (await rejected('bad_seal')) === 1);

      await createRpcClient(contract, { transport: clientSide.transport, topic, instanceId: 'inst-2', sealing: lookup, timeouts, logger }).record({ value: 2 });
      await eventually(async () => (await rejected('wrong_instance')) === 1);

      await createRpcClient(contract, { transport: clientSide.transport, topic, instanceId: 'inst-1', sealing: lookup, timeouts, logger, now: () => Date.now() - 2 * 3_600_000 }).record({ value: 3 });
      await eventually(async () => (await rejected('stale')) === 1);
      expect(recorded.map((entry) => entry.value)).to.deep.equal([1]);
    });
  });

  it('connects through the next host of transport_url when the first is down', async () => {
    const transport = await open('it-failover', { DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:1,guest:guest@127.0.0.1:5672/' } });
    const serverSide = await open('it-failover-server');
    await serve(serverSide, { mode: 'plain' });
    expect(await createRpcClient(contract, { transport, topic, sealing: { mode: 'plain' }, timeouts, logger }).echo({ text: 'failover' })).to.equal('echo: failover');
  });

  it('fails to connect with MessagingUnavailableError on bad credentials, without echoing the password', async () => {
    const error = await connectTransport(
      brokerConfig(exchange, { DEFAULT: { transport_url: 'rabbit://guest:wrong-secret@127.0.0.1:5672/' }, oslo_messaging_rabbit: { publish_timeout: 2 } }),
      logger,
      { processName: 'it-badauth' },
    ).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MessagingUnavailableError);
    expect((error as Error).message).not.to.contain('wrong-secret');
  });
});
