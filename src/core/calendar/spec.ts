/**
 * The calendar file format (YAML or JSON). See docs/calendars.md; schemas/calendar.schema.json is
 * generated from this schema.
 */
import { z } from 'zod';
import { isValidZone } from '../time/zone.ts';
import { Temporal } from 'temporal-polyfill';

function realDate(text: string): boolean {
  try {
    Temporal.PlainDate.from(text, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = String.raw`(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?`;
// 24:00 ends a day; as a start it would be the next day's 00:00 filed under this day.
const END_TIME = `${TIME}|24:00(?::00)?`;
export const RANGE_RE = new RegExp(`^(${TIME})\\s*-\\s*(${END_TIME})$`);

const range = z
  .string()
  .regex(
    RANGE_RE,
    'expected a wall-clock range "HH:MM-HH:MM" such as "09:00-17:00" (24:00 allowed as an end only; an end before the start crosses midnight)',
  )
  .describe('Local wall-clock range [start, end). An end at or before the start is a night shift that ends the next day.');
const ranges = z.array(range).describe('Working intervals of the day, in local wall-clock time.');
const dayHours = z.union([ranges, z.literal('closed'), z.literal('always')]);

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine(realDate, 'impossible date (no such day in the calendar)')
  .describe('A civil date, YYYY-MM-DD.');
const monthDay = z
  .string()
  .regex(/^\d{2}-\d{2}$/, 'expected a month and day MM-DD such as 12-25')
  .refine((md) => realDate(`2000-${md}`), 'impossible date (no such month and day)');

export const weeklyHours = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<Weekday, z.ZodOptional<typeof dayHours>>,
);

export const holiday = z.union([
  date,
  z.strictObject({ date, name: z.string().max(200).optional() }),
  z.strictObject({
    /** Every year on this month and day. */
    yearly: monthDay,
    name: z.string().max(200).optional(),
    /** First and last year it applies (inclusive). */
    from: z.number().int().min(1900).max(2400).optional(),
    until: z.number().int().min(1900).max(2400).optional(),
    /**
     * When the day falls on a weekend: none (default, the holiday is lost), nearest_weekday
     * (Saturday -> Friday, Sunday -> Monday) or next_weekday (Saturday or Sunday -> Monday).
     */
    observed: z.enum(['none', 'nearest_weekday', 'next_weekday']).optional(),
  }),
]);

export const calendarSpec = z
  .strictObject({
    name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    /** Another calendar file this one builds on (path relative to this file). */
    extends: z.string().min(1).max(1000).optional(),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isValidZone, 'unknown time zone (expected an IANA name such as Europe/Berlin or America/New_York)')
      .optional()
      .describe('IANA time zone, e.g. Europe/Berlin. Required unless inherited through extends.'),
    hours: z
      .union([z.literal('always'), weeklyHours])
      .optional()
      .describe('"always" for 24x7, or working hours per weekday; a weekday not listed is closed.'),
    holidays: z.array(holiday).optional().describe('Whole days closed: a date, {date, name}, or {yearly: MM-DD, name, observed}.'),
    closures: z
      .array(z.strictObject({ date, hours: ranges, name: z.string().max(200).optional() }))
      .optional()
      .describe('Parts of a day closed (local wall-clock ranges on that date).'),
    openings: z
      .array(z.strictObject({ date, hours: z.union([ranges, z.literal('always')]), name: z.string().max(200).optional() }))
      .optional()
      .describe(
        'Special working hours on a date, replacing the weekly hours (e.g. a working Saturday); a holiday on the same date still closes it.',
      ),
    ics: z
      .array(z.string().min(1).max(1000))
      .optional()
      .describe('iCalendar (.ics) files whose events are holidays (all-day events) or closures (timed events).'),
    dayLength: z
      .string()
      .max(40)
      .optional()
      .describe('Length of one working day for the "wd" duration unit, e.g. 8h. Default: the most common daily total of the weekly hours.'),
  })
  .describe('A Pledge business calendar');

export type CalendarSpec = z.output<typeof calendarSpec>;
export type HolidaySpec = z.output<typeof holiday>;
