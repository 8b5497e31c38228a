/**
 * Small checks shared by the lifecycle modules. Not part of the public API (index.ts does not
 * export them): they exist so that every module reports bad input the same way, as issues that
 * name the field path, what was expected and what was given.
 */
import { formatInstant } from '../../time/instant.ts';
import { civilFromDay, dayFromCivil, formatCivil, isValidZone, MS_PER_DAY, zoneTable } from '../../time/zone.ts';
import { describeValue, type Issue } from '../../validation/issues.ts';

/** The range of instants a JavaScript Date can hold; anything outside is certainly a mistake. */
const MAX_INSTANT = 8.64e15;

export function isInstant(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_INSTANT;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** Pushes an issue unless `v` is an instant in epoch milliseconds. */
export function checkInstant(v: unknown, path: string, issues: Issue[]): v is number {
  if (isInstant(v)) return true;
  issues.push({
    path,
    message: v === undefined ? 'required field is missing' : 'expected an instant in epoch milliseconds',
    expected: 'a finite number of milliseconds since 1970-01-01T00:00Z',
    received: describeValue(v),
  });
  return false;
}

/** Pushes an issue unless `v` is a non-blank string of at most `max` characters. */
export function checkText(v: unknown, path: string, issues: Issue[], what = 'a non-empty text', max = 2000): v is string {
  if (typeof v === 'string' && v.trim().length > 0 && v.length <= max) return true;
  issues.push({
    path,
    message:
      v === undefined
        ? 'required field is missing'
        : typeof v === 'string' && v.length > max
          ? `too long (at most ${max} characters)`
          : `expected ${what}`,
    expected: what,
    received: describeValue(v),
  });
  return false;
}

/** Optional text: absent is fine, present must be a string of at most `max` characters. */
export function checkOptionalText(v: unknown, path: string, issues: Issue[], max = 2000): boolean {
  if (v === undefined) return true;
  if (typeof v === 'string' && v.length <= max) return true;
  issues.push({
    path,
    message: typeof v === 'string' ? `too long (at most ${max} characters)` : 'expected a text',
    expected: `a text of at most ${max} characters`,
    received: describeValue(v),
  });
  return false;
}

/**
 * Day number (days since 1970-01-01) of a civil date YYYY-MM-DD, or undefined with an issue.
 * Plain arithmetic rather than Temporal: these run per agreement per report and must be cheap.
 */
export function civilDay(v: unknown, path: string, issues: Issue[]): number | undefined {
  // YAML hands an unquoted date as a Date at UTC midnight; the agreement schema accepts it too.
  if (v instanceof Date && !Number.isNaN(v.getTime())) v = v.toISOString().slice(0, 10);
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
  if (!m) {
    issues.push({
      path,
      message: v === undefined ? 'required field is missing' : 'expected a date YYYY-MM-DD',
      expected: 'a date such as 2026-12-25',
      received: describeValue(v),
    });
    return undefined;
  }
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const day = dayFromCivil(y, mo, d);
  const back = civilFromDay(day);
  if (mo < 1 || mo > 12 || back.y !== y || back.m !== mo || back.d !== d) {
    issues.push({
      path,
      message: 'impossible date (no such day in the calendar)',
      expected: 'a real calendar date',
      received: describeValue(v),
    });
    return undefined;
  }
  return day;
}

export { formatCivil };

/** Pushes an issue unless `zone` is an IANA zone name the runtime knows. */
export function checkZone(v: unknown, path: string, issues: Issue[]): v is string {
  if (typeof v === 'string' && isValidZone(v)) return true;
  issues.push({
    path,
    message: v === undefined ? 'required field is missing' : 'unknown time zone',
    expected: 'an IANA time zone such as Europe/Berlin or UTC',
    received: describeValue(v),
  });
  return false;
}

/** The first instant of a civil day in a zone (local midnight, later when midnight was skipped). */
export function startOfCivilDay(day: number, zone: string): number {
  return zoneTable(zone).startOfLocalDay(day);
}

/** The civil day (day number) an instant falls on in a zone. */
export function dayOfInstant(t: number, zone: string): number {
  return Math.floor(zoneTable(zone).toLocal(t) / MS_PER_DAY);
}

/** An instant for messages: ISO 8601 in UTC, "never" for an open end. */
export function showInstant(t: number): string {
  return isInstant(t) ? formatInstant(t) : t === Infinity ? 'never' : String(t);
}
