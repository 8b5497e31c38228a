/**
 * Reading date-times written in other systems' formats: ISO 8601 (with or without an offset) or a
 * pattern in the Unicode (LDML) letters that most tools use, e.g. `yyyy-MM-dd HH:mm:ss` or
 * `dd/MMM/yy h:mm a`. Ticket exports often hold local wall-clock times without an offset; those
 * need a time zone, and are turned into instants through the zone's offset table (zone.ts), so a
 * wall time in a skipped hour (spring forward) is refused as naming no instant, and one in a
 * repeated hour (fall back) is resolved by an explicit choice.
 *
 * Letters supported: yyyy yy (2000+yy), M MM MMM MMMM (English month names), d dd, H HH (0-23),
 * h hh (1-12, with a), m mm, s ss, S... (fraction, as many digits as letters), a (AM/PM),
 * EEE EEEE (English weekday names, read but not checked), X XX XXX x xx xxx Z (offset: Z, +01,
 * +0100 or +01:00). Text in single quotes is literal ('T'); '' is a quote; other characters are
 * literal, and a space matches one or more spaces. Pure: no clock, no environment.
 */
import { fail, ok, type Result } from '../validation/issues.ts';
import { zoneTable } from './zone.ts';

/** A parsed wall-clock time, with its UTC offset in minutes when the text carried one. */
export interface WallTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  offsetMin?: number;
}

export type WallParse = { ok: true; value: WallTime } | { ok: false; reason: 'no_match' | 'impossible' };

