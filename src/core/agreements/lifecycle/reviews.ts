/**
 * Reviews and security evidence: when an agreement is next due for review, recording a review,
 * and the portfolio lists of overdue reviews and expired or expiring evidence.
 *
 * Rules (see README.md):
 * - Dates are civil dates YYYY-MM-DD; "today" is given by the caller (see `civilDateAt`).
 * - The next review is one cadence (quarterly 3, half-yearly 6, yearly 12 months; yearly by
 *   default) after the last review, or after the term start when there has been none. Adding
 *   months keeps the day of the month and clamps it to the month's last day: a yearly review after
 *   2028-02-29 is due 2029-02-28, a quarterly one after 2026-11-30 is due 2027-02-28. Each due date
 *   is counted from the review actually held, so clamping never accumulates along a schedule.
 * - A service change makes a review due on the day of the change, when that is earlier than the
 *   cadence date. A change on the day of the last review (or before it) counts as reviewed.
 * - A review is overdue when its due date is before today (due today is not yet overdue).
 * - Evidence is valid through its `validUntil` day: 0 days left means it expires at the end of
 *   today, -1 that it expired yesterday. Evidence with no `validUntil` does not expire and is not
 *   listed.
 */
import { describeValue, fail, ok, type Issue, type Result } from '../../validation/issues.ts';
import { civilFromDay, dayFromCivil } from '../../time/zone.ts';
import { checkInstant, checkOptionalText, checkText, checkZone, civilDay, dayOfInstant, formatCivil, isPlainObject } from './internal.ts';

export const REVIEW_CADENCES = ['quarterly', 'half_yearly', 'yearly'] as const;
export type ReviewCadence = (typeof REVIEW_CADENCES)[number];
export const CADENCE_MONTHS: Readonly<Record<ReviewCadence, number>> = { quarterly: 3, half_yearly: 6, yearly: 12 };

