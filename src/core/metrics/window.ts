/**
 * Measurement windows: the periods a target is judged over.
 *
 * A calendar window (month, quarter, year) is a civil period that starts and ends at local
 * midnight in the agreement's IANA zone, so a month with a daylight-saving change is 743 or 745
 * hours long, not 744: October 2026 in Europe/Berlin is [2026-09-30T22:00Z, 2026-10-31T23:00Z).
 * A rolling window is the N local days before its end instant ("the last 30 days" at the same
 * wall-clock time); a range is two explicit instants. Every window resolves to a half-open
 * interval [from, to) of epoch ms: an instant exactly at `to` belongs to the next window, so
 * consecutive windows tile time with no gap and no overlap.
 *
 * Text forms, which `label` writes and `parseWindow` reads back:
 *   2026-10            month (01..12)
 *   2026-Q4            quarter (Q1..Q4, q accepted)
 *   2026               year
 *   rolling:30d, 30d   rolling window ending at `now` (given by the caller)
 *   rolling:30d@END    rolling window ending at the ISO instant END (reproducible)
 *   FROM/TO            range between two ISO 8601 instants with offsets
 */
import { civilFromDay, dayFromCivil, isValidZone, MS_PER_DAY, zoneTable } from '../time/zone.ts';
import { formatInstant, parseInstant } from '../time/instant.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../validation/issues.ts';

/** Month `index` is 1..12, quarter `index` is 1..4 (both 1-based, as people write them). */
export type CalendarWindow =
  | { kind: 'month'; year: number; index: number }
  | { kind: 'quarter'; year: number; index: number }
  | { kind: 'year'; year: number };

export type Window = CalendarWindow | { kind: 'rolling'; days: number; end: number } | { kind: 'range'; from: number; to: number };

export type CalendarKind = CalendarWindow['kind'];

/** A window pinned to instants: [from, to) in epoch ms, in the zone it was resolved in. */
export interface ResolvedWindow {
  window: Window;
  zone: string;
  from: number;
  to: number;
  /** Canonical text of the window (see `label`). */
  label: string;
}

/** Years accepted: four digits, so labels stay unambiguous and sortable. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;
/** Ten years of days: longer rolling windows are almost certainly a typo (3650 vs 365). */
const MAX_ROLLING_DAYS = 3660;
/** Bound on windowsBetween / windowsCovering, so a typo in a year cannot allocate millions. */
const MAX_WINDOWS = 12 * 200;

// ---------------------------------------------------------------------------------------------
// Validation

function checkWindow(w: unknown, path: string): Issue[] {
  if (w === null || typeof w !== 'object')
    return [
      {
        path,
        message: 'expected a window object',
        expected: '{ kind: month|quarter|year|rolling|range, ... }',
        received: describeValue(w),
      },
    ];
  const o = w as Record<string, unknown>;
  const issues: Issue[] = [];
  const intIn = (key: string, lo: number, hi: number, what: string) => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      issues.push({
        path: `${path}.${key}`,
        message: `expected ${what}`,
        expected: `an integer from ${lo} to ${hi}`,
        received: describeValue(v),
      });
    }
  };
  const instant = (key: string) => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      issues.push({
        path: `${path}.${key}`,
        message: 'expected an instant in epoch milliseconds',
        expected: 'a finite number',
        received: describeValue(v),
      });
  };
  switch (o.kind) {
    case 'month':
      intIn('year', MIN_YEAR, MAX_YEAR, 'a four-digit year');
      intIn('index', 1, 12, 'a month number');
      break;
    case 'quarter':
      intIn('year', MIN_YEAR, MAX_YEAR, 'a four-digit year');
      intIn('index', 1, 4, 'a quarter number');
      break;
    case 'year':
      intIn('year', MIN_YEAR, MAX_YEAR, 'a four-digit year');
      break;
    case 'rolling':
      intIn('days', 1, MAX_ROLLING_DAYS, 'a whole number of days');
      instant('end');
      break;
    case 'range':
      instant('from');
      instant('to');
      if (issues.length === 0 && (o.to as number) <= (o.from as number)) {
        issues.push({
          path: `${path}.to`,
          message: 'must be after from',
          expected: 'an instant later than from',
          received: describeValue(o.to),
        });
      }
      break;
    default:
      issues.push({
        path: `${path}.kind`,
        message: 'unknown window kind',
        expected: 'one of month, quarter, year, rolling, range',
        received: describeValue(o.kind),
      });
  }
  return issues;
}

