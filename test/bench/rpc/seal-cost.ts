/**
 * Benchmark: the cost of sealing and opening one heartbeat-sized message (conductor `heartbeat` arguments
 * plus a typical request context), per codec, in one process without a broker:
 * - trove-ts AES-256-GCM (node:crypto), the whole codec: JSON, associated data, seal, open, checks;
 * - the same construction with node-forge's AES-GCM (pure JavaScript), to justify node:crypto;
 * - the trove-compat codec (Trove's AES-CBC format, per-argument);
 * - stock Trove 18's own serializers (python3-trove, /usr/bin/python3), measured in the same run.
 *
 *   node dist-<you>/test/bench/rpc/seal-cost.js      (BENCH_ROUNDS=20000)
 */
import { execFileSync } from 'node:child_process';
import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { generateInstanceKey } from '../../../shared/crypto/index.js';
import { createCodec, type RequestParts, type Sealing } from '../../../shared/rpc/index.js';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 20000);
const instanceId = randomUUID();
const key = generateInstanceKey();
const args = { instance_id: instanceId, payload: { service_status: 'running' }, sent: Date.now() / 1000 };
const context = {
  user: null, project_id: null, system_scope: null, project: null, domain: null, user_domain: null, project_domain: null,
  is_admin: false, read_only: false, show_deleted: false, auth_token: null, request_id: `req-${randomUUID()}`,
  global_request_id: null, resource_uuid: null, roles: [], user_identity: '- - - - -', is_admin_project: true,
  limit: null, marker: null, service_catalog: null,
};

function header(): RequestParts['header'] {
  return { method: 'heartbeat', version: '1.0', uniqueId: randomBytes(16).toString('hex') };
}

/** Median per-operation time of `batches` timed batches (the machine may be shared: medians resist noise). */
async function timed(batches: number, perBatch: number, operation: (index: number) => Promise<unknown> | unknown): Promise<number> {
  const results: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const started = performance.now();
    for (let index = 0; index < perBatch; index++) await operation(batch * perBatch + index);
    results.push(((performance.now() - started) * 1000) / perBatch);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)] as number;
}

async function codecCost(sealing: Sealing, opener: Sealing): Promise<{ sealUs: number; openUs: number; bytes: number }> {
  const sealer = createCodec(sealing);
  const receiver = createCodec(opener);
  const binding = { topic: 'trove-conductor', ttlMs: 3_600_000 };
  const batches = 5;
  const perBatch = Math.ceil(rounds / batches);
  const sealed: Record<string, unknown>[] = [];
  for (let index = 0; index < 2000; index++) await receiver.openRequest((await sealer.sealRequest({ header: header(), args, context }, binding)).inner, 'trove-conductor');
  const sealUs = await timed(batches, perBatch, async (index) => {
    sealed[index] = (await sealer.sealRequest({ header: header(), args, context }, binding)).inner;
  });
  const openUs = await timed(batches, perBatch, (index) => receiver.openRequest(sealed[index] as Record<string, unknown>, 'trove-conductor'));
  return { sealUs, openUs, bytes: JSON.stringify(sealed[0]).length };
}

