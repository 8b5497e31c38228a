/**
 * The normal path of the read routes over derived results (effective terms, compliance,
 * settlements, tickets, portfolio checks), on the demo data set in a real SQLite store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { event, T0, type TestStore } from './helpers.ts';
import { acmeTicket, closeDemo, demoTenant, openDemo, type DemoTenant } from './demo-tenant.ts';

let ts: TestStore;
let t: DemoTenant;
before(async () => ({ ts, t } = await openDemo()));
after(() => closeDemo({ ts, t }));

const get = (url: string, as: Parameters<DemoTenant['req']>[0] = 'viewer') => t.req(as, { method: 'GET', url });

type Item = { agreement: string; target?: string; window?: string; period?: string };

/** Every item of a list route, following `next`. */
async function all(url: string, as: Parameters<DemoTenant['req']>[0] = 'viewer', limit = 1000): Promise<Item[]> {
  const out: Item[] = [];
  let next: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const sep = url.includes('?') ? '&' : '?';
    const r = await get(`${url}${sep}limit=${limit}${next ? `&after=${encodeURIComponent(next)}` : ''}`, as);
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    out.push(...r.json().items);
    next = r.json().next;
    if (!next) return out;
  }
  throw new Error('too many pages');
}

describe('effective terms', () => {
  test('a service-level agreement merged onto its customer and corporate parents, with provenance', async () => {
    const r = await get('/v1/agreements/globex-email/effective');
    assert.equal(r.statusCode, 200, r.body);
    const b = r.json();
    assert.equal(b.agreement, 'globex-email');
    assert.equal(b.customer, 'globex');
    assert.equal(b.service, 'email');
    assert.deepEqual(b.chain, [
      { id: 'northwind-corporate', level: 'corporate' },
      { id: 'globex-enterprise', level: 'customer' },
      { id: 'globex-email', level: 'service' },
    ]);
    assert.equal(b.terms.id, 'globex-email');
    assert.ok(Array.isArray(b.terms.targets) && b.terms.targets.length > 0);
    // Terms come from more than one level, and each provenance entry names a level of the chain.
    const levels = new Set(b.provenance.map((p: { level: string }) => p.level));
    assert.ok(levels.has('corporate') && levels.has('service'), `levels: ${[...levels].join(', ')}`);
    for (const p of b.provenance) {
      assert.equal(typeof p.path, 'string');
      assert.ok(
        b.chain.some((c: { id: string; level: string }) => c.id === p.agreement && c.level === p.level),
        JSON.stringify(p),
      );
    }
  });

  test('an agreement without parents is its own effective terms; its customer may read them', async () => {
    const r = await get('/v1/agreements/acme-checkout/effective', 'customer');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().chain, [{ id: 'acme-checkout', level: r.json().terms.level }]);
    assert.ok(r.json().provenance.every((p: { agreement: string }) => p.agreement === 'acme-checkout'));
  });
});

describe('compliance', () => {
  test('the first read computes the results; the list is paginated and filtered', async () => {
    assert.equal(await ts.store.getDerivedWatermark(t.tenant), 0);
    const everything = await all('/v1/compliance');
    assert.ok(everything.length > 10, `${everything.length} results`);
    assert.equal(await ts.store.getDerivedWatermark(t.tenant), await ts.store.lastEventSeq(t.tenant), 'brought up to date');
    const first = await get('/v1/compliance?limit=1');
    const item = first.json().items[0];
    assert.ok(item.agreement && item.target && item.window && item.updatedAt && item.result, JSON.stringify(item).slice(0, 200));
    assert.equal(item.updatedAt, new Date(T0).toISOString());
    // Small pages give the same rows in the same order.
    assert.deepEqual(await all('/v1/compliance', 'viewer', 7), everything);
    // Filters.
    const acme = await all('/v1/compliance?agreement=acme-checkout');
    assert.ok(acme.length > 0 && acme.every((i) => i.agreement === 'acme-checkout'));
    assert.deepEqual(
      acme,
      everything.filter((i) => i.agreement === 'acme-checkout'),
    );
    const aug = await all('/v1/compliance?window=2026-08');
    assert.ok(aug.length > 0);
    assert.deepEqual(
      aug,
      everything.filter((i) => i.window === '2026-08'),
    );
    assert.deepEqual(await all('/v1/compliance?window=2026-08', 'viewer', 2), aug, 'a filter the store does not know pages correctly');
    const uptime = await all('/v1/compliance?agreement=acme-checkout&target=uptime&window=2026-08');
    assert.equal(uptime.length, 1);
    assert.deepEqual(await all('/v1/compliance?window=1999-01'), []);
  });

  test('per agreement, the same rows as the filtered list', async () => {
    const one = await all('/v1/agreements/acme-checkout/compliance');
    assert.deepEqual(one, await all('/v1/compliance?agreement=acme-checkout'));
    const w = await all('/v1/agreements/acme-checkout/compliance?window=2026-07&target=uptime');
    assert.equal(w.length, 1);
    assert.equal(w[0]!.window, '2026-07');
  });

  test("a customer sees only its own agreements' results", async () => {
    const mine = await all('/v1/compliance', 'customer', 5);
    assert.ok(mine.length > 0);
    assert.ok(
      mine.every((i) => i.agreement === 'acme-checkout'),
      [...new Set(mine.map((i) => i.agreement))].join(', '),
    );
    assert.deepEqual(mine, await all('/v1/agreements/acme-checkout/compliance', 'customer'));
  });
});

