/**
 * Compiling a calendar into a table of working intervals, and answering business-time questions
 * from it by binary search.
 *
 * Invariants of the table (for the local days compiled so far):
 * - starts[i] < ends[i] <= starts[i+1]: disjoint, sorted working intervals of instants (epoch ms);
 *   touching intervals are kept apart so each keeps the local day it belongs to (days[i]);
 * - cum[i] is the working time in all intervals before i, so the working time before an instant t
 *   is cum[i] + (min(t, ends[i]) - starts[i]) for the last i with starts[i] <= t;
 * - elapsed(a, b) = W(b) - W(a) and a deadline is the inverse of W: both are one or two binary
 *   searches, O(log n), with no allocation.
 * The table covers [lo, hi) and grows (rebuilt for a wider span of days) when a query falls
 * outside it. Growing forward keeps every existing index and cum value unchanged.
 */
import { MS_PER_DAY, dayFromCivil, weekdayOfDay, civilFromDay, isLeapYear, zoneTable, type ZoneTable } from '../time/zone.ts';
import { validate } from '../validation/zod.ts';
import type { Result } from '../validation/issues.ts';
import type { BusinessCalendar } from './types.ts';
import { calendarSpec } from './spec.ts';
import { buildDefinition, type CalendarDefinition, type DayRanges, type DefinitionInputs } from './definition.ts';

const MIN_DAY = dayFromCivil(1900, 1, 1);
const MAX_DAY = dayFromCivil(2400, 1, 1);

/**
 * Instants a compiled calendar answers for: its table covers local days 1900-01-01 to 2399-12-31.
 * Before that every instant reads as closed, after it a deadline is Infinity, so an edge should
 * refuse instants outside this range rather than print a quiet wrong figure. A day of margin
 * at each end keeps the bounds valid in every zone (offsets stay within 14 hours).
 */
export const SUPPORTED_FROM = (MIN_DAY + 1) * MS_PER_DAY;
export const SUPPORTED_TO = (MAX_DAY - 1) * MS_PER_DAY;

/** The instant itself, or an issue when it is outside the range calendars cover. */
export function checkSupportedInstant(ms: number, path: string, given?: string): Result<number> {
  if (ms >= SUPPORTED_FROM && ms < SUPPORTED_TO) return { ok: true, value: ms };
  return {
    ok: false,
    issues: [
      {
        path,
        message: 'outside the years business calendars cover',
        expected: 'an instant from 1900-01-02 to 2399-12-30',
        received: given ?? String(ms),
      },
    ],
  };
}

/** Validates a calendar document (already parsed from YAML/JSON) and compiles it. */
export function compileCalendar(spec: unknown, inputs: DefinitionInputs = {}): Result<BusinessCalendar> {
  const v = validate(calendarSpec, spec);
  if (!v.ok) return v;
  const def = buildDefinition(v.value, inputs);
  if (!def.ok) return def;
  return { ok: true, value: compileDefinition(def.value) };
}

export function compileDefinition(def: CalendarDefinition): BusinessCalendar {
  return def.always ? new AlwaysOpenCalendar(def.zone, def.dayLengthMs) : new CompiledCalendar(def);
}

/** 24x7: working time is wall-clock time. Kept separate so the common case costs nothing. */
export class AlwaysOpenCalendar implements BusinessCalendar {
  readonly alwaysOpen = true;
  private readonly table: ZoneTable;
  constructor(
    readonly zone: string,
    readonly dayLengthMs: number = MS_PER_DAY,
  ) {
    this.table = zoneTable(zone);
  }
  elapsed(from: number, to: number): number {
    return to > from ? to - from : 0;
  }
  addWorking(from: number, work: number): number {
    return work > 0 ? from + work : from;
  }
  isWorking(_t: number): boolean {
    return true;
  }
  nextWorking(t: number): number {
    return t;
  }
  workingIntervals(from: number, to: number): Array<[number, number]> {
    return to > from ? [[from, to]] : [];
  }
  endOfWorkingDay(from: number, n: number): number {
    return this.table.startOfLocalDay(this.table.localDay(from) + Math.max(0, Math.floor(n)) + 1);
  }
}

