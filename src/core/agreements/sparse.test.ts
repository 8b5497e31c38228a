/**
 * Ticket events in the documented form: docs/events.md shows follow-ups (`ticket.responded`,
 * `ticket.status_changed`...) with the ticket id only, not repeating the service or customer.
 * Measuring must not depend on whether a sender repeats them: a ticket's scope comes from its own
 * history. These tests once failed: follow-ups without `service` were dropped, so clocks never
 * stopped, every ticket breached, and tickets resolved, first-contact resolution and escalation
 * rate came out 0.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEvents, loadTerms } from '../../app/settle.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';
import { resolveWindow, windowsCovering } from '../metrics/window.ts';
import { unwrap } from '../validation/issues.ts';
import { agreementFromText } from './load.ts';
import { evaluateAgreement, eventsOf } from './evaluate.ts';
import { settlePeriods } from './settlement.ts';
import type { AgreementSpec } from './schema.ts';

const ex = (p: string) => fileURLToPath(new URL(`../../../examples/${p}`, import.meta.url));
const SCOPE = ['service', 'customer', 'region'] as const;

/** The events with every ticket follow-up stripped of its scope (sparse), or given its ticket's (dense). */
function reshape(events: readonly Timed[], form: 'sparse' | 'dense'): Timed[] {
  const created = new Map<string, Timed>();
  for (const e of events) if (e.type === 'ticket.created') created.set(`${e.source ?? ''}|${e.ticket}`, e);
  return events.map((e) => {
    if (!('ticket' in e) || e.type === 'ticket.created') return e;
    const c = created.get(`${e.source ?? ''}|${e.ticket}`) as Record<string, unknown> | undefined;
    const copy: Record<string, unknown> = { ...e };
    for (const k of SCOPE) {
      if (form === 'sparse') delete copy[k];
      else if (c?.[k] !== undefined) copy[k] = c[k];
    }
    return copy as Timed;
  });
}