describe('settlements', () => {
  test('listed per agreement and period, and one period by its label', async () => {
    const everything = await all('/v1/settlements');
    assert.ok(everything.length > 0);
    const acme = await all('/v1/settlements?agreement=acme-checkout', 'viewer', 2);
    assert.deepEqual(
      acme,
      everything.filter((i) => i.agreement === 'acme-checkout'),
    );
    const period = acme.find((i) => i.period === '2026-08');
    assert.ok(period, 'a settlement for 2026-08');
    const one = await get('/v1/agreements/acme-checkout/settlements/2026-08', 'customer');
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(one.json().period, '2026-08');
    assert.equal(one.json().settlement.agreementId, 'acme-checkout');
    const none = await get('/v1/agreements/acme-checkout/settlements/1999-01');
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().code, 'not_found');
    const mine = await all('/v1/settlements', 'customer');
    assert.deepEqual(mine, acme, 'a customer lists only its own');
  });
});

describe('tickets', () => {
  test("a ticket's events and its clocks with state and deadline", async () => {
    const ticket = await acmeTicket(ts.store, t.tenant);
    const r = await get(`/v1/tickets/${encodeURIComponent(ticket)}`, 'agent');
    assert.equal(r.statusCode, 200, r.body);
    const b = r.json();
    assert.equal(b.ticket, ticket);
    assert.equal(b.customer, 'acme');
    assert.deepEqual(
      b.events.map((e: { id: string }) => e.id),
      (await ts.store.ticketEvents(t.tenant, '', ticket)).map((e) => e.id),
    );
    assert.ok(
      b.clocks.some((c: { agreement: string }) => c.agreement === 'acme-checkout'),
      'clocks of acme-checkout',
    );
    assert.ok(
      new Set(b.clocks.map((c: { agreement: string }) => c.agreement)).size > 1,
      'clocks across agreements (the OLAs measure the ticket too)',
    );
    for (const c of b.clocks) {
      assert.ok(t.seed.agreements.includes(c.agreement), c.agreement);
      assert.equal(typeof c.state, 'string');
      assert.ok(c.deadline === null || !Number.isNaN(Date.parse(c.deadline)), `deadline ${c.deadline}`);
      assert.ok(!Number.isNaN(Date.parse(c.start)));
    }
    // The customer sees its own ticket, and only the clocks of its own agreements (not the
    // provider-internal corporate agreement's).
    const mine = await get(`/v1/tickets/${encodeURIComponent(ticket)}`, 'customer');
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().events.length, b.events.length);
    assert.deepEqual(
      mine.json().clocks,
      b.clocks.filter((c: { agreement: string }) => c.agreement === 'acme-checkout'),
    );
    const none = await get('/v1/tickets/no-such-ticket');
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().code, 'not_found');
  });
});