/** The AES-GCM construction of the aead codec, with node-forge in place of node:crypto (cipher part only plus JSON). */
async function forgeCost(): Promise<{ sealUs: number; openUs: number }> {
  const aesKey = forge.util.binary.raw.encode(new Uint8Array(hkdfSync('sha256', Buffer.from(key), Buffer.from('salt'), Buffer.from('rpc-aead/1'), 32)));
  const seal = (): { iv: string; data: string; tag: string; aad: string } => {
    const iv = forge.random.getBytesSync(12);
    const aad = JSON.stringify(['trove-ts-rpc/1', 'request', 'trove-conductor', 'heartbeat', '1.0', instanceId, randomBytes(16).toString('hex'), '', '', Date.now(), 3_600_000]);
    const cipher = forge.cipher.createCipher('AES-GCM', aesKey);
    cipher.start({ iv, additionalData: forge.util.encodeUtf8(aad), tagLength: 128 });
    cipher.update(forge.util.createBuffer(forge.util.encodeUtf8(JSON.stringify({ args, context }))));
    cipher.finish();
    return { iv, data: cipher.output.getBytes(), tag: cipher.mode.tag.getBytes(), aad };
  };
  const open = (box: ReturnType<typeof seal>): void => {
    const decipher = forge.cipher.createDecipher('AES-GCM', aesKey);
    decipher.start({ iv: box.iv, additionalData: forge.util.encodeUtf8(box.aad), tagLength: 128, tag: forge.util.createBuffer(box.tag) });
    decipher.update(forge.util.createBuffer(box.data));
    if (!decipher.finish()) throw new Error('forge GCM failed to authenticate');
    JSON.parse(forge.util.decodeUtf8(decipher.output.getBytes()));
  };
  for (let index = 0; index < 500; index++) open(seal());
  const batches = 5;
  const perBatch = Math.ceil(rounds / batches / 4);
  const boxes: ReturnType<typeof seal>[] = [];
  const sealUs = await timed(batches, perBatch, (index) => {
    boxes[index] = seal();
  });
  const openUs = await timed(batches, perBatch, (index) => open(boxes[index] as ReturnType<typeof seal>));
  return { sealUs, openUs };
}

function stockTroveCost(): { sealUs: number; openUs: number } | string {
  const script = fileURLToPath(new URL('../../../../test/bench/rpc/trove_seal_cost.py', import.meta.url));
  try {
    const output = execFileSync('/usr/bin/python3', [script], {
      input: JSON.stringify({ key: key.slice(0, 32), instance_id: instanceId, args, context, rounds: Math.min(rounds, 5000) }),
      encoding: 'utf8',
      env: { ...process.env, EVENTLET_NO_GREENDNS: 'yes' },
    });
    const parsed = JSON.parse(output) as { seal_us: number; open_us: number };
    return { sealUs: parsed.seal_us, openUs: parsed.open_us };
  } catch (error) {
    return `not measured (${(error as Error).message.split('\n')[0]})`;
  }
}

const guest: Sealing = { mode: 'instance', instanceId, key };
const conductor: Sealing = { mode: 'lookup', resolveKey: async () => key };
const codecs: [Sealing, Sealing][] = [[{ mode: 'plain' }, { mode: 'plain' }], [guest, conductor], [{ ...guest, codec: 'trove-compat' }, { ...conductor, codec: 'trove-compat' }]];
// One untimed pass over every codec first, so no codec pays for the process's warm-up.
for (const [sealing, opener] of codecs) await codecCost(sealing, opener);
const results: Awaited<ReturnType<typeof codecCost>>[] = [];
for (const [sealing, opener] of codecs) results.push(await codecCost(sealing, opener));
const [plain, aead, compat] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
const forged = await forgeCost();
const stock = stockTroveCost();

const row = (label: string, cost: { sealUs: number; openUs: number }, note = '') =>
  `| ${label} | ${cost.sealUs.toFixed(1)} | ${cost.openUs.toFixed(1)} | ${Math.round(1e6 / (cost.sealUs + cost.openUs))} | ${note} |`;
console.log(`Seal + open of one heartbeat message (median of 5 batches, ${rounds} rounds, Node ${process.version})`);
console.log('| codec | seal µs | open µs | messages/s (seal+open, one core) | notes |');
console.log('|---|---|---|---|---|');
console.log(row('plain (no sealing)', plain, `${plain.bytes} bytes inner message`));
console.log(row('aead: AES-256-GCM, node:crypto', aead, `${aead.bytes} bytes; whole codec incl. checks`));
console.log(row('AES-256-GCM, node-forge', forged, 'cipher + JSON only'));
console.log(row('trove-compat (AES-256-CBC, per argument)', compat, `${compat.bytes} bytes`));
if (typeof stock === 'string') console.log(`| stock Trove 18 (python3-trove) | - | - | - | ${stock} |`);
else console.log(row('stock Trove 18 serializers (python3-trove)', stock, 'ConductorGuest/HostSerializer'));
