import { expect } from 'chai';
import { ErrorCode, GuestTimeoutError, NotFoundError, RemoteError, type TroveError } from '../../../../shared/errors/index.js';
import {
  createInMemoryTransport,
  createRpcClient,
  encodeEnvelope,
  MessagingUnavailableError,
  serveRpc,
  type Contract,
  type InMemoryTransport,
  type RpcClient,
  type RpcContext,
  type RpcHandlers,
  type RpcServer,
} from '../../../../shared/rpc/index.js';
import { counterValue, echoContract, eventually, fastTimeouts, freshMetrics, logger, peerContract, tap } from './fixtures.js';

type EchoHandlers = RpcHandlers<typeof echoContract>;

function handlers(overrides: Partial<EchoHandlers> = {}): EchoHandlers & { recorded: number[]; contexts: RpcContext[] } {
  const recorded: number[] = [];
  const contexts: RpcContext[] = [];
  return {
    recorded,
    contexts,
    echo: async ({ text }, context) => {
      contexts.push(context);
      return `echo: ${text}`;
    },
    whoAmI: async (_args, context) => context.instanceId ?? null,
    explode: async ({ kind }) => {
      if (kind === 'not-found') throw new NotFoundError('Database nope was not found.', { database: 'nope' });
      throw new Error('SELECT secret FROM somewhere failed');
    },
    sleep: async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return true;
    },
    newer: async () => true,
    record: async ({ value }) => {
      recorded.push(value);
    },
    ...overrides,
  };
}

