/**
 * Report schedules: "on day D of each month, at HH:MM in a zone, send the previous period's service
 * report of an agreement (or of all a customer's agreements) to these addresses, in this language,
 * as PDF (and/or HTML, CSV)". Pure: what a schedule says (parseReportScheduleSpec) and when it
 * fires next and for which period (nextOccurrence); the clock is an argument.
 *
 * Invariants:
 * - An occurrence is a wall time (day, time) in the schedule's zone. A wall time the zone skips
 *   (clocks go forward) fires at the first instant after the gap; one it repeats fires once, at
 *   the earlier instant. The day is 1 to 28, so every month has it.
 * - The period of an occurrence is the calendar period before the occurrence's civil date: a
 *   monthly schedule firing on 2026-11-03 sends 2026-10; a quarterly one fires in January, April,
 *   July and October and sends the quarter before; a yearly one fires in January and sends the
 *   year before. Labels are the service reports' own (2026-10, 2026-Q3, 2026).
 * - nextOccurrence(after) is strictly after `after`, so completing a fired occurrence and asking
 *   for the next from its instant never returns the same one.
 */
import { z } from 'zod';
import { wallToInstant } from '../time/pattern.ts';
import { isValidZone } from '../time/zone.ts';
import type { Result } from '../validation/issues.ts';
import { validate } from '../validation/zod.ts';

export const REPORT_FORMATS = ['pdf', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const SCHEDULE_PERIODS = ['month', 'quarter', 'year'] as const;
export type SchedulePeriod = (typeof SCHEDULE_PERIODS)[number];

/** A pragmatic address check (one address, no display name): what SMTP servers accept in RCPT TO. */
const EMAIL = /^[^\s@<>()",;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const reportScheduleSpecSchema = z
  .strictObject({
    agreement: z.string().regex(ID, 'expected an agreement id').optional().describe('One agreement (or `customer`).'),
    customer: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Every agreement of this customer (parties.customer.id) at the time it runs (or `agreement`).'),
    every: z.enum(SCHEDULE_PERIODS).default('month').describe('The period reported: month (default), quarter or year.'),
    day: z.number().int().min(1).max(28).describe('Day of the month it runs on, 1 to 28.'),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time HH:MM (24-hour)')
      .default('06:00')
      .describe('Wall time it runs at, HH:MM; 06:00 by default.'),
    zone: z
      .string()
      .max(64)
      .refine(isValidZone, 'unknown time zone (expected an IANA name such as Europe/Berlin)')
      .optional()
      .describe("IANA zone of day and time; the agreement's zone by default (UTC for a customer's agreements)."),
    channel: z.string().regex(ID, 'expected a channel id').describe('The e-mail channel it is sent through (its SMTP server and From).'),
    recipients: z
      .array(z.string().max(254).regex(EMAIL, 'expected an e-mail address such as ops@example.com'))
      .min(1)
      .max(50)
      .describe('Addresses; each gets its own e-mail.'),
    language: z.enum(['en', 'ar']).default('en').describe('en (default) or ar.'),
    formats: z.array(z.enum(REPORT_FORMATS)).min(1).max(3).default(['pdf']).describe('Attached renderings: pdf (default), html, csv.'),
    enabled: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    if ((s.agreement === undefined) === (s.customer === undefined))
      ctx.addIssue({
        code: 'custom',
        path: s.agreement === undefined ? ['agreement'] : ['customer'],
        message: 'give exactly one of agreement and customer',
      });
    if (new Set(s.recipients.map((r) => r.toLowerCase())).size !== s.recipients.length)
      ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'an address is listed twice' });
    if (new Set(s.formats).size !== s.formats.length)
      ctx.addIssue({ code: 'custom', path: ['formats'], message: 'a format is listed twice' });
  });

export type ReportScheduleSpec = z.output<typeof reportScheduleSpecSchema>;

export function parseReportScheduleSpec(input: unknown): Result<ReportScheduleSpec> {
  const r = validate(reportScheduleSpecSchema, input);
  if (!r.ok) return r;
  // Addresses compare without case: stored as given, deduplicated above.
  return r;
}

/** The period label reported by an occurrence in civil month (y, m 1-12), or null when the schedule does not fire that month. */
export function periodOfOccurrence(every: SchedulePeriod, y: number, m: number): string | null {
  if (every === 'month') return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  if (every === 'quarter') {
    if ((m - 1) % 3 !== 0) return null;
    return m === 1 ? `${y - 1}-Q4` : `${y}-Q${(m - 1) / 3}`;
  }
  return m === 1 ? String(y - 1) : null;
}

/** The instant of a wall time in a zone: the first after a skipped one, the earlier of a repeated one. */
function wallInstant(y: number, m: number, d: number, h: number, mi: number, zone: string): number {
  const at = wallToInstant({ y, mo: m, d, h, mi, s: 0, ms: 0 }, zone, 'earlier');
  if (at.ok) return at.value;
  // Skipped: the gap is at most a few hours; the first minute that exists after it.
  for (let k = 1; k <= 24 * 60; k++) {
    const t = Date.UTC(y, m - 1, d, h, mi + k);
    const dt = new Date(t);
    const r = wallToInstant(
      { y: dt.getUTCFullYear(), mo: dt.getUTCMonth() + 1, d: dt.getUTCDate(), h: dt.getUTCHours(), mi: dt.getUTCMinutes(), s: 0, ms: 0 },
      zone,
      'earlier',
    );
    if (r.ok) return r.value;
  }
  throw new Error(`no instant for ${y}-${m}-${d} ${h}:${mi} in ${zone}`);
}

/** The civil (y, m) of an instant in a zone. */
function civilMonth(t: number, zone: string): { y: number; m: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' }).formatToParts(new Date(t));
  return { y: Number(parts.find((p) => p.type === 'year')!.value), m: Number(parts.find((p) => p.type === 'month')!.value) };
}

export interface Occurrence {
  /** When it fires, epoch ms. */
  at: number;
  /** The period it reports. */
  period: string;
}

/** The first occurrence strictly after `after`, in `zone`. */
export function nextOccurrence(spec: Pick<ReportScheduleSpec, 'every' | 'day' | 'time'>, zone: string, after: number): Occurrence {
  const [h, mi] = spec.time.split(':').map(Number) as [number, number];
  let { y, m } = civilMonth(after, zone);
  // Starting from the month before covers zones where `after` is already the next month locally.
  m -= 1;
  if (m === 0) {
    m = 12;
    y -= 1;
  }
  for (let i = 0; i < 30; i++) {
    const period = periodOfOccurrence(spec.every, y, m);
    if (period !== null) {
      const at = wallInstant(y, m, spec.day, h, mi, zone);
      if (at > after) return { at, period };
    }
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  throw new Error('no occurrence within 30 months (a yearly schedule always has one within 13)');
}
