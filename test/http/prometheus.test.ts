/**
 * Ratio targets measured from a real Prometheus (Debian's package, src/app/prometheus/testing.ts)
 * scraping an exporter this test serves, through the HTTP API: POST /v1/measurements/prometheus
 * records the measurement as an event with its evidence, and the portfolio, the budget and
 * /v1/metrics show it like any target's figure. An unreachable Prometheus records nothing and says
 * a retry helps; without one configured the route answers 503; only writers may measure. Backfill
 * on demand (`from`), against a local server answering the query API: each ended window without a
 * final figure gets one, once; a `from` in the future, too old or not an instant is a 422 naming it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  prometheusSkipBanner,
  startPrometheus,
  waitForValue,
  type RunningPrometheus,
  RATIO_AGREEMENT as AGREEMENT,
} from '../../src/app/prometheus/testing.ts';
import { seedAgreement } from '../../src/demo/seed.ts';
import { newTenant, openTestStore, T0, type TestStore } from './helpers.ts';

type Json = Record<string, any>;
const counters = { ok: 0, failed: 0 };
let exporter: Server;
let prom: RunningPrometheus | undefined;
let skip: string | undefined;
let ts: TestStore;

before(async () => {
  ts = await openTestStore();
  exporter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      `# TYPE shop_requests_total counter\nshop_requests_total{code="200"} ${counters.ok}\nshop_requests_total{code="500"} ${counters.failed}\n`,
    );
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', () => r()));
  const started = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`]);
  if (!started.ok) {
    skip = started.reason;
    console.error(prometheusSkipBanner(started.reason));
    return;
  }
  prom = started.prometheus;
  await waitForValue(prom.url, 'sum(shop_requests_total)', (v) => v === 0);
  counters.ok = 990;
  counters.failed = 10;
  await waitForValue(prom.url, 'sum(shop_requests_total)', (v) => v === 1000);
});

after(async () => {
  await prom?.stop();
  exporter?.close();
  await ts?.close();
});

describe('POST /v1/measurements/prometheus', () => {
  test('measures the current window, keeps the evidence, and the portfolio, budget and /v1/metrics show it', async (t) => {
    if (skip) return t.skip(skip);
    const tn = await newTenant(ts.store, { config: { prometheus: { url: prom!.url, timeoutMs: 5000 } } });
    try {
      tn.clock.now = Date.now();
      await seedAgreement(ts.store, tn.tenant, AGREEMENT, 'shop-api.yaml', T0, 'test');
      const agreement = async () => {
        const p = (await tn.req('viewer', { method: 'GET', url: '/v1/portfolio' })).json() as Json;
        return p.agreements.find((a: Json) => a.id === 'shop-api') as Json;
      };
      const target = async () => (await agreement()).targets[0] as Json;
      const before = await agreement();
      assert.deepEqual([before.health, before.targets], ['no_data', []], 'nothing measured yet: no data');

      // Measuring writes events: the roles that may send them (admin, agent), and no one else.
      for (const role of ['viewer', 'customer', 'auditor', 'manager'] as const)
        assert.equal((await tn.req(role, { method: 'POST', url: '/v1/measurements/prometheus' })).statusCode, 403, role);
      assert.equal((await tn.req(null, { method: 'POST', url: '/v1/measurements/prometheus' })).statusCode, 401);
      const r = await tn.req('agent', { method: 'POST', url: '/v1/measurements/prometheus' });
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json() as Json;
      assert.deepEqual(body.failed, []);
      assert.equal(body.measured.length, 1);
      assert.ok(Math.abs(body.measured[0].value - 99) < 1e-7, r.body);

      // 99% of good requests against 98%: half of the 2% allowed is used, burning at 0.5.
      const now = await target();
      assert.equal(now.state, 'met');
      assert.ok(Math.abs(now.value - 99) < 1e-7, JSON.stringify(now));
      assert.ok(Math.abs(now.budget.left - 0.5) < 1e-6 && Math.abs(now.budget.burnRate - 0.5) < 1e-6, JSON.stringify(now.budget));
      const m = (await tn.req('viewer', { method: 'GET', url: '/v1/metrics' })).body;
      const line = m.split('\n').find((l) => l.startsWith('pledge_target_value{agreement="shop-api",target="requests-ok"'));
      assert.ok(line && Math.abs(Number(line.split(' ').at(-1)) - 99) < 1e-7, m);

      // The evidence: the queries as sent and Prometheus' answers, in the event.
      const ev = (await tn.req('viewer', { method: 'GET', url: '/v1/events?type=ratio.measured' })).json() as Json;
      assert.equal(ev.items.length, 1);
      const e = { ...ev.items[0], ...ev.items[0].payload };
      assert.equal(e.id, body.measured[0].event);
      assert.match(e.evidence.queries.good, /^sum\(increase\(shop_requests_total\{code="200"\}\[\d+ms\]\)\)$/);
      assert.equal(e.evidence.responses.total.status, 'success');
    } finally {
      await tn.app.close();
    }
  });

  test('Prometheus unreachable: nothing recorded, a retry helps; none configured: 503 naming the setting', async (t) => {
    if (skip) return t.skip(skip);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const tn = await newTenant(ts.store, { config: { prometheus: { url: `http://127.0.0.1:${port}`, timeoutMs: 2000 } } });
    try {
      tn.clock.now = Date.now();
      await seedAgreement(ts.store, tn.tenant, AGREEMENT, 'shop-api.yaml', T0, 'test');
      const r = await tn.req('agent', { method: 'POST', url: '/v1/measurements/prometheus' });
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json() as Json;
      assert.deepEqual(body.measured, []);
      assert.deepEqual([body.failed.length, body.failed[0].retryable, body.failed[0].target], [1, true, 'requests-ok']);
      assert.match(body.failed[0].error, /not reachable/);
      const ev = (await tn.req('viewer', { method: 'GET', url: '/v1/events?type=ratio.measured' })).json() as Json;
      assert.equal(ev.items.length, 0);
    } finally {
      await tn.app.close();
    }
    const none = await newTenant(ts.store);
    try {
      const r = await none.req('agent', { method: 'POST', url: '/v1/measurements/prometheus' });
      assert.equal(r.statusCode, 503, r.body);
      assert.match(r.json().message, /PLEDGE_PROMETHEUS_URL/);
    } finally {
      await none.app.close();
    }
  });
});

test('POST /v1/measurements/prometheus with from: the ended windows without a final figure get one, once; a bad from is 422 naming it', async () => {
  // The query API's shape is enough here: 990 good of 1000 at any instant.
  const fake = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const v = (q.get('query') ?? '').includes('code="200"') ? '990' : '1000';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Number(q.get('time')), v] }] } }),
    );
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const tn = await newTenant(ts.store, { config: { prometheus: { url, timeoutMs: 2000 } } });
  try {
    await seedAgreement(ts.store, tn.tenant, AGREEMENT, 'shop-api.yaml', T0, 'test');
    tn.clock.now = Date.parse('2026-12-04T00:00:00Z');
    const post = (body?: object) =>
      tn.req('agent', {
        method: 'POST',
        url: '/v1/measurements/prometheus',
        ...(body ? { payload: body, headers: { 'content-type': 'application/json' } } : {}),
      });
    let r = await post({ from: '2026-09-30T00:00:00Z' });
    assert.equal(r.statusCode, 200, r.body);
    const windows = (r.json() as Json).measured.map((m: Json) => `${m.window} ${m.value}`);
    assert.deepEqual(windows.sort(), ['2026-09 99', '2026-10 99', '2026-11 99', '2026-12 99']);
    const ev = (await tn.req('viewer', { method: 'GET', url: '/v1/events?type=ratio.measured&limit=100' })).json() as Json;
    const finals = ev.items.filter((e: Json) => Date.parse(e.at) === Date.parse(e.payload.window.to) - 1);
    assert.equal(finals.length, 3, 'September, October and November as of their ends');
    // Again: the final figures are there, so only December so far is measured.
    r = await post({ from: '2026-09-30T00:00:00Z' });
    assert.deepEqual(
      (r.json() as Json).measured.map((m: Json) => m.window),
      ['2026-12'],
    );
    // Without a body: the current window only, as before.
    assert.deepEqual((await post()).json().measured.length, 1);
    for (const from of ['2026-12-05T00:00:00Z', '2025-01-01T00:00:00Z', 'last month']) {
      const bad = await post({ from });
      assert.equal(bad.statusCode, 422, bad.body);
      assert.equal(bad.json().details.issues[0].path, 'from', bad.body);
    }
  } finally {
    await tn.app.close();
    fake.close();
  }
});