describe('RPC over the in-memory transport (plain)', () => {
  let transport: InMemoryTransport;
  let servers: RpcServer[];
  const sealing = { mode: 'plain' } as const;

  beforeEach(() => {
    transport = createInMemoryTransport();
    servers = [];
  });
  afterEach(async () => {
    for (const server of servers) await server.stop(1000);
    await transport.close();
  });

  async function serve(impl: EchoHandlers, extra: { maxAttempts?: number; metrics?: ReturnType<typeof freshMetrics>['metrics'] } = {}): Promise<RpcServer> {
    const server = await serveRpc(echoContract, impl, { transport, topic: 'echo', server: 'host-a', sealing, logger, retryDelayMs: 5, ...extra });
    servers.push(server);
    return server;
  }

  function client(): RpcClient<typeof echoContract>;
  function client<C extends Contract>(contract: C, options?: { server?: string }): RpcClient<C>;
  function client(contract: Contract = echoContract, options: { server?: string } = {}): RpcClient<Contract> {
    return createRpcClient(contract, { transport, topic: 'echo', sealing, timeouts: fastTimeouts, logger, ...options });
  }

  it('answers a call with the typed result and passes the request context', async () => {
    const impl = handlers();
    await serve(impl);
    const result = await client().echo({ text: 'hi' }, { context: { request_id: 'req-abc', project_id: 'p1' } });
    expect(result).to.equal('echo: hi');
    expect(impl.contexts[0]?.requestId).to.equal('req-abc');
    expect(impl.contexts[0]?.values).to.include({ project_id: 'p1' });
    expect(impl.contexts[0]?.instanceId).to.equal(undefined);
    expect(impl.contexts[0]?.uniqueId).to.match(/^[0-9a-f]{32}$/);
  });

  it('reaches one server by name on <topic>.<server>', async () => {
    await serve(handlers());
    expect(await client(echoContract, { server: 'host-a' }).echo({ text: 'direct' })).to.equal('echo: direct');
    expect(transport.broker.queueNames()).to.include.members(['echo', 'echo.host-a']);
  });

  it('delivers a cast, and keeps it queued until a server starts', async () => {
    await client().record({ value: 7 });
    expect(transport.broker.depth('echo')).to.equal(1);
    const impl = handlers();
    await serve(impl);
    await eventually(() => impl.recorded.length === 1);
    expect(impl.recorded).to.deep.equal([7]);
  });

  it('fails a call with GuestTimeoutError when nobody answers in time', async () => {
    const started = Date.now();
    const error = await client().echo({ text: 'anyone?' }, { timeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(GuestTimeoutError);
    expect((error as TroveError).code).to.equal(ErrorCode.GUEST_TIMEOUT);
    expect((error as TroveError).details).to.include({ topic: 'echo', method: 'echo', timeoutMs: 200 });
    expect(Date.now() - started).to.be.within(190, 1000);
  });

  it('uses the timeout class of the method when the caller gives none', async () => {
    await serve(handlers());
    const error = await client().sleep({ ms: 2500 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(GuestTimeoutError);
    expect((error as TroveError).details).to.include({ timeoutMs: fastTimeouts.lowMs });
  });

  it('rebuilds remote failures as typed errors and hides unexpected ones', async () => {
    await serve(handlers());
    const notFound = await client().explode({ kind: 'not-found' }).catch((caught: unknown) => caught);
    expect(notFound).to.be.instanceOf(RemoteError);
    expect((notFound as TroveError).code).to.equal(ErrorCode.NOT_FOUND);
    expect((notFound as TroveError).message).to.equal('Database nope was not found.');
    expect((notFound as TroveError).details).to.deep.equal({ database: 'nope' });
    const internal = await client().explode({ kind: 'bug' }).catch((caught: unknown) => caught);
    expect((internal as TroveError).code).to.equal(ErrorCode.INTERNAL_ERROR);
    expect((internal as TroveError).message).not.to.contain('SELECT');
  });

  it('answers an unknown method with RPC_UNKNOWN_METHOD', async () => {
    await serve(handlers());
    const error = await client(peerContract).vanish({}).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(RemoteError);
    expect((error as TroveError).code).to.equal(ErrorCode.RPC_UNKNOWN_METHOD);
    expect((error as TroveError).message).to.contain("'vanish'");
  });

  it('answers a newer minor version than served with RPC_UNKNOWN_METHOD', async () => {
    await serve(handlers());
    const error = await client(peerContract).newer({}).catch((caught: unknown) => caught);
    expect((error as TroveError).code).to.equal(ErrorCode.RPC_UNKNOWN_METHOD);
    expect((error as TroveError).message).to.contain('version 1.2');
    expect(await client().newer({})).to.equal(true);
  });

  it('answers bad arguments with RPC_BAD_ARGUMENTS naming the problem', async () => {
    const impl = handlers();
    await serve(impl);
    const error = await client(peerContract).echo({ text: 42 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(RemoteError);
    expect((error as TroveError).code).to.equal(ErrorCode.RPC_BAD_ARGUMENTS);
    expect((error as TroveError).details?.['errors']).to.deep.equal(['text must be string']);
    expect(impl.contexts).to.have.length(0);
  });

  it('checks arguments before sending', async () => {
    const { transport: tapped, published } = tap(transport);
    const typed = createRpcClient(echoContract, { transport: tapped, topic: 'echo', sealing, timeouts: fastTimeouts, logger });
    const error = await typed.echo({ text: 1 } as unknown as { text: string }).catch((caught: unknown) => caught);
    expect((error as TroveError).code).to.equal(ErrorCode.RPC_BAD_ARGUMENTS);
    expect(published).to.have.length(0);
  });

  it('drops casts with bad arguments or unknown methods without running a handler', async () => {
    const { metrics } = freshMetrics();
    const impl = handlers();
    await serve(impl, { metrics });
    await client(peerContract).record({ value: 'seven' });
    await client(peerContract).forget({});
    await client().record({ value: 8 });
    await eventually(() => impl.recorded.length === 1);
    expect(impl.recorded).to.deep.equal([8]);
    expect(transport.broker.depth('echo')).to.equal(0);
  });

  it('redelivers a cast whose handler failed until it succeeds (at-least-once)', async () => {
    const { metrics } = freshMetrics();
    let calls = 0;
    const impl = handlers({
      record: async ({ value }) => {
        calls += 1;
        if (calls < 3) throw new Error('database briefly unavailable');
        impl.recorded.push(value);
      },
    });
    await serve(impl, { metrics });
    await client().record({ value: 1 });
    await eventually(() => impl.recorded.length === 1);
    expect(calls).to.equal(3);
    expect(await counterValue(metrics, 'handlerFailures', { topic: 'echo', method: 'record' })).to.equal(2);
  });

  it('drops a cast after its last attempt and counts it', async () => {
    const { metrics } = freshMetrics();
    let calls = 0;
    await serve(handlers({ record: async () => { calls += 1; throw new Error('always'); } }), { maxAttempts: 3, metrics });
    await client().record({ value: 1 });
    await eventually(async () => (await counterValue(metrics, 'dropped', { topic: 'echo', method: 'record' })) === 1);
    expect(calls).to.equal(3);
    expect(transport.broker.depth('echo')).to.equal(0);
  });

  it('runs a duplicated cast once', async () => {
    const { metrics } = freshMetrics();
    const impl = handlers();
    const { transport: tapped, published } = tap(transport);
    await client().record({ value: 1 });
    const typed = createRpcClient(echoContract, { transport: tapped, topic: 'echo', sealing, timeouts: fastTimeouts, logger });
    await typed.record({ value: 2 });
    const copy = published[0]?.message as { body: string };
    await transport.publish({ topic: 'echo' }, copy);
    await transport.publish({ topic: 'echo' }, copy);
    await serve(impl, { metrics });
    await eventually(async () => (await counterValue(metrics, 'duplicates', { topic: 'echo' })) === 2);
    expect([...impl.recorded].sort()).to.deep.equal([1, 2]);
  });

  it('drops a body that is not a message and counts it', async () => {
    const { metrics } = freshMetrics();
    const impl = handlers();
    await serve(impl, { metrics });
    await transport.publish({ topic: 'echo' }, { body: '{"oslo.version": "2.0", "oslo.message": "{not json"}' });
    await transport.publish({ topic: 'echo' }, { body: encodeEnvelope({ args: {} }) });
    await eventually(async () => (await counterValue(metrics, 'rejected', { topic: 'echo', reason: 'malformed' })) === 2);
    expect(impl.recorded).to.deep.equal([]);
  });

  it('stop() lets in-flight handlers finish, then takes no more messages', async () => {
    const impl = handlers();
    const server = await serve(impl);
    const pending = client().sleep({ ms: 200 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop(2000);
    expect(await pending).to.equal(true);
    await client().record({ value: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(impl.recorded).to.deep.equal([]);
    expect(transport.broker.depth('echo')).to.equal(1);
  });

  it('fails a cast with MESSAGING_UNAVAILABLE when the broker stays down past the deadline, and delivers once it is back', async () => {
    const slow = createInMemoryTransport({ broker: transport.broker, publishTimeoutMs: 100 });
    const caster = createRpcClient(echoContract, { transport: slow, topic: 'echo', sealing, timeouts: fastTimeouts, logger });
    transport.broker.setAvailable(false);
    const error = await caster.record({ value: 1 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(MessagingUnavailableError);
    const later = caster.record({ value: 2 });
    setTimeout(() => transport.broker.setAvailable(true), 30);
    await later;
    const impl = handlers();
    await serve(impl);
    await eventually(() => impl.recorded.length === 1);
    expect(impl.recorded).to.deep.equal([2]);
    await slow.close();
  });

  it('shares the work of a topic between servers', async () => {
    const first = handlers();
    const second = handlers();
    await serve(first);
    servers.push(await serveRpc(echoContract, second, { transport, topic: 'echo', server: 'host-b', sealing, logger }));
    for (let value = 0; value < 20; value++) await client().record({ value });
    await eventually(() => first.recorded.length + second.recorded.length === 20);
    expect(first.recorded.length).to.be.greaterThan(0);
    expect(second.recorded.length).to.be.greaterThan(0);
  });
});
