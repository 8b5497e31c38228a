/**
 * Window targets' early warning, on figures from the real engines: availability() and
 * evaluateTarget() for uptime, clock results through computeMetric() for shares of tickets.
 * April 2026 in UTC is 30 days, so a 99.9% month allows 43.2 minutes of downtime and the fast rule
 * (2% in 1 h) fires at a burn rate of 0.02 * 720 = 14.4, the slow one (10% in 3 days) at 1.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { availability } from '../availability/index.ts';
import type { ClockResult, TicketSummary } from '../clock/types.ts';
import { evaluateTarget, type Comparator, type TargetEvaluation } from '../metrics/index.ts';
import { unwrap } from '../validation/issues.ts';
import { berlinOffice } from '../clock/testkit.ts';
import {
  availabilityMeter,
  badShareOf,
  burnRates,
  itemAllowance,
  metricMeter,
  moreBadAllowed,
  windowBudget,
  windowHealth,
  windowWakeAt,
  type BadShare,
} from './health.ts';

const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);
const APRIL = { kind: 'month' as const, year: 2026, index: 4 };
const W = { from: at('2026-04-01T00:00:00Z'), to: at('2026-05-01T00:00:00Z') };

function uptime(
  outages: Array<[string, string]>,
  now: string,
  target = 99.9,
): { ev: TargetEvaluation; meter: ReturnType<typeof availabilityMeter> } {
  const input = { outages: outages.map(([s, e], i) => ({ id: `o${i}`, start: at(s), end: at(e) })) };
  const n = at(now);
  const r = availability(input, { from: W.from, to: Math.min(n, W.to) });
  const ev = unwrap(
    evaluateTarget({
      metric: 'availability',
      comparator: '>=',
      target,
      window: APRIL,
      zone: 'UTC',
      now: n,
      inputs: {
        availability: {
          availability: r.availability,
          downtimeMs: r.downtimeMs,
          eligibleMs: r.eligibleMs,
          excludedMs: r.excludedMs,
          outages: r.outages.map((o) => o.id),
        },
      },
    }),
  );
  return { ev, meter: availabilityMeter(input) };
}

describe('burn rates (multiwindow, multi-burn-rate)', () => {
  test('2% of the month budget in the last hour fires the fast rule; a second less does not', () => {
    // 2% of 43.2 min is 51.84 s.
    for (const [secs, firing] of [
      [52, true],
      [51, false],
    ] as const) {
      const start = `2026-04-10T11:59:${String(60 - secs).padStart(2, '0')}Z`;
      const { ev, meter } = uptime([[start, '2026-04-10T12:00:00Z']], '2026-04-10T12:00:00Z');
      const [fast] = burnRates(meter, { now: at('2026-04-10T12:00:00Z'), window: W, allowed: badShareOf(99.9, '>=') });
      assert.equal(fast?.threshold, 14.4);
      assert.equal(fast?.firing, firing, `${secs}s`);
      assert.equal(ev.state, 'met');
    }
  });

  test('a 10-minute outage: both rules fire at its end; 30 min later the short window stops the fast one, not the slow one', () => {
    const outage: Array<[string, string]> = [['2026-04-10T11:50:00Z', '2026-04-10T12:00:00Z']];
    const table = (now: string) =>
      burnRates(uptime(outage, now).meter, { now: at(now), window: W, allowed: badShareOf(99.9, '>=') }).map((b) => [
        b.rule.id,
        Math.round(b.long.rate * 100) / 100,
        Math.round(b.short.rate * 100) / 100,
        b.firing,
      ]);
    assert.deepEqual(table('2026-04-10T12:00:00Z'), [
      ['fast', 166.67, 1000, true],
      ['slow', 2.31, 27.78, true],
    ]);
    assert.deepEqual(table('2026-04-10T12:30:00Z'), [
      ['fast', 166.67, 0, false],
      ['slow', 2.31, 27.78, true],
    ]);
  });

  test('lookbacks are clipped to the window: last month s downtime burns none of this month s budget', () => {
    const { meter } = uptime([['2026-03-31T23:30:00Z', '2026-04-01T00:00:00Z']], '2026-04-01T00:20:00Z');
    const [fast] = burnRates(meter, { now: at('2026-04-01T00:20:00Z'), window: W, allowed: badShareOf(99.9, '>=') });
    assert.deepEqual([fast?.long.from, fast?.long.bad, fast?.firing], [W.from, 0, false]);
  });
});

describe('exhaustion at the recent pace', () => {
  test('20 min of downtime in the last 3 days leaves 23.2 min, gone 83.52 h later at that pace', () => {
    const { ev, meter } = uptime([['2026-04-10T10:00:00Z', '2026-04-10T10:20:00Z']], '2026-04-11T00:00:00Z');
    const h = windowHealth({ evaluation: ev, target: 'uptime', now: at('2026-04-11T00:00:00Z'), meter });
    assert.equal(h.budget?.allowedMs, 43.2 * M);
    assert.equal(h.budget?.remainingMs, 23.2 * M);
    assert.equal(h.exhaustsAt, at('2026-04-14T11:31:12Z'));
    assert.ok(Math.abs(h.consumed! - 20 / 43.2) < 1e-12);
  });

  test('the next look at a window: the exhaustion instant, a firing rule s short window, the window end', () => {
    const now = at('2026-04-11T00:00:00Z');
    const quiet = uptime([], '2026-04-11T00:00:00Z');
    assert.equal(windowWakeAt(windowHealth({ evaluation: quiet.ev, target: 'u', now, meter: quiet.meter }), now), W.to);
    const slow = uptime([['2026-04-10T10:00:00Z', '2026-04-10T10:20:00Z']], '2026-04-11T00:00:00Z');
    assert.equal(windowWakeAt(windowHealth({ evaluation: slow.ev, target: 'u', now, meter: slow.meter }), now), at('2026-04-14T11:31:12Z'));
    // An exhaustion projected between two milliseconds: the look is at the next whole one (timers store whole milliseconds).
    const between = windowHealth({ evaluation: slow.ev, target: 'u', now, meter: slow.meter });
    assert.equal(windowWakeAt({ ...between, exhaustsAt: now + 1000.25 }, now), now + 1001);
    const burning = uptime([['2026-04-10T23:50:00Z', '2026-04-11T00:00:00Z']], '2026-04-11T00:00:00Z');
    assert.equal(windowWakeAt(windowHealth({ evaluation: burning.ev, target: 'u', now, meter: burning.meter }), now), now + 5 * M);
    const closed = uptime([], '2026-05-02T00:00:00Z');
    assert.equal(
      windowWakeAt(
        windowHealth({ evaluation: closed.ev, target: 'u', now: at('2026-05-02T00:00:00Z'), meter: closed.meter }),
        at('2026-05-02T00:00:00Z'),
      ),
      null,
    );
  });

  test('on service hours the remaining downtime is spent in working time only', () => {
    const office = berlinOffice();
    const input = { outages: [{ id: 'o', start: at('2026-04-09T08:00:00Z'), end: at('2026-04-09T08:30:00Z') }] };
    const now = at('2026-04-10T15:00:00Z'); // Friday 17:00 Berlin
    const opts = { calendar: office };
    const r = availability(input, { from: W.from, to: now }, opts);
    const ev = unwrap(
      evaluateTarget({
        metric: 'availability',
        comparator: '>=',
        target: 99,
        window: APRIL,
        zone: 'UTC',
        now,
        allowanceMs: 60 * M,
        inputs: {
          availability: { availability: r.availability, downtimeMs: r.downtimeMs, eligibleMs: r.eligibleMs, excludedMs: 0, outages: ['o'] },
        },
      }),
    );
    const h = windowHealth({ evaluation: ev, target: 'up', now, meter: availabilityMeter(input, opts), calendar: office });
    // 30 min in 24 working hours (Wed 17:00 .. Fri 17:00 of the 3-day lookback); 30 min left at 1/48:
    // 24 working hours more, Friday 17:00 -> the next Wednesday 17:00 (Good Friday is 2026-04-03, past).
    assert.equal(h.exhaustsAt, at('2026-04-15T15:00:00Z'));
  });
});

describe('allowance in tickets', () => {
  const share95 = badShareOf(95, '>=');
  test('moreBadAllowed: a table of targets, comparators and counts', () => {
    const rows: Array<[number, Comparator, number, number, number]> = [
      // target, comparator, bad, total, more allowed
      [95, '>=', 1, 40, 1],
      [95, '>=', 3, 42, -1],
      [95, '>=', 0, 0, 0],
      [95, '>=', 2, 40, 0],
      [95, '>', 2, 40, -1],
      [95, '>', 1, 40, 1],
      [10, '<=', 2, 30, 1],
      [100, '>=', 0, 10, 0],
      [100, '>=', 1, 10, -1],
      [99.9, '>=', 1, 2000, 1],
      [0, '>=', 5, 5, Infinity],
    ];
    for (const [t, c, k, n, want] of rows) assert.equal(moreBadAllowed(badShareOf(t, c), k, n), want, `${c} ${t}: ${k} of ${n}`);
  });

  test('"2 more late P1 responses this month breach the 95% target"', () => {
    const a = itemAllowance({
      bad: 1,
      total: 40,
      allowed: share95,
      target: 95,
      comparator: '>=',
      window: { ...W, label: '2026-04' },
      now: at('2026-04-16T00:00:00Z'),
      noun: 'late P1 responses',
    });
    assert.equal(a.text, '2 more late P1 responses in 2026-04 breach the >= 95% target (1 of 40 so far)');
    assert.equal(a.breachesAfter, 2);
    // At this pace the month ends with 80 tickets and 2 late ones: 4 late allowed in all, 2 more.
    assert.equal(a.projectedMore, 2);
  });

  test('property: m more bad items keep the share within the target, m + 1 do not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }).map((x) => x / 10),
        fc.constantFrom<Comparator>('>=', '>', '<=', '<'),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (target, comparator, a, b) => {
          const total = a + b;
          const bad = Math.min(a, total);
          const s: BadShare = badShareOf(target, comparator);
          const within = (k: number, n: number) => (s.strict ? k * s.q < s.p * n : k * s.q <= s.p * n);
          const m = moreBadAllowed(s, bad, total);
          if (m === Infinity) return;
          if (m === -1) {
            assert.ok(!within(bad, total) || !within(bad + 1, total + 1));
            if (within(bad, total)) assert.ok(!within(bad + 1, total + 1));
            return;
          }
          assert.ok(within(bad + m, total + m), 'm more stay within');
          assert.ok(!within(bad + m + 1, total + m + 1), 'one more breaks it');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('shares of tickets from clock results', () => {
  const clock = (id: string, stop: string, breached: boolean): ClockResult => ({
    ticket: id,
    target: 'response',
    kind: 'response',
    cycle: 1,
    priority: 'P1',
    start: at(stop) - H,
    stop: at(stop),
    elapsedMs: breached ? 5 * H : H,
    pausedMs: 0,
    targetMs: 4 * H,
    deadline: at(stop) + 3 * H,
    state: breached ? 'breached' : 'met',
    phase: 'stopped',
    consumed: breached ? 1.25 : 0.25,
    breachAt: breached ? at(stop) - 10 * M : null,
    eventIds: [],
  });
  // 34 met responses on 1-7 April, 6 in the last 3 days of which 2 late: 2 late of 40 by 11 April.
  const clocks = [
    ...Array.from({ length: 34 }, (_, i) => clock(`a${i}`, `2026-04-0${1 + (i % 7)}T10:00:00Z`, false)),
    ...Array.from({ length: 4 }, (_, i) => clock(`b${i}`, '2026-04-09T10:00:00Z', false)),
    clock('c1', '2026-04-09T12:00:00Z', true),
    clock('c2', '2026-04-10T12:00:00Z', true),
  ];
  const tickets: TicketSummary[] = clocks.map((c) => ({
    ticket: c.ticket,
    createdAt: c.start,
    service: 'desk',
    customer: null,
    region: null,
    channel: null,
    kind: 'incident',
    requestType: null,
    initialPriority: 'P1',
    priority: 'P1',
    status: 'resolved',
    firstResponseAt: c.stop,
    resolvedAt: c.stop,
    resolvedBy: 'provider',
    closedAt: null,
    reopenCount: 0,
    escalationCount: 0,
    groupChanges: 0,
    contactsIn: 0,
    contactsOut: 0,
    satisfaction: [],
    eventIds: [],
  }));
  const inputs = { clocks, tickets };
  const query = { metric: 'response_time' as const, stat: 'share_within_target', clockTarget: 'response' };
  const now = at('2026-04-11T00:00:00Z');
  const ev = unwrap(evaluateTarget({ ...query, comparator: '>=', target: 95, window: APRIL, zone: 'UTC', now, inputs }));

  test('allowance, burn and exhaustion of "95% of P1 responses within target"', () => {
    const h = windowHealth({
      evaluation: ev,
      target: 'response',
      now,
      meter: metricMeter(query, inputs, {}, '>='),
      noun: 'late P1 responses',
    });
    assert.equal(ev.value, 95);
    assert.deepEqual([h.allowance?.bad, h.allowance?.total, h.allowance?.more], [2, 40, 0]);
    assert.equal(h.allowance?.text, '1 more late P1 responses in 2026-04 breach the >= 95% target (2 of 40 so far)');
    // Slow rule: 2 late of 6 in 3 days is a share of 1/3, a burn rate of 6.67 >= 1 (short window: nothing in 6 h).
    const slow = h.burn.find((b) => b.rule.id === 'slow')!;
    assert.equal(Math.round(slow.long.rate * 100) / 100, 6.67);
    assert.equal(slow.firing, false, 'the short window has seen nothing for 6 h');
    // Exhaustion: slack p n - q k = 5*40 - 100*2 = 0: the next late one tips it, so it is now.
    assert.equal(h.exhaustsAt, now);
  });
});

describe('windowBudget: the budget at a glance, from the evaluation alone', () => {
  // The fields windowBudget reads, as compliance gives them.
  const ev = (o: Partial<Parameters<typeof windowBudget>[0]>): Parameters<typeof windowBudget>[0] => ({
    metric: 'resolution_time',
    unit: 'percent',
    value: 90,
    target: 80,
    comparator: '>=',
    consumed: 0.5,
    sampleSize: 10,
    measurement: { numerator: [] },
    ...o,
  });

  test('a share of tickets: 1 late of 10 against 80%: half left, burning at 0.5, one more may miss', () => {
    assert.deepEqual(windowBudget(ev({})), { left: 0.5, burnRate: 0.5, downtime: null, items: { bad: 1, total: 10, more: 1 } });
  });

  test('missed already: the share left is negative and no more may miss', () => {
    // 3 late of 10 against 80% (20% allowed): 30 / 20 of the allowance used.
    const b = windowBudget(ev({ value: 70, consumed: 1.5 }));
    assert.equal(b.left, -0.5);
    assert.deepEqual(b.items, { bad: 3, total: 10, more: 0 });
    assert.ok(Math.abs(b.burnRate! - 1.5) < 1e-12);
  });

  test('a 0% target cannot be missed: no limit in items; a 100% target allows nothing: no burn rate once something is bad', () => {
    assert.equal(windowBudget(ev({ target: 0, value: 50, consumed: 0 })).items?.more, null);
    const strict = windowBudget(ev({ target: 100, value: 90, consumed: Number.POSITIVE_INFINITY }));
    assert.equal(strict.left, null);
    assert.equal(strict.burnRate, null);
  });

  test('availability: the downtime budget as compliance has it; the burn over the eligible time so far', () => {
    // 99.9% of April (30 days): 2,592,000 ms allowed; 864,000 ms down in the first 10 days burns at
    // (864,000 / 864,000,000) / 0.001 = 1.
    const { ev: e } = uptime([['2026-04-05T00:00:00Z', '2026-04-05T00:14:24Z']], '2026-04-11T00:00:00Z');
    const b = windowBudget(e);
    assert.deepEqual(b.downtime, { allowedMs: 2_592_000, usedMs: 864_000, remainingMs: 1_728_000 });
    assert.ok(Math.abs(b.left! - 2 / 3) < 1e-12, String(b.left));
    assert.ok(Math.abs(b.burnRate! - 1) < 1e-12, String(b.burnRate));
    assert.equal(b.items, null);
  });

  test('a mean time against a ceiling: the share left from consumed, no burn rate, no unit figure', () => {
    const b = windowBudget(ev({ unit: 'seconds', value: 3 * 3600, target: 4 * 3600, comparator: '<=', consumed: 0.75 }));
    assert.deepEqual(b, { left: 0.25, burnRate: null, downtime: null, items: null });
  });
});
