/**
 * Fuzzing the write routes: a few thousand generated bodies (mutations of valid bodies, wrong types, huge
 * and odd strings, deep nesting, prototype keys, raw garbage) never produce a 5xx, and always come back as
 * one of Trove's fault bodies or a success.
 */
import { expect } from 'chai';
import { startHarness, type ApiHarness } from './harness.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', ' ', 'a', '0', '-1', '1e309', 'null', '%', '%25', '../../etc/passwd', "'; DROP TABLE instances; --", '`x`', '\u0000', '\ud800', 'é✓😀', '<script>', 'x'.repeat(300), '00000000-0000-4000-8000-000000000000', 'admin', '__proto__'];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 4 ? 7 : 10));
  switch (pick) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return [0, -1, 1, 2 ** 53, -(2 ** 31), 1.5, 1e308, 4, 3][Math.floor(random() * 9)];
    case 3:
    case 4: return STRINGS[Math.floor(random() * STRINGS.length)];
    case 5: return Math.floor(random() * 100000);
    case 6: return 'x'.repeat(Math.floor(random() * 70));
    case 7: return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let index = 0; index < Math.floor(random() * 4); index++) object[(STRINGS[Math.floor(random() * STRINGS.length)] as string) || 'k'] = randomValue(random, depth + 1);
      return object;
    }
  }
}

/** Mutates a valid body: replaces, deletes or adds values at random paths. */
function mutate(value: unknown, random: () => number, depth = 0): unknown {
  if (random() < 0.15) return randomValue(random, depth);
  if (Array.isArray(value)) return value.map((item) => mutate(item, random, depth + 1)).concat(random() < 0.2 ? [randomValue(random, depth + 1)] : []);
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (random() < 0.1) continue;
      copy[key] = mutate(item, random, depth + 1);
    }
    if (random() < 0.15) copy[(STRINGS[Math.floor(random() * STRINGS.length)] as string) || 'extra'] = randomValue(random, depth + 1);
    return copy;
  }
  return value;
}

function deep(levels: number): unknown {
  let value: unknown = { name: 'x' };
  for (let index = 0; index < levels; index++) value = { instance: value };
  return value;
}

describe('API fuzzing of request bodies', function () {
  this.timeout(600_000);
  let h: ApiHarness;
  let instanceId = '';
  before(async () => {
    h = await startHarness();
    instanceId = await h.createInstance({ body: { databases: [{ name: 'app' }], users: [{ name: 'app', password: 'pw', databases: [{ name: 'app' }] }] } });
    await h.request('PUT', `/mgmt/quotas/${h.tenant}`, { token: 'admin-fuzz', body: { quotas: { instances: -1, volumes: -1, backups: -1 } } });
    h.tm.holdBuilds = true;
    h.tm.holdBackups = true;
  });
  after(async () => h?.close());

  it('never answers 5xx to generated bodies on the create and update routes', async () => {
    const seed = Number(process.env['TROVE_FUZZ_SEED'] ?? 20261125);
    const random = prng(seed);
    const targets: Array<[string, string, unknown, string?]> = [
      ['POST', '/instances', { instance: { name: 'f', flavorRef: '1', volume: { size: 1, type: null }, datastore: { type: 'mysql', version: '5.7.29' }, databases: [{ name: 'd1' }], users: [{ name: 'u1', password: 'p', databases: [{ name: 'd1' }] }], nics: [{ 'net-id': '00000000-0000-4000-8000-000000000000' }], access: { is_public: false, allowed_cidrs: ['10.0.0.0/8'] } } }],
      ['POST', '/backups', { backup: { name: 'b', instance: instanceId, description: 'd', incremental: 0 } }],
      ['POST', '/configurations', { configuration: { name: 'c', values: { max_connections: 10, autocommit: true }, datastore: { type: 'mysql', version: '5.7.29' } } }],
      ['POST', `/instances/${instanceId}/databases`, { databases: [{ name: 'x1', character_set: 'utf8', collate: 'utf8_general_ci' }] }],
      ['POST', `/instances/${instanceId}/users`, { users: [{ name: 'x1', password: 'p', host: '%', databases: [{ name: 'app' }] }] }],
      ['PUT', `/instances/${instanceId}/users/app`, { user: { password: 'newpw' } }],
      ['PUT', `/instances/${instanceId}/users/app/databases`, { databases: [{ name: 'app' }] }],
      ['POST', `/instances/${instanceId}/action`, { resize: { volume: { size: 2 } } }],
      ['PATCH', `/instances/${instanceId}`, { instance: { name: 'renamed' } }],
      ['POST', '/backup_strategies', { backup_strategy: { swift_container: 'c' } }],
      ['PUT', `/mgmt/quotas/${'0'.repeat(32)}`, { quotas: { instances: 5 } }, 'admin-fuzz'],
      ['POST', '/mgmt/datastore-versions', { version: { name: 'v', datastore_name: 'fz', datastore_manager: 'mysql', active: true, image_tags: ['t'] } }, 'admin-fuzz'],
    ];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const total = Number(process.env['TROVE_FUZZ_COUNT'] ?? 3000);
    let next = 0;
    const lane = async () => {
      while (next < total) {
        const index = next++;
        const [method, path, valid, token] = targets[index % targets.length]!;
        const variant = random();
        let options: { body?: unknown; rawBody?: string; headers?: Record<string, string> };
        if (variant < 0.05) options = { rawBody: JSON.stringify(valid).slice(0, Math.floor(random() * 40)), headers: { 'content-type': 'application/json' } };
        else if (variant < 0.07) options = { body: deep(200 + Math.floor(random() * 800)) };
        else if (variant < 0.09) options = { rawBody: '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}', headers: { 'content-type': 'application/json' } };
        else options = { body: mutate(valid, random) };
        const response = await h.request(method, path, { ...options, ...(token ? { token } : {}) });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const faultOk = response.status < 400 || (Object.keys(response.body).length === 1 && typeof Object.values(response.body)[0] === 'object');
        if (response.status >= 500 || !faultOk) failures.push(`${method} ${path} ${JSON.stringify(options).slice(0, 300)} -> ${response.status} ${response.text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    expect(failures, `seed ${seed}: ${failures.slice(0, 5).join('\n')}`).to.deep.equal([]);
    expect([...statuses.keys()].every((status) => status < 500)).to.equal(true);
    // Both refusals and successes were exercised.
    expect(statuses.get(400) ?? 0).to.be.greaterThan(100);
    expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).to.equal(true);
    expect(({} as Record<string, unknown>)['admin']).to.equal(undefined);
  });
});
