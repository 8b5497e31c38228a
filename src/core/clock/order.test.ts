/** Canonical event order, duplicates, bad input, and the ticket summary. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { prepareTicket, compareEvents } from './order.ts';
import { evaluateTicket, summarizeTicket } from './engine.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { at, berlinOffice, H, hours, target, ticketEvents } from './testkit.ts';

const office = berlinOffice();
const mon = (hm: string): string => `2026-03-02T${hm}:00+01:00`;

describe('canonical order', () => {
  test('same instant: created, priority, ..., responded, resolved, closed, reopened; then by id', () => {
    const evs = ticketEvents('T', [
      [mon('10:00'), 'reopened'],
      [mon('10:00'), 'closed'],
      [mon('10:00'), 'resolved'],
      [mon('10:00'), 'responded'],
      [mon('10:00'), 'status', { status: 'x' }],
      [mon('10:00'), 'priority', { priority: 'P1' }],
      [mon('10:00'), 'created'],
      [mon('10:00'), 'assigned', { group: 'b', id: 'b' }],
      [mon('10:00'), 'assigned', { group: 'a', id: 'a' }],
    ]);
    const p = prepareTicket(evs);
    assert.deepEqual(
      p.events.map((e) => e.type + (e.type === 'ticket.assigned' ? `:${e.id}` : '')),
      [
        'ticket.created',
        'ticket.priority_changed',
        'ticket.assigned:a',
        'ticket.assigned:b',
        'ticket.status_changed',
        'ticket.responded',
        'ticket.resolved',
        'ticket.closed',
        'ticket.reopened',
      ],
    );
    assert.deepEqual(p.issues, []);
  });

  test('the same fact twice is kept once, silently', () => {
    const [c, r] = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
    ]);
    const p = prepareTicket([r!, c!, { ...r! }, { ...c! }]);
    assert.deepEqual(
      p.events.map((e) => e.id),
      ['T-0', 'T-1'],
    );
    assert.deepEqual(p.issues, []);
  });

  test('two different events under one id: the first in canonical order is kept, the conflict reported', () => {
    const [c, r] = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
    ]);
    const late = { ...r!, at: mon('11:00'), atMs: at(mon('11:00')) };
    for (const input of [
      [c!, r!, late],
      [late, r!, c!],
    ]) {
      const p = prepareTicket(input);
      assert.deepEqual(
        p.events.map((e) => e.atMs),
        [at(mon('09:00')), at(mon('10:00'))],
      );
      assert.deepEqual(
        p.issues.map((i) => [i.code, i.eventId]),
        [['conflicting_duplicate', 'T-1']],
      );
    }
  });

  test('a ticket is its source and its id: the same number from another source is another ticket', () => {
    const [c, r] = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'contact', { direction: 'in' }],
    ]);
    const mail = { ...c!, source: 'mail' };
    const p = prepareTicket([mail, { ...r!, source: 'mail' }, { ...r!, source: 'phone' }, r!]);
    assert.equal(p.ticket, 'T');
    assert.equal(p.source, 'mail');
    assert.equal(p.events.length, 2);
    assert.deepEqual(
      p.issues.map((i) => [i.code, i.message]),
      [
        ['other_ticket', `event is for ticket "T" of "phone", not "T" of "mail"; ignored`],
        ['other_ticket', `event is for ticket "T", not "T" of "mail"; ignored`],
      ],
    );
    const s = summarizeTicket([mail, { ...r!, source: 'mail' }, { ...r!, source: 'phone' }]);
    assert.equal(s.contactsIn, 1);
    assert.equal(s.source, 'mail');
    assert.equal(summarizeTicket([c!, r!]).source, undefined, 'no source: none in the summary');
  });

  test('compareEvents is a total order on distinct facts', () => {
    const [a, b] = ticketEvents('T', [
      [mon('09:00'), 'contact', { direction: 'in', id: 'x' }],
      [mon('09:00'), 'contact', { direction: 'out', id: 'x' }],
    ]);
    assert.equal(Math.sign(compareEvents(a!, b!)), -Math.sign(compareEvents(b!, a!)));
    assert.notEqual(compareEvents(a!, b!), 0);
  });
});

describe('bad input is reported, never thrown', () => {
  test('other tickets, non-ticket events, garbage and invalid instants', () => {
    const evs = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
    ]);
    const other = ticketEvents('U', [[mon('09:30'), 'responded']])[0]!;
    const outage = {
      id: 'o1',
      type: 'outage.started',
      at: mon('09:00'),
      atMs: at(mon('09:00')),
      outage: 'x',
      impact: 'full',
      cause: 'provider',
    };
    const nan = { ...ticketEvents('T', [[mon('09:40'), 'responded']])[0]!, id: 'nan', atMs: Number.NaN };
    const input = [...evs, other, outage, null, 42, { type: 'ticket.responded' }, nan] as unknown as Timed<TicketEvent>[];
    const r = evaluateTicket(input, [target('resolution', { calendar: office, duration: hours(4) })], at(mon('18:00')));
    assert.equal(r.clocks[0]?.elapsedMs, 1 * H);
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.eventId]),
      [
        ['not_a_ticket_event', null],
        ['not_a_ticket_event', null],
        ['not_a_ticket_event', null],
        ['other_ticket', 'U-0'],
        ['invalid_time', 'nan'],
        ['not_a_ticket_event', 'o1'],
      ],
    );
  });

  test("without a created event the ticket is the first event's", () => {
    const p = prepareTicket(ticketEvents('T', [[mon('09:30'), 'responded']]));
    assert.equal(p.ticket, 'T');
    assert.equal(p.created, null);
    assert.deepEqual(
      p.issues.map((i) => i.code),
      ['no_created_event'],
    );
  });

  test('a second created event is ignored and reported', () => {
    const evs = ticketEvents('T', [
      [mon('09:00'), 'created', { priority: 'P1' }],
      [mon('08:00'), 'created', { priority: 'P3', id: 'early' }],
    ]);
    const p = prepareTicket(evs);
    assert.equal(p.created?.id, 'early');
    assert.deepEqual(
      p.issues.map((i) => [i.code, i.eventId]),
      [['duplicate_created', 'T-0']],
    );
  });

  test('lifecycle events out of sequence are ignored by summary and clocks alike', () => {
    const evs = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'reopened'],
      [mon('10:00'), 'resolved'],
      [mon('11:00'), 'resolved'],
      [mon('12:00'), 'closed'],
      [mon('12:30'), 'closed'],
    ]);
    const r = evaluateTicket(evs, [target('resolution', { calendar: office, duration: hours(4) })], at(mon('18:00')));
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.eventId]),
      [
        ['out_of_sequence', 'T-1'],
        ['out_of_sequence', 'T-3'],
        ['out_of_sequence', 'T-5'],
      ],
    );
    assert.equal(r.clocks[0]?.stop, at(mon('10:00')));
    assert.equal(r.summary.resolvedAt, at(mon('10:00')));
    assert.equal(r.summary.closedAt, at(mon('12:00')));
    assert.equal(r.summary.reopenCount, 0);
  });

  test('an event before the creation is reported and counted at the creation', () => {
    const evs = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('08:00'), 'responded'],
    ]);
    const r = evaluateTicket(evs, [target('response', { calendar: office, duration: hours(1) })], at(mon('18:00')));
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.eventId]),
      [['before_created', 'T-1']],
    );
    assert.equal(r.clocks[0]?.stop, at(mon('09:00')));
    assert.equal(r.summary.firstResponseAt, at(mon('09:00')));
  });

  test('an empty list gives an empty summary', () => {
    const s = summarizeTicket([]);
    assert.equal(s.ticket, '');
    assert.ok(Number.isNaN(s.createdAt));
    assert.deepEqual(s.eventIds, []);
  });
});

describe('ticket summary', () => {
  const evs = ticketEvents('T', [
    [
      mon('09:00'),
      'created',
      {
        priority: 'P3',
        status: 'new',
        channel: 'email',
        kind: 'request',
        requestType: 'new_user',
        group: 'L1',
        service: 'mail',
        customer: 'acme',
      },
    ],
    [mon('09:05'), 'assigned', { group: 'L1', assignee: 'ann' }],
    [mon('09:10'), 'responded'],
    [mon('09:20'), 'contact', { direction: 'out' }],
    [mon('09:30'), 'contact', { direction: 'in', region: 'eu' }],
    [mon('09:40'), 'assigned', { group: 'L2' }],
    [mon('09:50'), 'escalated', { level: 2 }],
    [mon('10:00'), 'priority', { priority: 'P1' }],
    [mon('10:10'), 'status', { status: 'waiting_on_customer' }],
    [mon('10:20'), 'assigned', { group: 'L1' }],
    [mon('10:30'), 'responded'],
    [mon('11:00'), 'resolved', { by: 'customer' }],
    [mon('11:30'), 'reopened'],
    [mon('12:00'), 'resolved', { by: 'provider' }],
    [mon('13:00'), 'closed'],
    [mon('14:00'), 'satisfaction', { score: 4, scale: 5 }],
  ]);

  test('every field', () => {
    assert.deepEqual(summarizeTicket([...evs].reverse()), {
      ticket: 'T',
      createdAt: at(mon('09:00')),
      service: 'mail',
      customer: 'acme',
      region: 'eu',
      channel: 'email',
      kind: 'request',
      requestType: 'new_user',
      initialPriority: 'P3',
      priority: 'P1',
      status: 'waiting_on_customer',
      firstResponseAt: at(mon('09:10')),
      resolvedAt: at(mon('12:00')),
      resolvedBy: 'provider',
      closedAt: at(mon('13:00')),
      reopenCount: 1,
      escalationCount: 1,
      groupChanges: 2,
      contactsIn: 1,
      contactsOut: 1,
      satisfaction: [{ at: at(mon('14:00')), score: 4, scale: 5 }],
      eventIds: evs.map((e) => e.id),
    });
  });

  test('evaluateTicket gives the summary as of now', () => {
    const r = evaluateTicket(evs, [], at(mon('11:15')));
    assert.equal(r.summary.resolvedAt, at(mon('11:00')));
    assert.equal(r.summary.resolvedBy, 'customer');
    assert.equal(r.summary.reopenCount, 0);
    assert.equal(r.summary.closedAt, null);
  });

  test('the first assignment of a ticket created without a group is not a group change', () => {
    const s = summarizeTicket(
      ticketEvents('T', [
        [mon('09:00'), 'created'],
        [mon('09:05'), 'assigned', { group: 'L1' }],
        [mon('09:10'), 'assigned', { assignee: 'bob' }],
      ]),
    );
    assert.equal(s.groupChanges, 0);
  });
});
