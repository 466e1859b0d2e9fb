import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateInstanceKey, troveOpenValue, troveSealValue, troveWrapKey, unwrapInstanceKey, wrapInstanceKey } from '../../../shared/crypto/index.js';
import { createCodec, type InnerMessage, type Sealing } from '../../../shared/rpc/index.js';

/**
 * The trove-compat codec against Trove 18's own `trove.common.crypto_utils` and serializers (Debian
 * python3-trove, run through /usr/bin/python3), in both directions. With the IV pinned, Trove's output and
 * ours must be identical byte for byte.
 */
const script = fileURLToPath(new URL('../../../../test/fakes/compat/trove_vectors.py', import.meta.url));

function python(mode: 'encrypt' | 'decrypt', request: unknown): Record<string, unknown> {
  // EVENTLET_NO_GREENDNS: Trove imports eventlet, whose DNS set-up only costs start-up time here.
  const output = execFileSync('/usr/bin/python3', [script, mode], {
    input: JSON.stringify(request), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, EVENTLET_NO_GREENDNS: 'yes' },
  });
  return JSON.parse(output) as Record<string, unknown>;
}

const values: unknown[] = [
  1,
  -3,
  'plain ascii',
  'é ☃ 😀 \u007f',
  'with "quotes", a \\ backslash,\nnew lines\tand tabs',
  { service_status: 'running', sent: 1617000000.123456 },
  { a: [1.5, null, true, false], b: { c: 'd' }, e: [] },
  [0.0001, 0.00001, 1e16, 1.5e22, 123456.789, 2 ** 60],
  null,
];
const context = { request_id: 'req-0f4a', project_id: 'p1', auth_token: 'gAAAA-token', is_admin: false, roles: ['member'], user: 'u1' };

describe('trove-compat codec against Trove 18 (python3-trove)', function () {
  this.timeout(60_000);
  const key = 'Tr0veStyleKey32CharactersLong123';
  const kek = 'emYjgHFqfXNB1NGehAFIUeoyw4V4XwWHEaKP-other';
  const ivHex = '000102030405060708090a0b0c0d0e0f';
  const instanceKey = generateInstanceKey();
  let trove: Record<string, unknown>;

  before(() => {
    trove = python('encrypt', { key, guest_id: 'inst-42', iv_hex: ivHex, values, context, instance_key: instanceKey, kek });
  });

  it('writes exactly what Trove writes (pinned IV) and reads what Trove writes (random IVs)', () => {
    const iv = Buffer.from(ivHex, 'hex');
    expect(values.map((value) => troveSealValue(value, key, iv))).to.deep.equal(trove['secure_entities']);
    expect({ context: troveSealValue(context, key, iv) }).to.deep.equal(trove['secure_context']);
    expect(troveWrapKey(instanceKey, kek, iv)).to.equal(trove['wrapped_key']);
    expect((trove['random_entities'] as string[]).map((text) => troveOpenValue(text, key))).to.deep.equal(values);
    expect(unwrapInstanceKey(trove['wrapped_key'] as string, { current: { id: 'k1', key: kek } }, { legacy: true })).to.equal(instanceKey);
  });

  it('opens whole messages sealed by Trove: controller to guest, and guest to conductor', async () => {
    const args = Object.fromEntries((trove['secure_entities'] as string[]).map((entity, index) => [`arg${index}`, entity]));
    const toGuest: InnerMessage = {
      method: 'create_user', version: '1.0', _unique_id: 'u'.repeat(32), args, _context_context: (trove['secure_context'] as Record<string, string>)['context'],
    };
    const guest = createCodec({ mode: 'instance', codec: 'trove-compat', instanceId: 'inst-42', key });
    const opened = await guest.openRequest(toGuest, 'guestagent.inst-42');
    expect(Object.values(opened.args)).to.deep.equal(values);
    expect(opened.context).to.deep.equal(context);

    const guestContext = trove['guest_context'] as Record<string, string>;
    const toConductor: InnerMessage = {
      method: 'heartbeat', version: '1.0', _unique_id: 'v'.repeat(32),
      args: Object.fromEntries((trove['guest_entities'] as string[]).map((entity, index) => [`arg${index}`, entity])),
      _context_context: guestContext['context'],
      '_context_csz-instance-id': guestContext['csz-instance-id'],
    };
    const conductor = createCodec({ mode: 'lookup', codec: 'trove-compat', resolveKey: async (id) => (id === 'inst-42' ? key : null) });
    const fromGuest = await conductor.openRequest(toConductor, 'trove-conductor');
    expect(Object.values(fromGuest.args)).to.deep.equal(values);
    expect(fromGuest.context).to.deep.equal(context);
    expect(fromGuest.instanceId).to.equal('inst-42');
  });

  it('seals messages, replies and wrapped keys that Trove opens', async () => {
    const args = Object.fromEntries(values.map((value, index) => [`arg${index}`, value]));
    const header = { method: 'create_user', version: '1.0', uniqueId: 'w'.repeat(32), msgId: 'm'.repeat(32), replyQueue: 'reply_x' };
    const controller: Sealing = { mode: 'lookup', codec: 'trove-compat', resolveKey: async () => key };
    const toGuest = await createCodec(controller).sealRequest({ header, args, context }, { topic: 'guestagent.inst-42', instanceId: 'inst-42', ttlMs: 1000 });
    const guestCodec = createCodec({ mode: 'instance', codec: 'trove-compat', instanceId: 'inst-42', key });
    const toConductor = await guestCodec.sealRequest({ header: { ...header, method: 'heartbeat' }, args, context }, { topic: 'trove-conductor', ttlMs: 1000 });
    const opened = await guestCodec.openRequest(toGuest.inner, 'guestagent.inst-42');
    const reply = guestCodec.sealReply({ msgId: header.msgId, uniqueId: 'r'.repeat(32), result: { users: values }, failure: null }, opened, 'guestagent.inst-42');

    const trove = python('decrypt', {
      key,
      secure_args: toGuest.inner['args'],
      secure_context: toGuest.inner['_context_context'],
      guest_args: toConductor.inner['args'],
      guest_context: { context: toConductor.inner['_context_context'], 'csz-instance-id': toConductor.inner['_context_csz-instance-id'] },
      result: reply['result'],
      wrapped_key: wrapInstanceKey(instanceKey, { keyId: 'unused', kek, format: 'trove' }),
      kek,
    });
    expect(trove['secure_args']).to.deep.equal(args);
    expect(trove['secure_context']).to.deep.equal(context);
    expect(trove['guest_args']).to.deep.equal(args);
    expect(trove['guest_context']).to.deep.equal({ ...context, instance_id: 'inst-42' });
    expect(trove['result']).to.deep.equal({ users: values });
    expect(trove['unwrapped_key']).to.equal(instanceKey);
  });

  it("refuses Trove-format messages under the wrong key, where Trove would pass them through", async () => {
    const inner: InnerMessage = {
      method: 'create_user', version: '1.0', _unique_id: 'x'.repeat(32),
      args: { users: (trove['secure_entities'] as string[])[0] }, _context_context: (trove['secure_context'] as Record<string, string>)['context'],
    };
    const other = createCodec({ mode: 'instance', codec: 'trove-compat', instanceId: 'inst-42', key: 'AnotherKey32CharactersLong456789' });
    const error = await other.openRequest(inner, 'guestagent.inst-42').catch((caught: unknown) => caught);
    expect((error as { reason?: string }).reason).to.equal('bad_seal');
  });
});