function checkZone(zone: unknown, path: string): Issue[] {
  return typeof zone === 'string' && isValidZone(zone)
    ? []
    : [{ path, message: 'unknown time zone', expected: 'an IANA zone such as Europe/Berlin', received: describeValue(zone) }];
}

// ---------------------------------------------------------------------------------------------
// Resolution

/** The first instant of a civil date's local day (local midnight, or later if midnight is skipped). */
function startOfCivil(zone: string, y: number, m: number, d: number): number {
  return zoneTable(zone).startOfLocalDay(dayFromCivil(y, m, d));
}

/**
 * The first instant whose local wall time is at or after `wall` (local epoch ms). In a repeated
 * hour that is the first occurrence; in a skipped hour, the instant the clocks jump to. This is the
 * same convention as `startOfLocalDay`, so a rolling window ending at local midnight starts at
 * local midnight.
 */
function instantAtWall(zone: string, wall: number): number {
  const out: number[] = [];
  zoneTable(zone).wallRangeToInstants(wall, wall + 2 * MS_PER_DAY, out);
  // Never empty: no zone skips two whole days.
  return out[0]!;
}

/** [first civil day, first civil day after] of a calendar window, as { y, m } month starts. */
function calendarBounds(w: CalendarWindow): { y1: number; m1: number; y2: number; m2: number } {
  switch (w.kind) {
    case 'month':
      return w.index === 12 ? { y1: w.year, m1: 12, y2: w.year + 1, m2: 1 } : { y1: w.year, m1: w.index, y2: w.year, m2: w.index + 1 };
    case 'quarter': {
      const m1 = (w.index - 1) * 3 + 1;
      return w.index === 4 ? { y1: w.year, m1, y2: w.year + 1, m2: 1 } : { y1: w.year, m1, y2: w.year, m2: m1 + 3 };
    }
    case 'year':
      return { y1: w.year, m1: 1, y2: w.year + 1, m2: 1 };
  }
}

/**
 * Pins a window to instants in `zone`. Calendar and rolling windows depend on the zone; a range
 * does not (the zone is then used only to write its label).
 */
export function resolveWindow(window: Window, zone: string, path = 'window'): Result<ResolvedWindow> {
  const issues = [...checkWindow(window, path), ...checkZone(zone, 'zone')];
  if (issues.length > 0) return fail(...issues);
  let from: number;
  let to: number;
  switch (window.kind) {
    case 'month':
    case 'quarter':
    case 'year': {
      const b = calendarBounds(window);
      from = startOfCivil(zone, b.y1, b.m1, 1);
      to = startOfCivil(zone, b.y2, b.m2, 1);
      break;
    }
    case 'rolling': {
      const t = zoneTable(zone);
      from = instantAtWall(zone, t.toLocal(window.end) - window.days * MS_PER_DAY);
      to = window.end;
      break;
    }
    case 'range':
      from = window.from;
      to = window.to;
      break;
  }
  return ok({ window, zone, from, to, label: label(window, zone) });
}

/** Whether instant t lies in the resolved window [from, to). */
export function inWindow(w: { from: number; to: number }, t: number): boolean {
  return t >= w.from && t < w.to;
}