export class CompiledCalendar implements BusinessCalendar {
  readonly alwaysOpen = false;
  readonly zone: string;
  readonly dayLengthMs: number;
  private readonly table: ZoneTable;
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  private cum = new Float64Array(0);
  private cumEnd = new Float64Array(0);
  private days = new Int32Array(0);
  /** dayIndex[k] = indexAt(dayBase + k days), a shortcut into the table for any instant. */
  private dayIndex = new Int32Array(0);
  private dayBase = 0;
  private n = 0;
  private fromDay = 0;
  private toDay = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(private readonly def: CalendarDefinition) {
    this.zone = def.zone;
    this.dayLengthMs = def.dayLengthMs;
    this.table = zoneTable(def.zone);
  }

  // ---- queries -------------------------------------------------------------------------------

  elapsed(from: number, to: number): number {
    if (!(to > from)) return 0;
    if (from < this.lo || from >= this.hi) this.cover(from);
    if (to < this.lo || to >= this.hi) this.cover(to);
    return this.workBefore(to) - this.workBefore(from);
  }

  addWorking(from: number, work: number): number {
    if (!(work > 0)) return from;
    if (from < this.lo || from >= this.hi) this.cover(from);
    const i0 = Math.max(0, this.indexAt(from));
    const target = this.workBefore(from) + work;
    for (;;) {
      const n = this.n;
      if (n > 0 && this.cumEnd[n - 1]! >= target) {
        // First interval whose cumulative end reaches the target: the deadline lies inside it, and
        // when it lands exactly on the interval's end, it is that closing instant. Deadlines are
        // usually near their start, so gallop forward from it, then bisect the bracket found.
        const ce = this.cumEnd;
        let lo = i0;
        let step = 1;
        let hi = i0;
        while (hi < n - 1 && ce[hi]! < target) {
          lo = hi + 1;
          hi = Math.min(n - 1, hi + step);
          step <<= 1;
        }
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (ce[mid]! >= target) hi = mid;
          else lo = mid + 1;
        }
        const at = this.starts[lo]! + (target - this.cum[lo]!);
        if (at < this.hi) return at;
      }
      if (!this.growForward()) return Infinity;
    }
  }

  isWorking(t: number): boolean {
    if (t < this.lo || t >= this.hi) this.cover(t);
    const i = this.indexAt(t);
    return i >= 0 && t < this.ends[i]!;
  }

  nextWorking(t: number): number {
    if (t < this.lo || t >= this.hi) this.cover(t);
    const i = this.indexAt(t);
    if (i >= 0 && t < this.ends[i]!) return t;
    for (;;) {
      if (i + 1 < this.n && this.starts[i + 1]! < this.hi) return this.starts[i + 1]!;
      if (!this.growForward()) return Infinity;
    }
  }

  workingIntervals(from: number, to: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (!(to > from)) return out;
    this.elapsed(from, to); // covers both ends
    let i = Math.max(0, this.indexAt(from));
    for (; i < this.n && this.starts[i]! < to; i++) {
      const a = Math.max(from, this.starts[i]!);
      const b = Math.min(to, this.ends[i]!);
      if (a < b) {
        const last = out[out.length - 1];
        if (last && last[1] === a) last[1] = b;
        else out.push([a, b]);
      }
    }
    return out;
  }

  endOfWorkingDay(from: number, n: number): number {
    if (from < this.lo || from >= this.hi) this.cover(from);
    let i = this.indexAt(from);
    if (i < 0 || from >= this.ends[i]!) i++;
    let remaining = Math.max(0, Math.floor(n));
    for (;;) {
      // Make sure the table runs past the current day so its last interval is known.
      while (i + 1 >= this.n || this.starts[i + 1]! >= this.hi) {
        if (!this.growForward()) return i < this.n ? this.ends[this.lastOfDay(i)]! : Infinity;
      }
      const k = this.lastOfDay(i);
      if (k + 1 >= this.n) continue;
      if (remaining === 0) return this.ends[k]!;
      remaining--;
      i = k + 1;
    }
  }

  // ---- table -----------------------------------------------------------------------------------

  /** Last interval index belonging to the same local day as interval i. */
  private lastOfDay(i: number): number {
    const d = this.days[i];
    let k = i;
    while (k + 1 < this.n && this.days[k + 1] === d) k++;
    return k;
  }

  /** Index of the last interval starting at or before t, or -1. */
  private indexAt(t: number): number {
    const k = Math.floor((t - this.dayBase) / MS_PER_DAY);
    if (k >= 0 && k < this.dayIndex.length) {
      // At most a few intervals start within one day: step forward from the day's entry.
      let i = this.dayIndex[k]!;
      const s = this.starts;
      const n = this.n;
      while (i + 1 < n && s[i + 1]! <= t) i++;
      return i;
    }
    return this.search(t);
  }

  /** Binary search for indexAt, used to build the day index and outside it. */
  private search(t: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = this.n - 1;
    if (hi < 0 || s[0]! > t) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Working time from the start of the table to t. */
  private workBefore(t: number): number {
    const i = this.indexAt(t);
    if (i < 0) return 0;
    const e = this.ends[i]!;
    return this.cum[i]! + (Math.min(t, e) - this.starts[i]!);
  }

  /** Rebuilds the table so that it covers instant t (at least a year either side on first use). */
  private cover(t: number): void {
    if (!Number.isFinite(t)) return;
    const day = Math.min(MAX_DAY - 1, Math.max(MIN_DAY, Math.floor(t / MS_PER_DAY)));
    if (this.n === 0 && this.hi === -Infinity) {
      this.build(Math.max(MIN_DAY, day - 366), Math.min(MAX_DAY, day + 2 * 366));
      return;
    }
    const span = this.toDay - this.fromDay;
    const from = day - 2 < this.fromDay ? Math.max(MIN_DAY, Math.min(day - 31, this.fromDay - span)) : this.fromDay;
    const to = day + 2 >= this.toDay ? Math.min(MAX_DAY, Math.max(day + 366, this.toDay + span)) : this.toDay;
    if (from === this.fromDay && to === this.toDay) return;
    this.build(from, to);
  }

  /** Doubles the table forward; false when the limit is reached. Indices stay valid. */
  private growForward(): boolean {
    if (this.toDay >= MAX_DAY) return false;
    this.build(this.fromDay, Math.min(MAX_DAY, this.toDay + Math.max(366, this.toDay - this.fromDay)));
    return true;
  }

  private build(fromDay: number, toDay: number): void {
    const def = this.def;
    const table = this.table;
    const yearly = yearlyDays(def, fromDay - 3, toDay + 3);
    const starts: number[] = [];
    const ends: number[] = [];
    const tags: number[] = [];
    const tmp: number[] = [];
    for (let d = fromDay - 1; d < toDay; d++) {
      const ranges = this.rangesOf(d, yearly);
      for (let r = 0; r < ranges.length; r += 2) {
        tmp.length = 0;
        table.wallRangeToInstants(d * MS_PER_DAY + ranges[r]! * 1000, d * MS_PER_DAY + ranges[r + 1]! * 1000, tmp);
        for (let k = 0; k < tmp.length; k += 2) {
          starts.push(tmp[k]!);
          ends.push(tmp[k + 1]!);
          tags.push(d);
        }
      }
    }
    let order = starts.map((_s, i) => i);
    if (starts.some((s, i) => i > 0 && s < starts[i - 1]!)) order = order.sort((a, b) => starts[a]! - starts[b]! || a - b);
    // Merge overlaps (a night shift running into the next day's early shift); touching stays apart.
    const S: number[] = [];
    const E: number[] = [];
    const D: number[] = [];
    for (const i of order) {
      const s = starts[i]!;
      const e = ends[i]!;
      const m = S.length - 1;
      if (m >= 0 && s < E[m]!) E[m] = Math.max(E[m]!, e);
      else {
        S.push(s);
        E.push(e);
        D.push(tags[i]!);
      }
    }
    if (def.closedInstants.length > 0) subtractInstants(S, E, D, def.closedInstants);
    const n = S.length;
    this.starts = Float64Array.from(S);
    this.ends = Float64Array.from(E);
    this.days = Int32Array.from(D);
    this.cum = new Float64Array(n);
    this.cumEnd = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      this.cum[i] = acc;
      acc += E[i]! - S[i]!;
      this.cumEnd[i] = acc;
    }
    this.n = n;
    // Day index over UTC days covering the table (entries before the first interval are -1).
    this.dayIndex = new Int32Array(0);
    this.dayBase = (fromDay - 2) * MS_PER_DAY;
    const days = toDay - fromDay + 4;
    const index = new Int32Array(days);
    let j = -1;
    for (let k = 0; k < days; k++) {
      const at = this.dayBase + k * MS_PER_DAY;
      while (j + 1 < n && S[j + 1]! <= at) j++;
      index[k] = j;
    }
    this.dayIndex = index;
    this.fromDay = fromDay;
    this.toDay = toDay;
    this.lo = table.startOfLocalDay(fromDay);
    this.hi = table.startOfLocalDay(toDay);
  }

  /** The working ranges of local day d in seconds from its midnight, after holidays and closures. */
  private rangesOf(d: number, yearly: Set<number>): DayRanges {
    const def = this.def;
    if (def.holidays.has(d) || yearly.has(d)) return [];
    let r = def.openings.get(d) ?? def.weekly[weekdayOfDay(d)]!;
    const own = def.closures.get(d);
    const next = def.closures.get(d + 1);
    if (own) r = subtractRanges(r, own);
    // A night shift's part after midnight is closed by the next date's closures.
    if (next && r.length > 0 && r[r.length - 1]! > 86_400)
      r = subtractRanges(
        r,
        next.map((x) => x + 86_400),
      );
    return r;
  }
}

