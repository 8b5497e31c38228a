import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTicketEvents, generateAvailabilityEvents, generateKpiEvents } from './generate.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import { unwrap, formatIssue } from '../core/validation/issues.ts';
import { parseEvent } from '../core/events/parse.ts';

const cal = unwrap(
  compileCalendar({
    timezone: 'Europe/Berlin',
    hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
  }),
);
const from = Date.parse('2026-10-01T00:00:00+02:00');
const to = Date.parse('2026-11-01T00:00:00+01:00');

test('generated events are valid events, with unique ids, and the same for the same seed', () => {
  const a = [
    ...generateTicketEvents({ seed: 7, from, to, calendar: cal }),
    ...generateAvailabilityEvents({ seed: 7, from, to, service: 'checkout' }),
    ...generateKpiEvents({ seed: 7, months: [{ at: to - 1000, label: '2026-10' }] }),
  ];
  for (const e of a) {
    const r = parseEvent(e);
    assert.ok(r.ok, r.ok ? '' : r.issues.map(formatIssue).join('; '));
  }
  assert.equal(new Set(a.map((e) => e.id)).size, a.length);
  const b = generateTicketEvents({ seed: 7, from, to, calendar: cal });
  assert.deepEqual(
    b,
    a.filter((e) => 'ticket' in e),
  );
  assert.notDeepEqual(generateTicketEvents({ seed: 8, from, to, calendar: cal }), b);
});

test('the ticket mix has what the demo needs to show: pauses, reopenings, self-service, ratings', () => {
  const evs = generateTicketEvents({ seed: 1, from, to, calendar: cal });
  const types = new Map<string, number>();
  for (const e of evs) types.set(e.type, (types.get(e.type) ?? 0) + 1);
  const created = types.get('ticket.created') ?? 0;
  assert.ok(created >= 150, `tickets: ${created}`); // 22 working days x 8
  for (const t of ['ticket.reopened', 'ticket.escalated', 'ticket.priority_changed', 'ticket.satisfaction', 'ticket.assigned'])
    assert.ok((types.get(t) ?? 0) > 0, t);
  assert.ok(evs.some((e) => e.type === 'ticket.status_changed' && e.status === 'waiting_on_customer'));
  assert.ok(evs.some((e) => e.type === 'ticket.resolved' && e.by === 'customer'));
});