// ---------------------------------------------------------------------------------------------
// Labels and parsing

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Canonical text of a window, readable by people and by `parseWindow`: 2026-10, 2026-Q4, 2026,
 * rolling:30d@2026-11-01T00:00:00+01:00, or FROM/TO. Instants are written with the offset of
 * `zone` (UTC by default), which changes their spelling, never their meaning.
 */
export function label(window: Window, zone = 'UTC'): string {
  const z = isValidZone(zone) ? zone : 'UTC';
  switch (window.kind) {
    case 'month':
      return `${window.year}-${pad2(window.index)}`;
    case 'quarter':
      return `${window.year}-Q${window.index}`;
    case 'year':
      return String(window.year);
    case 'rolling':
      return `rolling:${window.days}d@${formatInstant(window.end, z)}`;
    case 'range':
      return `${formatInstant(window.from, z)}/${formatInstant(window.to, z)}`;
  }
}

const EXPECTED_TEXT =
  'a month 2026-10, a quarter 2026-Q4, a year 2026, a rolling window rolling:30d (or 30d, or rolling:30d@<instant>), or FROM/TO instants';

/**
 * Reads a window from text. `now` is the end of a rolling window written without `@end`; without
 * it such a window is refused rather than silently ending at some other instant.
 */
export function parseWindow(text: unknown, path = 'window', opts: { now?: number } = {}): Result<Window> {
  if (typeof text !== 'string') return fail({ path, message: 'expected a window', expected: EXPECTED_TEXT, received: describeValue(text) });
  const s = text.trim();
  const bad = (message: string, expected = EXPECTED_TEXT) => fail<Window>({ path, message, expected, received: describeValue(text) });

  const yearOf = (digits: string) => Number(digits);
  if (/^\d{4}(?:-(?:\d{1,2}|[Qq]\d+))?$/.test(s) && yearOf(s.slice(0, 4)) < MIN_YEAR)
    return bad('year out of range', `a year from ${MIN_YEAR} to ${MAX_YEAR}`);
  let m = /^(\d{4})-(\d{1,2})$/.exec(s);
  if (m) {
    const index = Number(m[2]);
    if (index < 1 || index > 12) return bad(`no month ${m[2]}`, 'a month from 01 to 12, e.g. 2026-10');
    return ok({ kind: 'month', year: Number(m[1]), index });
  }
  m = /^(\d{4})-[Qq](\d+)$/.exec(s);
  if (m) {
    const index = Number(m[2]);
    if (index < 1 || index > 4) return bad(`no quarter Q${m[2]}`, 'a quarter from Q1 to Q4, e.g. 2026-Q4');
    return ok({ kind: 'quarter', year: Number(m[1]), index });
  }
  if (/^\d{4}$/.test(s)) return ok({ kind: 'year', year: yearOf(s) });
  m = /^(?:rolling:)?(\d+)([a-zA-Z]*)(?:@(.+))?$/.exec(s);
  if (m && (s.startsWith('rolling:') || m[2] !== '')) {
    if (m[2]!.toLowerCase() !== 'd') return bad(`unknown unit "${m[2]}" in a rolling window`, 'a whole number of days, e.g. rolling:30d');
    const days = Number(m[1]);
    if (days < 1 || days > MAX_ROLLING_DAYS) return bad('rolling window length out of range', `from 1d to ${MAX_ROLLING_DAYS}d`);
    let end: number;
    if (m[3] !== undefined) {
      const e = parseInstant(m[3], path);
      if (!e.ok) return e;
      end = e.value;
    } else if (opts.now !== undefined && Number.isFinite(opts.now)) {
      end = opts.now;
    } else {
      return bad('a rolling window needs an end', 'rolling:30d@<ISO instant>, or a current time supplied by the caller');
    }
    return ok({ kind: 'rolling', days, end });
  }
  const slash = s.indexOf('/');
  if (slash > 0) {
    const f = parseInstant(s.slice(0, slash), `${path}.from`);
    const t = parseInstant(s.slice(slash + 1), `${path}.to`);
    const issues = [...(f.ok ? [] : f.issues), ...(t.ok ? [] : t.issues)];
    if (issues.length > 0) return fail(...issues);
    if (t.ok && f.ok && t.value <= f.value)
      return fail({
        path: `${path}.to`,
        message: 'must be after from',
        expected: 'an instant later than from',
        received: describeValue(s.slice(slash + 1)),
      });
    if (t.ok && f.ok) return ok({ kind: 'range', from: f.value, to: t.value });
  }
  return bad('not a window');
}

