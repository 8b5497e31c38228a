/**
 * Aggregates the overview needs and the API does not answer yet, computed here from the per-item
 * routes. Each is a candidate for a /v1 aggregate route (see the web app's notes in README).
 */
import type { ComplianceItem, ComplianceResult, EffectiveTerms, ResultState, SettlementItem } from './api';
import type { I18n } from './i18n';

const RANK: Record<ResultState, number> = { breached: 3, at_risk: 2, met: 1, no_data: 0 };

export function worst(states: ResultState[]): ResultState {
  let w: ResultState = 'no_data';
  for (const s of states) if (RANK[s] > RANK[w]) w = s;
  return w;
}

const contains = (w: { from: string; to: string }, now: number) => Date.parse(w.from) <= now && now < Date.parse(w.to);

/**
 * Each target's result in its current window (the one containing now), else its latest window.
 * Keyed by target id.
 */
export function currentResults(items: ComplianceItem[], now: number): Map<string, ComplianceItem> {
  const byTarget = new Map<string, ComplianceItem>();
  for (const it of items) {
    const prev = byTarget.get(it.target);
    if (!prev) {
      byTarget.set(it.target, it);
      continue;
    }
    const inNow = contains(it.result.window, now);
    const prevNow = contains(prev.result.window, now);
    if (inNow && !prevNow) byTarget.set(it.target, it);
    else if (inNow === prevNow && Date.parse(it.result.window.from) > Date.parse(prev.result.window.from)) byTarget.set(it.target, it);
  }
  return byTarget;
}

/** The settlement of the billing period containing now, else the latest one. */
export function currentSettlement(items: SettlementItem[], now: number): SettlementItem | undefined {
  let best: SettlementItem | undefined;
  for (const it of items) {
    if (contains(it.settlement.period, now)) return it;
    if (!best || Date.parse(it.settlement.period.from) > Date.parse(best.settlement.period.from)) best = it;
  }
  return best;
}

export interface Row {
  id: string;
  name: string;
  customer: string | null;
  customerName: string | null;
  services: string[];
  kind: string;
  state: ResultState;
  targets: { id: string; name: string; item: ComplianceItem | undefined }[];
  settlement: SettlementItem | undefined;
  problems: string[];
}

export interface CustomerTotal {
  customer: string | null;
  name: string | null;
  agreements: number;
  counts: Record<ResultState, number>;
  owed: Map<string, number>;
}

export function totalsByCustomer(rows: Row[]): CustomerTotal[] {
  const m = new Map<string, CustomerTotal>();
  for (const r of rows) {
    const k = r.customer ?? '';
    let tot = m.get(k);
    if (!tot) {
      tot = {
        customer: r.customer,
        name: r.customerName,
        agreements: 0,
        counts: { met: 0, at_risk: 0, breached: 0, no_data: 0 },
        owed: new Map(),
      };
      m.set(k, tot);
    }
    tot.agreements++;
    tot.counts[r.state]++;
    for (const tt of r.settlement?.settlement.totals ?? []) tot.owed.set(tt.currency, (tot.owed.get(tt.currency) ?? 0) + tt.amountMinor);
  }
  return [...m.values()].sort((a, b) => (a.customer ?? '\uffff').localeCompare(b.customer ?? '\uffff'));
}

export function effectiveName(e: EffectiveTerms | undefined, id: string): string {
  return e?.terms.name ?? id;
}

/** A measured value in its unit: a percentage, a duration, a count. */
export function formatValue(i: I18n, value: number | null | undefined, unit: ComplianceResult['unit']): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'percent':
      return i.pct(value, value >= 99 ? 3 : 2);
    case 'seconds':
      return i.duration(value * 1000);
    default:
      return i.num(value, 2);
  }
}

export function formatPromise(i: I18n, r: Pick<ComplianceResult, 'comparator' | 'target' | 'unit'>): string {
  const cmp = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' }[r.comparator] ?? r.comparator;
  return `${cmp} ${formatValue(i, r.target, r.unit)}`;
}
