/**
 * Reading derived results for people: what is at risk or breached now (`pledge status`, GET
 * /v1/status) and an agreement's report for a billing period (`pledge report`, GET
 * /v1/agreements/{id}/report). Both bring the stored results up to date with the events first
 * (refreshDerived), so they reflect every stored event.
 */
import { targetWindow } from '../core/agreements/settlement.ts';
import { type Why, why } from '../core/i18n/settlement.ts';
import type { TargetEvaluation, TargetState } from '../core/metrics/compliance.ts';
import { parseWindow, resolveWindow } from '../core/metrics/window.ts';
import type { Settlement } from '../core/penalties/index.ts';
import { formatInstant } from '../core/time/instant.ts';
import { fail, ok, type Result } from '../core/validation/issues.ts';
import { StoreError } from '../store/errors.ts';
import type { Store, TenantId } from '../store/types.ts';
import { measuredAgreements, refreshDerived } from './derive.ts';
import { presentSettlement, type SettlementView } from './present.ts';

export interface ResultsContext {
  store: Store;
  tenant: TenantId;
  now: number;
  /** Only these agreements (a customer's); all when undefined. */
  visible?: ReadonlySet<string>;
}

/** One refresh at a time per store and tenant in this process: concurrent readers wait for the same one. */
const running = new WeakMap<Store, Map<string, Promise<void>>>();

/** Rounds after which a reader answers with results that only lack the latest events. */
const CATCH_UP_ROUNDS = 3;
/** Rounds after which a reader gives up on results that stay invalidated (a retryable StoreError). */
const MAX_ROUNDS = 10;

/**
 * Brings the stored derived results up to date when events arrived since they were computed
 * (watermark below the last event sequence number), recomputing what the new events affect
 * (refreshDerived). A reader that finds a refresh under way waits for it and looks again, since
 * events may have arrived after it started, another process may have written first, or an
 * agreement or calendar may have changed meanwhile (stale: the write was refused).
 *
 * Two ways to be behind, told apart by the watermark: above 0, the stored results come from the
 * current agreements and calendars and only lack the latest events, so after CATCH_UP_ROUNDS the
 * reader answers with them (a steady stream of events cannot hold it forever). At 0 they were
 * invalidated: the rows still there were computed from inputs that have changed, and answering
 * with them would show figures from an old calendar after its change was acknowledged. The reader
 * keeps trying (every lost round means another change was made meanwhile), and after MAX_ROUNDS
 * fails with a retryable StoreError (503) rather than answer with them.
 */
export async function freshResults(store: Store, tenant: TenantId, now: number): Promise<void> {
  let mine = running.get(store);
  if (!mine) {
    mine = new Map();
    running.set(store, mine);
  }
  for (let round = 0; ; round++) {
    const pending = mine.get(tenant);
    if (pending && round < MAX_ROUNDS) {
      await pending;
      continue;
    }
    const [state, last] = await Promise.all([store.getDerivedState(tenant), store.lastEventSeq(tenant)]);
    if (state.watermark >= last) return;
    if (state.watermark > 0 && round >= CATCH_UP_ROUNDS) return;
    if (round >= MAX_ROUNDS) {
      const why = `the derived results of tenant ${tenant} were invalidated again during each of ${MAX_ROUNDS} recomputations`;
      throw new StoreError(`${why} (agreements or calendars changing); try again`, { retryable: true, operation: 'freshResults' });
    }
    if (mine.has(tenant)) continue;
    const p = refreshDerived({ store, tenant, now })
      .then(() => undefined)
      .finally(() => mine.delete(tenant));
    mine.set(tenant, p);
    await p;
  }
}

export interface StatusTicket {
  agreement: string;
  target: string;
  ticket: string;
  /** The ticket's source ('' when its events name none): two desks' tickets 1001 are two tickets. */
  source: string;
  cycle: number;
  state: 'at_risk' | 'breached';
  /** Share of the target used, as last computed. */
  consumed: number;
  deadline: string | null;
  breachAt: string | null;
}

export interface StatusTarget {
  agreement: string;
  target: string;
  window: string;
  state: 'at_risk' | 'breached';
  value: number | null;
  promised: string;
  reason: string;
}

export interface Status {
  now: string;
  tickets: StatusTicket[];
  targets: StatusTarget[];
}