describe('the documented sparse form measures the same as events that repeat their scope', () => {
  const portfolio = unwrap(loadEvents(ex('events/portfolio-2026-h2.ndjson')));
  const sparse = reshape(portfolio, 'sparse');
  const dense = reshape(portfolio, 'dense');
  const files = readdirSync(ex('agreements'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  test('the example events hold both forms of follow-up (the comparison compares something)', () => {
    const followUps = (evs: Timed[]) => evs.filter((e) => 'ticket' in e && e.type !== 'ticket.created');
    assert.ok(followUps(sparse).length > 2000);
    assert.ok(followUps(sparse).every((e) => e.service === undefined && e.customer === undefined));
    assert.ok(followUps(dense).every((e) => e.service !== undefined));
  });

  for (const file of files) {
    test(`${file}: every billing month of the example half-year settles the same`, () => {
      const { terms, calendars, zone } = unwrap(loadTerms(ex(`agreements/${file}`)));
      const months = unwrap(windowsCovering('month', Date.UTC(2026, 6, 1), Date.UTC(2027, 0, 1), zone)).map((w) =>
        unwrap(resolveWindow(w, zone)),
      );
      const now = Date.UTC(2027, 0, 15);
      const a = settlePeriods({ terms, calendars, events: sparse, periods: months, now });
      const b = settlePeriods({ terms, calendars, events: dense, periods: months, now });
      // The events themselves differ (their fields); every figure, list and amount must not.
      assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
      assert.equal(eventsOf(terms, sparse).length, eventsOf(terms, dense).length);
    });
  }
});

describe('a ticket measured from follow-ups that name only the ticket', () => {
  const day = ['09:00-17:00'];
  const office = unwrap(compileCalendar({ timezone: 'Europe/Berlin', hours: { mon: day, tue: day, wed: day, thu: day, fri: day } }));
  const calendars = new Map([['office', office]]);
  const terms = unwrap(
    agreementFromText(
      JSON.stringify({
        id: 'desk',
        name: 'Desk',
        kind: 'sla',
        parties: { provider: { id: 'p', name: 'P' }, customer: { id: 'acme', name: 'Acme' } },
        services: ['email'],
        calendars: { office: 'office.yaml' },
        targets: [
          { id: 'response', metric: 'response_time', value: 90, window: 'month', calendar: 'office', clock: { duration: '4h' } },
          {
            id: 'resolution',
            metric: 'resolution_time',
            value: 90,
            window: 'month',
            calendar: 'office',
            clock: { duration: '2wd', pauseOn: ['waiting_on_customer'] },
          },
          { id: 'resolved', metric: 'tickets_resolved', value: 1, window: 'month' },
          { id: 'fcr', metric: 'first_contact_resolution', value: 50, window: 'month' },
          { id: 'escalations', metric: 'escalation_rate', value: 50, window: 'month', comparator: '<=' },
        ],
      }),
      'desk.json',
    ),
  ).spec as AgreementSpec;
  const ev = (e: Record<string, unknown>) => unwrap(parseEvent(e));
  const events = [
    // T-1: answered and resolved on the first contact.
    ev({
      id: '1',
      type: 'ticket.created',
      ticket: 'T-1',
      at: '2026-11-02T09:00:00+01:00',
      service: 'email',
      customer: 'acme',
      priority: 'P2',
    }),
    ev({ id: '2', type: 'ticket.contact', ticket: 'T-1', at: '2026-11-02T09:00:00+01:00', direction: 'in' }),
    ev({ id: '3', type: 'ticket.responded', ticket: 'T-1', at: '2026-11-02T10:00:00+01:00' }),
    ev({ id: '4', type: 'ticket.resolved', ticket: 'T-1', at: '2026-11-02T11:00:00+01:00' }),
    // T-2: escalated, resolved the next day.
    ev({
      id: '5',
      type: 'ticket.created',
      ticket: 'T-2',
      at: '2026-11-03T09:00:00+01:00',
      service: 'email',
      customer: 'acme',
      priority: 'P2',
    }),
    ev({ id: '6', type: 'ticket.responded', ticket: 'T-2', at: '2026-11-03T09:30:00+01:00' }),
    ev({ id: '7', type: 'ticket.escalated', ticket: 'T-2', at: '2026-11-03T10:00:00+01:00', level: 1 }),
    ev({ id: '8', type: 'ticket.resolved', ticket: 'T-2', at: '2026-11-04T10:00:00+01:00' }),
    // Another customer's ticket of the service, and another service's: not this agreement's.
    ev({ id: '9', type: 'ticket.created', ticket: 'T-3', at: '2026-11-03T09:00:00+01:00', service: 'email', customer: 'globex' }),
    ev({ id: '10', type: 'ticket.resolved', ticket: 'T-3', at: '2026-11-03T09:10:00+01:00' }),
    ev({ id: '11', type: 'ticket.created', ticket: 'T-4', at: '2026-11-03T09:00:00+01:00', service: 'printers', customer: 'acme' }),
    ev({ id: '12', type: 'ticket.resolved', ticket: 'T-4', at: '2026-11-03T09:10:00+01:00' }),
  ];
  const window = unwrap(resolveWindow({ kind: 'month', year: 2026, index: 11 }, 'Europe/Berlin'));

  test('clocks stop, and tickets resolved, first-contact resolution and escalation rate count them', () => {
    const r = evaluateAgreement({ terms, calendars, events, window, now: Date.parse('2026-12-01T00:00:00+01:00') });
    const by = Object.fromEntries(r.targets.map((t) => [t.target.id, t.evaluation!]));
    assert.deepEqual([by.response!.state, by.response!.value, by.response!.contributors], ['met', 100, ['T-1', 'T-2']]);
    assert.deepEqual([by.resolution!.state, by.resolution!.value, by.resolution!.contributors], ['met', 100, ['T-1', 'T-2']]);
    assert.deepEqual([by.resolved!.value, by.resolved!.contributors], [2, ['T-1', 'T-2']]);
    assert.deepEqual([by.fcr!.value, by.fcr!.measurement.numerator], [50, ['T-1']]);
    assert.deepEqual([by.escalations!.value, by.escalations!.measurement.numerator], [50, ['T-2']]);
    assert.deepEqual(
      r.targets.flatMap((t) => t.breachedTickets),
      [],
    );
  });

  test("two desks' tickets with one number are two tickets, never merged", () => {
    const of = (e: Timed) => (e as { ticket?: string }).ticket;
    const desks = events
      .filter((e) => of(e) === 'T-1' || of(e) === 'T-2')
      .map((e) => ({ ...e, ticket: '1001', source: of(e) === 'T-1' ? 'zendesk' : 'jira' }) as Timed);
    const r = evaluateAgreement({ terms, calendars, events: desks, window, now: Date.parse('2026-12-01T00:00:00+01:00') });
    const by = Object.fromEntries(r.targets.map((t) => [t.target.id, t.evaluation!]));
    assert.deepEqual(by.resolved!.contributors, ['zendesk:1001', 'jira:1001']);
    assert.deepEqual(by.response!.contributors, ['zendesk:1001', 'jira:1001']);
    assert.deepEqual([by.fcr!.value, by.escalations!.value], [50, 50]);
  });
});
