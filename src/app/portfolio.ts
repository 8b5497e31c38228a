/**
 * The portfolio at a glance (GET /v1/portfolio, the web app's overview): every agreement the caller
 * may see, with each target's current window (the one that contains now) and its state, the
 * agreement's health (its worst measured target; no_data only when none is measured yet), and what its latest settled billing period owes; totals
 * per customer and for the whole portfolio.
 *
 * It costs what is current, not the size of the history: the windows come from a covering index
 * (store.currentWindows, no value parsed: the budget is a small column of its own) and the money from each agreement's latest settlement's
 * totals only. Results are brought up to date with the stored events first, as every read is.
 */
import type { ComplianceRow, Store, TenantId, WindowGlance } from '../store/types.ts';
import { formatInstant } from '../core/time/instant.ts';
import { freshResults } from './results.ts';
import type { WindowBudget } from '../core/alerts/health.ts';

export type Health = 'breached' | 'at_risk' | 'met' | 'no_data';
/** Worst first: an agreement is as healthy as its worst measured target; no_data when nothing is measured yet. */
const WORST: readonly Health[] = ['breached', 'at_risk', 'met', 'no_data'];

export interface Money {
  currency: string;
  amountMinor: number;
  amount: string;
}

export interface PortfolioAgreement {
  id: string;
  name: string;
  kind: string;
  level: string | null;
  customer: string | null;
  customerName: string | null;
  services: string[];
  lifecycle: string;
  health: Health;
  targets: Array<{
    target: string;
    /** The target's name in the agreement's document (its id when it has none). */
    name: string;
    metric: string | null;
    /** How the value reads: percent, seconds, count or number. */
    unit: 'percent' | 'seconds' | 'count' | 'number';
    window: string;
    from: string;
    to: string;
    state: string;
    value: number | null;
    comparator: string | null;
    goal: number | null;
    reason: string | null;
    /** The window's error budget as of when it was computed (core/alerts/health.ts windowBudget). */
    budget: BudgetView | null;
  }>;
  /** The latest billing period settled and what it owes (penalties or credits), per currency; null before any. */
  period: { label: string; owed: Money[] } | null;
}

export interface Tally {
  agreements: number;
  breached: number;
  atRisk: number;
  met: number;
  noData: number;
  owed: Money[];
}

export interface Portfolio {
  now: string;
  agreements: PortfolioAgreement[];
  customers: Array<{ customer: string; name: string | null } & Tally>;
  totals: Tally;
}

