/**
 * Formatting of measured values and promises, and the per-customer totals of a filtered view of
 * the portfolio (GET /v1/portfolio answers them for the whole portfolio).
 */
import type { ComplianceResult, PortfolioAgreement, ResultState } from './api';
import type { I18n } from './i18n';

export interface CustomerTotal {
  customer: string | null;
  name: string | null;
  agreements: number;
  counts: Record<ResultState, number>;
  owed: Map<string, number>;
}

/** Totals per customer of the agreements shown (a filtered view of the portfolio). */
export function totalsByCustomer(rows: PortfolioAgreement[]): CustomerTotal[] {
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
    tot.counts[r.health]++;
    for (const o of r.period?.owed ?? [])
      if (o.amountMinor !== 0) tot.owed.set(o.currency, (tot.owed.get(o.currency) ?? 0) + o.amountMinor);
  }
  return [...m.values()].sort((a, b) => (a.customer ?? '\uffff').localeCompare(b.customer ?? '\uffff'));
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

export function formatPromise(i: I18n, r: { comparator: string; target: number; unit: ComplianceResult['unit'] }): string {
  const cmp = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' }[r.comparator] ?? r.comparator;
  return `${cmp} ${formatValue(i, r.target, r.unit)}`;
}
