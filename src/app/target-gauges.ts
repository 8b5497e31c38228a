/**
 * Each agreement target's current window as Prometheus gauges, for GET /v1/metrics, so Grafana can
 * chart what GET /v1/portfolio shows: the value, the objective, the share of the error budget left
 * and the burn rate. Read from the same stored aggregates as the portfolio (store.currentWindows,
 * brought up to date with the stored events first), never measured again at scrape time.
 *
 * Invariants: one series per (agreement, target, window) and gauge, labelled with agreement,
 * target, window and customer ("" for an agreement without one), all bounded by what the tenant
 * stores; a figure that is null (nothing measured, no budget) has no sample rather than a made-up 0,
 * because Prometheus has no null and a 0 would read as "budget spent".
 */
import type { Store, TenantId } from '../store/types.ts';
import { portfolio } from './portfolio.ts';

export interface TargetGauge {
  name: string;
  help: string;
  value: number;
  labels: Record<string, string>;
}

const GAUGES = [
  ['pledge_target_value', "The target's value in its current window (its unit in the unit label: percent, seconds, count or number)."],
  ['pledge_target_objective', 'What the target promises in its current window (the comparator in the comparator label).'],
  ['pledge_budget_remaining_ratio', "Share of the current window's error budget left: 1 untouched, 0 spent, negative once overspent."],
  ['pledge_budget_burn_rate', 'Burn rate over the current window so far: 1 spends the budget exactly by the window end.'],
] as const;

export async function targetGauges(ctx: { store: Store; tenant: TenantId; now: number }): Promise<TargetGauge[]> {
  const p = await portfolio(ctx);
  const byName = new Map<string, TargetGauge[]>(GAUGES.map(([n]) => [n, []]));
  const add = (name: (typeof GAUGES)[number][0], value: number | null | undefined, labels: Record<string, string>) => {
    if (typeof value === 'number' && Number.isFinite(value)) byName.get(name)!.push({ name, help: '', value, labels });
  };
  for (const a of p.agreements) {
    for (const t of a.targets) {
      const labels = { agreement: a.id, target: t.target, window: t.window, customer: a.customer ?? '' };
      add('pledge_target_value', t.value, { ...labels, unit: t.unit });
      add('pledge_target_objective', t.goal, { ...labels, unit: t.unit, comparator: t.comparator ?? '' });
      add('pledge_budget_remaining_ratio', t.budget?.left, labels);
      add('pledge_budget_burn_rate', t.budget?.burnRate, labels);
    }
  }
  // Grouped by name, so each gauge gets one HELP and TYPE (renderTenant writes them before the first of a name).
  return GAUGES.flatMap(([name, help]) => byName.get(name)!.map((g) => ({ ...g, help })));
}