/** Days closed by yearly holidays (after applying each rule's observed-day shift) in [from, to). */
function yearlyDays(def: CalendarDefinition, fromDay: number, toDay: number): Set<number> {
  const out = new Set<number>();
  if (def.yearly.length === 0) return out;
  const y0 = civilFromDay(fromDay).y;
  const y1 = civilFromDay(toDay).y;
  for (let y = y0; y <= y1; y++) {
    for (const h of def.yearly) {
      if ((h.from !== undefined && y < h.from) || (h.until !== undefined && y > h.until)) continue;
      if (h.month === 2 && h.day === 29 && !isLeapYear(y)) continue;
      let d = dayFromCivil(y, h.month, h.day);
      const wd = weekdayOfDay(d);
      if (h.observed === 'nearest_weekday') d += wd === 6 ? -1 : wd === 7 ? 1 : 0;
      else if (h.observed === 'next_weekday') d += wd === 6 ? 2 : wd === 7 ? 1 : 0;
      out.add(d);
    }
  }
  return out;
}

/** a minus b, both sorted disjoint flat range lists. */
function subtractRanges(a: DayRanges, b: DayRanges): DayRanges {
  const out: number[] = [];
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i]!;
    const e = a[i + 1]!;
    for (let j = 0; j < b.length && s < e; j += 2) {
      const bs = b[j]!;
      const be = b[j + 1]!;
      if (be <= s || bs >= e) continue;
      if (bs > s) out.push(s, bs);
      s = Math.max(s, be);
    }
    if (s < e) out.push(s, e);
  }
  return out;
}

/** Removes closed instant ranges (sorted by start) from the interval lists in place. */
function subtractInstants(S: number[], E: number[], D: number[], closed: ReadonlyArray<readonly [number, number]>): void {
  const s2: number[] = [];
  const e2: number[] = [];
  const d2: number[] = [];
  let j = 0;
  for (let i = 0; i < S.length; i++) {
    let s = S[i]!;
    const e = E[i]!;
    while (j < closed.length && closed[j]![1] <= s) j++;
    for (let k = j; k < closed.length && closed[k]![0] < e && s < e; k++) {
      const [cs, ce] = closed[k]!;
      if (ce <= s) continue;
      if (cs > s) {
        s2.push(s);
        e2.push(cs);
        d2.push(D[i]!);
      }
      s = Math.max(s, ce);
    }
    if (s < e) {
      s2.push(s);
      e2.push(e);
      d2.push(D[i]!);
    }
  }
  S.length = 0;
  E.length = 0;
  D.length = 0;
  S.push(...s2);
  E.push(...e2);
  D.push(...d2);
}