/**
 * What is at risk or breached now: open tickets' clocks, and targets whose current window (the one
 * containing `now`) is at risk or breached. Clock states are those computed with the last events;
 * a running clock whose deadline has passed since is shown breached, at its deadline (exact: with
 * no event since, it kept running and the deadline is when its time ran out).
 */
export async function currentStatus(ctx: ResultsContext): Promise<Status> {
  const { store, tenant, now, visible } = ctx;
  await freshResults(store, tenant, now);
  const mine = (id: string) => visible === undefined || visible.has(id);
  // By index: only open clocks at risk, breached or past their deadline, and only current windows
  // at risk or breached (store.atRiskNow), never a listing of every result.
  const risk = await store.atRiskNow(tenant, now);
  const tickets: StatusTicket[] = [];
  for (const c of risk.clocks) {
    const v = c.value;
    if (v.stop !== null || !mine(c.agreementId)) continue;
    let state = v.state;
    let breachAt = v.breachAt;
    if ((state === 'running' || state === 'at_risk') && v.deadline !== null && Number.isFinite(v.deadline) && v.deadline <= now) {
      state = 'breached';
      breachAt = v.deadline;
    }
    if (state !== 'at_risk' && state !== 'breached') continue;
    tickets.push({
      agreement: c.agreementId,
      target: c.target,
      ticket: c.ticket,
      source: c.source ?? '',
      cycle: c.cycle,
      state,
      consumed: v.consumed ?? 0,
      deadline: v.deadline !== null && Number.isFinite(v.deadline) ? formatInstant(v.deadline) : null,
      breachAt: breachAt === null ? null : formatInstant(breachAt),
    });
  }
  tickets.sort((a, b) => (a.state === b.state ? b.consumed - a.consumed : a.state === 'breached' ? -1 : 1));
  const targets: StatusTarget[] = [];
  for (const w of risk.compliance) {
    const v = w.value;
    if (!mine(w.agreementId) || !(v.window.from <= now && now < v.window.to)) continue;
    if (v.state !== 'at_risk' && v.state !== 'breached') continue;
    targets.push({
      agreement: w.agreementId,
      target: w.target,
      window: w.window,
      state: v.state,
      value: v.value,
      promised: `${v.comparator} ${v.target}`,
      reason: v.reason ?? '',
    });
  }
  return { now: formatInstant(now), tickets, targets };
}

export interface ReportLine {
  target: string;
  name: string;
  metric: string;
  /** The window the target is measured over in this period (its own kind: month, quarter, year...). */
  window: string;
  /** The target's state in that window; not_measured when no result is stored for it. */
  state: TargetState | 'not_measured';
  value: number | null;
  promised: string;
  margin: number | null;
  reason: string;
  /** `reason` as clauses, to say in any language (empty for a window not measured; absent in reports made before them). */
  reasonWhy?: Why[];
  /**
   * What a reader should know beyond the state: a closed window met with little margin (never a
   * state of its own), a window measured only in part; null when there is nothing to add.
   */
  note: string | null;
  /** `note` as clauses (empty when there is no note). */
  noteWhy?: Why[];
  /** Ids of the tickets or outages the figure came from. */
  contributors: number;
  owed: string | null;
  due: string | null;
}

export interface Report {
  agreement: string;
  name: string;
  customer: string | null;
  period: { label: string; from: string; to: string; zone: string };
  lines: ReportLine[];
  totals: Settlement['totals'];
  summary: string;
  /** As GET /v1/agreements/{id}/settlements/{period} shows it (instants as ISO 8601). */
  settlement: SettlementView | null;
}

/**
 * An agreement's report for a billing period (a month, quarter or year label in the agreement's
 * zone): each target measured over its window for that period, and the settlement when the
 * agreement has penalties. Not found (an unknown or invisible agreement, one that is not measured)
 * and bad input (a label that is not a period) are values.
 */
