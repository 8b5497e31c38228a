/**
 * Downtime budgets: what an availability target allows, how much of it is used, how fast it
 * burns, and when it will run out at the current pace.
 *
 * Two year lengths exist in agreements, and they differ by a quarter of a day:
 * - nominal (`WINDOW_MS.year` = 365.25 days, the Julian year that most SLA calculators and
 *   "nines" tables use; quarter and month are its quarter and twelfth), so "99.99% a year" is always
 *   52m 36s whatever the year;
 * - real (`calendarYearMs(2028)` = 366 days), the length of the actual calendar year in the
 *   agreement's zone, as a report for that year measures it.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import { exactDuration, humanSeconds } from '../time/duration.ts';
import { MS_PER_DAY } from '../time/zone.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import type { TimeWindow } from './types.ts';

const NOMINAL_YEAR_MS = 365.25 * MS_PER_DAY;

/** Nominal window lengths in ms. A month here is a twelfth of 365.25 days: 30d 10h 30m. */
export const WINDOW_MS = {
  year: NOMINAL_YEAR_MS,
  quarter: NOMINAL_YEAR_MS / 4,
  month: NOMINAL_YEAR_MS / 12,
  week: 7 * MS_PER_DAY,
  day: MS_PER_DAY,
} as const;

export type NominalWindow = keyof typeof WINDOW_MS;

/**
 * Downtime allowed by an availability target over a window: (1 - target/100) * windowMs.
 * The shortfall is taken to a billionth of the window (7 decimals of a percent), so 99.99% of a
 * nominal year is exactly 3,155,760 ms rather than 3,155,760.0000000028 from naive float math.
 * Returns NaN when the target is not within 0..100 or the window is not a length (use
 * `checkTarget` to get a reportable issue).
 */
export function downtimeBudget(targetPercent: number, windowMs: number): number {
  if (checkTarget(targetPercent) || !(typeof windowMs === 'number' && Number.isFinite(windowMs) && windowMs >= 0)) return NaN;
  const shortfallPerBillion = Math.round((100 - targetPercent) * 1e7);
  return (windowMs * shortfallPerBillion) / 1e9;
}

/** An issue when the target is not a percentage in 0..100, else null. */
export function checkTarget(targetPercent: unknown, path = 'targetPercent'): Issue | null {
  if (typeof targetPercent === 'number' && Number.isFinite(targetPercent) && targetPercent >= 0 && targetPercent <= 100) return null;
  return {
    path,
    message: 'expected an availability target in percent, 0 to 100',
    expected: 'e.g. 99.9',
    received: describeValue(targetPercent),
  };
}

/**
 * The downtime an availability target allows, in words, for `pledge explain` and reports. Two
 * forms, as contracts write them:
 * - a fixed allowance (`allowance: 52m36s`): that much downtime per window, whatever its length;
 * - a percentage (the default): the share of the time measured in each real window, so the
 *   allowance follows the window's length (and shrinks with service hours and excluded time).
 */
export function allowanceText(t: { value: number; window: string; allowanceMs?: number }): string {
  const calendar = t.window === 'month' || t.window === 'quarter' || t.window === 'year';
  const rolling = /(\d+)d$/.exec(t.window);
  if (t.allowanceMs !== undefined) {
    const per = calendar ? `a ${t.window}, however long the ${t.window}` : `per rolling window of ${rolling?.[1]} days`;
    const fixed = '(a fixed allowance; a window measured only in part gets its share of it)';
    return `at most ${exactDuration(t.allowanceMs)} of downtime ${per} ${fixed}`;
  }
  const days: Record<string, number[]> = { month: [28, 30, 31], quarter: [90, 92], year: [365, 366] };
  const lengths = days[t.window] ?? (rolling ? [Number(rolling[1])] : []);
  const examples = lengths.map((d) => `${exactDuration(downtimeBudget(t.value, d * MS_PER_DAY))} in ${d} days`).join(', ');
  const per = calendar ? `each ${t.window}` : `each rolling window of ${rolling?.[1]} days`;
  return `${t.value}% of the time measured in ${per}: downtime up to ${examples} (around the clock, nothing excluded)`;
}

