/**
 * The calendar side of settlement, in the agreement's IANA zone: civil dates of instants, due
 * dates, the grace period, contract years, and the share of the fee a billing period carries.
 *
 * Days here are civil days of the zone (a day is a day even when it has 23 or 25 hours), because
 * contracts count days on the calendar: "within 15 days", "the first 90 days", "per month".
 */
import { Temporal } from 'temporal-polyfill';
import { civilFromDay, dayFromCivil, formatCivil, MS_PER_DAY, zoneTable } from '../time/zone.ts';
import { parseDuration } from '../time/duration.ts';
import { describeValue, fail, ok, type Result } from '../validation/issues.ts';
import { addRatio, mulRatio, ratioText, reduce, type Minor, type Ratio } from './money.ts';

export type FeePer = 'month' | 'quarter' | 'year';

const MONTHS_PER: Record<FeePer, number> = { month: 1, quarter: 3, year: 12 };

/** Civil date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(ms: number, zone: string): string {
  return formatCivil(zoneTable(zone).localDay(ms));
}

/** Civil date of the last instant before `to`: the last day of a half-open period [from, to). */
export function lastDay(to: number, zone: string): string {
  return localDate(to - 1, zone);
}

/** The first instant of a civil date in the zone (local midnight, or when clocks jump past it). */
export function startOfDate(date: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zoneTable(zone).startOfLocalDay(dayFromCivil(y, m, d));
}

/**
 * `days` civil days after an instant, at the same wall-clock time (Temporal's rules for a wall
 * time that does not exist on the target day: it moves forward).
 */
export function addDays(ms: number, days: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).add({ days }).epochMilliseconds;
}

function addYears(date: string, years: number): string {
  // Temporal constrains 29 February to 28 February in a common year.
  return Temporal.PlainDate.from(date).add({ years }).toString();
}

export interface DueDate {
  /** The last civil day on which paying or crediting is on time. */
  date: string;
  /** The instant the count starts from: the period's end or the breach. */
  from: number;
  days: number;
  basis: 'period_end' | 'breach';
}

/**
 * "Due N days after X": the deadline is the instant N civil days after X; the due DATE is the last
 * day that starts before that deadline. For a period that closes at midnight ending 31 October,
 * 15 days gives a deadline of 16 November 00:00 and a due date of 15 November; for a breach at
 * 3 March 14:00 it gives 18 March 14:00, due date 18 March. With N = 0 the due date is the last
 * day of the period (or the day of the breach).
 */
export function dueDate(from: number, days: number, basis: DueDate['basis'], zone: string): DueDate {
  return { date: localDate(addDays(from, days, zone) - 1, zone), from, days, basis };
}

export interface GraceWindow {
  /** Instant the term starts (local midnight of term.start). */
  startMs: number;
  /** Instant the grace period ends (exclusive). */
  endMs: number;
  firstDay: string;
  /** The last civil day inside the grace period. */
  lastDay: string;
  /** The duration as written ("90d"). */
  text: string;
}

/**
 * The grace period: from local midnight of term.start, for the written duration. A duration of
 * whole days ("90d", "P90D") counts civil days; anything else (e.g. "36h") is added as elapsed time.
 */
export function graceWindow(termStart: string, duration: string, zone: string, path = 'penalties.gracePeriod'): Result<GraceWindow> {
  const d = parseDuration(duration, path);
  if (!d.ok) return d;
  if (d.value.kind !== 'fixed')
    return fail({ path, message: 'the grace period is a plain duration', expected: 'e.g. 90d', received: describeValue(duration) });
  const ms = d.value.ms;
  if (ms > 3660 * MS_PER_DAY)
    return fail({ path, message: 'a grace period is at most ten years long', expected: 'e.g. 90d', received: describeValue(duration) });
  const startMs = startOfDate(termStart, zone);
  const endMs = ms % MS_PER_DAY === 0 ? addDays(startMs, ms / MS_PER_DAY, zone) : startMs + ms;
  return ok({ startMs, endMs, firstDay: termStart, lastDay: endMs > startMs ? localDate(endMs - 1, zone) : termStart, text: duration });
}

export interface ContractYear {
  /** 1 for the year starting on term.start, 2 for the next... 0 before the term starts. */
  index: number;
  from: number;
  to: number;
  firstDay: string;
  lastDay: string;
}

/**
 * The contract year containing an instant: years run from term.start to its anniversaries (local
 * midnight in the zone). A term starting 29 February has its anniversaries on 28 February in
 * common years.
 */