export const REVIEW_OUTCOMES = ['kept', 'amended'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** A review held: the day, who held it, and whether the agreement was kept or amended. */
export interface ReviewRecord {
  at: string;
  by: string;
  outcome: ReviewOutcome;
  notes?: string;
  /** amended: the version number of the amendment that came out of it. */
  version?: number;
}

/** What the next review date is computed from. An AgreementSpec's `review` and `term` fit. */
export interface ReviewInput {
  cadence?: string;
  /** The last review date written in the agreement (`review.last`). */
  last?: string;
  /** The term start: the date counted from before any review. */
  termStart?: string;
  /** Reviews recorded in Pledge; the latest of these and `last` is the last review. */
  reviews?: readonly ReviewRecord[];
  /** Days on which the service changed. */
  serviceChangedOn?: readonly string[];
}

export interface NextReview {
  due: string;
  /** cadence: one cadence after `basis`; service_change: the service changed on `due`. */
  reason: 'cadence' | 'service_change';
  /** The date counted from: the last review, or the term start when there was none. */
  basis: string;
  basisKind: 'last_review' | 'term_start';
  cadence: ReviewCadence;
}

/** A civil date plus a number of months, the day clamped to the end of a shorter month. */
export function addMonths(date: string, months: number): Result<string> {
  const issues: Issue[] = [];
  const day = civilDay(date, 'date', issues);
  if (!Number.isInteger(months) || Math.abs(months) > 12_000)
    issues.push({ path: 'months', message: 'expected a whole number of months', expected: 'an integer', received: describeValue(months) });
  if (day === undefined || issues.length > 0) return fail(...issues);
  return ok(formatCivil(addMonthsToDay(day, months)));
}

/** The civil date of an instant in an IANA zone ("today" for a given `now`). */
export function civilDateAt(instant: number, zone: string): Result<string> {
  const issues: Issue[] = [];
  checkInstant(instant, 'instant', issues);
  checkZone(zone, 'zone', issues);
  if (issues.length > 0) return fail(...issues);
  return ok(formatCivil(dayOfInstant(instant, zone)));
}

/** When the next review is due. */
export function nextReview(input: ReviewInput, path = ''): Result<NextReview> {
  const p = (f: string) => (path ? `${path}.${f}` : f);
  if (!isPlainObject(input))
    return fail({
      path,
      message: 'expected review settings',
      expected: '{ cadence?, last?, termStart?, reviews?, serviceChangedOn? }',
      received: describeValue(input),
    });
  const issues: Issue[] = [];
  const cadence: unknown = input.cadence === undefined ? 'yearly' : input.cadence;
  if (!(REVIEW_CADENCES as readonly unknown[]).includes(cadence))
    issues.push({
      path: p('cadence'),
      message: 'not a review cadence',
      expected: `one of ${REVIEW_CADENCES.join(', ')}`,
      received: describeValue(cadence),
    });
  let last = input.last === undefined ? undefined : civilDay(input.last, p('last'), issues);
  const termStart = input.termStart === undefined ? undefined : civilDay(input.termStart, p('termStart'), issues);
  if (input.reviews !== undefined) {
    if (!Array.isArray(input.reviews))
      issues.push({ path: p('reviews'), message: 'expected a list of reviews', received: describeValue(input.reviews) });
    else
      input.reviews.forEach((r, i) => {
        if (!isPlainObject(r)) {
          issues.push({ path: p(`reviews[${i}]`), message: 'expected a review record', received: describeValue(r) });
          return;
        }
        const d = civilDay(r.at, p(`reviews[${i}].at`), issues);
        if (d !== undefined && (last === undefined || d > last)) last = d;
      });
  }
  const changes: number[] = [];
  if (input.serviceChangedOn !== undefined) {
    if (!Array.isArray(input.serviceChangedOn))
      issues.push({ path: p('serviceChangedOn'), message: 'expected a list of dates', received: describeValue(input.serviceChangedOn) });
    else
      input.serviceChangedOn.forEach((c, i) => {
        const d = civilDay(c, p(`serviceChangedOn[${i}]`), issues);
        if (d !== undefined) changes.push(d);
      });
  }
  if (issues.length > 0) return fail(...issues);
  const basis = last ?? termStart;
  if (basis === undefined) {
    return fail({
      path: p('last'),
      message: 'no date to count the next review from: record a review or give the term start',
      expected: 'a last review date or a term start',
      received: 'neither',
    });
  }
  const c = cadence as ReviewCadence;
  let due = addMonthsToDay(basis, CADENCE_MONTHS[c]);
  let reason: NextReview['reason'] = 'cadence';
  const unreviewed = changes.filter((d) => d > basis);
  if (unreviewed.length > 0) {
    const first = Math.min(...unreviewed);
    if (first < due) {
      due = first;
      reason = 'service_change';
    }
  }
  return ok({
    due: formatCivil(due),
    reason,
    basis: formatCivil(basis),
    basisKind: last !== undefined ? 'last_review' : 'term_start',
    cadence: c,
  });
}

/**
 * Notes that the service changed at an instant: a review becomes due from that day (in `zone`).
 * Returns new review settings; the given ones are untouched.
 */
export function withServiceChange(input: ReviewInput, changedAt: number, zone: string): Result<ReviewInput> {
  if (!isPlainObject(input)) return fail({ path: '', message: 'expected review settings', received: describeValue(input) });
  const day = civilDateAt(changedAt, zone);
  if (!day.ok) return fail(...day.issues.map((i) => ({ ...i, path: i.path === 'instant' ? 'changedAt' : i.path })));
  const prior = Array.isArray(input.serviceChangedOn) ? input.serviceChangedOn : [];
  return ok({ ...input, serviceChangedOn: [...prior, day.value] });
}

/** Appends a review record (in date order). Returns a new list; the given one is untouched. */
export function recordReview(log: readonly ReviewRecord[], record: ReviewRecord): Result<ReviewRecord[]> {
  if (!Array.isArray(log))
    return fail({
      path: 'reviews',
      message: 'expected a list of reviews',
      expected: 'a list (empty when none)',
      received: describeValue(log),
    });
  if (!isPlainObject(record))
    return fail({ path: 'review', message: 'expected a review', expected: '{ at, by, outcome, notes? }', received: describeValue(record) });
  const issues: Issue[] = [];
  const day = civilDay(record.at, 'review.at', issues);
  checkText(record.by, 'review.by', issues, 'who held the review', 200);
  if (!(REVIEW_OUTCOMES as readonly unknown[]).includes(record.outcome))
    issues.push({
      path: 'review.outcome',
      message: record.outcome === undefined ? 'required field is missing' : 'not a review outcome',
      expected: `one of ${REVIEW_OUTCOMES.join(', ')}`,
      received: describeValue(record.outcome),
    });
  checkOptionalText(record.notes, 'review.notes', issues, 10_000);
  if (record.version !== undefined) {
    if (record.outcome !== 'amended')
      issues.push({
        path: 'review.version',
        message: 'only an amended outcome names the amendment version',
        received: describeValue(record.version),
      });
    else if (!Number.isInteger(record.version) || record.version < 1)
      issues.push({
        path: 'review.version',
        message: 'expected a version number',
        expected: 'an integer from 1',
        received: describeValue(record.version),
      });
  }
  if (issues.length > 0 || day === undefined) return fail(...issues);
  const lastRecorded = log.length > 0 ? log[log.length - 1] : undefined;
  const lastDay = lastRecorded ? civilDay(lastRecorded.at, `reviews[${log.length - 1}].at`, issues) : undefined;
  if (issues.length > 0) return fail(...issues);
  if (lastDay !== undefined && day < lastDay) {
    return fail({
      path: 'review.at',
      message: `before the last recorded review (${lastRecorded!.at}): reviews are recorded in date order`,
      expected: `a date on or after ${lastRecorded!.at}`,
      received: describeValue(record.at),
    });
  }
  const r: ReviewRecord = { at: record.at, by: record.by, outcome: record.outcome };
  if (typeof record.notes === 'string' && record.notes.length > 0) r.notes = record.notes;
  if (record.version !== undefined) r.version = record.version;
  return ok([...log, r]);
}

/** What the portfolio lists need of an agreement; an AgreementSpec fits, plus its recorded reviews. */
export interface ReviewSubject {
  id: string;
  review?: { cadence?: string; owner?: string; last?: string };
  term?: { start?: string };
  reviews?: readonly ReviewRecord[];
  serviceChangedOn?: readonly string[];
}

export interface OverdueReview extends NextReview {
  agreementId: string;
  owner?: string;
  daysOverdue: number;
}

/** A listing with the agreements that could not be judged, by path, rather than failing them all. */
export interface Listing<T> {
  items: T[];
  problems: Issue[];
}

/** Agreements whose review is overdue on `today`, most overdue first. */
export function overdueReviews(agreements: readonly ReviewSubject[], today: string): Result<Listing<OverdueReview>> {
  const start = portfolioStart(agreements, today);
  if (!start.ok) return start;
  const { todayDay } = start.value;
  const items: OverdueReview[] = [];
  const problems: Issue[] = [];
  agreements.forEach((a, i) => {
    const p = `agreements[${i}]`;
    if (!isPlainObject(a)) {
      problems.push({ path: p, message: 'expected an agreement', received: describeValue(a) });
      return;
    }
    if (!checkText(a.id, `${p}.id`, problems, 'the agreement id', 200)) return;
    const review = isPlainObject(a.review) ? a.review : {};
    const term = isPlainObject(a.term) ? a.term : {};
    const input: ReviewInput = {};
    if (review.cadence !== undefined) input.cadence = review.cadence as string;
    if (review.last !== undefined) input.last = review.last as string;
    if (term.start !== undefined) input.termStart = term.start as string;
    if (a.reviews !== undefined) input.reviews = a.reviews;
    if (a.serviceChangedOn !== undefined) input.serviceChangedOn = a.serviceChangedOn;
    const next = nextReview(input, p);
    if (!next.ok) {
      // Name the fields as they are written in the agreement file.
      problems.push(
        ...next.issues.map((is) => ({
          ...is,
          path: is.path
            .replace(`${p}.cadence`, `${p}.review.cadence`)
            .replace(`${p}.last`, `${p}.review.last`)
            .replace(`${p}.termStart`, `${p}.term.start`),
        })),
      );
      return;
    }
    const dueDay = dayOfCivil(next.value.due);
    if (dueDay >= todayDay) return;
    const item: OverdueReview = { agreementId: a.id, ...next.value, daysOverdue: todayDay - dueDay };
    if (typeof review.owner === 'string') item.owner = review.owner;
    items.push(item);
  });
  items.sort((x, y) => y.daysOverdue - x.daysOverdue || cmp(x.agreementId, y.agreementId));
  return ok({ items, problems });
}

/** What the evidence list needs of an agreement; an AgreementSpec fits. */
export interface EvidenceSubject {
  id: string;
  security?: readonly { id: string; standard: string; evidence: string; validUntil?: string }[];
}

export interface EvidenceExpiry {
  agreementId: string;
  securityId: string;
  standard: string;
  evidence: string;
  validUntil: string;
  /** Days from today to validUntil: 0 = expires at the end of today, negative = expired. */
  daysLeft: number;
  status: 'expired' | 'expiring';
}

/** Security evidence expired, or expiring within `withinDays` days of today; soonest first. */
export function expiringEvidence(agreements: readonly EvidenceSubject[], today: string, withinDays = 30): Result<Listing<EvidenceExpiry>> {
  const start = portfolioStart(agreements, today);
  if (!start.ok) return start;
  if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > 3660) {
    return fail({
      path: 'withinDays',
      message: 'expected a number of days',
      expected: 'an integer from 0 to 3660',
      received: describeValue(withinDays),
    });
  }
  const { todayDay } = start.value;
  const items: EvidenceExpiry[] = [];
  const problems: Issue[] = [];
  agreements.forEach((a, i) => {
    const p = `agreements[${i}]`;
    if (!isPlainObject(a)) {
      problems.push({ path: p, message: 'expected an agreement', received: describeValue(a) });
      return;
    }
    if (a.security === undefined) return;
    if (!checkText(a.id, `${p}.id`, problems, 'the agreement id', 200)) return;
    const agreementId = a.id;
    if (!Array.isArray(a.security)) {
      problems.push({ path: `${p}.security`, message: 'expected a list of security commitments', received: describeValue(a.security) });
      return;
    }
    a.security.forEach((s: unknown, j) => {
      const sp = `${p}.security[${j}]`;
      if (!isPlainObject(s)) {
        problems.push({ path: sp, message: 'expected a security commitment', received: describeValue(s) });
        return;
      }
      if (s.validUntil === undefined) return;
      const until = civilDay(s.validUntil, `${sp}.validUntil`, problems);
      if (until === undefined) return;
      const daysLeft = until - todayDay;
      if (daysLeft > withinDays) return;
      items.push({
        agreementId,
        securityId: asText(s.id),
        standard: asText(s.standard),
        evidence: asText(s.evidence),
        validUntil: formatCivil(until),
        daysLeft,
        status: daysLeft < 0 ? 'expired' : 'expiring',
      });
    });
  });
  items.sort((x, y) => x.daysLeft - y.daysLeft || cmp(x.agreementId, y.agreementId) || cmp(x.securityId, y.securityId));
  return ok({ items, problems });
}

// ---------------------------------------------------------------------------------------------

/** A field for display: itself when a text, else a description (never a call to a foreign toString). */
const asText = (v: unknown): string => (typeof v === 'string' ? v : describeValue(v));

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function portfolioStart(agreements: unknown, today: unknown): Result<{ todayDay: number }> {
  const issues: Issue[] = [];
  if (!Array.isArray(agreements))
    issues.push({ path: 'agreements', message: 'expected a list of agreements', received: describeValue(agreements) });
  const todayDay = civilDay(today, 'today', issues);
  if (issues.length > 0 || todayDay === undefined) return fail(...issues);
  return ok({ todayDay });
}

/** Day number of an already validated civil date. */
function dayOfCivil(date: string): number {
  return dayFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

function addMonthsToDay(day: number, months: number): number {
  const { y, m, d } = civilFromDay(day);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  return dayFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

function daysInMonth(y: number, m: number): number {
  return dayFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - dayFromCivil(y, m, 1);
}
