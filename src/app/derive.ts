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
import { agreementZone, clockTargetOf, eventsOf } from '../core/agreements/evaluate.ts';
import { settlePeriods } from '../core/agreements/settlement.ts';
import { currentState, monitoredIntervals } from '../core/agreements/lifecycle/state.ts';
import { calendarFromText } from '../core/calendar/source.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import { evaluateTicket } from '../core/clock/engine.ts';
import type { ClockTarget } from '../core/clock/types.ts';
import { parseEvent } from '../core/events/parse.ts';
import type { TicketEvent, Timed } from '../core/events/schema.ts';
import { resolveWindow, windowsCovering, type ResolvedWindow } from '../core/metrics/window.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import type { ClockRow, ComplianceRow, SettlementRow, Store, TenantId } from '../store/types.ts';

export interface RebuildReport {
  agreements: number;
  events: number;
  clocks: number;
  compliance: number;
  settlements: number;
  watermark: number;
  /** Agreements that could not be evaluated, and why. */
  problems: string[];
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
export async function tenantCalendarLoader(store: Store, tenant: TenantId): Promise<(name: string) => { ok: true; value: BusinessCalendar } | { ok: false; message: string }> {
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

async function allEvents(store: Store, tenant: TenantId): Promise<Timed[]> {
  const out: Timed[] = [];
  let after: string | undefined;
  do {
    const page = await store.queryEvents(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const e of page.items) {
      const r = parseEvent(e.payload);
      if (r.ok) out.push(r.value);
    }
    after = page.next;
  } while (after);
  return out;
}

/** Recomputes and stores every derived result of a tenant, as of `now`. */
export async function rebuildDerived(ctx: { store: Store; tenant: TenantId; now: number }): Promise<RebuildReport> {
  const { store, tenant, now } = ctx;
  const watermark = await store.lastEventSeq(tenant);
  await store.deleteDerived(tenant);
  const { loaded, issues } = await tenantAgreements(store, tenant);
  const problems = issues.map(formatIssue);
  const calendar = await tenantCalendarLoader(store, tenant);
  const always = compileCalendar({ timezone: 'UTC', hours: 'always' });
  const events = await allEvents(store, tenant);
  const report: RebuildReport = { agreements: 0, events: events.length, clocks: 0, compliance: 0, settlements: 0, watermark, problems };
  const first = events.reduce((m, e) => Math.min(m, e.atMs), Infinity);
  for (const doc of loaded) {
    const history = await store.getLifecycle(tenant, doc.spec.id);
    if (!history || currentState(history) === 'draft' || currentState(history) === 'in_review' || currentState(history) === 'approved') continue;
    const spans = monitoredIntervals(history);
    if (spans.length === 0) continue;
    const chain = chainOf(loaded, doc.spec.id);
    if (!chain.ok) {
      problems.push(`${doc.spec.id}: ${chain.issues.map(formatIssue).join('; ')}`);
      continue;
    }
    const eff = mergeChain(chain.value, doc.spec.parties.customer?.id ?? '', doc.spec.services[0] ?? '');
    if (!eff.ok) {
      problems.push(`${doc.spec.id}: ${eff.issues.map(formatIssue).join('; ')}`);
      continue;
    }
    const terms = eff.value.terms;
    const calendars = new Map<string, BusinessCalendar>();
    if (always.ok) calendars.set('24x7', always.value);
    let broken = false;
    for (const [name, ref] of Object.entries(terms.calendars)) {
      const c = calendar(ref);
      if (c.ok) calendars.set(name, c.value);
      else {
        problems.push(`${doc.spec.id}: calendars.${name}: ${c.message}`);
        broken = true;
      }
    }
    if (broken) continue;
    report.agreements++;
    const zone = agreementZone(terms, calendars);
    const monitored = { from: spans[0]!.from, to: spans[spans.length - 1]!.to };
    const mine = eventsOf(terms, events);

    // Clocks per ticket and time target.
    const targets = terms.targets.map((t) => clockTargetOf(t, calendars)).filter((t): t is ClockTarget => t !== null);
    if (targets.length > 0) {
      const byTicket = new Map<string, Timed<TicketEvent>[]>();
      for (const e of mine) if ('ticket' in e) (byTicket.get(e.ticket) ?? byTicket.set(e.ticket, []).get(e.ticket)!).push(e as Timed<TicketEvent>);
      const rows: ClockRow[] = [];
      for (const evs of byTicket.values()) {
        for (const c of evaluateTicket(evs, targets, now).clocks) rows.push({ agreementId: terms.id, target: c.target, ticket: c.ticket, cycle: c.cycle, value: c, updatedAt: now });
      }
      for (let i = 0; i < rows.length; i += 2000) await store.putClocks(tenant, rows.slice(i, i + 2000));
      report.clocks += rows.length;
    }

    // Compliance and settlements per billing month, from the first monitored event to now.
    const from = Math.max(monitored.from, Number.isFinite(first) ? first : now);
    const to = Math.min(monitored.to, now);
    if (!(to > from)) continue;
    const months = windowsCovering('month', from, to, zone);
    if (!months.ok) continue;
    const periods: ResolvedWindow[] = months.value.slice(-24).flatMap((w) => {
      const r = resolveWindow(w, zone);
      return r.ok ? [r.value] : [];
    });
    const outcomes = settlePeriods({ terms, calendars, events: mine, periods, now, monitored });
    const compliance = new Map<string, ComplianceRow>();
    const settlements: SettlementRow[] = [];
    for (const o of outcomes) {
      for (const m of o.targets) if (m.evaluation) compliance.set(`${m.target.id}\u0000${m.evaluation.window.label}`, { agreementId: terms.id, target: m.target.id, window: m.evaluation.window.label, value: m.evaluation, updatedAt: now });
      if (o.settlement) settlements.push({ agreementId: terms.id, period: o.period.label, value: o.settlement, updatedAt: now });
    }
    await store.putCompliance(tenant, [...compliance.values()]);
    await store.putSettlements(tenant, settlements);
    report.compliance += compliance.size;
    report.settlements += settlements.length;
  }
  await store.setDerivedWatermark(tenant, watermark);
  return report;
}
