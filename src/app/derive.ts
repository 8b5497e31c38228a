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
import { agreementZone, clockTargetsOf, eventsOf, needsTickets } from '../core/agreements/evaluate.ts';
import { ticketBook, type TicketBook } from '../core/agreements/tickets.ts';
import { ticketKey } from '../core/clock/tickets.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import { settledBefore, settlePeriods, targetWindows, type SettledBefore, type TermsVersion } from '../core/agreements/settlement.ts';
import { currentState, monitoredIntervals } from '../core/agreements/lifecycle/state.ts';
import { calendarFromText } from '../core/calendar/source.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import type { Timed } from '../core/events/schema.ts';
import type { TargetState } from '../core/metrics/compliance.ts';
import type { Settlement } from '../core/penalties/index.ts';
import { resolveWindow, windowsCovering, type ResolvedWindow } from '../core/metrics/window.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import { alertChangesFor } from './alerts/changes.ts';
import { keepResident, Resident, takeResident, type StoredEvent } from './resident.ts';
import { watchesWindows, type Measurement } from './alerts/subjects.ts';
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
  return (await loadStoredEvents(store, tenant, afterSeq, upTo)).map((r) => r.event);
}

/** loadEvents, each event with its seq. */
async function loadStoredEvents(store: Store, tenant: TenantId, afterSeq: number, upTo: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let seq = afterSeq;
  while (seq < upTo) {
    const rows = await store.eventPayloadsSince(tenant, seq, 10_000);
    if (rows.length === 0) break;
    for (const e of rows) {
      if (e.seq > upTo) break;
      // The payload is a fresh object of the store's: it becomes the event, with its instant.
      const ev = e.payload as Record<string, unknown> & { atMs: number };
      ev.atMs = e.at;
      out.push({ seq: e.seq, event: ev as unknown as Timed });
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
function deriveAgreement(m: Measured, events: readonly Timed[], first: number, now: number): Derived & { measurement: Measurement } {
  const mine = eventsOf(m.terms, events);
  const book = ticketBook(mine, clockTargetsOf(m.terms, m.calendars));
  const clocks = clockRows(m, book, now);
  const periods = periodsOf(m, first, now);
  return { clocks, ...settleAgreement(m, mine, book, periods.list, now), measurement: { mine, book } };
}

/** The clock rows of the tickets in `book` as of `now` (only those in `onlyTickets`, when given). */
function clockRows(m: Measured, book: TicketBook, now: number, onlyTickets?: ReadonlySet<string>): ClockRow[] {
  const out: ClockRow[] = [];
  if (book.targets.length === 0) return out;
  for (const ev of book.evaluations(now)) {
    for (const c of ev.clocks) {
      if (onlyTickets && !onlyTickets.has(ticketKey(c.source, c.ticket))) continue;
      const source = c.source ? { source: c.source } : {};
      out.push({ agreementId: m.id, target: c.target, ticket: c.ticket, ...source, cycle: c.cycle, value: c, updatedAt: now });
    }
  }
  return out;
}

/** PERIODS_KEPT: billing periods measured, the last ones (see deriveAgreement). */
const PERIODS_KEPT = 24;

/** The billing months an agreement is settled over as of `now` (see deriveAgreement); `capped`: older ones were left out. */
function periodsOf(m: Measured, first: number, now: number): { list: ResolvedWindow[]; capped: boolean } {
  const from = Math.max(m.monitored.from, Number.isFinite(first) ? first : now);
  const to = Math.min(m.monitored.to, now);
  if (!(to > from)) return { list: [], capped: false };
  const months = windowsCovering('month', from, to, m.zone);
  if (!months.ok) return { list: [], capped: false };
  const list = months.value.slice(-PERIODS_KEPT).flatMap((w) => {
    const r = resolveWindow(w, m.zone);
    return r.ok ? [r.value] : [];
  });
  return { list, capped: months.value.length > PERIODS_KEPT };
}

/**
 * Compliance per target and window and settlements per period of `periods` (consecutive, oldest
 * first); with `before`, they follow earlier periods that are not settled again (settledBefore).
 * A window measured in several periods (a quarter to date) keeps its latest measurement.
 */
function settleAgreement(
  m: Measured,
  mine: readonly Timed[],
  book: TicketBook,
  periods: readonly ResolvedWindow[],
  now: number,
  before?: SettledBefore,
): { compliance: ComplianceRow[]; settlements: SettlementRow[] } {
  const settlements: SettlementRow[] = [];
  if (periods.length === 0) return { compliance: [], settlements };
  const { terms, calendars, monitored } = m;
  const outcomes = settlePeriods({
    terms,
    calendars,
    events: mine,
    periods,
    now,
    monitored,
    book,
    ...(m.versions ? { versions: m.versions } : {}),
    ...(before ? { before } : {}),
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
    if (o.settlement) settlements.push({ agreementId: terms.id, period: o.period.label, value: o.settlement, updatedAt: now });
  }
  return { compliance: [...compliance.values()], settlements };
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
  // Each agreement's events and ticket book, for its windows' alerts (evaluated on the same book).
  const measurements = new Map<string, Measurement>();
  for (const m of measured) {
    const d = deriveAgreement(m, events, first, now);
    for (const k of ['clocks', 'compliance', 'settlements'] as const) for (const r of d[k]) (all[k] as unknown[]).push(r);
    // Only where windows are watched: the others' books are let go with the agreement.
    if (watchesWindows(m)) measurements.set(m.id, d.measurement);
  }
  const r = await store.replaceDerived(tenant, {
    everything: true,
    watermark,
    generation: base.generation,
    ...all,
    ...(checkWatermark ? { from: base.watermark } : {}),
    alerts: await alertChangesFor({ store, tenant, now, measured, ...all, events, everything: true, measurements }),
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
  /** Events read to recompute (the new ones, the touched tickets' histories, what the recomputed windows need). */
  read?: number;
  /** The windows were measured from the resident window book (resident.ts), not from events read again. */
  resident?: boolean;
}

/**
 * Brings the derived results up to date with the events that arrived since they were computed
 * (the watermark), at the cost of what they touch rather than of the tenant's history:
 *
 * - Tickets: the new events' tickets are read whole (store.ticketEvents, by index). An agreement
 *   is touched when it measures one of them before the new events or after (a ticket's scope comes
 *   from its whole history, and a late ticket.created can move it out of an agreement), or measures
 *   a new event of no ticket. Only those tickets' clocks are evaluated, and only they are replaced.
 * - Windows: of a touched agreement, only the billing periods the change can reach are settled
 *   again: from the first that ends at or after the earliest instant of the touched tickets and new
 *   events, or that was still open when the agreement was last computed (store.derivedComputedAt),
 *   whichever is earlier. Earlier periods keep their stored results, and the later ones are settled
 *   with the history those left (settledBefore: window states, money owed per contract year).
 * - Events: only those the recomputed windows need are read (store.eventPayloadsFor): every event
 *   of no ticket, and the whole history of each ticket with an event since the first recomputed
 *   window began, with a clock still open, or touched now. A ticket with neither finished before
 *   those windows and counts in none of them (metrics place a clock by its breach or stop, a
 *   ticket by its instants; catalogue.ts).
 *
 * The result is the same as a rebuild's (the property test in derive-incremental.test.ts compares
 * them over random streams), except that results nothing touched keep the instant they were
 * computed at. Full recomputations remain where the shortcut would not be exact: never computed or
 * invalidated (watermark 0), an event earlier than every stored one (it moves the first period),
 * an agreement settled over more than PERIODS_KEPT months (the oldest drops out), or a grace
 * period ending inside a window that would be kept (its settled part is not stored).
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
  const full = async (newEvents: number): Promise<RefreshReport> => {
    const r = await rebuildDerived({ store, tenant, now, from: state });
    return { status: r.stale ? 'stale' : 'refreshed', full: true, newEvents, agreements: [], tickets: r.clocks, watermark: last };
  };
  if (from === 0) return full(last);
  const fresh = await loadEvents(store, tenant, from, last);
  // Events earlier than any before move every agreement's first period: recompute everything.
  const firstStored = (await store.queryEvents(tenant, { limit: 1 })).items[0];
  if (firstStored !== undefined && firstStored.seq > from) return full(fresh.length);
  const first = firstStored?.at ?? Infinity;
  const { measured } = await measuredAgreementsOf(store, tenant, state.generation);

  // The touched tickets, whole, in the order they were stored (as a rebuild reads them).
  const touchedKeys = new Map<string, { source: string; ticket: string }>();
  const plain: Timed[] = [];
  for (const e of fresh) {
    if ('ticket' in e) touchedKeys.set(ticketKey(e.source, e.ticket), { source: e.source ?? '', ticket: e.ticket });
    else plain.push(e);
  }
  const histories: Array<{ seq: number; event: Timed }> = [];
  for (const t of touchedKeys.values())
    for (const e of await store.ticketEvents(tenant, t.source, t.ticket)) histories.push({ seq: e.seq, event: timedOf(e) });
  histories.sort((a, b) => a.seq - b.seq);
  const after = histories.map((h) => h.event);
  const beforeNew = histories.filter((h) => h.seq <= from).map((h) => h.event);

  // Per agreement: the touched tickets it measures (before or after the new events), and the
  // earliest instant the change reaches.
  interface Touch {
    m: Measured;
    tickets: Map<string, { ticket: string; source: string }>;
    mine: Timed[];
    since: number;
  }
  const touched: Touch[] = [];
  for (const m of measured) {
    const tickets = new Map<string, { ticket: string; source: string }>();
    let since = Infinity;
    const mine = eventsOf(m.terms, after);
    for (const e of [...mine, ...eventsOf(m.terms, beforeNew)]) {
      if (!('ticket' in e)) continue;
      tickets.set(ticketKey(e.source, e.ticket), { ticket: e.ticket, source: e.source ?? '' });
      if (e.atMs < since) since = e.atMs;
    }
    for (const e of eventsOf(m.terms, plain)) if (e.atMs < since) since = e.atMs;
    if (Number.isFinite(since)) touched.push({ m, tickets, mine, since });
  }

  // Per touched agreement: the first period settled again, and the history before it.
  const computedAt = touched.length > 0 ? await store.derivedComputedAt(tenant) : new Map<string, number>();
  interface Plan extends Touch {
    periods: ResolvedWindow[];
    /** Index of the first period settled again; 0: all of them (replacing every result of the agreement). */
    start: number;
    before?: SettledBefore;
    /** Events from this instant on (and the tickets active then) are needed. */
    needFrom: number;
  }
  const plans: Plan[] = [];
  for (const t of touched) {
    const { list, capped } = periodsOf(t.m, first, now);
    const lastNow = computedAt.get(t.m.id) ?? -Infinity;
    let start = capped ? 0 : list.findIndex((p) => p.to >= t.since || p.to > Math.min(lastNow, now));
    if (start < 0) start = list.length;
    let before: SettledBefore | undefined;
    if (start > 0) {
      const until = list[start]?.from ?? Infinity;
      const windows = (await store.complianceStates(tenant, t.m.id, until)).map((w) => ({
        targetId: w.target,
        from: w.from,
        to: w.to,
        label: w.window,
        state: w.state as TargetState,
      }));
      const settled = (await listAllSettlements(store, tenant, t.m.id)).filter((s) => s.period.to <= until);
      before =
        settledBefore({ terms: t.m.terms, ...(t.m.versions ? { versions: t.m.versions } : {}) }, t.m.zone, until, windows, settled) ??
        undefined;
      if (!before) start = 0;
    }
    const needFrom = start === 0 ? -Infinity : windowsStart(t.m, list.slice(start));
    plans.push({ ...t, periods: list, start, ...(before && start > 0 ? { before } : {}), needFrom });
  }

  // The events the recomputed windows need, read once for every touched agreement, unless the
  // resident window book holds them (resident.ts): then it takes the change instead.
  const needFrom = Math.min(...plans.filter((p) => p.start < p.periods.length).map((p) => p.needFrom));
  let resident = takeResident(store, tenant);
  if (resident && !resident.serves(state, needFrom)) resident = undefined;
  let events: Timed[] = [];
  let read: StoredEvent[] | undefined;
  if (resident)
    resident.apply(
      histories,
      plain,
      touched.map((t) => t.m),
    );
  else if (needFrom !== Infinity) {
    read =
      needFrom <= first
        ? await loadStoredEvents(store, tenant, 0, last) // every event is needed: one scan, not a walk by ticket
        : (await store.eventPayloadsFor(tenant, { since: needFrom, tickets: [...touchedKeys.values()] })).map((r) => ({
            seq: r.seq,
            event: timedOf(r),
          }));
    events = read.map((r) => r.event);
  }

  type TicketOf = { agreementId: string; ticket: string; source?: string };
  const change: Derived & { tickets: TicketOf[] } = { clocks: [], compliance: [], settlements: [], tickets: [] };
  const agreements: string[] = [];
  const windowsFrom: Array<{ agreementId: string; from: number; periods: string[] }> = [];
  // The recomputed agreements' events and ticket books, for their windows' alerts (see alertChangesFor).
  const measurements = new Map<string, Measurement>();
  for (const p of plans) {
    const targets = clockTargetsOf(p.m.terms, p.m.calendars);
    for (const r of clockRows(p.m, ticketBook(p.mine, targets), now)) change.clocks.push(r);
    for (const { ticket, source } of p.tickets.values())
      change.tickets.push({ agreementId: p.m.id, ticket, ...(source ? { source } : {}) });
    const again = p.periods.slice(p.start);
    if (again.length === 0) continue;
    let mine: readonly Timed[];
    let book: TicketBook;
    if (resident) {
      book = resident.bookFor(p.m);
      // Other versions of the terms take their events from the agreement's (settlePeriods).
      mine = p.m.versions ? eventsOf(p.m.terms, resident.events()) : book.others;
    } else {
      mine = eventsOf(p.m.terms, events);
      book = ticketBook(mine, targets);
    }
    const d = settleAgreement(p.m, mine, book, again, now, p.before);
    measurements.set(p.m.id, { mine, book });
    for (const r of d.compliance) change.compliance.push(r);
    for (const r of d.settlements) change.settlements.push(r);
    if (p.start === 0) agreements.push(p.m.id);
    else windowsFrom.push({ agreementId: p.m.id, from: again[0]!.from, periods: again.map((x) => x.label) });
  }
  const r = await store.replaceDerived(tenant, {
    from,
    generation: state.generation,
    watermark: last,
    agreements,
    windowsFrom,
    ...change,
    // Every agreement with compliance rows here has its measurement (the windows' alerts use it).
    alerts: await alertChangesFor({ store, tenant, now, measured: touched.map((t) => t.m), ...change, events, measurements }),
  });
  if (r.status !== 'stale') {
    // The resident now reflects the state written; or one is made from what was read.
    const next = resident ?? (read ? Resident.of(read, { generation: state.generation, watermark: last, needFrom }) : null);
    if (next) {
      next.watermark = last;
      keepResident(store, tenant, next);
    }
  }
  return {
    status: r.status === 'stale' ? 'stale' : 'refreshed',
    full: false,
    newEvents: fresh.length,
    agreements: touched.map((t) => t.m.id),
    tickets: change.tickets.length,
    watermark: last,
    read: events.length + histories.length + fresh.length,
    resident: resident !== undefined,
  };
}

/** An event as read from the store: its payload, with its instant (see loadEvents). */
function timedOf(e: { at: number; payload: Record<string, unknown> }): Timed {
  const ev = e.payload as Record<string, unknown> & { atMs: number };
  ev.atMs = e.at;
  return ev as unknown as Timed;
}

/**
 * The earliest instant any target window of these periods begins that needs tickets (a quarter to
 * date reaches back before its month). Availability and KPI targets are measured from events of no
 * ticket alone, and every read holds all of those (eventPayloadsFor, the resident): a year-to-date
 * uptime target does not make a refresh read every ticket since January.
 */
function windowsStart(m: Measured, periods: readonly ResolvedWindow[]): number {
  let start = periods[0]?.from ?? Infinity;
  for (const terms of [m.terms, ...(m.versions ?? []).map((v) => v.terms)])
    for (const t of terms.targets) {
      if (!needsTickets(t)) continue;
      for (const p of periods) {
        const ws = targetWindows(t, p);
        if (!ws.ok) return -Infinity;
        for (const w of ws.value) if (w.from < start) start = w.from;
      }
    }
  return Math.max(start, m.monitored.from);
}

async function listAllSettlements(store: Store, tenant: TenantId, agreementId: string): Promise<Settlement[]> {
  const out: Settlement[] = [];
  let after: string | undefined;
  do {
    const page = await store.listSettlements<Settlement>(tenant, { agreementId, limit: 1000, ...(after ? { after } : {}) });
    for (const s of page.items) out.push(s.value);
    after = page.next;
  } while (after);
  return out;
}

/**
 * measuredAgreements, kept per store and tenant for the generation it was read at: parsing the
 * agreements and compiling their calendars is most of a small refresh, and the generation moves
 * with every change of them (DerivedState), so a copy for the same generation is the same.
 */
const measuredCache = new WeakMap<
  Store,
  Map<TenantId, { generation: number; value: Promise<{ measured: Measured[]; problems: string[] }> }>
>();
export function measuredAgreementsOf(
  store: Store,
  tenant: TenantId,
  generation: number,
): Promise<{ measured: Measured[]; problems: string[] }> {
  let byTenant = measuredCache.get(store);
  if (!byTenant) {
    byTenant = new Map();
    measuredCache.set(store, byTenant);
  }
  const hit = byTenant.get(tenant);
  if (hit && hit.generation === generation) return hit.value;
  const value = measuredAgreements(store, tenant);
  byTenant.set(tenant, { generation, value });
  value.catch(() => byTenant.delete(tenant));
  return value;
}
