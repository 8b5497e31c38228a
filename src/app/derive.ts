/**
 * Derived results (clocks, period compliance, settlements) computed from the stored events and
 * agreements, and stored so reads are cheap. `pledge rebuild` deletes and recomputes them all; they
 * can always be rebuilt, since events and agreement versions are never rewritten.
 *
 * Calendars named in an agreement (`calendars: { office: ../calendars/berlin-office.yaml }`) are
 * looked up among the tenant's stored calendars by file name without extension (`berlin-office`).
 */
import { basename } from 'node:path';
import { agreementFromText, type LoadedAgreement } from '../core/agreements/load.ts';
import { chainOf, mergeChain } from '../core/agreements/layering.ts';
import { agreementZone, clockTargetsOf, eventsOf } from '../core/agreements/evaluate.ts';
import { ticketBook } from '../core/agreements/tickets.ts';
import { ticketKey } from '../core/clock/tickets.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import { settlePeriods, type TermsVersion } from '../core/agreements/settlement.ts';
import { currentState, monitoredIntervals } from '../core/agreements/lifecycle/state.ts';
import { calendarFromText } from '../core/calendar/source.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import type { Timed } from '../core/events/schema.ts';
import { resolveWindow, windowsCovering, type ResolvedWindow } from '../core/metrics/window.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import { alertChangesFor } from './alerts/changes.ts';
import type { ClockRow, ComplianceRow, DerivedState, SettlementRow, Store, TenantId } from '../store/types.ts';

export interface RebuildReport {
  agreements: number;
  events: number;
  clocks: number;
  compliance: number;
  settlements: number;
  watermark: number;
  /** Agreements that could not be evaluated, and why. */
  problems: string[];
  /**
   * Nothing was written: an agreement or calendar changed while the results were computed (the
   * generation moved), or, with `from`, the watermark had moved. The next read recomputes.
   */
  stale?: boolean;
}

const calendarName = (ref: string) => basename(ref).replace(/\.(ya?ml|json)$/i, '');

/** Every stored agreement of the tenant, loaded as documents (paged through). */
export async function tenantAgreements(store: Store, tenant: TenantId): Promise<{ loaded: LoadedAgreement[]; issues: Issue[] }> {
  const loaded: LoadedAgreement[] = [];
  const issues: Issue[] = [];
  let after: string | undefined;
  do {
    const page = await store.listAgreements(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) {
      const r = agreementFromText(JSON.stringify(a.document), `agreement:${a.id}`);
      if (r.ok) loaded.push(r.value);
      else issues.push(...r.issues);
    }
    after = page.next;
  } while (after);
  return { loaded, issues };
}

/** The tenant's stored calendars, compiled on demand by name (extends resolves among them too). */
export async function tenantCalendarLoader(
  store: Store,
  tenant: TenantId,
): Promise<(name: string) => { ok: true; value: BusinessCalendar } | { ok: false; message: string }> {
  const sources = new Map((await store.listCalendars(tenant)).map((c) => [c.name, c.source] as const));
  const cache = new Map<string, BusinessCalendar>();
  return (ref: string) => {
    const name = calendarName(ref);
    const hit = cache.get(name);
    if (hit) return { ok: true, value: hit };
    const text = sources.get(name);
    if (text === undefined) return { ok: false, message: `no stored calendar named "${name}"` };
    const r = calendarFromText(text, name, (r2) => {
      const t = sources.get(calendarName(r2));
      return t === undefined ? { error: `no stored calendar named "${calendarName(r2)}"` } : { source: calendarName(r2), text: t };
    });
    if (!r.ok) return { ok: false, message: r.issues.map(formatIssue).join('; ') };
    cache.set(name, r.value);
    return { ok: true, value: r.value };
  };
}

/**
 * The tenant's events with seq in (afterSeq, upTo], in the order they were stored. They were
 * validated when they were ingested and are stored as parsed, so they are read back as they are
 * (the payload and its instant), not validated again: a rebuild reads every event of the tenant.
 */
