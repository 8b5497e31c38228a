/**
 * Test kit for the live loop: a tenant with real agreements (through the loader and the lifecycle)
 * and a real calendar on a real store, events stored as ingestion stores them, and a manual clock
 * for the scheduler. Tests and benches only; nothing here replaces a component.
 */
import { agreementFromText } from '../../core/agreements/load.ts';
import { addVersion, type Version } from '../../core/agreements/lifecycle/versions.ts';
import { applyTransition, createHistory, type LifecycleHistory } from '../../core/agreements/lifecycle/state.ts';
import { parseEvent } from '../../core/events/parse.ts';
import { unwrap } from '../../core/validation/issues.ts';
import type { EventInput, Store, TenantId } from '../../store/types.ts';
import type { SchedulerClock } from './scheduler.ts';
import { eventsCommitted } from './signals.ts';

const DAY = 86_400_000;

/** Mon-Fri 09:00-17:00 in Berlin, no holidays. */
export const OFFICE = `name: Office
timezone: Europe/Berlin
hours:
  mon: ["09:00-17:00"]
  tue: ["09:00-17:00"]
  wed: ["09:00-17:00"]
  thu: ["09:00-17:00"]
  fri: ["09:00-17:00"]
`;

/** A support agreement: 4 h (P2) or 2 h (P1) resolution on office hours, the default levels (50, 75, 90%, breach). */
export const SUPPORT = `id: desk
name: Desk support
kind: sla
parties:
  provider: { id: northwind, name: Northwind }
  customer: { id: acme, name: Acme }
calendars:
  office: ../calendars/office.yaml
targets:
  - id: resolution
    metric: resolution_time
    value: 90
    window: month
    calendar: office
    clock: { byPriority: { P1: 2h, P2: 4h }, pauseOn: [waiting_on_customer] }
`;

/** An uptime agreement: 99.9% a month, round the clock. */
export const UPTIME = `id: mail
name: Mail uptime
kind: sla
services: [mail]
parties:
  provider: { id: northwind, name: Northwind }
  customer: { id: acme, name: Acme }
targets:
  - { id: uptime, metric: availability, value: 99.9, window: month }
`;

/** A tenant with the office calendar and the given agreements, active since `since`. */
export async function setupTenant(store: Store, tenant: TenantId, since: number, agreements: readonly string[] = [SUPPORT]): Promise<void> {
  const actor = 'test';
  if (!(await store.getTenant(tenant))) await store.createTenant({ id: tenant, name: tenant, createdAt: since - 10 * DAY });
  await store.putCalendar(tenant, { name: 'office', format: 'yaml', source: OFFICE, at: since - 10 * DAY, by: actor });
  for (const text of agreements) {
    const doc = unwrap(agreementFromText(text, 'agreement.yaml'));
    const spec = doc.spec;
    const t0 = since - 5 * DAY;
    const created = await store.createAgreement(tenant, {
      id: spec.id,
      document: doc.raw,
      ...(spec.parties.customer ? { customer: spec.parties.customer.id } : {}),
      createdAt: t0,
      createdBy: actor,
    });
    if (created.status === 'exists') continue;
    let h: LifecycleHistory = unwrap(createHistory({ agreementId: spec.id, at: t0, by: actor }));
    h = unwrap(applyTransition(h, { to: 'in_review', at: t0 + 1, by: actor }));
    const signatures = [
      { party: 'provider' as const, name: 'Northwind', at: t0 + DAY },
      { party: 'customer' as const, name: 'Acme', at: t0 + 2 * DAY },
    ];
    h = unwrap(applyTransition(h, { to: 'approved', at: t0 + 3 * DAY, by: actor, signatures, term: { start: since } }));
    h = unwrap(applyTransition(h, { to: 'active', at: since, by: actor }));
    const versions: Version<unknown>[] = unwrap(
      addVersion<unknown>([], { effective: since, document: doc.raw, createdAt: t0 + 3 * DAY, createdBy: actor, note: 'signed' }),
    );
    const r = await store.updateAgreement(tenant, spec.id, created.value.etag, {
      transitions: h.transitions,
      versions,
      at: since,
      by: actor,
    });
    if (r.status !== 'updated') throw new Error(`setting up ${spec.id}: ${r.status}`);
  }
}

/** Stores events (validated as ingestion validates them) received at `at`, and signals the commit as ingestion does. */
export async function store(s: Store, tenant: TenantId, events: ReadonlyArray<Record<string, unknown>>, at: number): Promise<number> {
  const parsed = events.map((e) => unwrap(parseEvent(e)) as unknown as EventInput);
  const r = await s.appendEvents(tenant, parsed, { receivedAt: at });
  if (r.accepted > 0) eventsCommitted({ tenant, lastSeq: r.lastSeq, at });
  return r.lastSeq;
}

/** A clock the test sets; timers are recorded with their callbacks, run only when the test says (runTimer). */
export class ManualClock implements SchedulerClock {
  timers: Array<{ ms: number; fn: () => void; cancelled: boolean }> = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { ms, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  /** The timers set and not cancelled, oldest first. */
  pending(): Array<{ ms: number; fn: () => void }> {
    return this.timers.filter((t) => !t.cancelled);
  }
}

/** Ticket events in a compact form. */
export const ticket = (id: string, priority = 'P2') => ({
  created: (at: number) => ({
    id: `${id}-c`,
    type: 'ticket.created',
    ticket: id,
    at: new Date(at).toISOString(),
    priority,
    customer: 'acme',
  }),
  status: (n: number, status: string, at: number) => ({
    id: `${id}-s${n}`,
    type: 'ticket.status_changed',
    ticket: id,
    status,
    at: new Date(at).toISOString(),
  }),
  priority: (n: number, p: string, at: number) => ({
    id: `${id}-p${n}`,
    type: 'ticket.priority_changed',
    ticket: id,
    priority: p,
    at: new Date(at).toISOString(),
  }),
  resolved: (at: number) => ({ id: `${id}-r`, type: 'ticket.resolved', ticket: id, at: new Date(at).toISOString() }),
});