interface Doc {
  targets?: Array<{ id?: unknown; name?: unknown; metric?: unknown; stat?: unknown }>;
  name?: unknown;
  kind?: unknown;
  level?: unknown;
  services?: unknown;
  parties?: { customer?: { id?: unknown; name?: unknown } };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A window's error budget as the API gives it: the stored windowBudget and the instant it was computed as of. */
export type BudgetView = WindowBudget & { asOf: string };

/** The budget of a stored window (currentWindows, complianceHistory); null for a row stored without one. */
export function budgetView(row: ComplianceRow<WindowGlance>): BudgetView | null {
  const b = row.value.budget;
  return b ? { asOf: formatInstant(row.updatedAt), ...b } : null;
}

/** The unit a target's value is in, as the metric catalogue gives it (core/metrics/catalogue.ts). */
export function unitOf(metric: string | null, stat: string | null): PortfolioAgreement['targets'][number]['unit'] {
  if (metric === 'response_time' || metric === 'resolution_time' || metric === 'fulfilment_time')
    return stat === null || stat === 'share_within_target' ? 'percent' : 'seconds';
  if (metric === 'tickets_resolved') return 'count';
  if (metric === 'kpi') return 'number';
  return 'percent';
}

function health(states: readonly string[]): Health {
  if (states.length === 0) return 'no_data';
  const seen = new Set(states.map((s) => (s === 'at_risk' || s === 'breached' || s === 'met' ? s : 'no_data')));
  return WORST.find((h) => seen.has(h)) ?? 'no_data';
}

function addMoney(into: Money[], more: readonly Money[]): void {
  for (const m of more) {
    const had = into.find((x) => x.currency === m.currency);
    if (had) had.amountMinor += m.amountMinor;
    else into.push({ ...m });
  }
}

/** Sums are re-printed from minor units with the currency's own digits (Intl), as the settlement prints its amounts. */
function printed(list: Money[]): Money[] {
  return list.map((m) => {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return { currency: m.currency, amountMinor: m.amountMinor, amount: `${m.currency} ${(m.amountMinor / 10 ** digits).toFixed(digits)}` };
  });
}

function tally(list: readonly PortfolioAgreement[]): Tally {
  const owed: Money[] = [];
  const t: Tally = { agreements: list.length, breached: 0, atRisk: 0, met: 0, noData: 0, owed };
  for (const a of list) {
    if (a.health === 'breached') t.breached++;
    else if (a.health === 'at_risk') t.atRisk++;
    else if (a.health === 'met') t.met++;
    else t.noData++;
    if (a.period) addMoney(owed, a.period.owed);
  }
  t.owed = printed(owed.filter((m) => m.amountMinor !== 0));
  return t;
}

export async function portfolio(ctx: {
  store: Store;
  tenant: TenantId;
  now: number;
  /** The agreements the caller may see (a customer's); all when absent. */
  visible?: ReadonlySet<string>;
  filter?: { customer?: string; service?: string };
}): Promise<Portfolio> {
  const { store, tenant, now, visible, filter = {} } = ctx;
  await freshResults(store, tenant, now);
  const stored: Array<{ id: string; state: string; customer?: string; document: Doc }> = [];
  let after: string | undefined;
  do {
    const page = await store.listAgreements<Doc>(tenant, {
      limit: 1000,
      ...(filter.customer ? { customer: filter.customer } : {}),
      ...(after ? { after } : {}),
    });
    for (const a of page.items) if (!visible || visible.has(a.id)) stored.push(a);
    after = page.next;
  } while (after);

  const docs = new Map(stored.map((a) => [a.id, a.document ?? {}]));
  const windows = new Map<string, PortfolioAgreement['targets']>();
  for (const w of await store.currentWindows(tenant, now)) {
    const spec = docs.get(w.agreementId)?.targets?.find((t) => t.id === w.target);
    const metric = str(spec?.metric);
    let l = windows.get(w.agreementId);
    if (!l) {
      l = [];
      windows.set(w.agreementId, l);
    }
    l.push({
      target: w.target,
      name: str(spec?.name) ?? w.target,
      metric,
      unit: unitOf(metric, str(spec?.stat)),
      window: w.window,
      from: formatInstant(w.value.window.from),
      to: formatInstant(w.value.window.to),
      state: w.value.state,
      value: w.value.value,
      comparator: w.value.comparator,
      goal: w.value.target,
      reason: w.value.reason,
      budget: budgetView(w),
    });
  }
  const money = new Map((await store.latestSettlementTotals(tenant)).map((s) => [s.agreementId, s]));

  const agreements: PortfolioAgreement[] = [];
  for (const a of stored) {
    const d = a.document ?? {};
    const services = Array.isArray(d.services) ? d.services.filter((s): s is string => typeof s === 'string') : [];
    if (filter.service && !services.includes(filter.service)) continue;
    const targets = windows.get(a.id) ?? [];
    const m = money.get(a.id);
    agreements.push({
      id: a.id,
      name: str(d.name) ?? a.id,
      kind: str(d.kind) ?? 'sla',
      level: str(d.level),
      customer: a.customer ?? str(d.parties?.customer?.id),
      customerName: str(d.parties?.customer?.name),
      services,
      lifecycle: a.state,
      health: health(targets.map((t) => t.state)),
      targets,
      period: m ? { label: m.period, owed: m.totals } : null,
    });
  }

  const byCustomer = new Map<string, PortfolioAgreement[]>();
  for (const a of agreements) {
    if (a.customer === null) continue;
    const l = byCustomer.get(a.customer);
    if (l) l.push(a);
    else byCustomer.set(a.customer, [a]);
  }
  const customers = [...byCustomer]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([customer, list]) => ({ customer, name: list.find((a) => a.customerName)?.customerName ?? null, ...tally(list) }));
  return { now: formatInstant(now), agreements, customers, totals: tally(agreements) };
}
