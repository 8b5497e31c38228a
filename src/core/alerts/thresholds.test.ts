/**
 * Threshold instants of ticket clocks, on real compiled calendars and clocks computed by the real
 * engine. Every expected instant was worked out by hand: Europe/Berlin Mon-Fri 09:00-17:00 with
 * Good Friday 2026-04-03 closed (or Berlin 24x7); 2026-03-06 is a Friday; Berlin moves from +01:00
 * to +02:00 on Sunday 2026-03-29.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeClocks } from '../clock/engine.ts';
import type { ClockResult, ClockTarget } from '../clock/types.ts';
import { at, berlinAlways, berlinOffice, H, hours, M, target, ticketEvents, type Row } from '../clock/testkit.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { clockLevel, defaultClockRules, levelElapsedMs } from './levels.ts';
import { clockInstants, isClockLevelDue, nextClockInstant } from './thresholds.ts';
import type { ClockLevel, ClockRule } from './types.ts';

const office = berlinOffice();
const always = berlinAlways();
const DEFAULTS: ClockLevel[] = defaultClockRules().map(clockLevel);
const FOUR_HOURS = target('resolution', { calendar: office, duration: hours(4), pauseOn: ['waiting_on_customer'] });

function clockOf(rows: Row[], t: ClockTarget, now: string, explain = false): ClockResult {
  const [c] = computeClocks(ticketEvents('T', rows), [t], at(now), { explain });
  assert.ok(c, 'a clock');
  return c;
}

/** [level id, status, instant as ISO in Berlin or null]. */
function table(c: ClockResult, levels: ClockLevel[], cal = office, asOf: string): Array<[string, string, number | null]> {
  return clockInstants(c, levels, cal, at(asOf)).map((i) => [i.level.id, i.status, i.at]);
}

