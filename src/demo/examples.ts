/**
 * The example event files: the second half of 2026 of a small provider's portfolio, from fixed
 * seeds, as exported on 4 December 2026: nothing after that day is in the file (tickets still open
 * then stay open), so the file can be ingested into a live store as it is (an event dated after
 * the receiving clock is refused, docs/events.md) and every figure it gives stays the same.
 */
import { compileCalendar } from '../core/calendar/compile.ts';
import { unwrap } from '../core/validation/issues.ts';
import { parseInstant } from '../core/time/instant.ts';
import type { PledgeEvent } from '../core/events/schema.ts';
import { generateAvailabilityEvents, generateKpiEvents, generateTicketEvents } from './generate.ts';

const t = (s: string) => unwrap(parseInstant(s));

/** Industry conferences attended in 2026 per sales rep (the yearly KPI of the sales OLA). */
function conferences(at: number): PledgeEvent[] {
  const attended: Record<string, number> = { 'rep-anna': 4, 'rep-ben': 3, 'rep-chloe': 2 };
  return Object.entries(attended).map(
    ([rep, value]) =>
      ({
        id: `kpi-conferences-2026-${rep}`,
        type: 'kpi.reported',
        at: new Date(at).toISOString(),
        kpi: 'conferences_attended',
        subject: rep,
        value,
      }) as PledgeEvent,
  );
}

export function exampleEventFiles(): Record<string, string> {
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  const newYork = unwrap(
    compileCalendar({
      timezone: 'America/New_York',
      hours: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-17:00'] },
    }),
  );
  const from = t('2026-07-01T00:00:00Z');
  const to = t('2027-01-01T00:00:00Z');
  /** When the export was taken: the generated half year is cut there. */
  const exported = t('2026-12-04T00:00:00Z');
  const prefix = (p: string, evs: PledgeEvent[]) =>
    evs.map(
      (e) =>
        ({
          ...e,
          id: `${p}-${e.id}`,
          ...('ticket' in e ? { ticket: `${p}-${e.ticket}` } : {}),
          ...('outage' in e ? { outage: `${p}-${e.outage}` } : {}),
          ...('maintenance' in e ? { maintenance: `${p}-${e.maintenance}` } : {}),
        }) as PledgeEvent,
    );
  const months = ['07', '08', '09', '10', '11', '12'].map((m) => ({ at: t(`2026-${m}-28T17:00:00+02:00`), label: `2026-${m}` }));
  const portfolio: PledgeEvent[] = [
    ...prefix(
      'acme',
      generateTicketEvents({
        seed: 11,
        from,
        to,
        calendar: berlin,
        ticketsPerWorkingDay: 1.5,
        customers: ['acme'],
        services: ['checkout'],
        regions: ['city'],
      }),
    ),
    ...prefix(
      'initech',
      generateTicketEvents({
        seed: 12,
        from,
        to,
        calendar: newYork,
        ticketsPerWorkingDay: 1.5,
        customers: ['initech'],
        services: ['printers'],
        regions: ['city', 'rural'],
      }),
    ),
    ...prefix(
      'globex',
      generateTicketEvents({
        seed: 13,
        from,
        to,
        calendar: berlin,
        ticketsPerWorkingDay: 1,
        customers: ['globex'],
        services: ['email'],
        regions: ['city'],
      }),
    ),
    ...generateAvailabilityEvents({ seed: 21, from, to, service: 'checkout' }),
    ...generateAvailabilityEvents({ seed: 22, from, to, service: 'email' }),
    ...generateAvailabilityEvents({ seed: 23, from, to, service: 'cloud-pbx' }),
    // Workplace IT for HR (the IT onboarding OLA): mostly joiner, leaver and equipment requests.
    ...prefix(
      'it',
      generateTicketEvents({
        seed: 14,
        from,
        to,
        calendar: berlin,
        ticketsPerWorkingDay: 1.5,
        customers: ['hr'],
        services: ['workplace-it'],
        regions: ['city'],
        requestShare: 0.8,
      }),
    ),
    // The cloud provider's compute service (the UC's AWS-style credits).
    ...generateAvailabilityEvents({ seed: 24, from, to, service: 'compute' }),
    ...generateKpiEvents({ seed: 31, months }),
    ...conferences(t('2026-12-01T12:00:00Z')),
  ]
    .filter((e) => t(e.at) < exported)
    .sort((a, b) => t(a.at) - t(b.at) || (a.id < b.id ? -1 : 1));
  return { 'portfolio-2026-h2.ndjson': `${portfolio.map((e) => JSON.stringify(e)).join('\n')}\n` };
}
