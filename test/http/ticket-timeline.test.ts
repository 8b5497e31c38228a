/**
 * GET /v1/tickets/{ticket} answers each clock's timeline (segments: counted, paused with why,
 * outside working hours, stopped), recomputed from the ticket's events as of the stored clock:
 * the segments cover the clock from its start, follow each other, and their counted time adds up
 * to the stored elapsed time. On a business-hours calendar the nights and weekends are there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeDemo, globexTicket, openDemo, type DemoTenant } from './demo-tenant.ts';
import type { TestStore } from './helpers.ts';

let d: { ts: TestStore; t: DemoTenant };
before(async () => {
  d = await openDemo();
});
after(async () => {
  await closeDemo(d);
});

type Seg = { from: string; to: string; kind: string; countedMs: number; reason: string };

describe("a ticket's clock timelines", () => {
  test('every clock has a timeline that starts at its start, is contiguous, and counts its elapsed time; business hours show their nights', async () => {
    const page = await d.ts.store.queryEvents(d.t.tenant, { customer: 'globex', typePrefix: 'ticket.created', limit: 200 });
    let checked = 0;
    let outside = 0;
    for (const e of page.items.slice(0, 40)) {
      const r = await d.t.req('viewer', {
        method: 'GET',
        url: `/v1/tickets/${encodeURIComponent(e.ticket!)}?source=${encodeURIComponent(e.source)}`,
      });
      assert.equal(r.statusCode, 200, r.body.slice(0, 300));
      for (const c of r.json().clocks as Array<{ start: string; elapsedMs: number; timeline?: Seg[]; target: string }>) {
        assert.ok(c.timeline && c.timeline.length > 0, `${e.ticket} ${c.target} has a timeline`);
        assert.equal(c.timeline[0]!.from, c.start);
        for (let i = 1; i < c.timeline.length; i++) assert.equal(c.timeline[i]!.from, c.timeline[i - 1]!.to, 'contiguous');
        assert.equal(
          c.timeline.reduce((n, s) => n + s.countedMs, 0),
          c.elapsedMs,
          `${e.ticket} ${c.target}: counted segments add up to the elapsed time`,
        );
        outside += c.timeline.filter((s) => s.kind === 'outside_hours').length;
        checked++;
      }
    }
    assert.ok(checked > 10, `${checked} clocks checked`);
    assert.ok(outside > 0, "globex's e-mail service runs on office hours: some time is outside them");
    // A customer's own ticket comes with its timelines too.
    const own = await globexTicket(d.ts.store, d.t.tenant);
    const token = await d.t.token('customer', { customer: 'globex', user: 'globex-portal' });
    const r = await d.t.req({ secret: token }, { method: 'GET', url: `/v1/tickets/${encodeURIComponent(own)}` });
    assert.equal(r.statusCode, 200);
  });
});
