/**
 * Built-in monitors over HTTP (docs/api.md "Monitors"): the normal path (create, read with its
 * ETag, replace with If-Match, pause and resume, delete), a heartbeat's push without a session,
 * bad input naming the field, and who may do what. The checks themselves are run in
 * src/app/monitors/runner.test.ts; every answer here is checked against /openapi.json.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newTenant, openTestStore, type TestStore } from './helpers.ts';

let ts: TestStore;
before(async () => {
  ts = await openTestStore();
});
after(async () => {
  await ts.close();
});

const json = (payload: unknown, etag?: string) => ({
  headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});
const web = { kind: 'http', service: 'cloud-pbx', url: 'https://status.example.com/health', interval: '30s', timeout: '5s' };

describe('monitors', () => {
  test('created, read with its ETag, replaced only with If-Match, paused and resumed, deleted', async () => {
    const t = await newTenant(ts.store);
    // If-Match names a version that does not exist: refused, not created (RFC 9110, 13.1.1).
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/monitors/web', ...json(web, '"read-elsewhere"') })).statusCode, 412);
    assert.equal((await t.req('manager', { method: 'GET', url: '/v1/monitors/web' })).statusCode, 404);
    const created = await t.req('manager', { method: 'PUT', url: '/v1/monitors/web', ...json(web) });
    assert.equal(created.statusCode, 201, created.body);
    const c = created.json();
    assert.equal(c.result, 'created');
    assert.equal(c.token, undefined);
    assert.equal(c.monitor.state.status, 'unknown');
    assert.equal(c.monitor.nextCheckAt, new Date(t.clock.now).toISOString(), 'an HTTP monitor is checked at once');
    assert.deepEqual(c.monitor.spec, web, 'the spec reads back as written');
    const got = await t.req('auditor', { method: 'GET', url: '/v1/monitors/web' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers.etag, c.monitor.etag);
    assert.equal((await t.req('admin', { method: 'PUT', url: '/v1/monitors/web', ...json(web) })).statusCode, 428);
    assert.equal((await t.req('admin', { method: 'PUT', url: '/v1/monitors/web', ...json(web, '"stale"') })).statusCode, 412);
    const replaced = await t.req('admin', { method: 'PUT', url: '/v1/monitors/web', ...json({ ...web, retries: 2 }, c.monitor.etag) });
    assert.equal(replaced.statusCode, 200);
    const paused = await t.req('manager', { method: 'POST', url: '/v1/monitors/web/pause' });
    assert.equal(paused.statusCode, 200);
    assert.equal(paused.json().paused, true);
    assert.equal(paused.json().nextCheckAt, null);
    const resumed = await t.req('manager', { method: 'POST', url: '/v1/monitors/web/resume' });
    assert.equal(resumed.json().paused, false);
    const list = await t.req('manager', { method: 'GET', url: '/v1/monitors' });
    assert.deepEqual(
      list.json().items.map((m: { id: string }) => m.id),
      ['web'],
    );
    assert.equal((await t.req('manager', { method: 'DELETE', url: '/v1/monitors/web' })).statusCode, 200);
    assert.equal((await t.req('manager', { method: 'GET', url: '/v1/monitors/web' })).statusCode, 404);
    assert.equal((await t.req('manager', { method: 'POST', url: '/v1/monitors/web/pause' })).statusCode, 404);
  });

  test("an HTTP monitor's header values are never shown; sent back redacted they keep the stored ones", async () => {
    const t = await newTenant(ts.store);
    const secret = 'Bearer s3cret-health-token';
    const spec = { ...web, headers: { Authorization: secret, 'X-Probe': 'pledge' } };
    const created = await t.req('admin', { method: 'PUT', url: '/v1/monitors/auth', ...json(spec) });
    assert.equal(created.statusCode, 201, created.body);
    assert.ok(!created.body.includes('s3cret'), created.body);
    const got = await t.req('auditor', { method: 'GET', url: '/v1/monitors/auth' });
    assert.deepEqual(got.json().spec.headers, { Authorization: '[redacted]', 'X-Probe': '[redacted]' });
    assert.ok(!(await t.req('auditor', { method: 'GET', url: '/v1/monitors' })).body.includes('s3cret'));
    // Read, change the interval, put back: the header values stay what they were.
    const back = { ...got.json().spec, interval: '60s' };
    const put = await t.req('manager', { method: 'PUT', url: '/v1/monitors/auth', ...json(back, got.headers.etag as string) });
    assert.equal(put.statusCode, 200, put.body);
    const stored = await ts.store.getMonitor<{ headers: Record<string, string>; interval: number }>(t.tenant, 'auth');
    assert.deepEqual(stored?.spec.headers, spec.headers);
    // A new value replaces; "[redacted]" for a header that has no stored value names it.
    const etag = put.headers.etag as string;
    const bad = await t.req('manager', {
      method: 'PUT',
      url: '/v1/monitors/auth',
      ...json({ ...back, headers: { ...back.headers, 'X-New': '[redacted]' } }, etag),
    });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.equal(bad.json().details.issues[0].path, 'headers.X-New');
    const changed = await t.req('manager', {
      method: 'PUT',
      url: '/v1/monitors/auth',
      ...json({ ...back, headers: { Authorization: 'Bearer rotated' } }, etag),
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual((await ts.store.getMonitor<{ headers: Record<string, string> }>(t.tenant, 'auth'))?.spec.headers, {
      Authorization: 'Bearer rotated',
    });
  });

  test('a heartbeat: its token shown once, pushed without a session, up from the push; unknown 404, paused 409', async () => {
    const t = await newTenant(ts.store);
    const spec = { kind: 'heartbeat', service: 'billing-batch', interval: '1d', grace: '1h' };
    const created = await t.req('manager', { method: 'PUT', url: '/v1/monitors/nightly', ...json(spec) });
    assert.equal(created.statusCode, 201);
    const token = created.json().token as string;
    assert.match(token, /^pledge_hb_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.json().monitor.pushUrl, '/v1/heartbeats/{token}');
    assert.equal(created.json().monitor.nextCheckAt, new Date(t.clock.now + 25 * 3_600_000).toISOString());
    assert.doesNotMatch((await t.req('admin', { method: 'GET', url: '/v1/monitors/nightly' })).body, new RegExp(token));
    const pushed = await t.req(null, { method: 'POST', url: `/v1/heartbeats/${token}` });
    assert.equal(pushed.statusCode, 200, pushed.body);
    assert.deepEqual(pushed.json(), { result: 'recorded', monitor: 'nightly', status: 'up' });
    const m = (await t.req('admin', { method: 'GET', url: '/v1/monitors/nightly' })).json();
    assert.equal(m.state.status, 'up');
    assert.equal(m.state.lastPushAt, new Date(t.clock.now).toISOString());
    // The push is an event the agreements measure: a check.result of service billing-batch.
    const events = await ts.store.queryEvents(t.tenant, { service: 'billing-batch' });
    assert.deepEqual(events.items.map((e) => e.type).sort(), ['check.result', 'monitoring.started']);
    const withBody = await t.req(null, {
      method: 'POST',
      url: `/v1/heartbeats/${token}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'done',
    });
    assert.equal(withBody.statusCode, 200, 'a body, if any, is ignored');
    assert.equal((await t.req(null, { method: 'POST', url: `/v1/heartbeats/${token}x` })).statusCode, 404);
    assert.equal((await t.req(null, { method: 'POST', url: '/v1/heartbeats/nonsense' })).statusCode, 404);
    await t.req('manager', { method: 'POST', url: '/v1/monitors/nightly/pause' });
    assert.equal((await t.req(null, { method: 'POST', url: `/v1/heartbeats/${token}` })).statusCode, 409);
    // A new token: the old one stops working.
    const etag = (await t.req('admin', { method: 'GET', url: '/v1/monitors/nightly' })).headers.etag as string;
    const renewed = await t.req('admin', { method: 'PUT', url: '/v1/monitors/nightly?newToken=true', ...json(spec, etag) });
    assert.equal(renewed.statusCode, 200);
    assert.notEqual(renewed.json().token, token);
    assert.equal((await t.req(null, { method: 'POST', url: `/v1/heartbeats/${token}` })).statusCode, 404);
  });

  test("bad input: 422 naming each field, 400 for a body that is no JSON, the server's interval floor", async () => {
    const t = await newTenant(ts.store);
    const bad = await t.req('admin', {
      method: 'PUT',
      url: '/v1/monitors/web',
      ...json({ kind: 'http', service: 'x', url: 'ftp://nowhere', interval: 'often', method: 'BREW' }),
    });
    assert.equal(bad.statusCode, 422);
    const paths = bad
      .json()
      .details.issues.map((i: { path: string }) => i.path)
      .sort();
    assert.deepEqual(paths, ['interval', 'method', 'url']);
    const floor = await t.req('admin', { method: 'PUT', url: '/v1/monitors/web', ...json({ ...web, interval: '1s', timeout: '500ms' }) });
    assert.equal(floor.statusCode, 422);
    assert.match(floor.body, /at least 10000 ms/);
    assert.equal((await t.req('admin', { method: 'PUT', url: '/v1/monitors/web', ...json('{"kind":') })).statusCode, 400);
    const tcp = await t.req('admin', {
      method: 'PUT',
      url: '/v1/monitors/db',
      ...json({ kind: 'tcp', service: 'x', host: 'db', port: 70000 }),
    });
    assert.equal(tcp.statusCode, 422);
    assert.equal(tcp.json().details.issues[0].path, 'port');
    assert.equal((await t.req('admin', { method: 'PUT', url: '/v1/monitors/bad%20id', ...json(web) })).statusCode, 400);
  });

  test('who may: viewers, agents and customers neither read nor change monitors; auditors read only; tenants are apart', async () => {
    const t = await newTenant(ts.store);
    const other = await newTenant(ts.store);
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/monitors/web', ...json(web) })).statusCode, 201);
    for (const role of ['viewer', 'agent', 'customer'] as const) {
      assert.ok([403, 404].includes((await t.req(role, { method: 'GET', url: '/v1/monitors' })).statusCode), role);
      assert.ok([403, 404].includes((await t.req(role, { method: 'PUT', url: '/v1/monitors/w2', ...json(web) })).statusCode), role);
    }
    assert.equal((await t.req('auditor', { method: 'DELETE', url: '/v1/monitors/web' })).statusCode, 403);
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/monitors' })).statusCode, 401);
    assert.equal((await other.req('admin', { method: 'GET', url: '/v1/monitors/web' })).statusCode, 404);
    assert.deepEqual((await other.req('admin', { method: 'GET', url: '/v1/monitors' })).json().items, []);
  });

  test('guessing push tokens is limited like guessing API tokens: 404s count, then 429 with Retry-After', async () => {
    const t = await newTenant(ts.store, { config: { authFailures: { limit: 2, windowSeconds: 60 } } });
    for (let i = 0; i < 2; i++)
      assert.equal((await t.req(null, { method: 'POST', url: `/v1/heartbeats/pledge_hb_guess${i}` })).statusCode, 404);
    const limited = await t.req(null, { method: 'POST', url: '/v1/heartbeats/pledge_hb_guess3' });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});
