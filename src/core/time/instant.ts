/**
 * Instants: accepted as ISO 8601 with an offset (or Z), held as epoch milliseconds, printed as
 * ISO 8601 with the offset of a given zone. A local time without an offset is refused: it does not
 * name an instant (and in a skipped or repeated hour it could name none or two).
 */
import { Temporal } from 'temporal-polyfill';
import { fail, ok, describeValue, type Result } from '../validation/issues.ts';

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)(\[[^\]]+\])?$/;

/** Parses an ISO 8601 instant with offset into epoch ms. `path` names the field in errors. */
export function parseInstant(text: unknown, path = 'instant'): Result<number> {
  if (typeof text !== 'string') {
    return fail({
      path,
      message: 'expected an ISO 8601 date-time with offset',
      expected: 'e.g. 2026-03-27T16:00:00+01:00',
      received: describeValue(text),
    });
  }
  if (!ISO_WITH_OFFSET.test(text)) {
    const hint = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? ' (the offset is missing: add Z or +01:00)' : '';
    return fail({
      path,
      message: `not an ISO 8601 date-time with offset${hint}`,
      expected: 'e.g. 2026-03-27T16:00:00+01:00',
      received: describeValue(text),
    });
  }
  const sixty = SIXTY.exec(text);
  if (sixty) return leapSecond(text, `${sixty[1]}59`, path);
  const fast = fastInstant(text);
  if (fast !== undefined) return Number.isNaN(fast) ? impossible(text, path) : ok(fast);
  try {
    const inst = Temporal.Instant.from(text.replace(' ', 'T'));
    return ok(inst.epochMilliseconds);
  } catch {
    return fail({
      path,
      message: 'impossible date or time',
      expected: 'a real calendar date and time of day',
      received: describeValue(text),
    });
  }
}

/**
 * The UTC days that ended with a leap second (23:59:60), from IERS Bulletin C. The list is fixed:
 * none has been inserted since 2016-12-31, and none is announced (add a date here if one ever is).
 */
export const LEAP_SECOND_DAYS: ReadonlySet<string> = new Set([
  '1972-06-30',
  '1972-12-31',
  '1973-12-31',
  '1974-12-31',
  '1975-12-31',
  '1976-12-31',
  '1977-12-31',
  '1978-12-31',
  '1979-12-31',
  '1981-06-30',
  '1982-06-30',
  '1983-06-30',
  '1985-06-30',
  '1987-12-31',
  '1989-12-31',
  '1990-12-31',
  '1992-06-30',
  '1993-06-30',
  '1994-06-30',
  '1995-12-31',
  '1997-06-30',
  '1998-12-31',
  '2005-12-31',
  '2008-12-31',
  '2012-06-30',
  '2015-06-30',
  '2016-12-31',
]);

/** A 60th second: the date and time up to the minute's colon, then 60. */
const SIXTY = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:)60(?![0-9])/;

/**
 * A time with a 60th second names a leap second only at 23:59:60 UTC (in any offset: 00:59:60+01:00
 * is the same one) on a day that had one. Epoch milliseconds cannot hold it, so it is read as
 * 23:59:59.999 UTC of that day: the last instant before midnight, so it stays in its day, month and
 * year and after everything earlier that day (its fraction, if any, is dropped). Any other 60th
 * second is refused.
 */
function leapSecond(text: string, asFiftyNine: string, path: string): Result<number> {
  const r = parseInstant(asFiftyNine + text.slice(asFiftyNine.length), path);
  if (!r.ok) return r;
  const second = Math.floor(r.value / 1000) * 1000;
  const utc = new Date(second).toISOString();
  if (utc.slice(11, 19) === '23:59:59' && LEAP_SECOND_DAYS.has(utc.slice(0, 10))) return ok(second + 999);
  return fail({
    path,
    message: 'no leap second at this instant: a 60th second exists only at 23:59:60 UTC on the days that had one (the last was 2016-12-31)',
    expected: 'seconds from 00 to 59',
    received: describeValue(text),
  });
}

const FAST = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z|z)|([+-])(\d{2}):?(\d{2})?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common forms parsed with plain arithmetic, several times faster than the general parser
 * (ingestion parses every event's instant). Returns NaN for an impossible date or time, and
 * undefined for forms it leaves to Temporal (years before 1000, a 60th second, zone annotations).
 */
function fastInstant(text: string): number | undefined {
  const m = FAST.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (y < 1000 || sec === 60) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!) || h > 23 || mi > 59 || sec > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return NaN;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset;
}

function impossible(text: string, path: string): Result<number> {
  return fail({
    path,
    message: 'impossible date or time',
    expected: 'a real calendar date and time of day',
    received: describeValue(text),
  });
}

/** Epoch ms to ISO 8601 with the zone's offset at that instant, e.g. 2026-03-30T12:00:00+02:00. */
export function formatInstant(ms: number, zone = 'UTC'): string {
  if (!Number.isFinite(ms)) return ms > 0 ? 'never' : '-never';
  // UTC in years 0000-9999 by Date (the same text, ~100x cheaper than Temporal's polyfill): listings
  // such as "at risk now" format two instants per row. Fractions as Temporal's 'auto': no trailing zeros.
  if (zone === 'UTC' && ms >= -62_167_219_200_000 && ms <= 253_402_300_799_999) {
    const s = new Date(Math.round(ms)).toISOString();
    return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s.replace(/0{1,2}Z$/, 'Z');
  }
  const zdt = Temporal.Instant.fromEpochMilliseconds(Math.round(ms)).toZonedDateTimeISO(zone);
  const s = zdt.toString({ timeZoneName: 'never', fractionalSecondDigits: 'auto' });
  return zone === 'UTC' ? s.replace('+00:00', 'Z') : s;
}

/** Parses a civil date YYYY-MM-DD, refusing impossible dates (2026-02-29). */
export function parseCivilDate(text: unknown, path: string): Result<{ y: number; m: number; d: number }> {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return fail({ path, message: 'expected a date YYYY-MM-DD', expected: 'e.g. 2026-12-25', received: describeValue(text) });
  }
  try {
    const d = Temporal.PlainDate.from(text, { overflow: 'reject' });
    return ok({ y: d.year, m: d.month, d: d.day });
  } catch {
    return fail({ path, message: 'impossible date', expected: 'a real calendar date', received: describeValue(text) });
  }
}