describe('threshold instants of a running clock', () => {
  test('4 h on Mon-Fri 09-17 opened Friday 16:00: 75% on Monday 11:00, nothing over the weekend', () => {
    const rows: Row[] = [['2026-03-06T16:00:00+01:00', 'created']];
    for (const asOf of ['2026-03-06T16:30:00+01:00', '2026-03-07T03:00:00+01:00', '2026-03-08T23:59:00+01:00']) {
      const c = clockOf(rows, FOUR_HOURS, asOf);
      assert.deepEqual(table(c, DEFAULTS, office, asOf), [
        ['consumed-50', 'scheduled', at('2026-03-09T10:00:00+01:00')],
        ['consumed-75', 'scheduled', at('2026-03-09T11:00:00+01:00')],
        ['consumed-90', 'scheduled', at('2026-03-09T11:36:00+01:00')],
        // The breach is certain at the first counted millisecond beyond the target.
        ['breach', 'scheduled', at('2026-03-09T12:00:00+01:00') + 1],
      ]);
    }
    const next = nextClockInstant(
      clockOf(rows, FOUR_HOURS, '2026-03-06T17:00:00+01:00'),
      DEFAULTS,
      office,
      at('2026-03-06T17:00:00+01:00'),
    );
    assert.deepEqual([next?.level.id, next?.at], ['consumed-50', at('2026-03-09T10:00:00+01:00')]);
  });

  test('across the spring DST change: Friday 16:00 +01:00 reaches 75% on Monday 11:00 +02:00', () => {
    const asOf = '2026-03-27T16:10:00+01:00';
    const c = clockOf([['2026-03-27T16:00:00+01:00', 'created']], FOUR_HOURS, asOf);
    assert.deepEqual(table(c, [clockLevel({ kind: 'consumed', share: 0.75 })], office, asOf), [
      ['consumed-75', 'scheduled', at('2026-03-30T11:00:00+02:00')],
    ]);
  });

  test('24x7 across the 23-hour day: 18 h of a 24 h target from Saturday noon is Sunday 07:00 +02:00', () => {
    const t = target('resolution', { calendar: always, duration: hours(24) });
    const asOf = '2026-03-28T12:00:00+01:00';
    const c = clockOf([['2026-03-28T12:00:00+01:00', 'created']], t, asOf);
    assert.deepEqual(table(c, [clockLevel({ kind: 'consumed', share: 0.75 })], always, asOf), [
      ['consumed-75', 'scheduled', at('2026-03-29T07:00:00+02:00')],
    ]);
  });

  test('a holiday is skipped: Thursday 16:00 before Good Friday reaches 75% on Easter Monday 11:00', () => {
    const asOf = '2026-04-02T16:30:00+02:00';
    const c = clockOf([['2026-04-02T16:00:00+02:00', 'created']], FOUR_HOURS, asOf);
    assert.deepEqual(table(c, [clockLevel({ kind: 'consumed', share: 0.75 })], office, asOf), [
      ['consumed-75', 'scheduled', at('2026-04-06T11:00:00+02:00')],
    ]);
  });

  test('time left and breached-for levels: 30 min left at 11:30, breached for 2 h at 14:00 (business time)', () => {
    const asOf = '2026-03-06T16:30:00+01:00';
    const c = clockOf([['2026-03-06T16:00:00+01:00', 'created']], FOUR_HOURS, asOf);
    const levels = [clockLevel({ kind: 'before_breach', ms: 30 * M }), clockLevel({ kind: 'after_breach', ms: 2 * H })];
    assert.deepEqual(table(c, levels, office, asOf), [
      ['left-30m', 'scheduled', at('2026-03-09T11:30:00+01:00')],
      ['breached-2h', 'scheduled', at('2026-03-09T14:00:00+01:00')],
    ]);
  });

  test('a level with more time left than the target has is due at the start', () => {
    const asOf = '2026-03-06T16:00:00+01:00';
    const c = clockOf([[asOf, 'created']], FOUR_HOURS, asOf);
    const [i] = clockInstants(c, [clockLevel({ kind: 'before_breach', ms: 5 * H })], office, at(asOf));
    assert.deepEqual([i?.status, i?.elapsedMs], ['due', 0]);
  });

  test('a priority change reschedules: raised from P3 (8 h) to P1 (2 h), the 75% of 2 h is 1.5 h in', () => {
    const t = target('resolution', { calendar: office, byPriority: { P1: hours(2), P3: hours(8) } });
    const rows: Row[] = [
      ['2026-03-09T09:00:00+01:00', 'created', { priority: 'P3' }],
      ['2026-03-09T10:00:00+01:00', 'priority', { priority: 'P1' }],
    ];
    const before = clockOf(rows.slice(0, 1), t, '2026-03-09T10:00:00+01:00');
    assert.equal(nextClockInstant(before, DEFAULTS, office, at('2026-03-09T10:00:00+01:00'))?.at, at('2026-03-09T13:00:00+01:00'));
    const after = clockOf(rows, t, '2026-03-09T10:00:00+01:00');
    assert.deepEqual(table(after, DEFAULTS, office, '2026-03-09T10:00:00+01:00'), [
      ['consumed-50', 'due', null],
      ['consumed-75', 'scheduled', at('2026-03-09T10:30:00+01:00')],
      ['consumed-90', 'scheduled', at('2026-03-09T10:48:00+01:00')],
      ['breach', 'scheduled', at('2026-03-09T11:00:00+01:00') + 1],
    ]);
  });
});

