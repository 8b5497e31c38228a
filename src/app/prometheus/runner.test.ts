/**
 * The Prometheus runner, in process, on a real SQLite store, against a local HTTP server answering
 * Prometheus' query API (/api/v1/query, a vector of one sample: 990 good of 1000): nobody calls
 * POST /v1/measurements/prometheus, the runner measures the ratio targets on its own and stores the
 * ratio.measured events. On the timer loop itself (the system clock, a 200 ms interval, polled for);
 * then on a clock the test moves: the month measured once more right after it ends, over all of it;
 * Prometheus unreachable writes nothing, is logged, and the next run (the ended window's final
 * figure included) measures again. Backfill: windows that ended before the runner first ran get
 * their final figure, within the lookback and the agreement's period, once. A slow Prometheus: each
 * run stops at half its lease and the next continues where it stopped, every claim completed by
 * its holder inside its lease.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { seedAgreement } from '../../demo/seed.ts';
import { agreementFromText } from '../../core/agreements/load.ts';
import { applyAgreement } from '../agreements.ts';
import { openStore } from '../../store/index.ts';
import type { StoredEvent, Store } from '../../store/types.ts';
import { createPrometheusRunner, PROMETHEUS_TENANT_TIMER, startPrometheusRunner } from './runner.ts';
import { RATIO_AGREEMENT as AGREEMENT } from './testing.ts';

let store: Store;
let dir: string;
let prom: http.Server;
let url: string;
let up = true;
/** Called for each query Prometheus is asked (a test moves its clock there: a slow Prometheus). */
let onQuery: (() => void) | undefined;
/** The instants (ms) and queries Prometheus was asked. */
const asked: Array<{ time: number; query: string }> = [];
const limits = { batchEvents: 1000, batchBytes: 1_000_000, maxClockSkewMs: 86_400_000 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pledge-prom-runner-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  prom = http.createServer((req, res) => {
    if (!up) return req.socket.destroy();
    const u = new URL(req.url ?? '/', 'http://x');
    const query = u.searchParams.get('query') ?? '';
    const time = Number(u.searchParams.get('time')) * 1000;
    asked.push({ time, query });
    onQuery?.();
    const value = query.includes('code="200"') ? '990' : '1000';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [time / 1000, value] }] } }));
  });
  await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
});
after(async () => {
  prom.closeAllConnections();
  prom.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function measuredEventsOf(tenant: string, from: Store): Promise<StoredEvent[]> {
  return (await from.queryEvents(tenant, { typePrefix: 'ratio.measured', limit: 1000 })).items;
}

const measuredEvents = (tenant: string) => measuredEventsOf(tenant, store);

test('the loop measures the ratio targets on its own, every interval, and stores the ratio.measured events', async () => {
  const tenant = 'loop';
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  await seedAgreement(store, tenant, AGREEMENT, 'shop-api.yaml', Date.now(), 'test');
  const errors: string[] = [];
  const logger = { error: (_o: object, m: string) => errors.push(m), warn: (_o: object, m: string) => errors.push(m) };
  const runner = startPrometheusRunner({ store, prometheus: { url, timeoutMs: 2000, intervalMs: 200 }, limits, pollMs: 50, logger });
  try {
    // Two runs: the first when the tenant gets its timer, the next an interval later.
    for (let i = 0; i < 400 && (await measuredEvents(tenant)).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
  } finally {
    await runner.stop();
  }
  const events = await measuredEvents(tenant);
  assert.ok(events.length >= 2, `measured ${events.length} times; logged: ${errors.join('; ')}`);
  assert.deepEqual(errors, []);
  const e = events[0]!.payload as { agreement: string; target: string; good: number; total: number; source: string };
  assert.deepEqual([e.agreement, e.target, e.good, e.total, events[0]!.source], ['shop-api', 'requests-ok', 990, 1000, 'prometheus']);
  assert.ok(await store.getTimer(tenant, PROMETHEUS_TENANT_TIMER), 'the tenant keeps its timer for the next run');
});

test('a month measured once more right after it ends, over all of it; Prometheus unreachable: nothing written, logged, measured at the next run', async () => {
  // A store of its own: a runner measures every tenant of its store, the first test's too.
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'clock.db') });
  const measuredEvents = (tenant: string) => measuredEventsOf(tenant, store);
  const tenant = 'clock';
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  const MIN = 60_000;
  let now = Date.parse('2027-01-31T23:50:00Z');
  await seedAgreement(store, tenant, AGREEMENT, 'shop-api.yaml', now, 'test');
  const warned: object[] = [];
  const runner = createPrometheusRunner({
    store,
    prometheus: { url, timeoutMs: 2000, intervalMs: 5 * MIN },
    limits,
    clock: { now: () => now, setTimer: () => () => undefined },
    logger: { error: (o) => warned.push(o), warn: (o) => warned.push(o) },
  });
  const january = { from: Date.parse('2027-01-01T00:00:00Z'), to: Date.parse('2027-02-01T00:00:00Z') };
  const february = { from: january.to, to: Date.parse('2027-03-01T00:00:00Z') };
  const windowOf = (e: StoredEvent) => Date.parse((e.payload as { window: { from: string } }).window.from);
  try {
    // The first run: January so far, and December's final figure (backfill: the agreement is in
    // force since 2026, December ended within the lookback and has none); the next, an interval
    // later (January has 10 minutes left).
    let r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 2, 0]);
    assert.equal((await store.getTimer(tenant, PROMETHEUS_TENANT_TIMER))?.fireAt, now + 5 * MIN);

    // A minute after January ends: February so far, and January's final figure as of its end.
    now = january.to + MIN;
    asked.length = 0;
    r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 2, 0]);
    const final = (await measuredEvents(tenant)).filter((e) => windowOf(e) === january.from);
    assert.equal(final.length, 2);
    assert.equal(final[1]!.at, january.to - 1, 'the final figure is the window’s last event');
    assert.equal((final[1]!.payload as { evidence: { rangeMs: number } }).evidence.rangeMs, january.to - january.from);
    assert.ok(asked.some((a) => a.time === january.to && a.query.includes(`[${january.to - january.from}ms]`)));
    assert.equal((await store.getTimer(tenant, PROMETHEUS_TENANT_TIMER))?.fireAt, now + 5 * MIN);

    // February ends while Prometheus is unreachable: nothing written, logged, tried again.
    now = february.to + MIN;
    up = false;
    const before = (await measuredEvents(tenant)).length;
    r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 0, 2]);
    assert.equal((await measuredEvents(tenant)).length, before);
    assert.equal(warned.length, 1);
    assert.match(JSON.stringify(warned[0]), /not reachable/);

    // Back: the next run measures March so far and February's final figure.
    up = true;
    now += 5 * MIN;
    r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 2, 0]);
    const feb = (await measuredEvents(tenant)).filter((e) => windowOf(e) === february.from);
    assert.equal(feb.at(-1)?.at, february.to - 1);
    // Nothing more is due until the next interval.
    assert.deepEqual(await runner.tick(), { claimed: 0, measured: 0, failed: 0, cut: 0 });
  } finally {
    await runner.stop();
    await store.close();
  }
});

