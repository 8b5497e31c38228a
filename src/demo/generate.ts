/**
 * A deterministic generator of realistic service-desk events: tickets with responses, pauses,
 * priority changes, escalations, reassignments, self-service resolutions, reopenings and ratings;
 * monitoring, outages and maintenance; custom KPI reports. The demo and tests use the same code, so
 * the demo data set is rebuilt from a seed, never checked in as a database.
 *
 * Pure: the calendar and the window are arguments; the PRNG is seeded.
 *
 * Ticket events are written as docs/events.md shows them: the scope (service, customer, region)
 * on ticket.created only, follow-ups with the ticket id alone, so the demo and the examples
 * exercise the documented form (a ticket's scope comes from its history).
 */
import type { PledgeEvent } from '../core/events/schema.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import { formatInstant } from '../core/time/instant.ts';

export interface GenerateOptions {
  seed: number;
  from: number;
  to: number;
  /** Working hours of the desk: tickets are handled in them. */
  calendar: BusinessCalendar;
  ticketsPerWorkingDay?: number;
  customers?: string[];
  services?: string[];
  regions?: string[];
  /** Share of tickets that are service requests (new user, leaver, equipment) rather than incidents. */
  requestShare?: number;
  /**
   * Customers who rate at best 3 of 5 however fast the desk is (the demo's watermelon: an SLA met
   * while CSAT is low). The random draws are the same as without it, so only the scores change.
   */
  unhappy?: boolean;
}

/** mulberry32: small, fast, good enough for synthetic data, identical on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN = 60_000;
const H = 3_600_000;

function pick<T>(rnd: () => number, items: readonly T[], weights?: readonly number[]): T {
  if (!weights) return items[Math.floor(rnd() * items.length)]!;
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rnd() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** Log-normal-ish positive duration with the given median (ms). */
function skewed(rnd: () => number, median: number): number {
  const u = Math.max(1e-9, rnd());
  const v = rnd();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(MIN, Math.round((median * Math.exp(0.8 * z)) / MIN) * MIN);
}