describe('paused, stopped and reached levels', () => {
  const rows: Row[] = [
    ['2026-03-09T09:00:00+01:00', 'created'],
    ['2026-03-09T11:57:36+01:00', 'status', { status: 'waiting_on_customer' }],
  ];

  test('paused at 74%: no next instant, and the 75% warning is not due', () => {
    const c = clockOf(rows, FOUR_HOURS, '2026-03-09T15:00:00+01:00');
    assert.equal(c.elapsedMs, 0.74 * 4 * H);
    assert.equal(c.phase, 'paused');
    assert.deepEqual(table(c, DEFAULTS, office, '2026-03-09T15:00:00+01:00'), [
      ['consumed-50', 'due', null],
      ['consumed-75', 'paused', null],
      ['consumed-90', 'paused', null],
      ['breach', 'paused', null],
    ]);
    assert.equal(nextClockInstant(c, DEFAULTS, office, at('2026-03-09T15:00:00+01:00')), null);
    assert.equal(isClockLevelDue({ kind: 'consumed', share: 0.75 }, c), false);
  });

  test('paused at 80%: at_risk by state, paused by phase, no next instant', () => {
    const c = clockOf(
      [
        ['2026-03-09T09:00:00+01:00', 'created'],
        ['2026-03-09T12:12:00+01:00', 'status', { status: 'waiting_on_customer' }],
      ],
      FOUR_HOURS,
      '2026-03-09T16:00:00+01:00',
    );
    assert.deepEqual([c.state, c.phase], ['at_risk', 'paused']);
    assert.equal(nextClockInstant(c, DEFAULTS, office, at('2026-03-09T16:00:00+01:00')), null);
  });

  test('resumed: the 75% warning moves by the length of the pause', () => {
    const resumed: Row[] = [...rows, ['2026-03-10T10:00:00+01:00', 'status', { status: 'in_progress' }]];
    const c = clockOf(resumed, FOUR_HOURS, '2026-03-10T10:00:00+01:00');
    assert.equal(nextClockInstant(c, DEFAULTS, office, at('2026-03-10T10:00:00+01:00'))?.at, at('2026-03-10T10:02:24+01:00'));
  });

  test('stopped within the target: nothing is due or scheduled any more', () => {
    const c = clockOf([...rows.slice(0, 1), ['2026-03-09T12:12:00+01:00', 'resolved']], FOUR_HOURS, '2026-03-09T13:00:00+01:00');
    assert.deepEqual(
      table(c, DEFAULTS, office, '2026-03-09T13:00:00+01:00').map(([id, s]) => [id, s]),
      [
        ['consumed-50', 'stopped'],
        ['consumed-75', 'stopped'],
        ['consumed-90', 'stopped'],
        ['breach', 'stopped'],
      ],
    );
  });

  test('a breach first seen after the resolution is due, at the engine breach instant', () => {
    const c = clockOf(
      [
        ['2026-03-09T09:00:00+01:00', 'created'],
        ['2026-03-09T14:00:00+01:00', 'resolved'],
      ],
      FOUR_HOURS,
      '2026-03-09T15:00:00+01:00',
    );
    const [i] = clockInstants(c, [clockLevel({ kind: 'at_breach' })], office, at('2026-03-09T15:00:00+01:00'));
    assert.deepEqual([i?.status, i?.at], ['due', at('2026-03-09T13:00:00+01:00')]);
    assert.equal(isClockLevelDue({ kind: 'after_breach', ms: 30 * M }, c), false, 'no reminder about a resolved ticket');
  });

  test('with explain segments a reached level knows when it was reached, across a pause and a night', () => {
    const c = clockOf(
      [
        ['2026-03-09T15:00:00+01:00', 'created'],
        ['2026-03-09T16:00:00+01:00', 'status', { status: 'waiting_on_customer' }],
        ['2026-03-10T09:30:00+01:00', 'status', { status: 'in_progress' }],
      ],
      FOUR_HOURS,
      '2026-03-10T13:00:00+01:00',
      true,
    );
    assert.deepEqual(table(c, DEFAULTS, office, '2026-03-10T13:00:00+01:00'), [
      ['consumed-50', 'due', at('2026-03-10T10:30:00+01:00')],
      ['consumed-75', 'due', at('2026-03-10T11:30:00+01:00')],
      ['consumed-90', 'due', at('2026-03-10T12:06:00+01:00')],
      ['breach', 'due', at('2026-03-10T12:30:00+01:00')],
    ]);
  });
});

