import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileCalendar } from '../calendar/compile.ts';
import { unwrap } from '../validation/issues.ts';
import { parseInstant } from '../time/instant.ts';
import { resolveWindow } from '../metrics/window.ts';
import { budgetStatus, downtimeBudget, formatDowntime, WINDOW_MS, type BudgetInput } from './index.ts';

/** Real lengths of calendar periods, as the windows module resolves them in a zone. */
const calendarYearMs = (year: number, zone = 'UTC') => span(resolveWindow({ kind: 'year', year }, zone));
const calendarMonthMs = (year: number, index: number, zone = 'UTC') => span(resolveWindow({ kind: 'month', year, index }, zone));
const calendarQuarterMs = (year: number, index: number, zone = 'UTC') => span(resolveWindow({ kind: 'quarter', year, index }, zone));
function span(r: ReturnType<typeof resolveWindow>): number {
  const w = unwrap(r);
  return w.to - w.from;
}

const H = 3_600_000;
const D = 24 * H;
const t = (s: string) => unwrap(parseInstant(s));

describe('downtime budgets', () => {
  test('99.99% of a nominal year is 52m 36s', () => {
    assert.equal(WINDOW_MS.year, 365.25 * D);
    assert.equal(downtimeBudget(99.99, WINDOW_MS.year), 3_155_760);
    assert.equal(formatDowntime(downtimeBudget(99.99, WINDOW_MS.year)), '52m 36s');
  });

  test('common targets over nominal windows', () => {
    assert.equal(WINDOW_MS.month, 2_629_800_000);
    assert.equal(WINDOW_MS.quarter, 7_889_400_000);
    assert.equal(formatDowntime(downtimeBudget(99.9, WINDOW_MS.month)), '43m 50s'); // 2629.8 s
    assert.equal(formatDowntime(downtimeBudget(99.9, WINDOW_MS.year)), '8h 45m 58s'); // 31557.6 s
    assert.equal(formatDowntime(downtimeBudget(99.999, WINDOW_MS.year)), '5m 16s'); // 315.576 s
    assert.equal(downtimeBudget(99.95, WINDOW_MS.week), 302_400);
    assert.equal(downtimeBudget(100, WINDOW_MS.year), 0);
    assert.equal(downtimeBudget(0, WINDOW_MS.day), D);
  });

  test('a real leap year is 366 days, 18 hours longer than the nominal year', () => {
    assert.equal(calendarYearMs(2028), 366 * D);
    assert.equal(calendarYearMs(2026), 365 * D);
    assert.equal(calendarYearMs(2028) - WINDOW_MS.year, 18 * H);
    assert.equal(downtimeBudget(99.99, calendarYearMs(2028)), 3_162_240);
    assert.equal(formatDowntime(downtimeBudget(99.99, calendarYearMs(2028))), '52m 42s');
    assert.equal(formatDowntime(downtimeBudget(99.99, calendarYearMs(2026))), '52m 34s'); // 3153.6 s
  });

  test('zone-aware lengths: DST changes cancel over a year, not over a month or quarter', () => {
    assert.equal(calendarYearMs(2026, 'Europe/Berlin'), 365 * D);
    assert.equal(calendarMonthMs(2026, 3, 'Europe/Berlin'), 31 * D - H);
    assert.equal(calendarMonthMs(2026, 10, 'Europe/Berlin'), 31 * D + H);
    assert.equal(calendarMonthMs(2028, 2), 29 * D);
    assert.equal(calendarQuarterMs(2026, 1, 'Europe/Berlin'), 90 * D - H);
    assert.equal(calendarQuarterMs(2026, 4), 92 * D);
  });

  test('bad input gives NaN, not an exception', () => {
    assert.ok(Number.isNaN(downtimeBudget(101, WINDOW_MS.year)));
    assert.ok(Number.isNaN(downtimeBudget(-1, WINDOW_MS.year)));
    assert.ok(Number.isNaN(downtimeBudget(99.9, -5)));
  });
});