export interface TimeFormat {
  /** The format as written (`iso` or the pattern). */
  readonly text: string;
  /** Whether every value in this format carries an offset (then no zone is needed). */
  readonly alwaysOffset: boolean;
  parse(text: string): WallParse;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(y: number, mo: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!;
}

function plausible(w: WallTime): boolean {
  return (
    w.mo >= 1 &&
    w.mo <= 12 &&
    w.d >= 1 &&
    w.d <= daysIn(w.y, w.mo) &&
    w.h <= 23 &&
    w.mi <= 59 &&
    w.s <= 59 &&
    (w.offsetMin === undefined || Math.abs(w.offsetMin) < 18 * 60)
  );
}

function offsetMinutes(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text)!;
  const mins = Number(m[2]) * 60 + (m[3] === undefined ? 0 : Number(m[3]));
  return m[1] === '-' ? -mins : mins;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO 8601 date-times, with or without an offset: 2026-03-12T10:15:00+01:00, 2026-03-12 10:15. */
export const isoFormat: TimeFormat = {
  text: 'iso',
  alwaysOffset: false,
  parse(text) {
    const m = ISO.exec(text);
    if (!m) return { ok: false, reason: 'no_match' };
    const w: WallTime = {
      y: Number(m[1]),
      mo: Number(m[2]),
      d: Number(m[3]),
      h: Number(m[4]),
      mi: Number(m[5]),
      s: m[6] === undefined ? 0 : Number(m[6]),
      ms: m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0')),
    };
    if (m[8] !== undefined) w.offsetMin = offsetMinutes(m[8]);
    return plausible(w) ? { ok: true, value: w } : { ok: false, reason: 'impossible' };
  },
};

type Part =
  | { kind: 'literal'; text: string }
  | { kind: 'space' }
  | {
      kind: 'field';
      field:
        | 'y4'
        | 'y2'
        | 'M'
        | 'MM'
        | 'MMM'
        | 'MMMM'
        | 'd'
        | 'dd'
        | 'H'
        | 'HH'
        | 'h'
        | 'hh'
        | 'm'
        | 'mm'
        | 's'
        | 'ss'
        | 'a'
        | 'EEE'
        | 'EEEE'
        | 'offset';
    }
  | { kind: 'fraction'; digits: number };

/** What a mistyped letter most likely meant (YYYY is the week-year, DD the day of the year...). */
const LETTER_HINTS: Record<string, string> = {
  Y: 'yyyy (Y is the week-based year)',
  D: 'dd (D is the day of the year)',
  n: 'mm',
  N: 'mm',
  i: 'mm',
  T: "'T' in quotes",
};

/**
 * Compiles a pattern (or `iso`). Errors name the problem in the pattern; the caller adds the path.
 */
export function compileTimeFormat(pattern: string): Result<TimeFormat> {
  if (pattern.trim().toLowerCase() === 'iso') return ok(isoFormat);
  const parts: Part[] = [];
  let i = 0;
  const seen = new Set<string>();
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        parts.push({ kind: 'literal', text: "'" });
        i += 2;
        continue;
      }
      if (end < 0)
        return fail({
          path: '',
          message: 'a quote in the pattern is not closed',
          expected: "literal text in single quotes, e.g. yyyy-MM-dd'T'HH:mm",
          received: JSON.stringify(pattern),
        });
      parts.push({ kind: 'literal', text: pattern.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === ' ') {
      while (pattern[i] === ' ') i++;
      parts.push({ kind: 'space' });
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      parts.push({ kind: 'literal', text: c });
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    const run = c.repeat(n);
    i += n;
    let field: Extract<Part, { kind: 'field' }>['field'] | undefined;
    let group = c;
    if (c === 'y' && n === 4) field = 'y4';
    else if (c === 'y' && n === 2) field = 'y2';
    else if (c === 'M' && n <= 4) field = (['M', 'MM', 'MMM', 'MMMM'] as const)[n - 1];
    else if (c === 'd' && n <= 2) field = n === 1 ? 'd' : 'dd';
    else if (c === 'H' && n <= 2) field = n === 1 ? 'H' : 'HH';
    else if (c === 'h' && n <= 2) field = n === 1 ? 'h' : 'hh';
    else if (c === 'm' && n <= 2) field = n === 1 ? 'm' : 'mm';
    else if (c === 's' && n <= 2) field = n === 1 ? 's' : 'ss';
    else if (c === 'a' && n === 1) field = 'a';
    else if (c === 'E' && n <= 4) field = n === 4 ? 'EEEE' : 'EEE';
    else if ((c === 'X' || c === 'x') && n <= 3) {
      field = 'offset';
      group = 'X';
    } else if (c === 'Z' && n <= 3) {
      field = 'offset';
      group = 'X';
    } else if (c === 'S' && n <= 9) {
      if (seen.has('S'))
        return fail({ path: '', message: 'the fraction of a second appears twice in the pattern', received: JSON.stringify(pattern) });
      seen.add('S');
      parts.push({ kind: 'fraction', digits: n });
      continue;
    }
    if (field === undefined) {
      const hint = LETTER_HINTS[c];
      return fail({
        path: '',
        message: `"${run}" is not a pattern letter Pledge knows${hint ? `; did you mean ${hint}?` : ''}`,
        expected: 'letters such as yyyy, MM, MMM, dd, HH, hh, mm, ss, SSS, a, XXX, and literal text in single quotes',
        received: JSON.stringify(pattern),
      });
    }
    if (group === 'H' || group === 'h') group = 'hour';
    if (seen.has(group))
      return fail({
        path: '',
        message: `the pattern names the ${group === 'hour' ? 'hour' : `"${c}" field`} twice`,
        received: JSON.stringify(pattern),
      });
    seen.add(group);
    parts.push({ kind: 'field', field });
  }
  const has = (f: string) => parts.some((p) => p.kind === 'field' && p.field.startsWith(f));
  const missing = [!has('y') && 'year (yyyy)', !has('M') && 'month (MM)', !has('d') && 'day (dd)'].filter(Boolean);
  if (missing.length)
    return fail({
      path: '',
      message: `the pattern has no ${missing.join(', ')}`,
      expected: 'a pattern such as yyyy-MM-dd HH:mm:ss',
      received: JSON.stringify(pattern),
    });
  const twelve = parts.some((p) => p.kind === 'field' && (p.field === 'h' || p.field === 'hh'));
  const ampm = parts.some((p) => p.kind === 'field' && p.field === 'a');
  if (twelve !== ampm)
    return fail({
      path: '',
      message: twelve ? 'a 12-hour clock (h) needs the AM/PM marker (a)' : 'the AM/PM marker (a) goes with a 12-hour clock (h), not H',
      expected: 'e.g. MM/dd/yyyy h:mm a',
      received: JSON.stringify(pattern),
    });

  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const fieldRe: Record<Extract<Part, { kind: 'field' }>['field'], string> = {
    y4: '(\\d{4})',
    y2: '(\\d{2})',
    M: '(\\d{1,2})',
    MM: '(\\d{2})',
    MMM: '([A-Za-z]{3,4}\\.?)',
    MMMM: '([A-Za-z]+)',
    d: '(\\d{1,2})',
    dd: '(\\d{2})',
    H: '(\\d{1,2})',
    HH: '(\\d{2})',
    h: '(\\d{1,2})',
    hh: '(\\d{2})',
    m: '(\\d{1,2})',
    mm: '(\\d{2})',
    s: '(\\d{1,2})',
    ss: '(\\d{2})',
    a: '([AaPp]\\.?[Mm]\\.?)',
    EEE: '([A-Za-z]{2,3}\\.?)',
    EEEE: '([A-Za-z]+)',
    offset: '(Z|z|[+-]\\d{2}(?::?\\d{2})?)',
  };
  let src = '^';
  const order: Array<Extract<Part, { kind: 'field' }>['field'] | 'fraction'> = [];
  for (const p of parts) {
    if (p.kind === 'literal') src += esc(p.text);
    else if (p.kind === 'space') src += '\\s+';
    else if (p.kind === 'fraction') {
      src += `(\\d{${p.digits}})`;
      order.push('fraction');
    } else {
      src += fieldRe[p.field];
      order.push(p.field);
    }
  }
  const re = new RegExp(`${src}$`);
  const alwaysOffset = order.includes('offset');

  return ok({
    text: pattern,
    alwaysOffset,
    parse(text: string): WallParse {
      const m = re.exec(text);
      if (!m) return { ok: false, reason: 'no_match' };
      const w: WallTime = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0, ms: 0 };
      let pm: boolean | undefined;
      let h12 = -1;
      for (let k = 0; k < order.length; k++) {
        const v = m[k + 1]!;
        switch (order[k]!) {
          case 'y4':
            w.y = Number(v);
            break;
          case 'y2':
            w.y = 2000 + Number(v);
            break;
          case 'M':
          case 'MM':
            w.mo = Number(v);
            break;
          case 'MMM': {
            const name = v.replace('.', '').toLowerCase();
            const idx = MONTHS.findIndex((mn) => mn.startsWith(name) && (name.length === 3 || (name === 'sept' && mn === 'september')));
            if (idx < 0) return { ok: false, reason: 'no_match' };
            w.mo = idx + 1;
            break;
          }
          case 'MMMM': {
            const idx = MONTHS.indexOf(v.toLowerCase());
            if (idx < 0) return { ok: false, reason: 'no_match' };
            w.mo = idx + 1;
            break;
          }
          case 'd':
          case 'dd':
            w.d = Number(v);
            break;
          case 'H':
          case 'HH':
            w.h = Number(v);
            break;
          case 'h':
          case 'hh':
            h12 = Number(v);
            break;
          case 'm':
          case 'mm':
            w.mi = Number(v);
            break;
          case 's':
          case 'ss':
            w.s = Number(v);
            break;
          case 'fraction':
            w.ms = Number(v.slice(0, 3).padEnd(3, '0'));
            break;
          case 'a':
            pm = v[0]!.toLowerCase() === 'p';
            break;
          case 'EEE': {
            const name = v.replace('.', '').toLowerCase();
            if (!WEEKDAYS.some((wd) => wd.startsWith(name))) return { ok: false, reason: 'no_match' };
            break;
          }
          case 'EEEE':
            if (!WEEKDAYS.includes(v.toLowerCase())) return { ok: false, reason: 'no_match' };
            break;
          case 'offset':
            w.offsetMin = offsetMinutes(v);
            break;
        }
      }
      if (h12 >= 0) {
        if (h12 < 1 || h12 > 12) return { ok: false, reason: 'impossible' };
        w.h = (h12 % 12) + (pm ? 12 : 0);
      }
      return plausible(w) ? { ok: true, value: w } : { ok: false, reason: 'impossible' };
    },
  });
}

/** What to do with a wall time in the hour that is repeated when clocks go back. */
export type AmbiguousTime = 'earlier' | 'later' | 'reject';

export type InstantFromWall = { ok: true; value: number } | { ok: false; reason: 'no_zone' | 'skipped' | 'ambiguous' };

/**
 * The instant a wall time names: by its own offset when it has one, else in `zone`. A wall time
 * that the zone skips names no instant; one that it repeats names two, of which `ambiguous` picks.
 */
export function wallToInstant(w: WallTime, zone: string | undefined, ambiguous: AmbiguousTime = 'earlier'): InstantFromWall {
  const wall = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms);
  if (w.offsetMin !== undefined) return { ok: true, value: wall - w.offsetMin * 60_000 };
  if (zone === undefined) return { ok: false, reason: 'no_zone' };
  const out: number[] = [];
  zoneTable(zone).wallRangeToInstants(wall, wall + 1, out);
  if (out.length === 0) return { ok: false, reason: 'skipped' };
  if (out.length > 2) {
    if (ambiguous === 'reject') return { ok: false, reason: 'ambiguous' };
    return { ok: true, value: ambiguous === 'earlier' ? out[0]! : out[out.length - 2]! };
  }
  return { ok: true, value: out[0]! };
}
