/**
 * Durations of working time. Three meanings of "a day" exist in the field, so each has its own unit:
 *
 * - `d`   : 24 hours of counted time (ServiceNow, Jira: "1 day" = 24 working hours). In a 24x7
 *           calendar this is a calendar day; in a 09:00-17:00 calendar it is three working days.
 * - `wd`  : one working day's length in that calendar (its `dayLength`, by default the most common
 *           length of a working day in its week, e.g. 8h). 1wd from Tue 10:00 = Wed 10:00.
 * - `eod` : until the end of the n-th working day: `0eod` = by the close of the working day in
 *           progress (or the next one when the start is after hours), `1eod` = by the close of the
 *           next working day. The budget is fixed at the start as the working time to that close;
 *           pauses then push the deadline as for any other duration.
 *
 * Plain units: `s`, `m`, `h` (and `ms`, and `w` = 7d), combinable largest first, each once
 * (`1h30m`), decimals allowed (`1.5h`), and
 * ISO 8601 durations without years or months (`PT4H`, `P1DT2H`, where D = 24h as for `d`).
 */
import { fail, ok, describeValue, type Result } from '../validation/issues.ts';
import type { BusinessCalendar } from '../calendar/types.ts';

export type WorkDuration = { kind: 'fixed'; ms: number } | { kind: 'workdays'; days: number } | { kind: 'eod'; days: number };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const EXPECTED = 'a duration such as 90s, 45m, 4h, 1h30m, 2d, 1wd, 1eod or PT4H';

export function parseDuration(text: unknown, path = 'duration'): Result<WorkDuration> {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return ok({ kind: 'fixed', ms: text * 1000 });
  if (typeof text !== 'string') return fail({ path, message: 'expected a duration', expected: EXPECTED, received: describeValue(text) });
  const s = text.trim();
  let m = /^(\d+(?:\.\d+)?)\s*(wd|eod)$/i.exec(s);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    if (unit === 'eod' && !Number.isInteger(n))
      return fail({ path, message: 'eod counts whole working days', expected: 'e.g. 0eod or 1eod', received: describeValue(text) });
    return ok(unit === 'wd' ? { kind: 'workdays', days: n } : { kind: 'eod', days: n });
  }
  m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s);
  if (m && s.length > 1 && !/T$/i.test(s)) {
    const [, w, d, h, mi, se] = m;
    const ms =
      Number(w ?? 0) * UNIT_MS.w! +
      Number(d ?? 0) * UNIT_MS.d! +
      Number(h ?? 0) * UNIT_MS.h! +
      Number(mi ?? 0) * UNIT_MS.m! +
      Number(se ?? 0) * 1000;
    return ok({ kind: 'fixed', ms });
  }
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)(?![a-z])/giy;
  let total = 0;
  let pos = 0;
  let parts = 0;
  let lastUnitMs = Infinity;
  const compact = s.replace(/\s+/g, '');
  re.lastIndex = 0;
  while (pos < compact.length) {
    re.lastIndex = pos;
    const part = re.exec(compact);
    if (!part) break;
    const unitMs = UNIT_MS[part[2]!.toLowerCase()]!;
    // Largest unit first, each once: "1h30h" is a typo for 1h30m more often than it means 31h.
    if (unitMs >= lastUnitMs)
      return fail({
        path,
        message: 'each unit at most once, the largest first',
        expected: 'e.g. 1h30m or 2d4h',
        received: describeValue(text),
      });
    lastUnitMs = unitMs;
    total += Number(part[1]) * unitMs;
    pos = re.lastIndex;
    parts++;
  }
  if (parts === 0 || pos !== compact.length) {
    const unit = /^\d+(?:\.\d+)?\s*([a-z]+)$/i.exec(s)?.[1];
    const msg = unit ? `unknown unit "${unit}"` : 'not a duration';
    return fail({ path, message: msg, expected: EXPECTED, received: describeValue(text) });
  }
  return ok({ kind: 'fixed', ms: Math.round(total * 1000) / 1000 });
}

/** The working time a duration stands for when it starts at `from` in calendar `cal`, in ms. */
export function workingMs(d: WorkDuration, cal: BusinessCalendar, from: number): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'workdays':
      return d.days * cal.dayLengthMs;
    case 'eod':
      return cal.elapsed(from, cal.endOfWorkingDay(from, d.days));
  }
}

/** Canonical text of a duration: 4h, 1h30m, 52m 36s style is formatHuman's job. */
export function durationText(d: WorkDuration): string {
  if (d.kind === 'workdays') return `${d.days}wd`;
  if (d.kind === 'eod') return `${d.days}eod`;
  return compactMs(d.ms);
}

/** 5400000 -> "1h30m"; 0 -> "0s". */
export function compactMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [u, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${Math.round(rest * 1000) / 1000}ms`;
  return out;
}

/**
 * Human text of a duration without rounding it away: 3,153,600 ms -> "52m 33.6s", 3,156,000 ms ->
 * "52m 36s", to the millisecond. For figures a reader compares with each other (an allowance
 * against the downtime used), where rounding to the second could make two different figures look
 * equal.
 */
export function exactDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [u, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      rest -= n * size;
    }
  }
  if (rest > 0) parts.push(`${rest % 1000 === 0 ? rest / 1000 : (rest / 1000).toFixed(3).replace(/0+$/, '')}s`);
  return sign + parts.join(' ');
}

/** Human text of seconds, rounded to the second: 3155.76 -> "52m 36s", 90061 -> "1d 1h 1m 1s". */
export function humanSeconds(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(seconds));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [u, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      rest -= n * size;
    }
  }
  return sign + parts.join(' ');
}