describe('budget status and burn rate', () => {
  // A 30-day window at 99.9%: budget 0.1% of 30 days = 2,592,000 ms (43m 12s).
  const window = { from: 0, to: 30 * D };
  const base = (downtimeMs: number, nowDays: number, extra: Partial<BudgetInput> = {}) =>
    unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs, eligibleMs: nowDays * D, now: nowDays * D, ...extra }));

  test('burning at exactly the allowed rate runs out at the window end, which is not early', () => {
    const s = base(864_000, 10);
    assert.equal(s.budgetMs, 2_592_000);
    assert.equal(s.remainingMs, 1_728_000);
    assert.equal(s.consumedShare, 1 / 3);
    assert.equal(s.burnRate, 1);
    assert.equal(s.exhaustedAt, null);
    assert.equal(s.projectedDowntimeMs, 2_592_000);
    assert.equal(s.state, 'met');
  });

  test('burning at twice the rate: projected exhaustion before the end is at risk', () => {
    const s = base(1_728_000, 10);
    assert.equal(s.burnRate, 2);
    // 864,000 ms left at 0.2% of eligible time: 432,000,000 ms = 5 days after day 10.
    assert.equal(s.exhaustedAt, 15 * D);
    assert.equal(s.state, 'at_risk');
  });

  test('75% used is at risk even when the pace would last', () => {
    const s = base(1_944_000, 25);
    assert.equal(s.consumedShare, 0.75);
    assert.ok(Math.abs(s.burnRate! - 0.9) < 1e-12);
    assert.equal(s.exhaustedAt, null);
    assert.equal(s.state, 'at_risk');
    assert.equal(base(1_944_000, 25, { warnAt: 0.8 }).state, 'met');
  });

  test('more than the budget is breached; exactly the budget is not', () => {
    const over = base(2_592_001, 20);
    assert.equal(over.state, 'breached');
    assert.equal(over.remainingMs, -1);
    assert.equal(over.exhaustedAt, null);
    const exact = base(2_592_000, 20);
    assert.equal(exact.state, 'at_risk');
    assert.equal(exact.exhaustedAt, 20 * D);
  });

  test('a closed window is met or breached, never at risk; a thin margin is a note', () => {
    // The whole 30 days have passed (now at the end, or later): nothing is left to warn about.
    for (const now of [30 * D, 40 * D]) {
      const s = unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs: 2_332_800, eligibleMs: 30 * D, now }));
      assert.equal(s.consumedShare, 0.9);
      assert.equal(s.state, 'met');
      assert.equal(s.note, 'met with little margin: 90% of the budget used (warning at 75%)');
    }
    const exact = unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs: 2_592_000, eligibleMs: 30 * D, now: 30 * D }));
    assert.equal(exact.state, 'met');
    assert.equal(
      unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs: 2_592_001, eligibleMs: 30 * D, now: 30 * D })).state,
      'breached',
    );
    const easy = unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs: 1_000_000, eligibleMs: 30 * D, now: 30 * D }));
    assert.equal(easy.state, 'met');
    assert.equal(easy.note, undefined);
    // One millisecond before the end the same 90% is still a warning.
    assert.equal(
      unwrap(budgetStatus({ targetPercent: 99.9, window, downtimeMs: 2_332_800, eligibleMs: 30 * D - 1, now: 30 * D - 1 })).state,
      'at_risk',
    );
  });

  test('no downtime: no burn, no exhaustion', () => {
    const s = base(0, 10);
    assert.equal(s.burnRate, 0);
    assert.equal(s.exhaustedAt, null);
    assert.equal(s.state, 'met');
  });

  test('a 100% target has no budget', () => {
    const clean = base(0, 10, { targetPercent: 100 });
    assert.deepEqual([clean.budgetMs, clean.consumedShare, clean.burnRate, clean.state], [0, 0, 0, 'met']);
    const hit = base(1, 10, { targetPercent: 100 });
    assert.deepEqual([hit.consumedShare, hit.burnRate, hit.state], [null, null, 'breached']);
  });

  test('excluded time so far shrinks the eligible total and so the budget', () => {
    // 10 days elapsed of which 1 day excluded: 9 eligible days + 20 to come = 29 days.
    const s = base(0, 10, { eligibleMs: 9 * D });
    assert.equal(s.totalEligibleMs, 29 * D);
    assert.equal(s.budgetMs, 2_505_600);
  });

  test('with service hours the projection counts working time', () => {
    const berlin = unwrap(
      compileCalendar({
        timezone: 'Europe/Berlin',
        hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
      }),
    );
    const week = { from: t('2026-03-02T00:00:00+01:00'), to: t('2026-03-09T00:00:00+01:00') };
    // Tuesday 17:00: 16 working hours gone, 24 to come; 99% of 40h allows 24 minutes.
    const s = unwrap(
      budgetStatus({
        targetPercent: 99,
        window: week,
        downtimeMs: 1_152_000,
        eligibleMs: 16 * H,
        now: t('2026-03-03T17:00:00+01:00'),
        calendar: berlin,
      }),
    );
    assert.equal(s.totalEligibleMs, 40 * H);
    assert.equal(s.budgetMs, 1_440_000);
    assert.equal(s.burnRate, 2);
    // 288,000 ms left at 2% of working time: 4 working hours, from Wednesday 09:00.
    assert.equal(s.exhaustedAt, t('2026-03-04T13:00:00+01:00'));
    assert.equal(s.state, 'at_risk');
  });

  test('bad input is a list of issues', () => {
    const r = budgetStatus({ targetPercent: 101, window: { from: 10, to: 0 }, downtimeMs: 5, eligibleMs: 1, now: NaN });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(
        r.issues.map((i) => i.path),
        ['targetPercent', 'window.to', 'now', 'downtimeMs'],
      );
    const w = budgetStatus({ targetPercent: 99, window, downtimeMs: 0, eligibleMs: 0, now: 0, warnAt: 2 });
    assert.equal(w.ok, false);
    assert.equal(budgetStatus(null as never).ok, false);
  });
});
