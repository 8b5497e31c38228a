/**
 * A calendar definition: the spec after validation, inheritance and .ics import, with dates as day
 * numbers and times as seconds from local midnight. Compiling turns it into instant intervals.
 */
import { canonicalZone, dayFromCivil, isValidZone } from '../time/zone.ts';
import { parseCivilDate } from '../time/instant.ts';
import { parseDuration } from '../time/duration.ts';
import { describeValue, type Issue, type Result } from '../validation/issues.ts';
import { RANGE_RE, WEEKDAYS, type CalendarSpec } from './spec.ts';
import { parseIcs, type IcsEntries } from './ics.ts';

/** Flat list of [start, end) pairs in seconds from local midnight; end may pass 86400 (night shift). */
export type DayRanges = number[];

export interface YearlyHoliday {
  month: number;
  day: number;
  name: string;
  from?: number;
  until?: number;
  observed: 'none' | 'nearest_weekday' | 'next_weekday';
}

export interface CalendarDefinition {
  name?: string;
  zone: string;
  /** Index 1..7 (ISO weekday): the day's ranges. Index 0 unused. */
  weekly: DayRanges[];
  /** Nothing closes it and every day is open all day: elapsed time is wall-clock time. */
  always: boolean;
  holidays: Map<number, string>;
  yearly: YearlyHoliday[];
  closures: Map<number, DayRanges>;
  openings: Map<number, DayRanges>;
  /** Absolute closed instants [start, end) from timed .ics events. */
  closedInstants: Array<[number, number]>;
  dayLengthMs: number;
}

export interface DefinitionInputs {
  /** The definition of the calendar named by `extends`, already built. */
  parent?: CalendarDefinition;
  /** Contents of the files named by `ics`, in order. */
  icsTexts?: Array<{ source: string; text: string }>;
}

function parseRange(text: string): [number, number] {
  const m = RANGE_RE.exec(text)!;
  const toSec = (t: string) => {
    const [h, mi, s] = t.split(':').map(Number);
    return h! * 3600 + mi! * 60 + (s ?? 0);
  };
  const a = toSec(m[1]!);
  let b = toSec(m[2]!);
  // An end at or before the start crosses midnight: "22:00-06:00" ends at 06:00 the next day.
  // "00:00-24:00" is a full day; "00:00-00:00" is also read as a full day (24h).
  if (b <= a) b += 86_400;
  return [a, b];
}

function rangesOf(list: readonly string[] | 'always' | 'closed'): DayRanges {
  if (list === 'always') return [0, 86_400];
  if (list === 'closed') return [];
  // Merge overlaps within the day so totals are not counted twice.
  return mergeRanges([], list.flatMap(parseRange));
}

/** Union of two range lists (each a flat [start, end, ...] list, in any order). */
export function mergeRanges(a: DayRanges, b: DayRanges): DayRanges {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
  for (let i = 0; i < b.length; i += 2) pairs.push([b[i]!, b[i + 1]!]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, e);
    else out.push(s, e);
  }
  return out;
}

function total(r: DayRanges): number {
  let t = 0;
  for (let i = 0; i < r.length; i += 2) t += r[i + 1]! - r[i]!;
  return t;
}

