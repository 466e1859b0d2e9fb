/** HTTP-level behaviour: version documents, unknown routes and methods, bodies (JSON only, size limit), rate limits, faults. */
import { expect } from 'chai';
import { startHarness, type ApiHarness } from './harness.js';

describe('API HTTP behaviour', function () {
  this.timeout(60_000);
  let h: ApiHarness;
  before(async () => {
    h = await startHarness({ config: { DEFAULT: { api_max_body_size: 2048, http_delete_rate: 2 } } });
  });
  after(async () => h?.close());

  it('serves the version documents without authentication', async () => {
    const root = await h.request('GET', '/', { token: null });
    expect(root.status).to.equal(200);
    expect(root.body).to.deep.equal({ versions: [{ id: 'v1.0', status: 'CURRENT', updated: '2012-08-01T00:00:00Z', links: [{ rel: 'self', href: `${h.url}/v1.0/` }] }] });
    const version = await h.request('GET', '/v1.0/', { token: null });
    expect(version.body).to.deep.equal({ version: { id: 'v1.0', status: 'CURRENT', updated: '2012-08-01T00:00:00Z', links: [{ rel: 'self', href: `${h.url}/v1.0/` }] } });
    expect(root.headers.get('x-openstack-request-id')).to.match(/^req-[0-9a-f-]{36}$/);
  });

  it('answers 404 itemNotFound for unknown paths and 405 badMethod with Allow for wrong methods', async () => {
    const unknown = await h.request('GET', '/nonsense');
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.deep.equal({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    const outside = await fetch(`${h.url}/nothing/here`);
    expect(outside.status).to.equal(404);
    expect(await outside.json()).to.deep.equal({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    // Under /v1.0/{tenant} authentication comes first, as in Trove's pipeline.
    expect((await h.request('GET', '/nothing/here', { token: null })).status).to.equal(401);
    const wrong = await h.request('PUT', '/instances');
    expect(wrong.status).to.equal(405);
    expect(wrong.headers.get('allow')).to.equal('GET, POST, HEAD');
    expect(Object.keys(wrong.body)).to.deep.equal(['badMethod']);
  });

  it('refuses malformed JSON, other media types and oversized bodies with Trove faults, never 500', async () => {
    const malformed = await h.request('POST', '/instances', { rawBody: '{"instance": {', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).to.equal(400);
    expect(malformed.body).to.deep.equal({ badRequest: { code: 400, message: 'Malformed request body: the body is not valid JSON.' } });
    const scalar = await h.request('POST', '/instances', { rawBody: '"just a string"', headers: { 'content-type': 'application/json' } });
    expect(scalar.status).to.equal(400);
    const form = await h.request('POST', '/instances', { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).to.equal(415);
    expect(Object.keys(form.body)).to.deep.equal(['badMediaType']);
    const huge = await h.request('POST', '/instances', { body: { instance: { name: 'x'.repeat(5000) } } });
    expect(huge.status).to.equal(413);
    expect(huge.body).to.deep.equal({ overLimit: { code: 413, message: 'Request body too large.' } });
    const latin = await h.request('POST', '/instances', { rawBody: '{}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin.status).to.equal(415);
    const empty = await h.request('POST', '/instances', { headers: { 'content-type': 'application/json' } });
    expect(empty.status).to.equal(400);
    for (const response of [malformed, scalar, form, huge, latin, empty]) expect(response.text).not.to.match(/at .*\.js:\d+/);
  });

  it('requires a token even with noauth', async () => {
    const response = await h.request('GET', '/instances', { token: null });
    expect(response.status).to.equal(401);
    expect(response.body).to.deep.equal({ unauthorized: { code: 401, message: 'Authentication required: the request has no X-Auth-Token header.' } });
  });

  it('rate-limits per project with 413 overLimit, retryAfter and Retry-After', async () => {
    const first = await h.request('DELETE', '/backups/00000000-0000-4000-8000-000000000001');
    const second = await h.request('DELETE', '/backups/00000000-0000-4000-8000-000000000002');
    expect([first.status, second.status]).to.deep.equal([404, 404]);
    const third = await h.request<{ overLimit: Record<string, unknown> }>('DELETE', '/backups/00000000-0000-4000-8000-000000000003');
    expect(third.status).to.equal(413);
    expect(third.body.overLimit).to.include({ code: 413, message: 'This request was rate-limited.', details: 'Only 2 DELETE request(s) can be made to * every minute.' });
    expect(Number(third.headers.get('retry-after'))).to.be.within(1, 30);
    expect(third.body.overLimit['retryAfter']).to.equal(third.headers.get('retry-after'));
    const limits = await h.request<{ limits: Array<Record<string, unknown>> }>('GET', '/limits');
    const deleteLimit = limits.body.limits.find((limit) => limit['verb'] === 'DELETE')!;
    expect(deleteLimit).to.include({ value: 2, remaining: 0, unit: 'MINUTE' });
    expect(deleteLimit['nextAvailable']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('decodes user@host path segments like Trove (last @, lenient unquoting)', async () => {
    const id = await h.createInstance();
    await h.request('POST', `/instances/${id}/users`, { body: { users: [{ name: 'web@app', password: 'pw', host: '10.0.0.%' }] } });
    const shown = await h.request<{ user: Record<string, unknown> }>('GET', `/instances/${id}/users/${encodeURIComponent('web@app@10.0.0.%')}`);
    expect(shown.status, shown.text).to.equal(200);
    expect(shown.body.user).to.deep.equal({ name: 'web@app', host: '10.0.0.%', databases: [] });
    const literalPercent = await h.request<{ user: Record<string, unknown> }>('GET', `/instances/${id}/users/web%40app%4010.0.0.%`);
    expect(literalPercent.status).to.equal(200);
    expect(literalPercent.body.user['host']).to.equal('10.0.0.%');
  });
});
