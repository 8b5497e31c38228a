/**
 * GET /v1/status, GET /v1/agreements/{id}/report and POST /v1/rebuild: the normal path, bad input
 * and who may see what, on the demo data set (August and September 2026, up to T0 on 1 October).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { isErrorBody, newTenant, type TestStore } from './helpers.ts';
import { closeDemo, demoTenant, openDemo, type DemoTenant } from './demo-tenant.ts';

let ts: TestStore;
let t: DemoTenant;
before(async () => ({ ts, t } = await openDemo()));
after(() => closeDemo({ ts, t }));

const get = (url: string, as: Parameters<DemoTenant['req']>[0] = 'viewer') => t.req(as, { method: 'GET', url });

describe('normal path', () => {
  test('a report for a month: every target with its window, value, promise and what is owed', async () => {
    const r = await get('/v1/agreements/acme-checkout/report?period=2026-08');
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    const body = r.json();
    assert.equal(body.agreement, 'acme-checkout');
    assert.equal(body.customer, 'acme');
    assert.equal(body.period.label, '2026-08');
    assert.ok(body.lines.length >= 2);
    for (const l of body.lines) {
      assert.ok(['met', 'at_risk', 'breached', 'not_measured'].includes(l.state), l.state);
      assert.equal(typeof l.reason, 'string');
    }
    assert.ok(body.lines.some((l: { state: string }) => l.state !== 'not_measured'));
    assert.ok(body.settlement, 'the agreement has penalties: the settlement is there');
    assert.equal(body.summary, body.settlement.summary);
    // The same as the stored settlement of that period.
    const s = await get('/v1/agreements/acme-checkout/settlements/2026-08');
    assert.deepEqual(body.settlement, s.json().settlement);
  });

  test('the report as CSV: a header and one line per target', async () => {
    const r = await get('/v1/agreements/acme-checkout/report?period=2026-08&format=csv');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    const lines = r.body.trim().split('\n');
    assert.equal(lines[0], 'agreement,period,target,metric,window,state,value,promised,margin,owed,due,reason,note');
    const json = (await get('/v1/agreements/acme-checkout/report?period=2026-08')).json();
    assert.equal(lines.length, 1 + json.lines.length);
    assert.ok(lines.slice(1).every((l) => l.startsWith('acme-checkout,2026-08,')));
  });

  test('a quarterly target in a monthly report is measured over its quarter', async () => {
    const r = (await get('/v1/agreements/initech-printers/report?period=2026-08')).json();
    const windows = new Set(r.lines.map((l: { window: string }) => l.window));
    assert.ok(windows.has('2026-Q3') || windows.has('2026-08'), [...windows].join());
  });

  test('status: at-risk and breached tickets and current windows, breached first', async () => {
    const r = await get('/v1/status');
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    const body = r.json();
    assert.match(body.now, /^2026-10-01T08:00:00/);
    assert.ok(Array.isArray(body.tickets) && Array.isArray(body.targets));
    for (const k of body.tickets) assert.ok(k.state === 'at_risk' || k.state === 'breached');
    const states = body.tickets.map((k: { state: string }) => k.state);
    assert.deepEqual(
      states,
      [...states].sort((a: string, b: string) => (a === b ? 0 : a === 'breached' ? -1 : 1)),
    );
    for (const w of body.targets) assert.ok(w.state === 'at_risk' || w.state === 'breached');
  });

  test('status later: a running clock whose deadline passed is shown breached at its deadline', async () => {
    const d = await demoTenant(ts.store);
    try {
      const early = (await d.req('viewer', { method: 'GET', url: '/v1/status' })).json();
      d.clock.now += 60 * 86_400_000;
      const later = (await d.req('viewer', { method: 'GET', url: '/v1/status' })).json();
      const key = (k: { agreement: string; target: string; ticket: string; cycle: number }) =>
        `${k.agreement} ${k.target} ${k.ticket} ${k.cycle}`;
      const breachedLater = new Set(later.tickets.filter((k: { state: string }) => k.state === 'breached').map(key));
      for (const k of early.tickets) if (k.state === 'breached') assert.ok(breachedLater.has(key(k)), key(k));
      assert.ok(
        later.tickets.every(
          (k: { state: string; breachAt: string | null; deadline: string | null }) => k.state !== 'breached' || k.breachAt !== null,
        ),
      );
      // Nothing shown at risk is already past its deadline.
      const now = Date.parse(later.now);
      assert.ok(
        later.tickets.every(
          (k: { state: string; deadline: string | null }) => k.state === 'breached' || k.deadline === null || Date.parse(k.deadline) > now,
        ),
      );
      assert.ok(
        breachedLater.size > early.tickets.filter((k: { state: string }) => k.state === 'breached').length,
        'open clocks ran out meanwhile',
      );
    } finally {
      await d.app.close();
    }
  });

  test('/v1/metrics counts the breaches open now, as GET /v1/status lists them', async () => {
    // GET /v1/status brings the results up to date; the metric reads them as stored.
    const status = (await t.req('viewer', { method: 'GET', url: '/v1/status' })).json();
    const m = await t.req('viewer', { method: 'GET', url: '/v1/metrics' });
    const n = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m.body)?.[1]);
    assert.equal(n('pledge_open_breaches_tickets'), status.tickets.filter((k: { state: string }) => k.state === 'breached').length);
    assert.equal(n('pledge_open_breaches_targets'), status.targets.filter((k: { state: string }) => k.state === 'breached').length);
    assert.ok(n('pledge_open_breaches_tickets') > 0, 'the demo ends now, with breached open tickets');
  });

  test('rebuild: the admin recomputes everything; the counts, and an audit entry', async () => {
    const r = await t.req('admin', { method: 'POST', url: '/v1/rebuild' });
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    const body = r.json();
    assert.equal(body.agreements, 10);
    assert.ok(body.clocks > 100 && body.compliance > 10 && body.settlements > 5, r.body.slice(0, 300));
    assert.equal(body.watermark, await ts.store.lastEventSeq(t.tenant));
    const audit = (await ts.store.listAudit(t.tenant, { newestFirst: true, limit: 1 })).items[0];
    assert.equal(audit?.action, 'derived.rebuild');
  });
});

describe('bad input', () => {
  test('a period that is not one: 400 naming the parameter', async () => {
    for (const period of ['2026-13', 'last-month', '2026-W05', '2026-10-01', '']) {
      const r = await get(`/v1/agreements/acme-checkout/report?period=${encodeURIComponent(period)}`);
      assert.equal(r.statusCode, 400, `${period}: ${r.body}`);
      assert.ok(isErrorBody(r.json()));
      assert.equal(r.json().code, 'invalid_parameter');
      assert.match(JSON.stringify(r.json().details), /period/);
    }
    const missing = await get('/v1/agreements/acme-checkout/report');
    assert.equal(missing.statusCode, 400);
    const fmt = await get('/v1/agreements/acme-checkout/report?period=2026-08&format=pdf');
    assert.equal(fmt.statusCode, 400);
    assert.match(fmt.body, /format/);
    const extra = await get('/v1/status?foo=1');
    assert.equal(extra.statusCode, 400);
  });

  test('an unknown agreement, or a period without results: 404', async () => {
    assert.equal((await get('/v1/agreements/nope/report?period=2026-08')).statusCode, 404);
    const r = await get('/v1/agreements/acme-checkout/report?period=2020-01');
    assert.equal(r.statusCode, 404, r.body);
    assert.equal(r.json().code, 'not_found');
  });
});

describe('who may see what', () => {
  const READERS: Role[] = ['admin', 'manager', 'agent', 'viewer', 'auditor'];
  test('no token is 401; each role as the policy grants', async () => {
    const routes: Array<{ method: 'GET' | 'POST'; url: string; allowed: Role[] }> = [
      { method: 'GET', url: '/v1/status', allowed: [...READERS, 'customer'] },
      { method: 'GET', url: '/v1/agreements/acme-checkout/report?period=2026-08', allowed: [...READERS, 'customer'] },
      { method: 'POST', url: '/v1/rebuild', allowed: ['admin'] },
    ];
    for (const r of routes) {
      assert.equal((await t.req(null, { method: r.method, url: r.url })).statusCode, 401, r.url);
      for (const role of ROLES) {
        const res = await t.req(role, { method: r.method, url: r.url });
        assert.equal(res.statusCode, r.allowed.includes(role) ? 200 : 403, `${role} ${r.method} ${r.url}: ${res.body.slice(0, 200)}`);
      }
    }
  });

  test("a customer sees only its own: another customer's report is 404, its status holds only its agreements", async () => {
    const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
    const r = await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements/acme-checkout/report?period=2026-08' });
    assert.equal(r.statusCode, 404);
    assert.equal(
      (await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements/uc-cloud/report?period=2026-08' })).statusCode,
      404,
      'an internal agreement',
    );
    const own = await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements/globex-email/report?period=2026-08' });
    assert.equal(own.statusCode, 200, own.body.slice(0, 200));
    const status = (await t.req({ secret: globex }, { method: 'GET', url: '/v1/status' })).json();
    for (const x of [...status.tickets, ...status.targets]) assert.ok(x.agreement.startsWith('globex-'), x.agreement);
    assert.doesNotMatch(JSON.stringify(status), /acme/);
  });

  test("another tenant's admin: 404 on the report, an empty status", async () => {
    const b = await newTenant(ts.store);
    try {
      assert.equal((await b.req('admin', { method: 'GET', url: '/v1/agreements/acme-checkout/report?period=2026-08' })).statusCode, 404);
      const s = (await b.req('admin', { method: 'GET', url: '/v1/status' })).json();
      assert.deepEqual([s.tickets, s.targets], [[], []]);
    } finally {
      await b.app.close();
    }
  });
});