async function loadEvents(store: Store, tenant: TenantId, afterSeq: number, upTo: number): Promise<Timed[]> {
  const out: Timed[] = [];
  let seq = afterSeq;
  while (seq < upTo) {
    const rows = await store.eventPayloadsSince(tenant, seq, 10_000);
    if (rows.length === 0) break;
    for (const e of rows) {
      if (e.seq > upTo) break;
      // The payload is a fresh object of the store's: it becomes the event, with its instant.
      const ev = e.payload as Record<string, unknown> & { atMs: number };
      ev.atMs = e.at;
      out.push(ev as unknown as Timed);
    }
    seq = rows[rows.length - 1]!.seq;
  }
  return out;
}

/** An agreement that is measured: monitored at some time, its terms merged and its calendars compiled. */
export interface Measured {
  id: string;
  terms: AgreementSpec;
  calendars: Map<string, BusinessCalendar>;
  zone: string;
  monitored: { from: number; to: number };
  /** Its versions when it was amended (oldest first); absent: `terms` throughout. */
  versions?: TermsVersion[];
}

/** The tenant's agreements that are measured (active, suspended, expired or terminated), and why others cannot be. */
export async function measuredAgreements(store: Store, tenant: TenantId): Promise<{ measured: Measured[]; problems: string[] }> {
  const { loaded, issues } = await tenantAgreements(store, tenant);
  const problems = issues.map(formatIssue);
  const calendar = await tenantCalendarLoader(store, tenant);
  const always = compileCalendar({ timezone: 'UTC', hours: 'always' });
  const measured: Measured[] = [];

  /** A document's effective terms (merged onto its stored parents) and their calendars, or why not. */
  const effective = (doc: LoadedAgreement, label: string): { terms: AgreementSpec; calendars: Map<string, BusinessCalendar> } | string => {
    const chain = chainOf(
      loaded.map((x) => (x.spec.id === doc.spec.id ? doc : x)),
      doc.spec.id,
    );
    if (!chain.ok) return `${label}: ${chain.issues.map(formatIssue).join('; ')}`;
    const eff = mergeChain(chain.value, doc.spec.parties.customer?.id ?? '', doc.spec.services[0] ?? '');
    if (!eff.ok) return `${label}: ${eff.issues.map(formatIssue).join('; ')}`;
    const calendars = new Map<string, BusinessCalendar>();
    if (always.ok) calendars.set('24x7', always.value);
    for (const [name, ref] of Object.entries(eff.value.terms.calendars)) {
      const c = calendar(ref);
      if (!c.ok) return `${label}: calendars.${name}: ${c.message}`;
      calendars.set(name, c.value);
    }
    return { terms: eff.value.terms, calendars };
  };

  for (const doc of loaded) {
    const history = await store.getLifecycle(tenant, doc.spec.id);
    if (!history || currentState(history) === 'draft' || currentState(history) === 'in_review' || currentState(history) === 'approved')
      continue;
    const spans = monitoredIntervals(history);
    if (spans.length === 0) continue;
    const now = effective(doc, doc.spec.id);
    if (typeof now === 'string') {
      problems.push(now);
      continue;
    }
    // Amendments: each billing period is settled with the version in force when it began.
    const versions: TermsVersion[] = [];
    const stored = await store.listVersions(tenant, doc.spec.id);
    if (stored.length > 1) {
      for (const v of stored) {
        const label = `${doc.spec.id} version ${v.version}`;
        const r = agreementFromText(JSON.stringify(v.document), `agreement:${doc.spec.id}@${v.version}`);
        const e = r.ok ? effective(r.value, label) : `${label}: ${r.issues.map(formatIssue).join('; ')}`;
        if (typeof e === 'string') problems.push(`${e} (periods it was in force for are measured with the current terms)`);
        else versions.push({ effective: v.effective, terms: e.terms, calendars: e.calendars, label: `version ${v.version}` });
      }
    }
    measured.push({
      id: now.terms.id,
      terms: now.terms,
      calendars: now.calendars,
      zone: agreementZone(now.terms, now.calendars),
      monitored: { from: spans[0]!.from, to: spans[spans.length - 1]!.to },
      ...(versions.length > 1 ? { versions } : {}),
    });
  }
  return { measured, problems };
}

