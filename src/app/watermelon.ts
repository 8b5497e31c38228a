/**
 * The watermelon view (GET /v1/watermelon): green outside, red inside. Per customer and service,
 * for one billing period, the SLA's verdict beside what customers lived through: their ratings
 * (CSAT: the share of ratings at 80% of their scale or above, as the satisfaction metric counts
 * it), how often a resolved ticket came back (reopen rate), and how long they waited for a
 * resolution by the clock on the wall (median and 90th percentile, whatever the business hours).
 * A pair whose SLA targets are all met while customers are unhappy (CSAT below `csatBelow`, or
 * reopen rate above `reopenAbove`) is flagged, with the reasons.
 *
 * The tickets are read whole (eventPayloadsFor: every ticket with an event in the period, with its
 * full history) and summarised by the clock engine (evaluateTicket), as the metrics summarise them.
 * The SLA's verdict is the latest state of each target's windows that overlap the period (a yearly
 * target's year included), from the stored results' indexed columns (no JSON).
 */
import { evaluateTicket } from '../core/clock/engine.ts';
import { ticketKey } from '../core/clock/tickets.ts';
import type { TicketSummary } from '../core/clock/types.ts';
import type { TicketEvent, Timed } from '../core/events/schema.ts';
import { parseWindow, resolveWindow } from '../core/metrics/window.ts';
import { formatInstant } from '../core/time/instant.ts';
import { fail, ok, type Result } from '../core/validation/issues.ts';
import type { Store, TenantId } from '../store/types.ts';
import { freshResults } from './results.ts';

export interface WatermelonRow {
  customer: string;
  service: string;
  agreements: string[];
  /** The SLA's verdict over the period: breached if any target window is, else at_risk, else met; no_data without measured windows. */
  sla: 'met' | 'at_risk' | 'breached' | 'no_data';
  targets: { met: number; atRisk: number; breached: number; noData: number };
  tickets: { created: number; resolved: number; reopened: number };
  /** Reopened / resolved, percent; null without resolutions. */
  reopenRate: number | null;
  ratings: number;
  /** Percent of ratings at 80% of their scale or above; null without ratings. */
  csat: number | null;
  /** Mean rating as a percent of its scale; null without ratings. */
  meanRating: number | null;
  /** Wall-clock hours from creation to resolution of the tickets resolved in the period. */
  waitedHours: { median: number | null; p90: number | null };
  watermelon: boolean;
  /** Why it is flagged (empty when it is not). */
  why: WatermelonReason[];
}

/**
 * A reason a pair is flagged: a code and its figures for clients that say it in their own words
 * (the web app, in English and Arabic), and `message`, the same in English for everyone else.
 */
export type WatermelonReason =
  | { code: 'csat_below'; params: { csat: number; csatBelow: number }; message: string }
  | { code: 'reopen_above'; params: { reopenRate: number; reopenAbove: number }; message: string };

export interface Watermelon {
  period: { label: string; from: string; to: string; zone: string };
  thresholds: { csatBelow: number; reopenAbove: number };
  rows: WatermelonRow[];
}