export function contractYearOf(termStart: string, instant: number, zone: string): ContractYear {
  const start = Temporal.PlainDate.from(termStart);
  const here = Temporal.PlainDate.from(localDate(instant, zone));
  let k = here.year - start.year;
  // The estimate is off by at most one year either way; settle it against the real anniversaries.
  while (k > 0 && Temporal.PlainDate.compare(Temporal.PlainDate.from(addYears(termStart, k)), here) > 0) k--;
  while (Temporal.PlainDate.compare(Temporal.PlainDate.from(addYears(termStart, k + 1)), here) <= 0) k++;
  const firstDay = addYears(termStart, k);
  const nextFirst = addYears(termStart, k + 1);
  const from = startOfDate(firstDay, zone);
  const to = startOfDate(nextFirst, zone);
  return { index: instant < startOfDate(termStart, zone) ? 0 : k + 1, from, to, firstDay, lastDay: lastDay(to, zone) };
}

/** The calendar year containing an instant, for yearly caps of an agreement without a term. */
export function calendarYearOf(instant: number, zone: string): ContractYear {
  const y = Number(localDate(instant, zone).slice(0, 4));
  const from = startOfDate(`${String(y).padStart(4, '0')}-01-01`, zone);
  const to = startOfDate(`${String(y + 1).padStart(4, '0')}-01-01`, zone);
  return { index: y, from, to, firstDay: `${y}-01-01`, lastDay: `${y}-12-31` };
}

/**
 * How many calendar months [from, to) covers, exactly: the sum over the local months it touches
 * of (local time covered / local length of that month). A whole month counts 1, a quarter 3, a
 * year 12; 1 to 25 October is 24/31. Local time (wall-clock) is used so a month with a
 * daylight-saving change still counts its days as whole days.
 */
export function monthsCovered(from: number, to: number, zone: string): Ratio {
  const z = zoneTable(zone);
  const lf = z.toLocal(from);
  const lt = z.toLocal(to);
  let sum: Ratio = { num: 0n, den: 1n };
  if (lt <= lf) return sum;
  let { y, m } = civilFromDay(Math.floor(lf / MS_PER_DAY));
  for (let guard = 0; guard < 100_000; guard++) {
    const ms = dayFromCivil(y, m, 1) * MS_PER_DAY;
    const ny = m === 12 ? y + 1 : y;
    const nm = m === 12 ? 1 : m + 1;
    const me = dayFromCivil(ny, nm, 1) * MS_PER_DAY;
    if (ms >= lt) break;
    const covered = Math.min(lt, me) - Math.max(lf, ms);
    if (covered > 0) sum = addRatio(sum, { num: BigInt(covered), den: BigInt(me - ms) });
    y = ny;
    m = nm;
  }
  return reduce(sum);
}

export interface ProratedFee {
  minor: Minor;
  /** Months of fee the span carries, exactly. */
  months: Ratio;
  /** How it was computed, in words. */
  basis: string;
}

/**
 * The fee for the span [from, to): fee / (months per fee) * months covered, rounded half up to
 * the minor unit ONCE. A monthly fee for a calendar month is the fee itself; a yearly fee for a
 * month is fee / 12; a quarterly fee for a month is fee / 3; a monthly fee for a quarter is 3 x fee.
 */
export function prorateFee(
  feeMinor: Minor,
  per: FeePer,
  from: number,
  to: number,
  zone: string,
  format: (m: Minor) => string,
): Result<ProratedFee> {
  const months = monthsCovered(from, to, zone);
  const perMonths = BigInt(MONTHS_PER[per]);
  const r = mulRatio(feeMinor, { num: months.num, den: months.den * perMonths }, 'pricing.fee.amount');
  if (!r.ok) return r;
  const mt = ratioText(months);
  const monthsWord = mt === '1' ? '1 month' : `${mt} months`;
  const basis =
    MONTHS_PER[per] === 1
      ? `${format(feeMinor)} a month × ${monthsWord}`
      : `${format(feeMinor)} a ${per} × ${monthsWord} / ${MONTHS_PER[per]}`;
  return ok({ minor: r.value, months, basis });
}

/** The fee for a whole contract year: 12 monthly, 4 quarterly or 1 yearly fee (exact). */
export function yearlyFee(feeMinor: Minor, per: FeePer): bigint {
  return BigInt(feeMinor) * BigInt(12 / MONTHS_PER[per]);
}

/** The instant one civil year before `ms` in the zone. */
export function yearBefore(ms: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).subtract({ years: 1 }).epochMilliseconds;
}