const MIN = 60_000;
const DAY = 86_400_000;
/** The ratio agreement in force from 2027-01-10: December 2026 is before it. */
const FROM_JAN_10 = AGREEMENT.replace('term: { start: 2026-01-01 }', 'term: { start: 2027-01-10 }');
const month = (m: string) => Date.parse(`${m}-01T00:00:00Z`);
const windowFrom = (e: StoredEvent) => (e.payload as { window: { from: string } }).window.from;
/** Each window's final events (at its last millisecond), by the window's start. */
async function finals(store: Store, tenant: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of await measuredEventsOf(tenant, store)) {
    const w = (e.payload as { window: { to: string } }).window;
    if (e.at === Date.parse(w.to) - 1) out[windowFrom(e).slice(0, 7)] = (out[windowFrom(e).slice(0, 7)] ?? 0) + 1;
  }
  return out;
}

test('backfill: windows that ended before the first run get their final figure once, within the lookback and the agreement’s period', async () => {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'backfill.db') });
  const tenant = 'backfill';
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  await seedAgreement(store, tenant, FROM_JAN_10, 'shop-api.yaml', Date.parse('2027-01-10T00:00:00Z'), 'test');
  // The server was away from January 10 to March 4: January and February ended unmeasured.
  let now = Date.parse('2027-03-04T00:00:00Z');
  const clock = { now: () => now, setTimer: () => () => undefined };
  const prometheus = { url, timeoutMs: 2000, intervalMs: 5 * MIN };
  try {
    // A 10-day lookback reaches February's end (March 1), not January's (February 1).
    let r = await createPrometheusRunner({ store, prometheus: { ...prometheus, lookbackMs: 10 * DAY }, limits, clock }).tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 2, 0]);
    assert.deepEqual(await finals(store, tenant), { '2027-02': 1 });
    const feb = (await measuredEventsOf(tenant, store)).find((e) => windowFrom(e).startsWith('2027-02'))!;
    assert.equal(
      (feb.payload as { evidence: { rangeMs: number } }).evidence.rangeMs,
      month('2027-03') - month('2027-02'),
      'over all of February',
    );

    // The default lookback (35 days) reaches January: its missing final figure comes at the next run,
    // February's is not measured again; December is before the agreement took effect.
    now += 5 * MIN;
    const runner = createPrometheusRunner({ store, prometheus, limits, clock });
    r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 2, 0]);
    assert.deepEqual(await finals(store, tenant), { '2027-01': 1, '2027-02': 1 });
    now += 5 * MIN;
    r = await runner.tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 1, 0], 'March so far only');
    assert.deepEqual(await finals(store, tenant), { '2027-01': 1, '2027-02': 1 });
    assert.ok(!(await measuredEventsOf(tenant, store)).some((e) => windowFrom(e).startsWith('2026-12')));
  } finally {
    await store.close();
  }
});

