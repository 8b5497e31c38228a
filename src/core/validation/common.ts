/** Small zod building blocks shared by the document schemas (agreements, calendars, penalties). */
import { z } from 'zod';
import { Temporal } from 'temporal-polyfill';
import { parseDuration } from '../time/duration.ts';

export function isRealDate(text: string): boolean {
  try {
    Temporal.PlainDate.from(text, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

/** A civil date YYYY-MM-DD that exists. YAML may hand a Date for an unquoted date: accepted. */
export const civilDate = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
    .refine(isRealDate, 'impossible date (no such day in the calendar)'),
);

/** A duration in the units of docs/calendars.md (90s, 4h, 1h30m, 2d, 1wd, 1eod, PT4H). */
export const durationText = z
  .string()
  .refine((s) => parseDuration(s).ok, 'expected a duration such as 90s, 45m, 4h, 1h30m, 2d, 1wd, 1eod or PT4H')
  .describe('A duration: 90s, 45m, 4h, 1h30m, 2d (24h), 1wd (a working day), 1eod (end of the next working day), PT4H.');

/** A plain duration (s, m, h, d, or ISO 8601), not a working-day unit. */
export const plainDuration = z
  .string()
  .refine((s) => {
    const d = parseDuration(s);
    return d.ok && d.value.kind === 'fixed';
  }, 'expected a plain duration such as 60s, 48h, 5d or P5D')
  .describe('A plain duration: 60s, 48h, 5d, P5D.');

/** An identifier people type: letters, digits, dot, dash, underscore. */
export const slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, ".", "-" or "_" (e.g. acme-cloud-pbx)');

/** A share in percent, 0..100 ("10%" or 10). */
export const percent = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v) ? Number(v.replace('%', '')) : v),
  z.number().min(0, 'a percentage is at least 0').max(100, 'a percentage is at most 100'),
);

/** A money amount in major units: 500, 499.99 or "1250.00" (held exactly, converted to minor units later). */
export const amount = z.preprocess(
  (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v),
  z.string().regex(/^\d{1,15}(\.\d{1,4})?$/, 'expected an amount such as 500 or 499.99'),
);

/**
 * How some values may be written in files, for the published JSON Schemas: zod describes these by
 * what they become ("10%" a number, 500 a string), so an editor would flag the way people write
 * them. json-schemas.ts puts these forms in their place.
 */
export const JSON_INPUT_FORMS = new Map<unknown, Record<string, unknown>>([
  [
    amount,
    {
      description: 'A money amount in major units: 500, 499.99 or "1250.00".',
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', pattern: '^\\d{1,15}(\\.\\d{1,4})?$' },
      ],
    },
  ],
  [
    percent,
    {
      description: 'A percentage: 10 or "10%".',
      anyOf: [
        { type: 'number', minimum: 0, maximum: 100 },
        { type: 'string', pattern: '^\\s*(0*100(\\.0+)?|0*\\d{1,2}(\\.\\d+)?)\\s*%\\s*$' },
      ],
    },
  ],
]);

/** ISO 4217 currency code. */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD or EUR');

export const contact = z.strictObject({
  name: z.string().min(1).max(200),
  role: z.string().max(200).optional(),
  email: z.string().email().optional(),
  phone: z.string().max(50).optional(),
});
