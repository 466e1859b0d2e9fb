/** A small contract and helpers shared by the RPC unit tests. */
import { Registry } from 'prom-client';
import { silentLogger } from '../../../../shared/logging/index.js';
import { t } from '../../../../shared/schema/index.js';
import { call, cast, defineContract, rpcMetrics, type RpcMetrics, type RpcTimeouts, type Transport, type WireMessage } from '../../../../shared/rpc/index.js';

export const echoContract = defineContract('echo', '1.1', {
  echo: call(t.object({ text: t.string() }), t.string(), { timeout: 'low' }),
  whoAmI: call(t.object({}), t.nullable(t.string()), { timeout: 'low' }),
  explode: call(t.object({ kind: t.string() }), t.null(), { timeout: 'low' }),
  sleep: call(t.object({ ms: t.integer() }), t.boolean(), { timeout: 'low' }),
  newer: call(t.object({}), t.boolean(), { timeout: 'low', version: '1.1' }),
  record: cast(t.object({ value: t.integer() })),
});

/** The same service as seen by a peer that declares more, or looser, than the server serves. */
export const peerContract = defineContract('echo', '1.2', {
  echo: call(t.object({ text: t.unknown() }), t.unknown(), { timeout: 'low' }),
  vanish: call(t.object({}), t.unknown(), { timeout: 'low' }),
  newer: call(t.object({}), t.boolean(), { timeout: 'low', version: '1.2' }),
  record: cast(t.object({ value: t.unknown() })),
  forget: cast(t.object({})),
});

export const fastTimeouts: RpcTimeouts = { lowMs: 1500, highMs: 3000, snapshotMs: 3000, defaultMs: 1500 };

export const logger = silentLogger();

export function freshMetrics(): { registry: Registry; metrics: RpcMetrics } {
  const registry = new Registry();
  return { registry, metrics: rpcMetrics(registry) };
}

/** The value of a counter for some labels (0 when never incremented). */
export async function counterValue(metrics: RpcMetrics, name: keyof RpcMetrics, labels: Record<string, string>): Promise<number> {
  const data = await metrics[name].get();
  const match = data.values.find((entry) => Object.entries(labels).every(([key, value]) => (entry.labels as Record<string, string | number | undefined>)[key] === value));
  return match?.value ?? 0;
}

/** A transport that records every published body, to replay or tamper with in tests. */
export function tap(transport: Transport): { transport: Transport; published: { topic: string; server?: string; message: WireMessage }[] } {
  const published: { topic: string; server?: string; message: WireMessage }[] = [];
  const tapped: Transport = {
    get replyQueue() {
      return transport.replyQueue;
    },
    publish: async (address, message, options) => {
      published.push({ ...address, message });
      await transport.publish(address, message, options);
    },
    sendReply: (queue, message) => transport.sendReply(queue, message),
    listen: (address, onDelivery, options) => transport.listen(address, onDelivery, options),
    listenReplies: (onReply) => transport.listenReplies(onReply),
    close: () => transport.close(),
  };
  return { transport: tapped, published };
}

/** Polls until `check` holds or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