export async function agreementReport(
  ctx: ResultsContext,
  input: { agreement: string; period: string },
): Promise<Result<Report> | { ok: false; notFound: string }> {
  const { store, tenant, now, visible } = ctx;
  if (visible !== undefined && !visible.has(input.agreement)) return { ok: false, notFound: `no agreement ${input.agreement}` };
  if (!(await store.getAgreement(tenant, input.agreement))) return { ok: false, notFound: `no agreement ${input.agreement}` };
  const w = parseWindow(input.period, 'period');
  if (!w.ok) return w;
  if (w.value.kind !== 'month' && w.value.kind !== 'quarter' && w.value.kind !== 'year') {
    return fail({
      path: 'period',
      message: 'a billing period is a month, quarter or year',
      expected: 'e.g. 2026-10, 2026-Q4 or 2026',
      received: JSON.stringify(input.period),
    });
  }
  await freshResults(store, tenant, now);
  const m = (await measuredAgreements(store, tenant)).measured.find((x) => x.id === input.agreement);
  if (!m)
    return {
      ok: false,
      notFound: `agreement ${input.agreement} is not measured (it has not been active, or its terms or calendars cannot be loaded: see pledge rebuild)`,
    };
  const period = resolveWindow(w.value, m.zone, 'period');
  if (!period.ok) return period;
  const settlement = (await store.getSettlement<Settlement>(tenant, { agreementId: m.id, period: period.value.label }))?.value ?? null;
  const lines: ReportLine[] = [];
  for (const t of m.terms.targets) {
    const tw = targetWindow(t, period.value);
    const label = tw.ok ? tw.value.label : '';
    const c = (await store.getCompliance<TargetEvaluation>(tenant, { agreementId: m.id, target: t.id, window: label }))?.value;
    const owedLines = settlement?.lines.filter((l) => l.targetId === t.id) ?? [];
    const owed = owedLines.filter((l) => l.amountMinor > 0);
    lines.push({
      target: t.id,
      name: t.name ?? t.id,
      metric: t.metric,
      window: label,
      state: c?.state ?? 'not_measured',
      value: c?.value ?? null,
      promised: c ? `${c.comparator} ${c.target}` : '',
      margin: c?.margin ?? null,
      reason: c?.reason ?? 'not measured in this period (outside the time the agreement is monitored, or before the first event)',
      reasonWhy: c ? (c.reasonWhy ?? []) : [why('compliance.not_measured', {})],
      note: c?.note ?? null,
      noteWhy: c?.noteWhy ?? [],
      contributors: c?.contributors.length ?? 0,
      owed: owed.length ? owed.map((l) => l.amount).join(' + ') : owedLines.length ? owedLines[0]!.amount : null,
      due: owed.find((l) => l.due)?.due?.date ?? null,
    });
  }
  if (lines.every((l) => l.state === 'not_measured') && !settlement)
    return { ok: false, notFound: `agreement ${m.id} has no results for ${period.value.label} (is it monitored then, with events?)` };
  const r = period.value;
  return ok({
    agreement: m.id,
    name: m.terms.name,
    customer: m.terms.parties.customer?.id ?? null,
    period: { label: r.label, from: formatInstant(r.from, r.zone), to: formatInstant(r.to, r.zone), zone: r.zone },
    lines,
    totals: settlement?.totals ?? [],
    summary:
      settlement?.summary ??
      `${lines.filter((l) => l.state === 'breached').length} of ${lines.length} targets breached; the agreement sets no penalties.`,
    settlement: settlement === null ? null : presentSettlement(settlement),
  });
}

/** The report as CSV: one line per target. */
export function reportCsv(r: Report): string {
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = [
    'agreement',
    'period',
    'target',
    'metric',
    'window',
    'state',
    'value',
    'promised',
    'margin',
    'owed',
    'due',
    'reason',
    'note',
  ];
  const rows = r.lines.map((l) =>
    [r.agreement, r.period.label, l.target, l.metric, l.window, l.state, l.value, l.promised, l.margin, l.owed, l.due, l.reason, l.note]
      .map(esc)
      .join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

/** The report as text for a terminal. */
export function reportText(r: Report): string {
  const out = [`Report for ${r.agreement} (${r.name}), ${r.period.label}`, ''];
  for (const l of r.lines) {
    const value = l.value === null ? '-' : String(Math.round(l.value * 1000) / 1000);
    out.push(
      `${l.target.padEnd(20)} ${l.state.padEnd(12)} ${value.padEnd(10)} promised ${l.promised.padEnd(10)} ${l.window.padEnd(8)}${l.owed ? ` owed ${l.owed}` : ''}${l.due ? ` due ${l.due}` : ''}`,
    );
    if (l.note) out.push(`${''.padEnd(21)}note: ${l.note}`);
  }
  out.push('', r.summary);
  return `${out.join('\n')}\n`;
}