export function buildDefinition(spec: CalendarSpec, inputs: DefinitionInputs = {}): Result<CalendarDefinition> {
  const issues: Issue[] = [];
  const parent = inputs.parent;

  let zone = parent?.zone;
  if (spec.timezone !== undefined) {
    if (!isValidZone(spec.timezone)) {
      issues.push({
        path: 'timezone',
        message: 'unknown time zone',
        expected: 'an IANA time zone such as Europe/Berlin or America/New_York',
        received: describeValue(spec.timezone),
      });
    } else zone = canonicalZone(spec.timezone);
  }
  if (zone === undefined && spec.timezone === undefined) {
    issues.push({
      path: 'timezone',
      message: 'required field is missing (a calendar needs an IANA time zone, or extends one that has it)',
      expected: 'e.g. Europe/Berlin',
      received: 'nothing',
    });
  }

  let weekly: DayRanges[];
  if (spec.hours === 'always') weekly = [[], ...WEEKDAYS.map(() => [0, 86_400])];
  else if (spec.hours) {
    const h = spec.hours;
    weekly = [[], ...WEEKDAYS.map((d) => rangesOf(h[d] ?? 'closed'))];
  } else if (parent) weekly = parent.weekly.map((r) => [...r]);
  else {
    issues.push({
      path: 'hours',
      message: 'required field is missing (give "always" or working hours per weekday)',
      expected: '"always" or e.g. {mon: ["09:00-17:00"]}',
      received: 'nothing',
    });
    weekly = [[], [], [], [], [], [], [], []];
  }

  const holidays = new Map<number, string>(parent?.holidays ?? []);
  const yearly: YearlyHoliday[] = [...(parent?.yearly ?? [])];
  (spec.holidays ?? []).forEach((h, i) => {
    const path = `holidays[${i}]`;
    if (typeof h === 'string' || 'date' in h) {
      const text = typeof h === 'string' ? h : h.date;
      const d = parseCivilDate(text, typeof h === 'string' ? path : `${path}.date`);
      if (!d.ok) issues.push(...d.issues);
      else holidays.set(dayFromCivil(d.value.y, d.value.m, d.value.d), typeof h === 'string' ? 'holiday' : (h.name ?? 'holiday'));
    } else {
      const [mm, dd] = h.yearly.split('-').map(Number) as [number, number];
      const check = parseCivilDate(`2000-${h.yearly}`, `${path}.yearly`); // 2000 is a leap year: 02-29 allowed
      if (!check.ok) issues.push(...check.issues);
      else if (h.from !== undefined && h.until !== undefined && h.until < h.from)
        issues.push({ path: `${path}.until`, message: 'must not be before from', received: String(h.until) });
      else {
        const y: YearlyHoliday = { month: mm, day: dd, name: h.name ?? 'holiday', observed: h.observed ?? 'none' };
        if (h.from !== undefined) y.from = h.from;
        if (h.until !== undefined) y.until = h.until;
        yearly.push(y);
      }
    }
  });

  const closures = new Map<number, DayRanges>();
  for (const [k, v] of parent?.closures ?? []) closures.set(k, [...v]);
  (spec.closures ?? []).forEach((c, i) => {
    const d = parseCivilDate(c.date, `closures[${i}].date`);
    if (!d.ok) {
      issues.push(...d.issues);
      return;
    }
    const day = dayFromCivil(d.value.y, d.value.m, d.value.d);
    // A closure that crosses midnight ("22:00-06:00") closes the next date's early hours too:
    // its part after midnight is filed under that date, where every range of it is closed.
    const own: number[] = [];
    const after: number[] = [];
    const r = rangesOf(c.hours);
    for (let k = 0; k < r.length; k += 2) {
      const s = r[k]!;
      const e = r[k + 1]!;
      if (e <= 86_400) own.push(s, e);
      else {
        if (s < 86_400) own.push(s, 86_400);
        after.push(Math.max(0, s - 86_400), e - 86_400);
      }
    }
    closures.set(day, mergeRanges(closures.get(day) ?? [], own));
    if (after.length > 0) closures.set(day + 1, mergeRanges(closures.get(day + 1) ?? [], after));
  });

  const openings = new Map<number, DayRanges>(parent?.openings ?? []);
  (spec.openings ?? []).forEach((o, i) => {
    const d = parseCivilDate(o.date, `openings[${i}].date`);
    if (!d.ok) {
      issues.push(...d.issues);
      return;
    }
    openings.set(dayFromCivil(d.value.y, d.value.m, d.value.d), rangesOf(o.hours));
  });

  const closedInstants: Array<[number, number]> = [...(parent?.closedInstants ?? [])];
  (inputs.icsTexts ?? []).forEach((f, i) => {
    const r: Result<IcsEntries> = parseIcs(f.text, f.source, `ics[${i}]`, zone ?? 'UTC');
    if (!r.ok) {
      issues.push(...r.issues);
      return;
    }
    for (const [day, nm] of r.value.days) if (!holidays.has(day)) holidays.set(day, nm);
    closedInstants.push(...r.value.instants);
  });
  closedInstants.sort((a, b) => a[0] - b[0]);

  let dayLengthMs: number;
  if (spec.dayLength !== undefined) {
    const d = parseDuration(spec.dayLength, 'dayLength');
    if (!d.ok) issues.push(...d.issues);
    else if (d.value.kind !== 'fixed' || d.value.ms <= 0 || d.value.ms > 86_400_000)
      issues.push({
        path: 'dayLength',
        message: 'must be a positive length of at most 24h',
        expected: 'e.g. 8h',
        received: describeValue(spec.dayLength),
      });
    dayLengthMs = d.ok && d.value.kind === 'fixed' ? d.value.ms : 0;
  } else if (spec.hours === undefined && parent) dayLengthMs = parent.dayLengthMs;
  else dayLengthMs = nominalDayLength(weekly);

  if (issues.length > 0) return { ok: false, issues };
  const always =
    weekly.slice(1).every((r) => r.length === 2 && r[0] === 0 && r[1]! >= 86_400) &&
    holidays.size === 0 &&
    yearly.length === 0 &&
    closures.size === 0 &&
    openings.size === 0 && // an opening replaces a day's hours, and may shorten it
    closedInstants.length === 0;
  const def: CalendarDefinition = { zone: zone!, weekly, always, holidays, yearly, closures, openings, closedInstants, dayLengthMs };
  if (spec.name !== undefined) def.name = spec.name;
  return { ok: true, value: def };
}

/** The most common positive daily total in the week (ties: the longer); 24h if none. */
function nominalDayLength(weekly: DayRanges[]): number {
  const counts = new Map<number, number>();
  for (let d = 1; d <= 7; d++) {
    const t = Math.min(total(weekly[d]!), 86_400);
    if (t > 0) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  let best = 86_400;
  let bestN = 0;
  for (const [t, n] of counts) if (n > bestN || (n === bestN && t > best)) [best, bestN] = [t, n];
  return best * 1000;
}
