/**
 * The ticket book must give exactly what evaluating every ticket as of the instant gives: measured
 * with and without it, every example agreement with time targets, over every month of the example
 * events, as of several instants (the window's end, inside it, and later), must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadEvents, loadTerms } from '../../app/settle.ts';
import { unwrap } from '../validation/issues.ts';
import { resolveWindow, windowsCovering } from '../metrics/window.ts';
import { clockTargetsOf, evaluateAgreement, eventsOf } from './evaluate.ts';
import { mutableTicketBook, ticketBook } from './tickets.ts';
import { ticketKey } from '../clock/tickets.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { settlePeriods } from './settlement.ts';

const ex = (p: string) => fileURLToPath(new URL(`../../../examples/${p}`, import.meta.url));
const events = unwrap(loadEvents(ex('events/portfolio-2026-h2.ndjson')));
const DAY = 86_400_000;

const FILES = ['sla-checkout.yaml', 'printer-support.yaml', 'ola-service-desk.yaml', 'enterprise-email-service.yaml'];

for (const file of FILES) {
  test(`${file}: measured with the ticket book equals measuring every ticket afresh`, () => {
    const { terms, calendars, zone } = unwrap(loadTerms(ex(`agreements/${file}`)));
    const mine = eventsOf(terms, events);
    const targets = clockTargetsOf(terms, calendars);
    assert.ok(targets.length > 0, 'the agreement has time targets');
    const book = ticketBook(mine, targets);
    assert.ok(book.size > 10, 'the example events hold tickets for it');
    const months = unwrap(windowsCovering('month', Date.UTC(2026, 6, 1), Date.UTC(2027, 0, 1), zone)).map((w) =>
      unwrap(resolveWindow(w, zone)),
    );
    let compared = 0;
    for (const w of months) {
      // As of the end, the middle and long after the window; the same instant twice (the cached answer).
      for (const now of [w.to, w.from + 10 * DAY, w.to + 40 * DAY, w.to]) {
        const plain = evaluateAgreement({ terms, calendars, events, window: w, now });
        const booked = evaluateAgreement({ terms, calendars, events: mine, window: w, now, book, measured: true });
        assert.deepEqual(booked, plain, `${w.label} as of ${new Date(now).toISOString()}`);
        compared++;
      }
    }
    assert.ok(months.length >= 6);
    assert.equal(compared, months.length * 4);
  });
}

test('settling with a book built by the caller equals settling without one', () => {
  const { terms, calendars, zone } = unwrap(loadTerms(ex('agreements/sla-checkout.yaml')));
  const periods = unwrap(windowsCovering('month', Date.UTC(2026, 6, 1), Date.UTC(2027, 0, 1), zone)).map((w) =>
    unwrap(resolveWindow(w, zone)),
  );
  const now = Date.UTC(2026, 11, 15);
  const book = ticketBook(eventsOf(terms, events), clockTargetsOf(terms, calendars));
  assert.deepEqual(
    settlePeriods({ terms, calendars, events, periods, now, book }),
    settlePeriods({ terms, calendars, events, periods, now }),
  );
});

test('a ticket as of an instant before its first event does not exist yet; a finished one is evaluated once', () => {
  const { terms, calendars } = unwrap(loadTerms(ex('agreements/sla-checkout.yaml')));
  const mine = eventsOf(terms, events).filter((e) => 'ticket' in e);
  const book = ticketBook(mine, clockTargetsOf(terms, calendars));
  const first = Math.min(...mine.map((e) => e.atMs));
  assert.deepEqual(book.at(first - 1), { clocks: [], tickets: [] });
  const late = Date.UTC(2027, 6, 1);
  const a = book.evaluations(late);
  const b = book.evaluations(late + DAY);
  // Finished tickets come back as the very same evaluation object; running ones are recomputed.
  const same = a.filter((r, i) => r === b[i]).length;
  const finished = a.filter((r) => r.clocks.every((c) => c.stop !== null)).length;
  assert.equal(same, finished);
  assert.ok(finished > 0);
});

test('a mutable book changed ticket by ticket gives what a book built from the same events gives, in the same order', () => {
  const { terms, calendars } = unwrap(loadTerms(ex('agreements/sla-checkout.yaml')));
  const targets = clockTargetsOf(terms, calendars);
  const mine = eventsOf(terms, events);
  const byTicket = new Map<string, { order: number; events: Timed<TicketEvent>[] }>();
  mine.forEach((e, seq) => {
    if (!('ticket' in e)) return;
    const key = ticketKey(e.source, e.ticket);
    const t = byTicket.get(key) ?? { order: seq, events: [] };
    t.events.push(e as Timed<TicketEvent>);
    byTicket.set(key, t);
  });
  const keys = [...byTicket.keys()];
  assert.ok(keys.length > 20);
  const asOf = Date.UTC(2026, 11, 31);
  const book = mutableTicketBook(targets);
  // Tickets put in reverse order, a few of them with their events cut short at first and made
  // whole later, one put and removed again; the events of no ticket added in two parts.
  for (const key of [...keys].reverse()) {
    const t = byTicket.get(key)!;
    book.put(key, t.events.length > 1 ? t.events.slice(0, 1) : t.events, t.order);
  }
  book.at(asOf); // evaluated once with the short histories: a later put must forget those
  for (const key of keys) book.put(key, byTicket.get(key)!.events, byTicket.get(key)!.order);
  book.put('nobody', byTicket.get(keys[0]!)!.events, -1);
  book.remove('nobody');
  const others = mine.filter((e) => !('ticket' in e));
  book.addOthers(others.slice(0, 3));
  book.addOthers(others.slice(3));
  const reference = ticketBook(mine, targets);
  assert.equal(book.size, reference.size);
  assert.deepEqual(book.others, reference.others);
  assert.deepEqual(book.at(asOf), reference.at(asOf));
  assert.deepEqual(
    book.evaluations(asOf).map((r) => r.summary.ticket),
    reference.evaluations(asOf).map((r) => r.summary.ticket),
  );
});