export function generateTicketEvents(o: GenerateOptions): PledgeEvent[] {
  const rnd = prng(o.seed);
  const cal = o.calendar;
  const zone = cal.zone;
  const iso = (ms: number) => formatInstant(ms, zone);
  const customers = o.customers ?? ['acme', 'globex', 'initech'];
  const services = o.services ?? ['email', 'checkout', 'printers'];
  const regions = o.regions ?? ['city', 'rural'];
  const perDay = o.ticketsPerWorkingDay ?? 8;
  const workingTotal = cal.elapsed(o.from, o.to);
  const count = Math.max(1, Math.round((workingTotal / (cal.dayLengthMs || 8 * H)) * perDay));
  const out: PledgeEvent[] = [];
  const medianResponse: Record<string, number> = { P1: 10 * MIN, P2: 40 * MIN, P3: 80 * MIN, P4: 3 * H };
  const medianResolve: Record<string, number> = { P1: 1.5 * H, P2: 3 * H, P3: 8 * H, P4: 16 * H };

  for (let n = 0; n < count; n++) {
    const ticket = `T-${String(10000 + n)}`;
    let seq = 0;
    const ev = (at: number, body: Record<string, unknown>) => {
      out.push({ id: `${ticket}-${++seq}`, ticket, at: iso(at), ...body } as PledgeEvent);
    };
    // Creation: anywhere in working time (customers also write after hours, 15% of the time).
    let created = cal.addWorking(o.from, Math.floor(rnd() * workingTotal));
    if (rnd() < 0.15) created += Math.floor(rnd() * 10) * H;
    if (created >= o.to) created = o.to - H;
    const priority = pick(rnd, ['P1', 'P2', 'P3', 'P4'], [5, 20, 50, 25]);
    const isRequest = rnd() < (o.requestShare ?? 0.2);
    const customer = pick(rnd, customers);
    const service = pick(rnd, services);
    const region = pick(rnd, regions, [3, 1]);
    const channel = pick(rnd, ['email', 'phone', 'chat', 'portal'], [4, 2, 2, 2]);
    const scope = { customer, service, region };
    ev(created, {
      type: 'ticket.created',
      ...scope,
      priority,
      status: 'new',
      channel,
      kind: isRequest ? 'request' : 'incident',
      ...(isRequest ? { requestType: pick(rnd, ['new_user', 'leaver', 'equipment'], [3, 2, 2]) } : {}),
      group: 'service-desk',
    });
    ev(created, { type: 'ticket.contact', direction: 'in', channel });
    // Rural sites wait longer: the demo's regional targets then show breaches there.
    const slow = region === 'rural' ? 1.8 : 1;
    const responded = cal.addWorking(created, skewed(rnd, medianResponse[priority]! * slow));
    ev(responded, { type: 'ticket.responded', by: 'agent' });
    ev(responded, { type: 'ticket.contact', direction: 'out', channel });
    let t = responded;
    let currentPriority = priority;
    if (rnd() < 0.1) {
      t = cal.addWorking(t, skewed(rnd, 30 * MIN));
      currentPriority = priority === 'P1' ? 'P2' : `P${Math.max(1, Number(priority.slice(1)) - 1)}`;
      ev(t, { type: 'ticket.priority_changed', priority: currentPriority });
    }
    if (rnd() < 0.15) {
      t = cal.addWorking(t, skewed(rnd, 40 * MIN));
      ev(t, { type: 'ticket.assigned', group: pick(rnd, ['network', 'field-service', 'identity']) });
    }
    if (rnd() < 0.1) {
      t = cal.addWorking(t, skewed(rnd, 60 * MIN));
      ev(t, { type: 'ticket.escalated', level: 1, to: 'duty-manager' });
    }
    if (rnd() < 0.3) {
      t = cal.addWorking(t, skewed(rnd, 45 * MIN));
      ev(t, { type: 'ticket.status_changed', status: 'waiting_on_customer' });
      t += skewed(rnd, 20 * H);
      ev(t, { type: 'ticket.contact', direction: 'in', channel });
      ev(t, { type: 'ticket.status_changed', status: 'in_progress' });
    }
    const selfService = rnd() < 0.15;
    let resolved = cal.addWorking(t, skewed(rnd, (medianResolve[currentPriority] ?? 16 * H) * slow * (selfService ? 0.3 : 1)));
    if (resolved >= o.to + 30 * 24 * H) continue; // stays open beyond the horizon
    ev(resolved, { type: 'ticket.resolved', by: selfService ? 'customer' : 'provider' });
    if (rnd() < 0.08) {
      const reopened = resolved + skewed(rnd, 10 * H);
      ev(reopened, { type: 'ticket.reopened' });
      ev(reopened, { type: 'ticket.contact', direction: 'in', channel });
      resolved = cal.addWorking(reopened, skewed(rnd, 3 * H));
      ev(resolved, { type: 'ticket.resolved', by: 'provider' });
    }
    ev(resolved + 72 * H, { type: 'ticket.closed' });
    if (rnd() < 0.4) {
      // Slow tickets get worse ratings (working time, relative to the typical time for the priority).
      const lateness = cal.elapsed(created, resolved) / (medianResolve[priority]! * 3);
      const score = Math.max(1, Math.min(o.unhappy ? 3 : 5, Math.round(5.2 - lateness * 1.5 - rnd() * 1.5)));
      ev(resolved + skewed(rnd, 6 * H), { type: 'ticket.satisfaction', score, scale: 5 });
    }
  }
  return out;
}

/**
 * Monitoring, outages and maintenance windows of one service over a window. Monitoring starts with
 * the window (a `monitoring.started` at `from`): the months before it have no evidence of
 * monitoring and are no_data, not 100% available; the quiet months after it are measured.
 */
