/**
 * The live desk: its agreement loads; its tickets' events are valid events and arrive when their
 * instant comes, never before; a ticket is opened every interval up to the cap; a breach is
 * scripted within minutes (what the demo promises a newcomer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreementFromText } from '../core/agreements/load.ts';
import { parseEvent } from '../core/events/parse.ts';
import { LIVE_DESK_AGREEMENT, liveDesk, liveTicketEvents, liveTicketScript } from './live.ts';

test('the agreement loads and routes by its matrix to the demo channels', () => {
  const r = agreementFromText(LIVE_DESK_AGREEMENT, 'live-desk.yaml');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const steps = r.value.spec.support?.escalation ?? [];
  assert.deepEqual(
    steps.map((s) => s.to),
    [['demo-webhook'], ['demo-webhook', 'demo-mail'], ['demo-webhook', 'demo-mail']],
  );
});

test('scripts are deterministic, valid, and a good share of the tickets breach a target', () => {
  let breaches = 0;
  for (let n = 1; n <= 300; n++) {
    const s = liveTicketScript(7, 'run1', n);
    assert.deepEqual(s, liveTicketScript(7, 'run1', n));
    assert.ok(s.resolveAfter > s.respondAfter);
    const limits = s.priority === 'P1' ? [4, 12] : [8, 20];
    if (s.respondAfter > limits[0]! * 60_000 || s.resolveAfter > limits[1]! * 60_000) breaches++;
    for (const e of liveTicketEvents(s, Date.parse('2026-12-05T10:00:00Z'))) {
      const p = parseEvent(e.event);
      assert.ok(p.ok, JSON.stringify(!p.ok && p.issues));
      assert.equal(Date.parse(e.event.at as string), e.at);
    }
  }
  assert.ok(breaches > 75 && breaches < 150, `breaches: ${breaches} of 300`);
});

test('events are stored when their instant comes, a ticket opens every interval, at most maxOpen at once', async () => {
  let now = Date.parse('2026-12-05T03:00:00Z'); // a Saturday night: the desk runs around the clock
  const stored: Array<{ at: number; storedAt: number; ticket: string }> = [];
  const desk = liveDesk({
    clock: { now: () => now, sleep: async () => {} },
    every: 60_000,
    maxOpen: 3,
    ingest: async (events) => {
      for (const e of events) stored.push({ at: Date.parse(e.at as string), storedAt: now, ticket: e.ticket as string });
      return { refused: [] };
    },
  });
  const start = now;
  for (let s = 0; s <= 30 * 60; s += 15) {
    now = start + s * 1000;
    await desk.tick();
  }
  assert.ok(stored.length > 0);
  for (const e of stored) {
    assert.ok(e.at <= e.storedAt, 'never ahead of its instant');
    assert.ok(e.storedAt - e.at < 15_000, 'stored at the first tick after it');
  }
  const tickets = [...new Set(stored.map((e) => e.ticket))];
  assert.equal(stored.filter((e) => e.at === start).length, 1, 'the first ticket opens at once');
  // With at most 3 open, 31 minutes of 1-minute intervals open fewer than 31 tickets.
  assert.ok(tickets.length >= 3 && tickets.length < 31, `${tickets.length} tickets`);
  // Every ticket opened is eventually answered and resolved (3 events each) once its time has come.
  now = start + 3 * 3_600_000;
  await desk.tick();
  const perTicket = new Map<string, number>();
  for (const e of stored) perTicket.set(e.ticket, (perTicket.get(e.ticket) ?? 0) + 1);
  for (const [t, k] of perTicket) if (t !== [...perTicket.keys()].at(-1)) assert.equal(k, 3, t);
});