function earliest(events: readonly Timed[]): number {
  let first = Infinity;
  for (const e of events) if (e.atMs < first) first = e.atMs;
  return first;
}

interface Derived {
  clocks: ClockRow[];
  compliance: ComplianceRow[];
  settlements: SettlementRow[];
}

/**
 * One agreement's derived results from the tenant's events, as of `now`: clocks per ticket and
 * time target (only of the tickets in `onlyTickets`, when given), compliance per target and
 * window, and settlements per billing month, from the month of `first` (the tenant's earliest
 * event: before it there is nothing to measure with) to now, at most the last 24, within the time
 * the agreement is monitored. An agreement without events of its own in a month is still measured:
 * no ticket is nothing breached, and no outage is full availability when the service is known to be
 * monitored then (a declared start, monitoring.started, checks or reports: see
 * src/core/availability/monitoring.ts); a month without that evidence is no_data, not 100%.
 */
function deriveAgreement(m: Measured, events: readonly Timed[], first: number, now: number, onlyTickets?: ReadonlySet<string>): Derived {
  const { terms, calendars, zone, monitored } = m;
  const mine = eventsOf(terms, events);
  const book = ticketBook(mine, clockTargetsOf(terms, calendars));
  const out: Derived = { clocks: [], compliance: [], settlements: [] };
  if (book.targets.length > 0) {
    for (const ev of book.evaluations(now)) {
      for (const c of ev.clocks) {
        if (onlyTickets && !onlyTickets.has(ticketKey(c.source, c.ticket))) continue;
        const source = c.source ? { source: c.source } : {};
        out.clocks.push({ agreementId: terms.id, target: c.target, ticket: c.ticket, ...source, cycle: c.cycle, value: c, updatedAt: now });
      }
    }
  }
  const from = Math.max(monitored.from, Number.isFinite(first) ? first : now);
  const to = Math.min(monitored.to, now);
  if (!(to > from)) return out;
  const months = windowsCovering('month', from, to, zone);
  if (!months.ok) return out;
  const periods: ResolvedWindow[] = months.value.slice(-24).flatMap((w) => {
    const r = resolveWindow(w, zone);
    return r.ok ? [r.value] : [];
  });
  const outcomes = settlePeriods({
    terms,
    calendars,
    events: mine,
    periods,
    now,
    monitored,
    book,
    ...(m.versions ? { versions: m.versions } : {}),
  });
  const compliance = new Map<string, ComplianceRow>();
  for (const o of outcomes) {
    for (const t of o.targets)
      if (t.evaluation)
        compliance.set(`${t.target.id}\u0000${t.evaluation.window.label}`, {
          agreementId: terms.id,
          target: t.target.id,
          window: t.evaluation.window.label,
          value: t.evaluation,
          updatedAt: now,
        });
    if (o.settlement) out.settlements.push({ agreementId: terms.id, period: o.period.label, value: o.settlement, updatedAt: now });
  }
  out.compliance = [...compliance.values()];
  return out;
}

/** Attempts of a rebuild asked for (`pledge rebuild`) that changes of agreements or calendars overtake. */
const REBUILD_ATTEMPTS = 3;