interface Doc {
  kind?: unknown;
  services?: unknown;
  parties?: { customer?: { id?: unknown } };
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function watermelon(
  ctx: { store: Store; tenant: TenantId; now: number; visible?: ReadonlySet<string> },
  input: { period: string; zone?: string; csatBelow?: number; reopenAbove?: number },
): Promise<Result<Watermelon>> {
  const { store, tenant, now, visible } = ctx;
  const w = parseWindow(input.period, 'period');
  if (!w.ok) return w;
  if (w.value.kind !== 'month' && w.value.kind !== 'quarter' && w.value.kind !== 'year')
    return fail({
      path: 'period',
      message: 'a period is a month, quarter or year',
      expected: 'e.g. 2026-10, 2026-Q4 or 2026',
      received: JSON.stringify(input.period),
    });
  const zone = input.zone ?? 'UTC';
  const p = resolveWindow(w.value, zone, 'period');
  if (!p.ok) return p;
  const { from, to } = p.value;
  const thresholds = { csatBelow: input.csatBelow ?? 80, reopenAbove: input.reopenAbove ?? 10 };
  await freshResults(store, tenant, now);

  // The customer SLAs and the (customer, service) pairs they cover.
  const pairs = new Map<string, { customer: string; service: string; agreements: string[] }>();
  let after: string | undefined;
  do {
    const page = await store.listAgreements<Doc>(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) {
      if (visible && !visible.has(a.id)) continue;
      const d = a.document ?? {};
      const customer = a.customer ?? (typeof d.parties?.customer?.id === 'string' ? d.parties.customer.id : undefined);
      if (d.kind !== 'sla' || customer === undefined || !Array.isArray(d.services)) continue;
      for (const service of d.services) {
        if (typeof service !== 'string') continue;
        const key = `${customer}\u0000${service}`;
        const had = pairs.get(key);
        if (had) had.agreements.push(a.id);
        else pairs.set(key, { customer, service, agreements: [a.id] });
      }
    }
    after = page.next;
  } while (after);

  // Each agreement's target windows overlapping the period (a yearly target's year too), in their
  // latest state, from the stored results' indexed columns.
  const states = new Map<string, string[]>();
  for (const id of new Set([...pairs.values()].flatMap((x) => x.agreements))) {
    const list: string[] = [];
    for (const s of await store.complianceStates(tenant, id, Number.MAX_SAFE_INTEGER)) if (s.from < to && s.to > from) list.push(s.state);
    states.set(id, list);
  }

  // The tickets with an event since the period began, whole; summarised as of the period's end (or now).
  const asOf = Math.min(to - 1, now);
  const byTicket = new Map<string, Timed<TicketEvent>[]>();
  for (const r of await store.eventPayloadsFor(tenant, { since: from })) {
    const e = r.payload as unknown as Timed<TicketEvent> & { ticket?: string };
    if (typeof e.ticket !== 'string') continue;
    (e as { atMs: number }).atMs = r.at;
    const key = ticketKey(e.source, e.ticket);
    const l = byTicket.get(key);
    if (l) l.push(e);
    else byTicket.set(key, [e]);
  }
  const summaries = new Map<string, TicketSummary[]>();
  for (const events of byTicket.values()) {
    const s = evaluateTicket(events, [], asOf).summary;
    if (s.customer === null || s.service === null) continue;
    const key = `${s.customer}\u0000${s.service}`;
    if (!pairs.has(key)) continue;
    const l = summaries.get(key);
    if (l) l.push(s);
    else summaries.set(key, [s]);
  }

  const rows: WatermelonRow[] = [];
  for (const [key, pair] of [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targetStates = pair.agreements.flatMap((id) => states.get(id) ?? []);
    const targets = {
      met: targetStates.filter((s) => s === 'met').length,
      atRisk: targetStates.filter((s) => s === 'at_risk').length,
      breached: targetStates.filter((s) => s === 'breached').length,
      noData: targetStates.filter((s) => s !== 'met' && s !== 'at_risk' && s !== 'breached').length,
    };
    const sla: WatermelonRow['sla'] =
      targets.breached > 0 ? 'breached' : targets.atRisk > 0 ? 'at_risk' : targets.met > 0 ? 'met' : 'no_data';
    const inPeriod = (t: number | null) => t !== null && t >= from && t < to;
    let created = 0;
    let resolved = 0;
    let reopened = 0;
    let positive = 0;
    let sum = 0;
    let ratings = 0;
    const waited: number[] = [];
    for (const s of summaries.get(key) ?? []) {
      if (inPeriod(s.createdAt)) created++;
      if (inPeriod(s.resolvedAt)) {
        resolved++;
        if (s.reopenCount > 0) reopened++;
        waited.push((s.resolvedAt! - s.createdAt) / 3_600_000);
      }
      for (const r of s.satisfaction) {
        if (!inPeriod(r.at) || !(r.scale > 0 && r.score >= 0 && r.score <= r.scale)) continue;
        ratings++;
        sum += (r.score * 100) / r.scale;
        if (r.score * 5 >= r.scale * 4) positive++;
      }
    }
    waited.sort((a, b) => a - b);
    const csat = ratings > 0 ? round((positive * 100) / ratings) : null;
    const reopenRate = resolved > 0 ? round((reopened * 100) / resolved) : null;
    const why: WatermelonReason[] = [];
    if (sla === 'met') {
      if (csat !== null && csat < thresholds.csatBelow)
        why.push({
          code: 'csat_below',
          params: { csat, csatBelow: thresholds.csatBelow },
          message: `CSAT ${csat}% is below ${thresholds.csatBelow}%`,
        });
      if (reopenRate !== null && reopenRate > thresholds.reopenAbove)
        why.push({
          code: 'reopen_above',
          params: { reopenRate, reopenAbove: thresholds.reopenAbove },
          message: `${reopenRate}% of resolved tickets were reopened (over ${thresholds.reopenAbove}%)`,
        });
    }
    const median = nearestRank(waited, 50);
    const p90 = nearestRank(waited, 90);
    rows.push({
      customer: pair.customer,
      service: pair.service,
      agreements: pair.agreements,
      sla,
      targets,
      tickets: { created, resolved, reopened },
      reopenRate,
      ratings,
      csat,
      meanRating: ratings > 0 ? round(sum / ratings) : null,
      waitedHours: { median: median === null ? null : round(median), p90: p90 === null ? null : round(p90) },
      watermelon: why.length > 0,
      why,
    });
  }
  return ok({
    period: { label: p.value.label, from: formatInstant(from, zone), to: formatInstant(to, zone), zone },
    thresholds,
    rows,
  });
}