export function generateAvailabilityEvents(o: {
  seed: number;
  from: number;
  to: number;
  service: string;
  zone?: string;
  /**
   * A well-run service that only blips: every outage under 45 s (shorter than an agreement's one-minute
   * minOutage, so none counts) and every maintenance announced a week ahead. The random draws are the
   * same as without it.
   */
  blipsOnly?: boolean;
}): PledgeEvent[] {
  const rnd = prng(o.seed);
  const iso = (ms: number) => formatInstant(ms, o.zone ?? 'UTC');
  const monitoring = { id: `${o.service}-monitoring`, type: 'monitoring.started', at: iso(o.from), service: o.service, monitor: 'probe' };
  const out: PledgeEvent[] = [monitoring as PledgeEvent];
  const days = (o.to - o.from) / (24 * H);
  const outages = Math.max(1, Math.round(days / 9));
  for (let i = 0; i < outages; i++) {
    const start = o.from + Math.floor((rnd() * (o.to - o.from - 6 * H)) / MIN) * MIN;
    const length = o.blipsOnly ? Math.min(skewed(rnd, 12 * MIN), 45_000) : skewed(rnd, 12 * MIN);
    const partial = rnd() < 0.3;
    const cause = pick(rnd, ['provider', 'customer', 'third_party', 'force_majeure'] as const, [80, 10, 8, 2]);
    const id = `${o.service}-INC-${i + 1}`;
    out.push({
      id: `${id}-start`,
      type: 'outage.started',
      at: iso(start),
      service: o.service,
      outage: id,
      impact: partial ? 'partial' : 'full',
      ...(partial ? { weight: 0.5 } : {}),
      cause,
    } as PledgeEvent);
    out.push({ id: `${id}-end`, type: 'outage.ended', at: iso(start + length), service: o.service, outage: id } as PledgeEvent);
  }
  // Monthly maintenance on the first Sunday night, announced a week ahead (one announced late).
  for (let k = 0, t = o.from; t < o.to; k++, t += 30 * 24 * H) {
    const start = t + 24 * H + 2 * H;
    const announced = k === 1 && !o.blipsOnly ? start - 6 * H : start - 7 * 24 * H;
    const id = `${o.service}-MW-${k + 1}`;
    out.push({
      id,
      type: 'maintenance.scheduled',
      at: iso(announced),
      service: o.service,
      maintenance: id,
      start: iso(start),
      end: iso(start + 2 * H),
      announcedAt: iso(announced),
    } as PledgeEvent);
  }
  return out;
}

/** Custom KPI reports: monthly sales appointments and sales per rep, monthly organic visitors. */
/**
 * Monthly KPI reports: sales appointments and sales per rep, organic visitors; with `conferences`,
 * also the industry conferences each rep attended that month (a separate random stream, so the
 * other values do not change with it). `service` tags every report (an agreement that lists
 * services measures only the events of those services).
 */
export function generateKpiEvents(o: {
  seed: number;
  months: Array<{ at: number; label: string }>;
  zone?: string;
  service?: string;
  conferences?: boolean;
}): PledgeEvent[] {
  const rnd = prng(o.seed);
  const rndConf = prng(o.seed + 7919);
  const iso = (ms: number) => formatInstant(ms, o.zone ?? 'UTC');
  const tag = o.service !== undefined ? { service: o.service } : {};
  const out: PledgeEvent[] = [];
  const reps = ['rep-anna', 'rep-ben', 'rep-chloe'];
  for (const m of o.months) {
    for (const rep of reps) {
      out.push({
        id: `kpi-appt-${m.label}-${rep}`,
        type: 'kpi.reported',
        at: iso(m.at),
        kpi: 'sales_appointments',
        subject: rep,
        value: 6 + Math.floor(rnd() * 10),
        ...tag,
      } as PledgeEvent);
      out.push({
        id: `kpi-sales-${m.label}-${rep}`,
        type: 'kpi.reported',
        at: iso(m.at),
        kpi: 'sales_usd',
        subject: rep,
        value: 2000 + Math.floor(rnd() * 3000),
        ...tag,
      } as PledgeEvent);
    }
    out.push({
      id: `kpi-visitors-${m.label}`,
      type: 'kpi.reported',
      at: iso(m.at),
      kpi: 'organic_visitors',
      value: 800 + Math.floor(rnd() * 600),
      ...tag,
    } as PledgeEvent);
    if (o.conferences) {
      for (const rep of reps) {
        const n = rndConf() < 0.35 ? 1 : 0;
        if (n > 0)
          out.push({
            id: `kpi-conf-${m.label}-${rep}`,
            type: 'kpi.reported',
            at: iso(m.at),
            kpi: 'conferences_attended',
            subject: rep,
            value: n,
            ...tag,
          } as PledgeEvent);
      }
    }
  }
  return out;
}