/** "52m 36s": a downtime rounded to the second, as agreements quote it. */
export function formatDowntime(ms: number): string {
  return humanSeconds(ms / 1000);
}

export interface BudgetInput {
  targetPercent: number;
  window: TimeWindow;
  /** Weighted downtime so far in the window (AvailabilityResult.downtimeMs up to now). */
  downtimeMs: number;
  /** Eligible time elapsed so far (AvailabilityResult.eligibleMs from window.from to now). */
  eligibleMs: number;
  now: number;
  /**
   * Eligible time of the whole window. Default: eligibleMs plus the service time still to come
   * (calendar working time, or wall-clock time, from now to the window end), which assumes no
   * further excluded time.
   */
  totalEligibleMs?: number;
  /** Service hours; converts the projection from eligible time to an instant. Default 24x7. */
  calendar?: BusinessCalendar;
  /** Consumed share of the budget at which the state becomes at_risk. Default 0.75. */
  warnAt?: number;
}

export type BudgetState = 'met' | 'at_risk' | 'breached';

export interface BudgetStatus {
  /** Downtime the target allows over the whole window's eligible time. */
  budgetMs: number;
  consumedMs: number;
  /** budgetMs - consumedMs; negative once breached. */
  remainingMs: number;
  /** consumedMs / budgetMs; null when the budget is 0 (a 100% target) and downtime occurred. */
  consumedShare: number | null;
  /**
   * (downtimeMs / eligibleMs so far) / (budgetMs / totalEligibleMs): 1 uses exactly the budget by
   * the window end, 2 uses it by the middle. Null when the budget is 0 and downtime occurred.
   */
  burnRate: number | null;
  /**
   * When the budget runs out if downtime keeps its average pace so far. Null when nothing burns,
   * when it would last to the window end or beyond (running out exactly at the end is not early),
   * or when it already ran out (state breached: the instant of the breach comes from the
   * timeline, not from totals).
   */
  exhaustedAt: number | null;
  /** Downtime expected by the window end at the current pace. */
  projectedDowntimeMs: number;
  totalEligibleMs: number;
  /** Eligible time still to come in the window. */
  remainingEligibleMs: number;
  /**
   * at_risk is a warning about the rest of the window, so a closed window (now at or after its
   * end) is met or breached, never at_risk; a closed window that used most of its budget is met
   * with a note.
   */
  state: BudgetState;
  /** Set on a closed window met with little margin ("met with little margin: 80% of the budget used"). */
  note?: string;
}

const pct = (share: number) => Math.round(share * 10_000) / 100;