// ---------------------------------------------------------------------------------------------
// Navigation

/** Months since year 0 of a calendar window's start, for arithmetic on month-based windows. */
function monthOrdinal(w: CalendarWindow): number {
  const m = w.kind === 'month' ? w.index : w.kind === 'quarter' ? (w.index - 1) * 3 + 1 : 1;
  return w.year * 12 + (m - 1);
}

/** The calendar window of `kind` whose first month is `ordinal` (already aligned to the kind). */
function fromOrdinal(kind: CalendarKind, ordinal: number): CalendarWindow {
  const year = Math.floor(ordinal / 12);
  const month = ordinal - year * 12 + 1;
  if (kind === 'month') return { kind, year, index: month };
  if (kind === 'quarter') return { kind, year, index: Math.floor((month - 1) / 3) + 1 };
  return { kind, year };
}

const STEP: Record<CalendarKind, number> = { month: 1, quarter: 3, year: 12 };

function shiftCalendar(w: CalendarWindow, n: number): CalendarWindow {
  return fromOrdinal(w.kind, monthOrdinal(w) + n * STEP[w.kind]);
}

/**
 * The window just before this one, of the same kind and length: the previous month, quarter or
 * year; the N local days before a rolling window's start; the range of equal length that ends
 * where this one starts. `zone` matters only for rolling windows.
 */
export function previous(window: Window, zone = 'UTC'): Result<Window> {
  const issues = checkWindow(window, 'window');
  if (window?.kind === 'rolling') issues.push(...checkZone(zone, 'zone'));
  if (issues.length > 0) return fail(...issues);
  switch (window.kind) {
    case 'month':
    case 'quarter':
    case 'year': {
      const p = shiftCalendar(window, -1);
      if (p.year < MIN_YEAR)
        return fail({
          path: 'window.year',
          message: 'no earlier window',
          expected: `a year from ${MIN_YEAR + 1}`,
          received: String(window.year),
        });
      return ok(p);
    }
    case 'rolling': {
      const r = resolveWindow(window, zone);
      if (!r.ok) return r;
      return ok({ kind: 'rolling', days: window.days, end: r.value.from });
    }
    case 'range':
      return ok({ kind: 'range', from: window.from - (window.to - window.from), to: window.from });
  }
}

/** The window just after this one (the mirror of `previous`). */
export function next(window: Window, zone = 'UTC'): Result<Window> {
  const issues = checkWindow(window, 'window');
  if (window?.kind === 'rolling') issues.push(...checkZone(zone, 'zone'));
  if (issues.length > 0) return fail(...issues);
  switch (window.kind) {
    case 'month':
    case 'quarter':
    case 'year': {
      const n = shiftCalendar(window, 1);
      if (n.year > MAX_YEAR)
        return fail({
          path: 'window.year',
          message: 'no later window',
          expected: `a year up to ${MAX_YEAR - 1}`,
          received: String(window.year),
        });
      return ok(n);
    }
    case 'rolling': {
      // The next rolling window ends N local days after this one's end.
      const t = zoneTable(zone);
      return ok({ kind: 'rolling', days: window.days, end: instantAtWall(zone, t.toLocal(window.end) + window.days * MS_PER_DAY) });
    }
    case 'range':
      return ok({ kind: 'range', from: window.to, to: window.to + (window.to - window.from) });
  }
}

/**
 * The calendar windows from `first` to `last`, both included, in order (for trends: every month
 * of 2026 is windowsBetween(2026-01, 2026-12)). Both must be of the same kind.
 */
