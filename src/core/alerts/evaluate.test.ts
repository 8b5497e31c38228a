/**
 * The alert lifecycle end to end on real parts: an agreement read by the real loader, routes from
 * its escalation matrix, ticket clocks computed by the engine on the Berlin office calendar
 * (Mon-Fri 09:00-17:00), subject reports, and evaluation steps applied to an in-memory list of
 * alerts as a store would (open, update, resolve). 2026-03-06 is a Friday.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { agreementFromText } from '../agreements/load.ts';
import { unwrap } from '../validation/issues.ts';
import { computeClocks } from '../clock/engine.ts';
import type { ClockTarget } from '../clock/types.ts';
import { at, berlinOffice, hours, target, ticketEvents, type Row } from '../clock/testkit.ts';
import { routesOf } from './routing.ts';
import { clockReport } from './reports.ts';
import { acknowledgeAlert, evaluateAlerts, resolveAlert, type EvaluateInput } from './evaluate.ts';
import { nextClockInstant } from './thresholds.ts';
import type { Alert, EvaluationResult, NotificationIntent, QuietPolicy, Silence, SubjectReport } from './types.ts';

const office = berlinOffice();
const SPEC = unwrap(
  agreementFromText(
    `id: acme
name: Acme support
kind: sla
parties:
  provider: { id: northwind, name: Northwind, contacts: [{ name: Duty manager, email: duty@northwind.example, phone: "+49 30 1234" }] }
  customer: { id: acme, name: Acme, contacts: [{ name: Acme IT, email: it@acme.example }] }
targets:
  - { id: resolution, metric: resolution_time, value: 90, clock: { duration: 4h, pauseOn: [waiting_on_customer] } }
support:
  escalation:
    - { level: 1, who: Shift lead, how: [chat], to: [ops-slack], when: { consumed: 0.75 } }
    - { level: 2, who: Duty manager, how: [sms, email], when: { beforeBreach: 30m } }
    - { level: 3, who: Head of operations, how: [phone], when: { atBreach: true } }
  notices:
    - { notice: breach, who: Acme IT, how: [email] }
`,
    'acme.yaml',
  ),
).spec;
const ROUTES = routesOf(SPEC);
const ROUTE = ROUTES.targets.resolution!;
const CLOCK: ClockTarget = target('resolution', { calendar: office, duration: hours(4), pauseOn: ['waiting_on_customer'] });

const fri = (hm: string) => at(`2026-03-06T${hm}:00+01:00`);
const mon = (hm: string) => at(`2026-03-09T${hm}:00+01:00`);

/** A store in memory: every alert by id, as the evaluation asks it to be written. */
class Store {
  alerts = new Map<string, Alert>();
  sent: NotificationIntent[] = [];
  apply(r: EvaluationResult): EvaluationResult {
    for (const a of [...r.open, ...r.update, ...r.resolve]) this.alerts.set(a.id, a);
    this.sent.push(...r.notify);
    return r;
  }
  get current(): Alert[] {
    return [...this.alerts.values()];
  }
  byLevel(level: string): Alert[] {
    return this.current.filter((a) => a.level === level).sort((a, b) => a.occurrence - b.occurrence);
  }
}

function report(rows: Row[], now: number, route = ROUTE): SubjectReport {
  const clocks = computeClocks(ticketEvents('T1', rows), [CLOCK], now);
  return clockReport({ agreement: 'acme', clock: clocks[0]!, calendar: office }, route, now);
}

function step(store: Store, rows: Row[], now: number, extra: Partial<EvaluateInput> = {}): EvaluationResult {
  return store.apply(evaluateAlerts({ now, current: store.current, reports: [report(rows, now)], ...extra }));
}

const who = (r: EvaluationResult) =>
  r.notify.map(
    (n) => `${n.transition} ${n.dedupeKey.split('/').pop()} -> ${n.recipient.who}/${n.recipient.medium ?? n.recipient.destination}`,
  );