describe('levels in elapsed working time', () => {
  test('level ids and positions', () => {
    const rules: ClockRule[] = [
      { kind: 'consumed', share: 0.875 },
      { kind: 'consumed', share: 0.29 },
      { kind: 'before_breach', ms: 90 * M },
      { kind: 'at_breach' },
      { kind: 'after_breach', ms: 0 },
    ];
    assert.deepEqual(
      rules.map((r) => [clockLevel(r).id, clockLevel(r).severity, levelElapsedMs(r, 100 * M)]),
      [
        ['consumed-87.5', 'warning', 87.5 * M],
        ['consumed-29', 'info', 29 * M],
        ['left-1h30m', 'warning', 10 * M],
        ['breach', 'critical', 100 * M + 1],
        ['breached-0s', 'critical', 100 * M + 1],
      ],
    );
    // Float noise does not move a level by a millisecond: 0.29 * 100 is 28.999999999999996.
    assert.equal(levelElapsedMs({ kind: 'consumed', share: 0.29 }, 100), 29);
    assert.equal(levelElapsedMs({ kind: 'consumed', share: 1 / 3 }, 100), 34);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random tickets computed by the real engine

const BASE = at('2026-03-26T08:00:00+01:00'); // Thursday before the DST change
const STATUSES = ['in_progress', 'waiting_on_customer'];
interface Gen {
  calendar: 'office' | 'always';
  targetQ: number;
  changes: Array<{ dt: number; status: number }>;
  asOfDt: number;
  shares: number[];
  left: number;
  after: number;
}
const arbGen: fc.Arbitrary<Gen> = fc.record({
  calendar: fc.constantFrom('office' as const, 'always' as const),
  targetQ: fc.integer({ min: 1, max: 48 }),
  changes: fc.array(fc.record({ dt: fc.integer({ min: 1, max: 3 * 24 * 60 }), status: fc.integer({ min: 0, max: 1 }) }), { maxLength: 6 }),
  asOfDt: fc.integer({ min: 0, max: 4 * 24 * 60 }),
  shares: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 }).map((xs) => xs.map((x) => x / 100)),
  left: fc.integer({ min: 1, max: 240 }),
  after: fc.integer({ min: 1, max: 480 }),
});

function scenario(g: Gen) {
  const cal = g.calendar === 'office' ? office : always;
  const t = target('resolution', { calendar: cal, duration: { kind: 'fixed', ms: g.targetQ * 15 * M }, pauseOn: ['waiting_on_customer'] });
  const asOf = BASE + g.asOfDt * M;
  const events: Timed<TicketEvent>[] = ticketEvents('T', [[new Date(BASE).toISOString(), 'created']]);
  g.changes
    .filter((c) => BASE + c.dt * M <= asOf)
    .forEach((c, i) => {
      const ms = BASE + c.dt * M;
      events.push({
        id: `s${i}`,
        ticket: 'T',
        type: 'ticket.status_changed',
        status: STATUSES[c.status],
        at: new Date(ms).toISOString(),
        atMs: ms,
      } as Timed<TicketEvent>);
    });
  const levels = [
    ...g.shares.map((share) => clockLevel({ kind: 'consumed', share })),
    clockLevel({ kind: 'before_breach', ms: g.left * M }),
    clockLevel({ kind: 'at_breach' }),
    clockLevel({ kind: 'after_breach', ms: g.after * M }),
  ];
  const [clock] = computeClocks(events, [t], asOf);
  return { cal, t, asOf, events, levels, clock: clock! };
}

describe('threshold properties', () => {
  test('scheduled instants are monotone in the level, and the elapsed time there is the level', () => {
    fc.assert(
      fc.property(arbGen, (g) => {
        const { cal, asOf, levels, clock } = scenario(g);
        const inst = clockInstants(clock, levels, cal, asOf).filter((i) => i.status === 'scheduled');
        const byElapsed = [...inst].sort((a, b) => a.elapsedMs - b.elapsedMs);
        for (let i = 1; i < byElapsed.length; i++) assert.ok(byElapsed[i]!.at! >= byElapsed[i - 1]!.at!);
        for (const i of inst) {
          assert.ok(i.at! > asOf);
          // No event after asOf: the clock runs on, so the working time to the instant is what was missing.
          assert.equal(clock.elapsedMs + cal.elapsed(asOf, i.at!), i.elapsedMs);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('re-check agrees with the fire time: due at the scheduled instant, not a millisecond before', () => {
    fc.assert(
      fc.property(arbGen, (g) => {
        const { t, asOf, events, levels, clock, cal } = scenario(g);
        for (const i of clockInstants(clock, levels, cal, asOf)) {
          if (i.status !== 'scheduled') continue;
          const [atFire] = computeClocks(events, [t], i.at!);
          const [before] = computeClocks(events, [t], i.at! - 1);
          assert.equal(isClockLevelDue(i.level.rule, atFire!), true, `${i.level.id} due at its instant`);
          assert.equal(isClockLevelDue(i.level.rule, before!), false, `${i.level.id} not due before`);
          if (i.level.rule.kind === 'consumed') assert.equal(atFire!.elapsedMs, i.elapsedMs);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a paused clock has no next instant; a running one has one while a level is not reached', () => {
    fc.assert(
      fc.property(arbGen, (g) => {
        const { asOf, levels, clock, cal } = scenario(g);
        const next = nextClockInstant(clock, levels, cal, asOf);
        const pending = levels.some((l) => !isClockLevelDue(l.rule, clock));
        if (clock.phase === 'paused') assert.equal(next, null);
        else assert.equal(next !== null, pending, 'a running clock reaches every level it has not reached yet');
      }),
      { numRuns: 200 },
    );
  });
});