test('a slow Prometheus: each run stops at half its lease and the next continues where it stopped; every claim completed inside its lease', async () => {
  const opened = await openStore({ kind: 'sqlite', path: join(dir, 'bounded.db') });
  const tenant = 'bounded';
  await opened.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  await seedAgreement(opened, tenant, FROM_JAN_10, 'shop-api.yaml', Date.parse('2027-01-10T00:00:00Z'), 'test');
  let now = Date.parse('2027-03-04T00:00:00Z');
  const start = now;
  // Each query takes a minute: a window (two queries at once) two, the three windows due six,
  // more than the 4-minute lease.
  onQuery = () => {
    now += MIN;
  };
  // The claims and completions as the store saw them: each completion's instant against its claim's lease.
  const leases: number[] = [];
  const completions: Array<{ at: number; result: string }> = [];
  const store = new Proxy(opened, {
    get(target, prop, receiver) {
      if (prop === 'claimTimers')
        return async (...args: Parameters<Store['claimTimers']>) => {
          const claimed = await target.claimTimers(...args);
          for (const c of claimed) leases.push(c.lease.until);
          return claimed;
        };
      if (prop === 'completeTimer')
        return async (...args: Parameters<Store['completeTimer']>) => {
          const result = await target.completeTimer(...args);
          completions.push({ at: now, result });
          return result;
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const runner = createPrometheusRunner({
    store,
    prometheus: { url, timeoutMs: 2000, intervalMs: 5 * MIN },
    limits,
    leaseMs: 4 * MIN,
    clock: { now: () => now, setTimer: () => () => undefined },
  });
  try {
    const r = await runner.tick();
    // January's final figure, then February's, then March so far: one window per claim.
    assert.deepEqual(r, { claimed: 3, measured: 3, failed: 0, cut: 2 });
    assert.equal(now - start, 6 * MIN, 'one run would have outlasted its lease');
    assert.deepEqual(
      completions.map((c) => c.result),
      ['completed', 'completed', 'completed'],
    );
    for (const [i, c] of completions.entries()) assert.ok(c.at <= leases[i]!, `completion ${i} inside its lease`);
    assert.deepEqual(await finals(opened, tenant), { '2027-01': 1, '2027-02': 1 });
    const timer = await opened.getTimer(tenant, PROMETHEUS_TENANT_TIMER);
    assert.deepEqual(timer?.payload, {}, 'the last run went through: nothing to resume');
    assert.equal(timer?.fireAt, start + 6 * MIN + 5 * MIN - 2 * MIN, 'an interval after the last claim');
  } finally {
    onQuery = undefined;
    await opened.close();
  }
});

test('backfill of an amended agreement: each ended window measured with the queries of the version in force when it began', async () => {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'amended.db') });
  const tenant = 'amended';
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  // Version 1 counts another series; version 2, in force from February, the tests' queries.
  const v1 = FROM_JAN_10.replace('good: shop_requests_total{code="200"}', 'good: shop_requests_v1_total{code="200"}');
  await seedAgreement(store, tenant, v1, 'shop-api.yaml', Date.parse('2027-01-10T00:00:00Z'), 'test');
  const loaded = agreementFromText(`${FROM_JAN_10}effective: 2027-02-01\n`, 'shop-api-v2.yaml');
  assert.ok(loaded.ok, JSON.stringify(loaded));
  const applied = await applyAgreement({ store, tenant, actor: 'test', now: Date.parse('2027-01-20T00:00:00Z') }, { loaded: loaded.value });
  assert.ok(applied.ok && applied.result === 'amended', JSON.stringify(applied));
  const now = Date.parse('2027-03-04T00:00:00Z');
  asked.length = 0;
  try {
    const r = await createPrometheusRunner({
      store,
      prometheus: { url, timeoutMs: 2000, intervalMs: 5 * MIN },
      limits,
      clock: { now: () => now, setTimer: () => () => undefined },
    }).tick();
    assert.deepEqual([r.claimed, r.measured, r.failed], [1, 3, 0]);
    assert.deepEqual(await finals(store, tenant), { '2027-01': 1, '2027-02': 1 });
    const goodAt = (t: number) => asked.filter((a) => a.time === t && a.query.includes('code="200"')).map((a) => a.query.split('{')[0]);
    assert.deepEqual(goodAt(month('2027-02')), ['sum(increase(shop_requests_v1_total'], 'January: version 1');
    assert.deepEqual(goodAt(month('2027-03')), ['sum(increase(shop_requests_total'], 'February: version 2');
  } finally {
    await store.close();
  }
});
