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

  test('an id two desks share: 400 naming the field and the desks in details.sources; either desk by ?source=', async () => {
    const events = ['zendesk', 'jira'].flatMap((source) => [
      {
        source,
        ticket: 'DUP-1',
        id: `dup-${source}-c`,
        type: 'ticket.created',
        at: '2026-10-01T06:00:00Z',
        service: 'checkout',
        customer: 'acme',
        priority: 'P3',
      },
    ]);
    const posted = await d.t.req('agent', {
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(events),
    });
    assert.equal(posted.json().accepted, 2, posted.body);
    const r = await d.t.req('viewer', { method: 'GET', url: '/v1/tickets/DUP-1' });
    assert.equal(r.statusCode, 400, r.body);
    const body = r.json();
    assert.equal(body.details.in, 'query');
    assert.equal(body.details.issues[0].path, 'source');
    assert.deepEqual([...body.details.sources].sort(), ['jira', 'zendesk']);
    for (const source of ['jira', 'zendesk']) {
      const one = await d.t.req('viewer', { method: 'GET', url: `/v1/tickets/DUP-1?source=${source}` });
      assert.equal(one.statusCode, 200, one.body.slice(0, 300));
      assert.equal(one.json().source, source);
    }
  });
});