export function budgetStatus(input: BudgetInput): Result<BudgetStatus> {
  const issues: Issue[] = [];
  if (input === null || typeof input !== 'object')
    return fail({ path: '', message: 'expected a budget input object', received: describeValue(input) });
  const num = (v: unknown, path: string, what = 'a duration in milliseconds, 0 or more'): v is number => {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return true;
    issues.push({ path, message: `expected ${what}`, received: describeValue(v) });
    return false;
  };
  const { targetPercent, window, downtimeMs, eligibleMs, now, totalEligibleMs, calendar } = input;
  const warnAt = input.warnAt ?? 0.75;
  const targetIssue = checkTarget(targetPercent);
  if (targetIssue) issues.push(targetIssue);
  const from = window?.from;
  const to = window?.to;
  const instant = (v: unknown, path: string): boolean => {
    if (typeof v === 'number' && Number.isFinite(v)) return true;
    issues.push({ path, message: 'expected an instant in epoch milliseconds', received: describeValue(v) });
    return false;
  };
  if (instant(from, 'window.from') && instant(to, 'window.to') && (to as number) < (from as number)) {
    issues.push({ path: 'window.to', message: 'must not be before window.from', received: String(to) });
  }
  instant(now, 'now');
  if (num(downtimeMs, 'downtimeMs') && num(eligibleMs, 'eligibleMs') && downtimeMs > eligibleMs) {
    issues.push({
      path: 'downtimeMs',
      message: 'cannot exceed the eligible time elapsed (eligibleMs)',
      expected: `at most ${eligibleMs}`,
      received: String(downtimeMs),
    });
  }
  if (
    totalEligibleMs !== undefined &&
    num(totalEligibleMs, 'totalEligibleMs') &&
    typeof eligibleMs === 'number' &&
    totalEligibleMs < eligibleMs
  ) {
    issues.push({
      path: 'totalEligibleMs',
      message: 'cannot be less than the eligible time already elapsed',
      expected: `at least ${eligibleMs}`,
      received: String(totalEligibleMs),
    });
  }
  if (!(typeof warnAt === 'number' && warnAt > 0 && warnAt <= 1))
    issues.push({ path: 'warnAt', message: 'expected a share of the budget, more than 0 and at most 1', received: describeValue(warnAt) });
  if (
    calendar !== undefined &&
    (calendar === null || typeof calendar.elapsed !== 'function' || typeof calendar.addWorking !== 'function')
  ) {
    issues.push({ path: 'calendar', message: 'expected a compiled business calendar', received: describeValue(calendar) });
  }
  if (issues.length > 0) return fail(...issues);

  const w = window;
  // A "now" outside the window is read as the nearest end of it: before the start nothing has
  // elapsed, after the end the window is complete.
  const at = Math.min(Math.max(now, w.from), w.to);
  const remainingEligibleMs =
    totalEligibleMs !== undefined
      ? totalEligibleMs - eligibleMs
      : calendar && !calendar.alwaysOpen
        ? calendar.elapsed(at, w.to)
        : w.to - at;
  const total = totalEligibleMs ?? eligibleMs + remainingEligibleMs;
  const budgetMs = downtimeBudget(targetPercent, total);
  const consumedMs = downtimeMs;
  const remainingMs = budgetMs - consumedMs;

  const rate = eligibleMs > 0 ? downtimeMs / eligibleMs : 0;
  const allowedRate = total > 0 ? budgetMs / total : 0;
  const consumedShare = budgetMs > 0 ? consumedMs / budgetMs : consumedMs > 0 ? null : 0;
  const burnRate = allowedRate > 0 ? rate / allowedRate : rate > 0 ? null : 0;

  let exhaustedAt: number | null = null;
  if (rate > 0 && remainingMs >= 0) {
    const need = remainingMs / rate; // eligible ms until the budget is gone
    if (need < remainingEligibleMs) exhaustedAt = calendar && !calendar.alwaysOpen ? calendar.addWorking(at, need) : at + need;
    if (exhaustedAt !== null && !(exhaustedAt < w.to)) exhaustedAt = null;
  }
  const closed = now >= w.to;
  const warned = (consumedShare !== null && consumedShare >= warnAt) || exhaustedAt !== null;
  const state: BudgetState = consumedMs > budgetMs ? 'breached' : warned && !closed ? 'at_risk' : 'met';
  const note =
    state === 'met' && closed && consumedShare !== null && consumedShare >= warnAt
      ? `met with little margin: ${pct(consumedShare)}% of the budget used (warning at ${pct(warnAt)}%)`
      : undefined;
  return ok({
    budgetMs,
    consumedMs,
    remainingMs,
    consumedShare,
    burnRate,
    exhaustedAt,
    projectedDowntimeMs: consumedMs + rate * remainingEligibleMs,
    totalEligibleMs: total,
    remainingEligibleMs,
    state,
    ...(note !== undefined ? { note } : {}),
  });
}
