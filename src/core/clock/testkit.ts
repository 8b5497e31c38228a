/**
 * Helpers for the clock tests (and examples): real compiled calendars and a compact way to write a
 * ticket's events. Not used by the engine itself.
 */
import { compileCalendar } from '../calendar/compile.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import { unwrap } from '../validation/issues.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import type { ClockTarget } from './types.ts';
import type { WorkDuration } from '../time/duration.ts';

const WEEKDAYS_9_TO_5 = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };

/** Europe/Berlin, Monday to Friday 09:00-17:00, Good Friday 2026 (2026-04-03) a holiday. */
export function berlinOffice(): BusinessCalendar {
  return unwrap(
    compileCalendar({ timezone: 'Europe/Berlin', hours: WEEKDAYS_9_TO_5, holidays: [{ date: '2026-04-03', name: 'Good Friday' }] }),
  );
}

/** Europe/Berlin, 24x7 (the 2026-03-29 night is 23 hours long). */
export function berlinAlways(): BusinessCalendar {
  return unwrap(compileCalendar({ timezone: 'Europe/Berlin', hours: 'always' }));
}

export const H = 3_600_000;
export const M = 60_000;

export const ms = (n: number): WorkDuration => ({ kind: 'fixed', ms: n });
export const hours = (n: number): WorkDuration => ms(n * H);
export const minutes = (n: number): WorkDuration => ms(n * M);

/** Epoch ms of an ISO 8601 instant with offset (test input is trusted). */
export function at(iso: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`bad instant in test: ${iso}`);
  return t;
}

type Short =
  | 'created'
  | 'responded'
  | 'status'
  | 'priority'
  | 'assigned'
  | 'escalated'
  | 'resolved'
  | 'reopened'
  | 'closed'
  | 'contact'
  | 'satisfaction';
const LONG: Record<Short, TicketEvent['type']> = {
  created: 'ticket.created',
  responded: 'ticket.responded',
  status: 'ticket.status_changed',
  priority: 'ticket.priority_changed',
  assigned: 'ticket.assigned',
  escalated: 'ticket.escalated',
  resolved: 'ticket.resolved',
  reopened: 'ticket.reopened',
  closed: 'ticket.closed',
  contact: 'ticket.contact',
  satisfaction: 'ticket.satisfaction',
};

/** One row: [instant (ISO with offset), short type, extra fields]. */
export type Row = [string, Short, Record<string, unknown>?];

/** The events of one ticket; ids are `${ticket}-${row index}` unless a row gives its own `id`. */
export function ticketEvents(ticket: string, rows: Row[]): Timed<TicketEvent>[] {
  return rows.map(
    ([iso, short, extra], i) =>
      ({ id: `${ticket}-${i}`, ticket, type: LONG[short], at: iso, atMs: at(iso), ...extra }) as Timed<TicketEvent>,
  );
}

/** A target with defaults: response/resolution by kind, Berlin office calendar unless given. */
export function target(kind: ClockTarget['kind'], fields: Partial<ClockTarget> = {}): ClockTarget {
  return { name: kind, kind, calendar: fields.calendar ?? berlinOffice(), ...fields };
}