export function windowsBetween(first: CalendarWindow, last: CalendarWindow): Result<CalendarWindow[]> {
  const issues = [...checkWindow(first, 'first'), ...checkWindow(last, 'last')];
  if (issues.length === 0 && !['month', 'quarter', 'year'].includes(first.kind))
    issues.push({
      path: 'first.kind',
      message: 'expected a calendar window',
      expected: 'month, quarter or year',
      received: describeValue(first.kind),
    });
  if (issues.length === 0 && first.kind !== last.kind)
    issues.push({ path: 'last.kind', message: 'must be the same kind as first', expected: first.kind, received: describeValue(last.kind) });
  if (issues.length > 0) return fail(...issues);
  const a = monthOrdinal(first);
  const b = monthOrdinal(last);
  if (b < a)
    return fail({ path: 'last', message: 'must not be before first', expected: `${label(first)} or later`, received: label(last) });
  const count = (b - a) / STEP[first.kind] + 1;
  if (count > MAX_WINDOWS)
    return fail({ path: 'last', message: 'too many windows', expected: `at most ${MAX_WINDOWS}`, received: String(count) });
  const out: CalendarWindow[] = [];
  for (let o = a; o <= b; o += STEP[first.kind]) out.push(fromOrdinal(first.kind, o));
  return ok(out);
}

/** The calendar window of `kind` that contains instant t in `zone`. */
export function windowContaining(kind: CalendarKind, t: number, zone: string): Result<CalendarWindow> {
  const issues = checkZone(zone, 'zone');
  if (!['month', 'quarter', 'year'].includes(kind))
    issues.push({
      path: 'kind',
      message: 'expected a calendar window kind',
      expected: 'month, quarter or year',
      received: describeValue(kind),
    });
  if (typeof t !== 'number' || !Number.isFinite(t))
    issues.push({ path: 't', message: 'expected an instant in epoch milliseconds', received: describeValue(t) });
  if (issues.length > 0) return fail(...issues);
  // The local civil date of t decides: windows start at local midnight, so an instant belongs to
  // the window of the local day it falls in (even on a day whose midnight was skipped).
  const { y, m } = civilFromDay(zoneTable(zone).localDay(t));
  if (y < MIN_YEAR + 1 || y > MAX_YEAR - 1)
    return fail({
      path: 't',
      message: 'instant outside the supported years',
      expected: `years ${MIN_YEAR + 1} to ${MAX_YEAR - 1}`,
      received: String(t),
    });
  let w = fromOrdinal(kind, kind === 'month' ? y * 12 + m - 1 : kind === 'quarter' ? y * 12 + Math.floor((m - 1) / 3) * 3 : y * 12);
  // Where a zone turns its clocks back across midnight (old America/Sao_Paulo, America/Havana),
  // an instant can show the previous local date after the first midnight has passed. Windows
  // begin at the first occurrence of midnight, so the resolved bounds, not the local date, decide.
  const r = resolveWindow(w, zone);
  if (r.ok && t >= r.value.to) w = shiftCalendar(w, 1);
  else if (r.ok && t < r.value.from) w = shiftCalendar(w, -1);
  return ok(w);
}

/** The calendar windows of `kind` that intersect [from, to) in `zone`, in order. */
export function windowsCovering(kind: CalendarKind, from: number, to: number, zone: string): Result<CalendarWindow[]> {
  if (typeof to !== 'number' || !Number.isFinite(to) || !(to > from))
    return fail({ path: 'to', message: 'must be after from', expected: 'an instant later than from', received: describeValue(to) });
  const a = windowContaining(kind, from, zone);
  if (!a.ok) return a;
  // `to` is excluded, so the last window is the one containing the last millisecond before it.
  const b = windowContaining(kind, to - 1, zone);
  if (!b.ok) return b;
  return windowsBetween(a.value, b.value);
}
