/**
 * Business time with pauses: intervals (e.g. "waiting on customer") during which no time counts,
 * even when they fall in working hours.
 */
import type { BusinessCalendar } from './types.ts';

export type Interval = readonly [number, number];

/** Sorts and merges intervals; drops empty ones. */
export function mergeIntervals(list: ReadonlyArray<Interval>): Array<[number, number]> {
  const sorted = list.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Working time in [from, to) outside the pauses. `pauses` must be merged (see mergeIntervals). */
export function elapsedWithPauses(cal: BusinessCalendar, from: number, to: number, pauses: ReadonlyArray<Interval>): number {
  let total = cal.elapsed(from, to);
  for (const [a, b] of pauses) {
    if (b <= from) continue;
    if (a >= to) break;
    total -= cal.elapsed(Math.max(a, from), Math.min(b, to));
  }
  return total;
}

/**
 * The instant at which `work` ms of working time outside the pauses have passed after `from`.
 * A deadline that falls exactly where a pause begins is that instant. `pauses` must be merged.
 */
export function addWorkingWithPauses(cal: BusinessCalendar, from: number, work: number, pauses: ReadonlyArray<Interval>): number {
  let cur = from;
  let remaining = work;
  for (const [a, b] of pauses) {
    if (b <= cur) continue;
    if (a > cur) {
      const due = cal.addWorking(cur, remaining);
      if (due <= a) return due;
      remaining -= cal.elapsed(cur, a);
    }
    cur = b;
  }
  return remaining > 0 ? cal.addWorking(cur, remaining) : cur;
}
