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
    return fail({ path, message: 'expected an ISO 8601 date-time with offset', expected: 'e.g. 2026-03-27T16:00:00+01:00', received: describeValue(text) });
  }
  if (!ISO_WITH_OFFSET.test(text)) {
    const hint = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? ' (the offset is missing: add Z or +01:00)' : '';
    return fail({ path, message: `not an ISO 8601 date-time with offset${hint}`, expected: 'e.g. 2026-03-27T16:00:00+01:00', received: describeValue(text) });
  }
  try {
    const inst = Temporal.Instant.from(text.replace(' ', 'T'));
    return ok(inst.epochMilliseconds);
  } catch {
    return fail({ path, message: 'impossible date or time', expected: 'a real calendar date and time of day', received: describeValue(text) });
  }
}

/** Epoch ms to ISO 8601 with the zone's offset at that instant, e.g. 2026-03-30T12:00:00+02:00. */
export function formatInstant(ms: number, zone = 'UTC'): string {
  if (!Number.isFinite(ms)) return ms > 0 ? 'never' : '-never';
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