describe('a ticket from its creation to its resolution', () => {
  const created: Row[] = [['2026-03-06T16:00:00+01:00', 'created', { priority: 'P2' }]];

  test('warnings at their business instants, the breach inhibiting them, the customer notified once, resolutions', () => {
    const s = new Store();
    assert.deepEqual(step(s, created, fri('16:30')).notify, []);
    const c = computeClocks(ticketEvents('T1', created), [CLOCK], fri('16:30'))[0]!;
    assert.equal(
      nextClockInstant(
        c,
        ROUTE.clock.map((l) => l.level),
        office,
        fri('16:30'),
      )?.at,
      mon('11:00'),
      'the scheduler wakes on Monday 11:00',
    );

    const at11 = step(s, created, mon('11:00'));
    assert.deepEqual(who(at11), ['firing consumed-75 -> Shift lead/chat', 'firing consumed-75 -> Shift lead/ops-slack']);
    const warn = at11.open[0]!;
    assert.equal(warn.startsAt, mon('11:00'));
    assert.equal(warn.escalation, 1);
    assert.equal(at11.notify[0]?.message.subject, '[WARNING] acme resolution: ticket T1 reached 75% of its 4h target (P2)');
    assert.equal(at11.notify[0]?.message.threadKey, 'internal/ticket/acme//T1');

    const at1130 = step(s, created, mon('11:30'));
    assert.deepEqual(who(at1130), ['firing left-30m -> Duty manager/sms', 'firing left-30m -> Duty manager/email']);
    assert.equal(at1130.open[0]?.recipients[0]?.contact?.phone, '+49 30 1234', 'the matrix names a provider contact');
    assert.equal(at1130.update.length, 1, 'the 75% warning took the new figures');
    assert.equal(at1130.update[0]?.details.used, '87.5%');

    const breachAt = mon('12:00') + 1;
    const atBreach = step(s, created, breachAt);
    assert.deepEqual(who(atBreach), ['firing breach -> Head of operations/phone', 'firing notice-breach -> Acme IT/email']);
    const breach = atBreach.open.find((a) => a.level === 'breach')!;
    assert.equal(breach.startsAt, mon('12:00'), 'startsAt is the engine breach instant');
    assert.deepEqual(
      atBreach.update.map((a) => [a.level, a.inhibitedBy]),
      [
        ['consumed-75', breach.id],
        ['left-30m', breach.id],
      ],
    );
    const notice = atBreach.open.find((a) => a.level === 'notice-breach')!;
    assert.deepEqual([notice.audience, notice.state, notice.resolved?.why], ['customer', 'resolved', 'the customer was notified']);
    assert.equal(notice.summary, 'Ticket T1: the resolution target of 4h was missed at 2026-03-09T12:00:00+01:00');
    const customerMsg = atBreach.notify.find((n) => n.audience === 'customer')!.message;
    assert.deepEqual(customerMsg.links, [], 'no link into the provider tools');
    assert.doesNotMatch(JSON.stringify(customerMsg), /Head of operations|Shift lead|Duty manager|escalat/);

    // Later evaluations while breached: nothing new (the notice is one-off, the warnings inhibited).
    assert.deepEqual(step(s, created, mon('12:30')).notify, []);

    const resolved: Row[] = [...created, ['2026-03-09T13:00:00+01:00', 'resolved']];
    const done = step(s, resolved, mon('13:00'));
    assert.deepEqual(who(done).sort(), [
      'resolved breach -> Head of operations/phone',
      'resolved consumed-75 -> Shift lead/chat',
      'resolved consumed-75 -> Shift lead/ops-slack',
      'resolved left-30m -> Duty manager/email',
      'resolved left-30m -> Duty manager/sms',
    ]);
    assert.equal(
      done.resolve.find((a) => a.level === 'breach')?.resolved?.why,
      "the ticket's resolution clock stopped at 2026-03-09T13:00:00+01:00 (breached)",
    );
    assert.deepEqual(step(s, resolved, mon('14:00')).notify, [], 'once resolved, nothing more');
    assert.deepEqual(new Set(s.sent.map((n) => n.key)).size, s.sent.length, 'every notification once');
  });

  test('the same facts give the same records and keys, and an applied step repeated changes nothing', () => {
    const a = new Store();
    const b = new Store();
    for (const t of [mon('11:00'), mon('12:00') + 1]) {
      const ra = step(a, created, t);
      const rb = step(b, created, t);
      assert.deepEqual(ra, rb);
      assert.deepEqual(step(a, created, t), { open: [], update: [], resolve: [], notify: [], wakeAt: null });
      step(b, created, t);
    }
  });

  test('paused at 74% when the 75% instant comes: no warning; resumed, it fires later', () => {
    const s = new Store();
    const paused: Row[] = [
      ['2026-03-09T09:00:00+01:00', 'created'],
      ['2026-03-09T11:57:36+01:00', 'status', { status: 'waiting_on_customer' }],
    ];
    assert.deepEqual(step(s, paused, mon('12:00')).notify, []);
    const resumed: Row[] = [...paused, ['2026-03-09T14:00:00+01:00', 'status', { status: 'in_progress' }]];
    assert.deepEqual(
      step(s, resumed, mon('14:00') + 2 * 60_000 + 24_000).open.map((x) => x.level),
      ['consumed-75'],
    );
  });

  test('a breach first seen after the resolution (late events) is reported once, then resolved', () => {
    const s = new Store();
    const late: Row[] = [
      ['2026-03-09T09:00:00+01:00', 'created'],
      ['2026-03-09T14:00:00+01:00', 'resolved'],
    ];
    const r = step(s, late, mon('15:00'));
    assert.deepEqual(who(r), ['firing breach -> Head of operations/phone', 'firing notice-breach -> Acme IT/email']);
    assert.deepEqual(
      r.open.map((a) => [a.level, a.state]),
      [
        ['breach', 'resolved'],
        ['notice-breach', 'resolved'],
      ],
    );
    assert.match(r.notify[0]!.message.text, /Since then: the ticket's resolution clock stopped/);
    assert.deepEqual(step(s, late, mon('16:00')).notify, [], 'never again');
  });
});

describe('quiet times, silences, people', () => {
  const quiet: QuietPolicy = { calendar: office };
  const defaults = routesOf({ ...SPEC, support: undefined }).targets.resolution!;
  const fromFri15: Row[] = [['2026-03-06T15:00:00+01:00', 'created']];
  const stepD = (s: Store, rows: Row[], now: number, extra: Partial<EvaluateInput> = {}) =>
    s.apply(evaluateAlerts({ now, current: s.current, reports: [report(rows, now, defaults)], ...extra }));

  test('without a matrix: 50%, 75%, 90% and breach to the default destination', () => {
    assert.deepEqual(
      defaults.clock.map((l) => [l.level.id, l.recipients.map((r) => r.destination)]),
      [
        ['consumed-50', ['default']],
        ['consumed-75', ['default']],
        ['consumed-90', ['default']],
        ['breach', ['default']],
      ],
    );
  });

  test('a 50% warning reached at Friday 17:00 waits for Monday 09:00; the breach would not wait', () => {
    const s = new Store();
    const r = stepD(s, fromFri15, fri('17:00'), { quiet: () => quiet });
    assert.deepEqual([r.open[0]?.level, r.open[0]?.heldUntil, r.notify.length, r.wakeAt], ['consumed-50', mon('09:00'), 0, mon('09:00')]);
    assert.deepEqual(stepD(s, fromFri15, at('2026-03-07T12:00:00+01:00'), { quiet: () => quiet }).notify, []);
    const monday = stepD(s, fromFri15, mon('09:00'), { quiet: () => quiet });
    assert.deepEqual(who(monday), ['firing consumed-50 -> default/default']);
    const breach = stepD(s, fromFri15, mon('11:00') + 1, { quiet: () => ({ calendar: office }) });
    assert.ok(breach.notify.some((n) => n.dedupeKey.endsWith('/breach')));
  });

  test('held over the weekend and resolved before Monday: never announced, resolved silently', () => {
    const s = new Store();
    stepD(s, fromFri15, fri('17:00'), { quiet: () => quiet });
    const r = stepD(s, [...fromFri15, ['2026-03-07T10:00:00+01:00', 'resolved']], at('2026-03-07T10:00:00+01:00'), { quiet: () => quiet });
    assert.deepEqual([r.resolve.length, r.notify.length, r.wakeAt], [1, 0, null]);
  });

  test('a silence holds notifications until it expires; the breach is announced then, its warnings stay inhibited', () => {
    const s = new Store();
    const silence: Silence = {
      id: 's1',
      matchers: [{ field: 'agreement', op: '=', values: ['acme'] }],
      startsAt: mon('10:00'),
      endsAt: mon('14:00'),
      createdBy: 'ana',
      comment: 'migration',
    };
    const rows: Row[] = [['2026-03-09T09:00:00+01:00', 'created']];
    const r = step(s, rows, mon('13:00') + 1, { silences: [silence] });
    assert.deepEqual(r.notify, []);
    assert.deepEqual(r.open.map((a) => a.level).sort(), ['breach', 'consumed-75', 'left-30m', 'notice-breach']);
    assert.ok(r.open.every((a) => a.silencedBy.join() === 's1'));
    assert.equal(r.wakeAt, mon('14:00'));
    const after = step(s, rows, mon('14:00'), { silences: [silence] });
    assert.deepEqual(who(after), ['firing breach -> Head of operations/phone', 'firing notice-breach -> Acme IT/email']);
  });

  test('acknowledge and resolve by hand: notified to those told, a manual resolution sticks until the condition ends', () => {
    const s = new Store();
    const rows: Row[] = [['2026-03-09T09:00:00+01:00', 'created', { priority: 'P2' }]];
    step(s, rows, mon('12:00'));
    const warn = s.byLevel('consumed-75')[0]!;
    const ack = unwrap(acknowledgeAlert(warn, { by: 'ana', at: mon('12:01'), why: 'on it' }));
    assert.deepEqual(
      ack.notify.map((n) => [n.transition, n.recipient.who, n.message.text.split('\n')[1]]),
      [
        ['acknowledged', 'Shift lead', 'Acknowledged by ana: on it.'],
        ['acknowledged', 'Shift lead', 'Acknowledged by ana: on it.'],
      ],
    );
    assert.deepEqual(unwrap(acknowledgeAlert(ack.alert, { by: 'ben', at: mon('12:02') })).notify, [], 'twice: nothing');
    const bad = acknowledgeAlert(warn, { by: '', at: Number.NaN });
    assert.deepEqual(bad.ok ? [] : bad.issues.map((i) => i.path), ['by', 'at']);
    const res = unwrap(resolveAlert(ack.alert, { by: 'ana', at: mon('12:05'), why: 'customer asked to wait' }));
    s.alerts.set(res.alert.id, res.alert);
    assert.equal(res.notify.length, 2);
    assert.equal(acknowledgeAlert(res.alert, { by: 'ana', at: mon('12:06') }).ok, false);
    const noWhy = resolveAlert(warn, { by: 'ana', at: mon('12:05') });
    assert.deepEqual(noWhy.ok ? [] : noWhy.issues.map((i) => i.path), ['why']);

    // The condition still holds: not reopened.
    assert.deepEqual(step(s, rows, mon('12:10')).open, []);
    // It ends (a pause is not enough: 75% stays reached; a lower priority target is): rearmed...
    const withP4 = target('resolution', { calendar: office, byPriority: { P2: hours(4), P4: hours(16) } });
    const lowered: Row[] = [...rows, ['2026-03-09T12:15:00+01:00', 'priority', { priority: 'P4' }]];
    const rep = (rs: Row[], now: number) =>
      clockReport({ agreement: 'acme', clock: computeClocks(ticketEvents('T1', rs), [withP4], now)[0]!, calendar: office }, ROUTE, now);
    const re = s.apply(evaluateAlerts({ now: mon('12:20'), current: s.current, reports: [rep(lowered, mon('12:20'))] }));
    assert.deepEqual(
      re.update.map((a) => [a.level, a.rearmed]),
      [['consumed-75', true]],
    );
    // ...and when 75% of the new target is reached, it fires again as a new occurrence with new keys.
    const again = s.apply(
      evaluateAlerts({
        now: at('2026-03-11T09:00:00+01:00'),
        current: s.current,
        reports: [rep(lowered, at('2026-03-11T09:00:00+01:00'))],
      }),
    );
    const second = again.open.find((a) => a.level === 'consumed-75')!;
    assert.deepEqual([second.occurrence, second.id !== warn.id], [2, true]);
    assert.ok(again.notify.every((n) => !s.sent.slice(0, -again.notify.length).some((m) => m.key === n.key)));
  });

  test('raised from P3 to P1 past the P1 target: the breach is sent, not the three warnings it passes', () => {
    const s = new Store();
    const byPriority = target('resolution', { calendar: office, byPriority: { P1: hours(1), P3: hours(8) } });
    const rows: Row[] = [
      ['2026-03-09T09:00:00+01:00', 'created', { priority: 'P3' }],
      ['2026-03-09T11:00:00+01:00', 'priority', { priority: 'P1' }],
    ];
    const now = mon('11:00');
    const clock = computeClocks(ticketEvents('T1', rows), [byPriority], now)[0]!;
    const r = s.apply(
      evaluateAlerts({ now, current: s.current, reports: [clockReport({ agreement: 'acme', clock, calendar: office }, defaults, now)] }),
    );
    const breach = r.open.find((a) => a.level === 'breach')!;
    assert.deepEqual(who(r), ['firing breach -> default/default']);
    assert.deepEqual(
      r.open.filter((a) => a.kind === 'warning').map((a) => [a.level, a.inhibitedBy]),
      [
        ['consumed-50', breach.id],
        ['consumed-75', breach.id],
        ['consumed-90', breach.id],
      ],
    );
  });

  test('a level no longer routed resolves its alert', () => {
    const s = new Store();
    const rows: Row[] = [['2026-03-09T09:00:00+01:00', 'created']];
    step(s, rows, mon('12:40'));
    const r = s.apply(evaluateAlerts({ now: mon('12:41'), current: s.current, reports: [report(rows, mon('12:41'), defaults)] }));
    assert.deepEqual(
      r.resolve.map((a) => [a.level, a.resolved?.why]),
      [['left-30m', 'the level is no longer routed for this target']],
    );
    assert.deepEqual(r.open.map((a) => a.level).sort(), ['consumed-50', 'consumed-90']);
    // The 75% level exists in both routes: the alert stays, with the recipients of the new route.
    assert.deepEqual(
      r.update.map((a) => [a.level, a.recipients.map((x) => x.destination)]),
      [['consumed-75', ['default']]],
    );
  });
});
