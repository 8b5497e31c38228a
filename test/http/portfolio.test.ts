/**
 * GET /v1/portfolio (src/app/portfolio.ts) on the demo data: every agreement with its targets'
 * current windows, its health, and what its latest period owes, checked against the stored results
 * read another way (the full compliance and settlement listings); totals that add up; a customer's
 * view; filters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import { newTenant, T0, type TestStore } from './helpers.ts';
import { seedAgreement } from '../../src/demo/seed.ts';

type Json = Record<string, any>;
let d: { ts: TestStore; t: DemoTenant };
before(async () => {
  d = await openDemo();
});
after(async () => {
  await closeDemo(d);
});

const get = async (as: Parameters<DemoTenant['req']>[0], url: string): Promise<Json> => {
  const r = await d.t.req(as, { method: 'GET', url });
  assert.equal(r.statusCode, 200, r.body.slice(0, 500));
  return r.json();
};

describe('the portfolio', () => {
  test("each agreement shows the windows that contain now, its worst state as its health, and its latest period's totals", async () => {
    const p = await get('viewer', '/v1/portfolio');
    const now = Date.parse(p.now);
    const agreements = (await get('viewer', '/v1/agreements?limit=1000')).items as Json[];
    // The list names each agreement, its kind, level and services (from its document), as the portfolio does.
    for (const a of agreements) {
      const mine = p.agreements.find((x: Json) => x.id === a.id);
      assert.deepEqual([a.name, a.kind, a.services ?? []], [mine.name, mine.kind, mine.services], a.id);
      assert.equal(a.level ?? null, mine.level, a.id);
    }
    assert.deepEqual(
      p.agreements.map((a: Json) => a.id),
      agreements.map((a) => a.id),
      'every agreement, in id order',
    );
    // The same windows as the full listing, filtered to those containing now.
    const all = (await get('viewer', '/v1/compliance?limit=1000')).items as Json[];
    const current = all.filter((c) => Date.parse(c.result.window.from) <= now && now < Date.parse(c.result.window.to));
    assert.ok(current.length > 0);
    const shown = p.agreements.flatMap((a: Json) => a.targets.map((t: Json) => `${a.id}/${t.target}/${t.window}/${t.state}/${t.value}`));
    assert.deepEqual(
      [...shown].sort(),
      current.map((c) => `${c.agreement}/${c.target}/${c.window}/${c.result.state}/${c.result.value}`).sort(),
    );
    const rank = ['breached', 'at_risk', 'met', 'no_data'];
    for (const a of p.agreements as Json[]) {
      const states = (a.targets as Json[]).map((t) => (['breached', 'at_risk', 'met'].includes(t.state) ? t.state : 'no_data'));
      const worst = states.length === 0 ? 'no_data' : rank.find((r) => states.includes(r));
      assert.equal(a.health, worst, a.id);
    }
    // Early on 1 October only yearly windows could be breached, and the demo's yearly SLA (Umbrella's)
    // is its watermelon, met: the states to rank are met, at_risk and no_data.
    assert.deepEqual(
      [...new Set(p.agreements.map((a: Json) => a.health))].sort(),
      ['at_risk', 'met', 'no_data'],
      'the demo has agreements in several states',
    );
    // Money: the latest period of each agreement, as the settlement listing has it.
    const settlements = (await get('viewer', '/v1/settlements?limit=1000')).items as Json[];
    for (const a of p.agreements as Json[]) {
      const mine = settlements.filter((s) => s.agreement === a.id).sort((x, y) => (x.period < y.period ? -1 : 1));
      const last = mine[mine.length - 1];
      if (!last) assert.equal(a.period, null, a.id);
      else {
        assert.equal(a.period.label, last.period, a.id);
        assert.deepEqual(
          a.period.owed.map((m: Json) => [m.currency, m.amountMinor]),
          last.settlement.totals.map((m: Json) => [m.currency, m.amountMinor]),
          a.id,
        );
      }
    }
    // Totals add up, per customer and in all.
    const count = (list: Json[], h: string) => list.filter((a) => a.health === h).length;
    assert.deepEqual(
      [p.totals.agreements, p.totals.breached, p.totals.atRisk, p.totals.met, p.totals.noData],
      [
        p.agreements.length,
        count(p.agreements, 'breached'),
        count(p.agreements, 'at_risk'),
        count(p.agreements, 'met'),
        count(p.agreements, 'no_data'),
      ],
    );
    for (const c of p.customers as Json[]) {
      const theirs = p.agreements.filter((a: Json) => a.customer === c.customer);
      assert.equal(c.agreements, theirs.length, c.customer);
      assert.equal(c.breached, count(theirs, 'breached'));
      const owed = new Map<string, number>();
      for (const a of theirs) for (const m of a.period?.owed ?? []) owed.set(m.currency, (owed.get(m.currency) ?? 0) + m.amountMinor);
      assert.deepEqual(
        c.owed.map((m: Json) => [m.currency, m.amountMinor]),
        [...owed].filter(([, v]) => v !== 0),
      );
    }
  });

  test('a customer sees its own agreements only; filters by customer and service narrow the list', async () => {
    const mine = await get('customer', '/v1/portfolio');
    assert.ok(mine.agreements.length > 0);
    for (const a of mine.agreements as Json[]) assert.equal(a.customer, 'acme', a.id);
    assert.deepEqual(
      mine.customers.map((c: Json) => c.customer),
      ['acme'],
    );
    const other = await get('customer', '/v1/portfolio?customer=globex');
    assert.deepEqual(other.agreements, [], 'asking for another customer shows nothing');
    const globex = await get('viewer', '/v1/portfolio?customer=globex');
    assert.ok(globex.agreements.length > 0);
    for (const a of globex.agreements as Json[]) assert.equal(a.customer, 'globex');
    const email = await get('viewer', '/v1/portfolio?service=email');
    assert.ok(email.agreements.length > 0);
    for (const a of email.agreements as Json[]) assert.ok(a.services.includes('email'), a.id);
    const bad = await d.t.req('viewer', { method: 'GET', url: '/v1/portfolio?region=eu' });
    assert.equal(bad.statusCode, 400);
  });

  test("an agreement's history: every stored window of each target, oldest first, the same states and values as the full listing", async () => {
    for (const id of ['acme-checkout', 'northwind-corporate', 'initech-printers']) {
      const h = await get('viewer', `/v1/agreements/${id}/history`);
      const full = (await get('viewer', `/v1/agreements/${id}/compliance?limit=1000`)).items as Json[];
      const flat = (h.targets as Json[]).flatMap((t) =>
        (t.windows as Json[]).map((w) => `${t.target}/${w.window}/${w.state}/${w.value}/${w.goal}`),
      );
      assert.deepEqual(
        [...flat].sort(),
        full.map((c) => `${c.target}/${c.window}/${c.result.state}/${c.result.value}/${c.result.target}`).sort(),
        id,
      );
      for (const t of h.targets as Json[]) {
        const starts = (t.windows as Json[]).map((w) => Date.parse(w.from));
        assert.deepEqual(
          starts,
          [...starts].sort((a, b) => a - b),
          `${id}/${t.target} oldest first`,
        );
      }
    }
    assert.equal((await d.t.req('customer', { method: 'GET', url: '/v1/agreements/globex-email/history' })).statusCode, 404);
    assert.equal((await d.t.req('customer', { method: 'GET', url: '/v1/agreements/acme-checkout/history' })).statusCode, 200);
  });
});

describe('the error budget of each current window', () => {
  // A small agreement checked by hand. October 2026 (31 days, UTC), read on 11 October 00:00, ten
  // days in. Availability 99.9%: one full outage of 20 minutes. P1 resolution within 4 hours for
  // at least 80% of the tickets: 10 P1 tickets, one a day, resolved, one of them after 5 hours.
  const FIXTURE = `id: budget-fixture
name: Budget fixture
kind: sla
level: service
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: acme, name: Acme Corp }
services: [pbx]
term:
  start: 2026-01-01
targets:
  - id: uptime
    metric: availability
    value: 99.9
    window: month
  - id: p1-resolution
    metric: resolution_time
    value: 80
    scope: { priority: P1 }
    clock: { byPriority: { P1: 4h } }
`;
  const events: Array<Record<string, unknown>> = [
    { id: 'o-start', type: 'outage.started', at: '2026-10-03T10:00:00Z', service: 'pbx', outage: 'INC-1', impact: 'full' },
    { id: 'o-end', type: 'outage.ended', at: '2026-10-03T10:20:00Z', service: 'pbx', outage: 'INC-1' },
  ];
  for (let n = 1; n <= 10; n++) {
    const base = { source: 'desk', ticket: `B-${n}`, service: 'pbx', customer: 'acme' };
    const day = String(n).padStart(2, '0');
    events.push(
      { ...base, id: `B-${n}-c`, type: 'ticket.created', at: `2026-10-${day}T09:00:00Z`, priority: 'P1' },
      { ...base, id: `B-${n}-r`, type: 'ticket.resolved', at: `2026-10-${day}T${n === 1 ? '14' : '10'}:00:00Z` },
    );
  }

  test('budget left as a share and in the unit, and the burn rate, as worked out by hand', async () => {
    const t = await newTenant(d.ts.store);
    try {
      t.clock.now = Date.parse('2026-10-11T00:00:00Z');
      await seedAgreement(d.ts.store, t.tenant, FIXTURE, 'budget-fixture.yaml', T0, 'test');
      const posted = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      });
      assert.equal(posted.json().accepted, events.length, posted.body);
      const r = await t.req('viewer', { method: 'GET', url: '/v1/portfolio' });
      assert.equal(r.statusCode, 200, r.body.slice(0, 500));
      const a = (r.json() as Json).agreements.find((x: Json) => x.id === 'budget-fixture');
      const by = new Map((a.targets as Json[]).map((x) => [x.target, x]));

      // Availability: 0.1% of October's 31 days is 2,678,400 ms (44 min 38.4 s) of downtime; 20 min
      // (1,200,000 ms) used leaves 1,478,400 ms, a share of 1,478,400 / 2,678,400. Over the ten days
      // so far the downtime share is 1,200,000 / 864,000,000; against the 0.1% allowed that burns at
      // 1.2 / 0.864 = 25/18: at this pace the month would use 25/18 of its budget.
      const up = by.get('uptime')!;
      assert.equal(up.window, '2026-10');
      assert.deepEqual(up.budget.downtime, { allowedMs: 2_678_400, usedMs: 1_200_000, remainingMs: 1_478_400 });
      assert.ok(Math.abs(up.budget.left - 1_478_400 / 2_678_400) < 1e-12, String(up.budget.left));
      assert.ok(Math.abs(up.budget.burnRate - 25 / 18) < 1e-12, String(up.budget.burnRate));
      assert.equal(up.budget.items, null);
      assert.equal(up.budget.asOf, '2026-10-11T00:00:00Z');

      // P1 resolution: 9 of 10 within 4 h is 90% against 80%: half the 20-point allowance used,
      // and a burn rate of (1/10) / (20/100) = 0.5. Two more late ones keep the target (3 of 12
      // is 25% > 20%, 2 of 11 is 18.2%): one more may miss.
      const p1 = by.get('p1-resolution')!;
      assert.equal(p1.value, 90);
      assert.deepEqual(p1.budget.items, { bad: 1, total: 10, more: 1 });
      assert.ok(Math.abs(p1.budget.left - 0.5) < 1e-12, String(p1.budget.left));
      assert.ok(Math.abs(p1.budget.burnRate - 0.5) < 1e-12, String(p1.budget.burnRate));
      assert.equal(p1.budget.downtime, null);

      // The history gives the same budget for the window that contains now.
      const h = (await t.req('viewer', { method: 'GET', url: '/v1/agreements/budget-fixture/history' })).json() as Json;
      for (const target of h.targets as Json[]) {
        const current = (target.windows as Json[]).find((w) => w.window === '2026-10')!;
        assert.deepEqual(current.budget, by.get(target.target)!.budget, target.target);
      }

      // GET /v1/metrics gives Grafana the same figures as gauges, one series per target's window.
      const m = await t.req('viewer', { method: 'GET', url: '/v1/metrics' });
      assert.equal(m.statusCode, 200, m.body.slice(0, 300));
      const sample = (name: string, labels: string) => {
        const line = m.body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
        assert.ok(line, `${name}{${labels}} in\n${m.body}`);
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      const at = (target: string) => `agreement="budget-fixture",target="${target}",window="2026-10",customer="acme"`;
      assert.equal(sample('pledge_target_value', `${at('uptime')},unit="percent"`), up.value);
      assert.equal(sample('pledge_target_objective', `${at('uptime')},unit="percent",comparator=">="`), 99.9);
      assert.equal(sample('pledge_budget_remaining_ratio', at('uptime')), up.budget.left);
      assert.equal(sample('pledge_budget_burn_rate', at('uptime')), up.budget.burnRate);
      assert.equal(sample('pledge_target_value', `${at('p1-resolution')},unit="percent"`), 90);
      assert.equal(sample('pledge_budget_remaining_ratio', at('p1-resolution')), 0.5);
      assert.equal(sample('pledge_budget_burn_rate', at('p1-resolution')), 0.5);
      for (const name of ['pledge_target_value', 'pledge_target_objective', 'pledge_budget_remaining_ratio', 'pledge_budget_burn_rate'])
        assert.equal(m.body.match(new RegExp(`^# TYPE ${name} gauge$`, 'gm'))?.length, 1, `one TYPE line for ${name}`);
      // The tenant's own agreements only: the demo tenant's are not in this tenant's figures.
      assert.ok(!m.body.includes('agreement="acme-checkout"'), "the demo tenant's agreements are not this tenant's");
    } finally {
      await t.app.close();
    }
  });
});