describe('portfolio checks', () => {
  test('the demo portfolio passes; counts, severity filter and event pairs', async () => {
    const r = await get('/v1/checks', 'auditor');
    assert.equal(r.statusCode, 200, r.body);
    const b = r.json();
    assert.equal(b.ok, true, JSON.stringify(b.findings.filter((f: { severity: string }) => f.severity === 'problem')));
    assert.equal(b.agreements, t.seed.agreements.length);
    assert.equal(b.counts.problem + b.counts.note + b.counts.ok, b.findings.length);
    assert.ok(b.findings.some((f: { kind: string; customer?: string }) => f.kind === 'fits' && f.customer === 'acme'));
    assert.deepEqual(b.unreadable, []);
    const problems = await get('/v1/checks?severity=problem');
    assert.deepEqual(problems.json().findings, []);
    // With events=true, the (customer, service) pairs of stored events are checked too (here the
    // corporate agreement covers any pair).
    const posted = await t.req('agent', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([event('pair-1', { customer: 'hooli', service: 'search' })]),
    });
    assert.equal(posted.statusCode, 200, posted.body);
    const hooli = (f: { customer?: string; service?: string }) => f.customer === 'hooli' && f.service === 'search';
    assert.ok(!(await get('/v1/checks')).json().findings.some(hooli), 'without events=true the event pairs do not count');
    const withEvents = (await get('/v1/checks?events=true')).json();
    const found = withEvents.findings.find(hooli);
    assert.ok(found, JSON.stringify(withEvents.findings.map((f: { message: string }) => f.message)));
    assert.equal(found.kind, 'fits');
    assert.match(found.message, /northwind-corporate/);
  });
});

describe('freshness', () => {
  test('results are recomputed when events arrived since they were computed', async () => {
    const d = await demoTenant(ts.store);
    try {
      const before = await d.req('viewer', { method: 'GET', url: '/v1/settlements?agreement=acme-checkout' });
      assert.equal(before.statusCode, 200);
      const seq = await ts.store.lastEventSeq(d.tenant);
      assert.equal(await ts.store.getDerivedWatermark(d.tenant), seq);
      // A new ticket for acme arrives; the next read includes its clocks.
      d.clock.now = T0 + 3_600_000;
      const evs = [
        {
          id: 'fresh-1',
          type: 'ticket.created',
          source: 'desk',
          at: '2026-09-29T09:00:00Z',
          ticket: 'FRESH-1',
          service: 'checkout',
          customer: 'acme',
          priority: 'P1',
          status: 'new',
        },
      ];
      const posted = await d.req('agent', {
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(evs),
      });
      assert.equal(posted.json().accepted, 1, posted.body);
      assert.ok((await ts.store.getDerivedWatermark(d.tenant)) < (await ts.store.lastEventSeq(d.tenant)));
      const ticket = await d.req('customer', { method: 'GET', url: '/v1/tickets/FRESH-1' });
      assert.equal(ticket.statusCode, 200, ticket.body);
      assert.ok(ticket.json().clocks.length > 0, 'clocks computed for the new ticket');
      assert.ok(ticket.json().clocks.every((c: { updatedAt: string }) => c.updatedAt === new Date(T0 + 3_600_000).toISOString()));
      assert.equal(await ts.store.getDerivedWatermark(d.tenant), await ts.store.lastEventSeq(d.tenant));
      // Concurrent reads after new events share one rebuild and all answer.
      await d.req('agent', {
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify([
          { ...evs[0], id: 'fresh-2', type: 'ticket.responded', at: '2026-09-29T09:10:00Z', priority: undefined, status: undefined },
        ]),
      });
      const answers = await Promise.all(
        ['/v1/compliance?limit=5', '/v1/settlements?limit=5', '/v1/tickets/FRESH-1', '/v1/agreements/acme-checkout/compliance?limit=5'].map(
          (url) => d.req('viewer', { method: 'GET', url }),
        ),
      );
      for (const a of answers) assert.equal(a.statusCode, 200, a.body.slice(0, 300));
      assert.equal(await ts.store.getDerivedWatermark(d.tenant), await ts.store.lastEventSeq(d.tenant));
    } finally {
      await d.app.close();
    }
  });
});

describe('documentation', () => {
  test('the new routes are in the OpenAPI document with their parameters', async () => {
    const doc = (await t.req(null, { method: 'GET', url: '/openapi.json' })).json();
    const paths: Array<[string, string[]]> = [
      ['/v1/agreements/{id}/effective', ['id']],
      ['/v1/compliance', ['after', 'agreement', 'limit', 'target', 'window']],
      ['/v1/agreements/{id}/compliance', ['after', 'id', 'limit', 'target', 'window']],
      ['/v1/settlements', ['after', 'agreement', 'limit']],
      ['/v1/agreements/{id}/settlements/{period}', ['id', 'period']],
      ['/v1/tickets/{ticket}', ['source', 'ticket']],
      ['/v1/checks', ['events', 'severity']],
    ];
    for (const [path, params] of paths) {
      const op = doc.paths[path]?.get;
      assert.ok(op, `GET ${path} documented`);
      assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), params, path);
      assert.ok(op['x-pledge-action'], path);
    }
  });
});