/**
 * Recomputes and stores every derived result of a tenant, as of `now`, replacing all the stored
 * ones in one transaction (readers see the old results or the new, never a mix).
 *
 * The results are written only if no agreement or calendar changed while they were computed: the
 * generation is read before any input, and the store refuses the write when it moved (see
 * DerivedState), so a change made meanwhile, by this process or another, is never overwritten
 * with results of the inputs before it. With `from` (refreshDerived, which read the state
 * itself), they are written only if the state is still `from`, watermark included, in one
 * attempt: the caller looks again. Without (`pledge rebuild`), a rebuild overtaken by a change
 * computes again, up to REBUILD_ATTEMPTS times in all, and reports `stale` if every attempt was
 * overtaken (the results stay invalidated, and the next read recomputes them).
 */
export async function rebuildDerived(ctx: { store: Store; tenant: TenantId; now: number; from?: DerivedState }): Promise<RebuildReport> {
  const { store, tenant, now, from } = ctx;
  let report: RebuildReport | undefined;
  for (let attempt = 0; attempt < (from ? 1 : REBUILD_ATTEMPTS); attempt++) {
    report = await rebuildFrom(store, tenant, now, from ?? (await store.getDerivedState(tenant)), from !== undefined);
    if (!report.stale) break;
  }
  return report!;
}

/** One rebuild with the inputs of `base.generation` (read after it); `checkWatermark`: also only if the watermark is still base's. */
async function rebuildFrom(
  store: Store,
  tenant: TenantId,
  now: number,
  base: DerivedState,
  checkWatermark: boolean,
): Promise<RebuildReport> {
  const watermark = await store.lastEventSeq(tenant);
  const { measured, problems } = await measuredAgreements(store, tenant);
  const events = await loadEvents(store, tenant, 0, watermark);
  const first = earliest(events);
  const all: Derived = { clocks: [], compliance: [], settlements: [] };
  for (const m of measured) {
    const d = deriveAgreement(m, events, first, now);
    for (const k of ['clocks', 'compliance', 'settlements'] as const) for (const r of d[k]) (all[k] as unknown[]).push(r);
  }
  const r = await store.replaceDerived(tenant, {
    everything: true,
    watermark,
    generation: base.generation,
    ...all,
    ...(checkWatermark ? { from: base.watermark } : {}),
    alerts: await alertChangesFor({ store, tenant, now, measured, ...all, events, everything: true }),
  });
  return {
    agreements: measured.length,
    events: events.length,
    clocks: all.clocks.length,
    compliance: all.compliance.length,
    settlements: all.settlements.length,
    watermark,
    problems,
    ...(r.status === 'stale' ? { stale: true } : {}),
  };
}

export interface RefreshReport {
  /**
   * fresh: nothing to do; refreshed: the results now reflect every event up to `watermark`; stale:
   * nothing written here, because another process wrote results meanwhile, or an agreement or
   * calendar changed while they were computed (the caller looks again).
   */
  status: 'fresh' | 'refreshed' | 'stale';
  /** Full: a rebuild (no results were computed yet, or they were invalidated). */
  full: boolean;
  /** Events that arrived since the results were computed. */
  newEvents: number;
  /** Agreements recomputed (those that measure one of the new events). */
  agreements: string[];
  /** Tickets whose clocks were recomputed, over those agreements. */
  tickets: number;
  watermark: number;
}

/**
 * Brings the derived results up to date with the events that arrived since they were computed
 * (the watermark), recomputing only what they affect: the agreements that measure one of them
 * (their compliance and settlements in full, since a late event can change any of their periods
 * and each period's settlement depends on the earlier ones) and, in them, the clocks of the
 * tickets the new events belong to. The result is the same as a rebuild's (the tests compare
 * them), except that results nothing touched keep the instant they were computed at.
 *
 * A watermark of 0 with events stored (never computed, or invalidated by a change of agreements
 * or calendars) is a full rebuild.
 *
 * The state (watermark and generation) is read first, before any input, and the write is refused
 * unless it is unchanged: another process wrote first, or an input changed meanwhile (`stale`).
 */
