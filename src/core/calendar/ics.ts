/**
 * Holidays from iCalendar (.ics) files, e.g. a public-holiday feed exported from a groupware
 * calendar. All-day events close whole days (multi-day events every day they cover, recurring
 * events every occurrence up to 2100); timed events close the instants they cover. Cancelled and
 * transparent ("free") events are ignored, since they do not block working time.
 *
 * Timed events in UTC or in a zone the file defines (VTIMEZONE) are exact instants. A time
 * without either (floating, or TZID=Europe/Berlin without its VTIMEZONE, which many exports
 * omit) is a wall-clock time: it is read in the TZID when that is an IANA name, else in the
 * calendar's own zone. ical.js alone would read it as UTC, hours off.
 */
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';
import { dayFromCivil, isValidZone } from '../time/zone.ts';
import type { Result } from '../validation/issues.ts';

export interface IcsEntries {
  days: Array<[number, string]>;
  instants: Array<[number, number]>;
}

const LAST_YEAR = 2100;
const MAX_OCCURRENCES = 100_000;

/** Epoch ms of an ical.js time; a wall-clock time (see above) is read in `zone`. */
function instantOf(t: ICAL.Time, zone: string): number {
  const tzid = t.zone?.tzid;
  if (tzid !== undefined && tzid !== 'floating') return t.toUnixTime() * 1000;
  return Temporal.PlainDateTime.from({
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
  }).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** `zone`: the calendar's IANA zone, for times the file gives without one. */
export function parseIcs(text: string, source: string, path: string, zone = 'UTC'): Result<IcsEntries> {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown as unknown[]);
  } catch (e) {
    return { ok: false, issues: [{ path, source, message: `not a valid iCalendar file: ${(e as Error).message}` }] };
  }
  // Register embedded VTIMEZONEs so TZID-qualified times convert correctly.
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    try {
      ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
    } catch {
      /* an unusable VTIMEZONE leaves its times floating (read as UTC); not fatal */
    }
  }
  const days: Array<[number, string]> = [];
  const instants: Array<[number, number]> = [];
  let count = 0;
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const status = String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase();
    const transp = String(vevent.getFirstPropertyValue('transp') ?? '').toUpperCase();
    if (status === 'CANCELLED' || transp === 'TRANSPARENT') continue;
    const ev = new ICAL.Event(vevent);
    if (!ev.startDate) continue;
    const name = ev.summary || 'holiday';
    const allDay = ev.startDate.isDate;
    const lengthDays = allDay && ev.endDate ? Math.max(1, Math.round((ev.endDate.toUnixTime() - ev.startDate.toUnixTime()) / 86_400)) : 1;
    const length = !allDay && ev.endDate ? ev.duration : null;
    // The DTSTART's TZID, for when the file does not define it (ical.js then keeps the time
    // floating and drops the name from occurrences).
    const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid');
    const wallZone = typeof tzid === 'string' && isValidZone(tzid) ? tzid : zone;
    const add = (t: ICAL.Time) => {
      if (allDay) {
        const d0 = dayFromCivil(t.year, t.month, t.day);
        for (let k = 0; k < lengthDays; k++) days.push([d0 + k, name]);
      } else if (length) {
        // The end is the start plus the event's duration, on the start's own clock.
        const end = t.clone();
        end.addDuration(length);
        const s = instantOf(t, wallZone);
        const e = instantOf(end, wallZone);
        if (e > s) instants.push([s, e]);
      }
      count++;
    };
    if (ev.isRecurring()) {
      const it = ev.iterator();
      for (let next = it.next(); next && next.year <= LAST_YEAR && count < MAX_OCCURRENCES; next = it.next()) add(next);
    } else add(ev.startDate);
    if (count >= MAX_OCCURRENCES) {
      return {
        ok: false,
        issues: [
          {
            path,
            source,
            message: `more than ${MAX_OCCURRENCES} occurrences before ${LAST_YEAR}: a recurrence this dense is not a holiday list`,
          },
        ],
      };
    }
  }
  return { ok: true, value: { days, instants } };
}
