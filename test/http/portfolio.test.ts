/**
 * GET /v1/portfolio (src/app/portfolio.ts) on the demo data: every agreement with its targets'
 * current windows, its health, and what its latest period owes, checked against the stored results
 * read another way (the full compliance and settlement listings); totals that add up; a customer's
 * view; filters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import type { TestStore } from './helpers.ts';

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
    assert.ok(
      p.agreements.some((a: Json) => a.health === 'breached'),
      'the demo has breaches',
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
