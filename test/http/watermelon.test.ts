/**
 * GET /v1/watermelon (src/app/watermelon.ts) on the demo data: the SLA's verdict beside CSAT,
 * reopen rate and time waited, per customer and service; "SLA met, customers unhappy" flagged
 * with its reasons; thresholds; a customer's own rows only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import type { TestStore } from './helpers.ts';

type Row = Record<string, any>;
let d: { ts: TestStore; t: DemoTenant };
before(async () => {
  d = await openDemo();
  // October so far (the demo's now is 2026-10-01T08:00Z): acme's checkout SLA is met. Three P3
  // tickets there, resolved in 2 hours each, rated 1 of 5; one reopened and resolved again.
  const events: Array<Record<string, unknown>> = [];
  for (const n of [1, 2, 3]) {
    const ticket = `wm-${n}`;
    const base = { source: 'desk', ticket, service: 'checkout', customer: 'acme' };
    events.push(
      { ...base, id: `${ticket}-c`, type: 'ticket.created', at: '2026-10-01T01:00:00Z', priority: 'P3' },
      { ...base, id: `${ticket}-r`, type: 'ticket.resolved', at: '2026-10-01T03:00:00Z' },
      { ...base, id: `${ticket}-s`, type: 'ticket.satisfaction', at: '2026-10-01T03:30:00Z', score: 1, scale: 5 },
    );
  }
  events.push(
    { source: 'desk', ticket: 'wm-3', id: 'wm-3-o', type: 'ticket.reopened', at: '2026-10-01T04:00:00Z' },
    { source: 'desk', ticket: 'wm-3', id: 'wm-3-r2', type: 'ticket.resolved', at: '2026-10-01T05:00:00Z' },
  );
  const r = await d.t.req('agent', {
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(events),
  });
  assert.ok(r.statusCode < 300, r.body);
});
after(async () => {
  await closeDemo(d);
});

const get = async (as: Parameters<DemoTenant['req']>[0], url: string) => {
  const r = await d.t.req(as, { method: 'GET', url });
  assert.equal(r.statusCode, 200, r.body.slice(0, 400));
  return r.json() as { period: Row; thresholds: Row; rows: Row[] };
};

describe('the watermelon view', () => {
  test('SLA met while customers rate it badly and tickets come back: flagged, with the reasons and the figures behind them', async () => {
    const w = await get('viewer', '/v1/watermelon?period=2026-10');
    assert.deepEqual(w.thresholds, { csatBelow: 80, reopenAbove: 10 });
    const acme = w.rows.find((r) => r.customer === 'acme' && r.service === 'checkout')!;
    assert.equal(acme.sla, 'met');
    assert.deepEqual(acme.agreements, ['acme-checkout']);
    assert.deepEqual(acme.tickets, { created: 3, resolved: 3, reopened: 1 });
    assert.equal(acme.ratings, 3);
    assert.equal(acme.csat, 0);
    assert.equal(acme.meanRating, 20);
    assert.equal(acme.reopenRate, 33.3);
    // Two hours each, the reopened one four (created 01:00, last resolved 05:00).
    assert.deepEqual(acme.waitedHours, { median: 2, p90: 4 });
    assert.equal(acme.watermelon, true);
    // Each reason a code with its figures (the web app says it in its own language), and in English.
    assert.deepEqual(acme.why, [
      { code: 'csat_below', params: { csat: 0, csatBelow: 80 }, message: 'CSAT 0% is below 80%' },
      {
        code: 'reopen_above',
        params: { reopenRate: 33.3, reopenAbove: 10 },
        message: '33.3% of resolved tickets were reopened (over 10%)',
      },
    ]);
    // A breached SLA is red already: never a watermelon.
    for (const r of w.rows) if (r.sla !== 'met') assert.equal(r.watermelon, false, `${r.customer}/${r.service}`);
  });

  test("thresholds move the flag; September flags the demo's own watermelon; a customer sees its own rows", async () => {
    const lenient = await get('viewer', '/v1/watermelon?period=2026-10&csatBelow=0&reopenAbove=50');
    assert.equal(lenient.rows.find((r) => r.customer === 'acme')!.watermelon, false);
    const onlyReopens = await get('viewer', '/v1/watermelon?period=2026-10&csatBelow=0');
    assert.deepEqual(
      onlyReopens.rows.find((r) => r.customer === 'acme')!.why.map((x: Row) => [x.code, x.params]),
      [['reopen_above', { reopenRate: 33.3, reopenAbove: 10 }]],
    );
    const sept = await get('viewer', '/v1/watermelon?period=2026-09');
    assert.ok(sept.rows.some((r) => r.tickets.resolved > 0 && r.csat !== null));
    // The demo's watermelon (src/demo/seed.ts): Umbrella's PBX SLA met, its users unhappy; the breached SLAs are not flagged.
    assert.deepEqual(
      sept.rows.filter((r) => r.watermelon).map((r) => [r.customer, r.service, r.sla, r.why.map((x: Row) => x.code)]),
      [['umbrella', 'cloud-pbx', 'met', ['csat_below']]],
    );
    const mine = await get('customer', '/v1/watermelon?period=2026-10');
    assert.ok(mine.rows.length > 0);
    for (const r of mine.rows) assert.equal(r.customer, 'acme');
    for (const url of [
      '/v1/watermelon',
      '/v1/watermelon?period=2026-10-05',
      '/v1/watermelon?period=2026-10&csatBelow=101',
      '/v1/watermelon?period=2026-10&zone=Mars/Base',
    ])
      assert.equal((await d.t.req('viewer', { method: 'GET', url })).statusCode, 400, url);
  });
});