export async function refreshDerived(ctx: { store: Store; tenant: TenantId; now: number }): Promise<RefreshReport> {
  const { store, tenant, now } = ctx;
  const state = await store.getDerivedState(tenant);
  const from = state.watermark;
  const last = await store.lastEventSeq(tenant);
  if (from >= last) return { status: 'fresh', full: false, newEvents: 0, agreements: [], tickets: 0, watermark: from };
  if (from === 0) {
    const r = await rebuildDerived({ store, tenant, now, from: state });
    return { status: r.stale ? 'stale' : 'refreshed', full: true, newEvents: last, agreements: [], tickets: r.clocks, watermark: last };
  }
  const fresh = await loadEvents(store, tenant, from, last);
  // Events earlier than any before move every agreement's first period: recompute everything.
  const before = await store.queryEvents(tenant, { limit: 1 });
  if (before.items[0] !== undefined && before.items[0].seq > from) {
    const r = await rebuildDerived({ store, tenant, now, from: state });
    return {
      status: r.stale ? 'stale' : 'refreshed',
      full: true,
      newEvents: fresh.length,
      agreements: [],
      tickets: r.clocks,
      watermark: last,
    };
  }
  const { measured } = await measuredAgreements(store, tenant);
  // Whether an agreement measures a new event of a ticket depends on the ticket's whole history
  // (its scope: a follow-up need not name its service), so it is decided on every event; and a new
  // event can move a ticket out of an agreement (a late ticket.created naming another service), so
  // the tickets an agreement measured before the new events count as touched too.
  const events = await loadEvents(store, tenant, 0, last);
  const earlier = events.slice(0, events.length - fresh.length);
  const isFresh = new Set<Timed>(events.slice(earlier.length));
  const freshTickets = new Set<string>();
  for (const e of isFresh) if ('ticket' in e) freshTickets.add(ticketKey(e.source, e.ticket));
  const touched = measured.flatMap((m) => {
    const tickets = new Map<string, { ticket: string; source: string }>();
    let any = false;
    for (const e of eventsOf(m.terms, events)) {
      if (!isFresh.has(e)) continue;
      any = true;
      if ('ticket' in e) tickets.set(ticketKey(e.source, e.ticket), { ticket: e.ticket, source: e.source ?? '' });
    }
    for (const e of eventsOf(m.terms, earlier)) {
      if (!('ticket' in e)) continue;
      const key = ticketKey(e.source, e.ticket);
      if (!freshTickets.has(key) || tickets.has(key)) continue;
      tickets.set(key, { ticket: e.ticket, source: e.source ?? '' });
      any = true;
    }
    return any ? [{ m, tickets }] : [];
  });
  type TicketOf = { agreementId: string; ticket: string; source?: string };
  const change: Derived & { tickets: TicketOf[] } = { clocks: [], compliance: [], settlements: [], tickets: [] };
  if (touched.length > 0) {
    const first = earliest(events);
    for (const t of touched) {
      const d = deriveAgreement(t.m, events, first, now, new Set(t.tickets.keys()));
      for (const k of ['clocks', 'compliance', 'settlements'] as const) for (const r of d[k]) (change[k] as unknown[]).push(r);
      for (const { ticket, source } of t.tickets.values()) {
        change.tickets.push({ agreementId: t.m.id, ticket, ...(source ? { source } : {}) });
      }
    }
  }
  const r = await store.replaceDerived(tenant, {
    from,
    generation: state.generation,
    watermark: last,
    agreements: touched.map((t) => t.m.id),
    ...change,
    alerts: await alertChangesFor({ store, tenant, now, measured: touched.map((t) => t.m), ...change, events }),
  });
  return {
    status: r.status === 'stale' ? 'stale' : 'refreshed',
    full: false,
    newEvents: fresh.length,
    agreements: touched.map((t) => t.m.id),
    tickets: change.tickets.length,
    watermark: last,
  };
}
