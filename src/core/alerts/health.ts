/**
 * Early warning for window targets (uptime, share of tickets in time, other ratios, KPIs): how much
 * of the allowance is left, how fast it burns over several lookback windows, when it runs out at
 * the recent pace, and for shares of tickets how many more bad tickets the window can take.
 *
 * Nothing here measures anything again: the window's figures come from compliance's
 * TargetEvaluation (src/core/metrics/compliance.ts: value, consumed, the downtime budget), and the
 * lookback windows are measured by a Meter built on the existing engines (availability() for
 * downtime, computeMetric() for tickets), so a burn rate counts exactly what the target counts
 * (exclusions, service hours, clock membership by breach instant).
 *
 * Burn rate (SRE workbook, "Alerting on SLOs"): over a lookback window, (bad / total) / f, with f
 * the bad share the target allows (0.001 for 99.9%, 0.05 for 95% within target). 1 uses the
 * budget exactly by the end of the period. A rule that allows `budgetShare` of the budget within
 * `longMs` fires at a burn rate of budgetShare * period / longMs (period: the target's window,
 * e.g. 2% in 1 h of a 30-day month is 14.4), when the long window and the short confirmation
 * window both burn at least that fast. Lookback windows are clipped to the target's window: a
 * previous month's downtime uses none of this month's budget. A lookback with nothing measured
 * (total 0) burns nothing.
 *
 * Exhaustion at the recent pace, over `exhaustionLookbackMs` (default: the longest rule's long
 * window, clipped to the target's window, so early in a window it is the average pace so far):
 * - a fixed budget (availability: the downtime allowance of the whole window) runs out after
 *   remaining / (bad per measured ms) more measured time, an instant on the service-hours
 *   calendar (or wall-clock time), assuming no further excluded time;
 * - a share of items (tickets): the cumulative bad share crosses the allowed share when
 *   (k + b t) / (n + a t) passes f, with b and a the recent rates of bad and of all items; it
 *   never does when the recent bad share is within f.
 * Null when it would not happen before the window ends (or already happened).
 *
 * Allowance in items: with k bad of n so far and f = p/q exactly (percent targets are decimals, so
 * p/q is exact, as compliance's headroom), m more bad items keep the share within the target iff
 * (k + m) q <= p (n + m) (strict for > and <), so the largest m is floor((p n - q k) / (q - p)).
 * "2 more late P1 responses this month breach the 95% target" is m = 1, assuming no on-time one
 * comes in between; `projectedMore` also assumes the items keep coming at their pace so far.
 */
import { availability, type AvailabilityInput, type AvailabilityOptions } from '../availability/index.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import {
  computeMetric,
  headroom,
  resolveWindow,
  type Comparator,
  type MetricFilters,
  type MetricInputs,
  type MetricQuery,
  type TargetEvaluation,
  type TargetState,
} from '../metrics/index.ts';
import { DEFAULT_BURN_RULES } from './levels.ts';
import type { KpiProjection } from './projection.ts';
import type { BurnRule } from './types.ts';

/** Bad and total over a lookback: downtime and eligible ms, or bad and counted items. */
export interface Sample {
  bad: number;
  total: number;
}

/** Measures a sample over [from, to). Built on the engines (availabilityMeter, metricMeter) or on stored aggregates. */
export type Meter = (from: number, to: number) => Sample;

/** The bad share a target allows, as an exact fraction p / q; strict for > and <. */
export interface BadShare {
  p: number;
  q: number;
  strict: boolean;
}

const higherIsBetter = (c: Comparator) => c === '>=' || c === '>';

/** The bad share a percentage target allows: 100 - target for >= / >, target for <= / <. */
export function badShareOf(target: number, comparator: Comparator): BadShare {
  const h = headroom(target);
  const p = higherIsBetter(comparator) ? h.num : Math.round(target * h.den);
  return { p, q: 100 * h.den, strict: comparator === '>' || comparator === '<' };
}

/** Bad items of a percentage figure (value in percent over n items), as compliance judged it. */
export function badItems(value: number, n: number, comparator: Comparator): number {
  const hits = Math.round((value * n) / 100);
  return higherIsBetter(comparator) ? n - hits : hits;
}

/** The largest number of further bad items that keeps the share within the target; -1 when it misses already. */
export function moreBadAllowed(share: BadShare, bad: number, total: number): number {
  const { p, q } = share;
  if (q === p) return share.strict ? (bad < total ? Infinity : -1) : Infinity;
  const num = p * total - q * bad;
  const den = q - p;
  const m = share.strict ? Math.ceil(num / den) - 1 : Math.floor(num / den);
  return m < 0 ? -1 : m;
}

// ---------------------------------------------------------------------------------------------
// Meters on the existing engines

/** Downtime and eligible time over a lookback, by the availability engine with the target's options. */
export function availabilityMeter(input: AvailabilityInput, options: AvailabilityOptions = {}): Meter {
  return (from, to) => {
    if (!(to > from)) return { bad: 0, total: 0 };
    const r = availability(input, { from, to }, options);
    return { bad: r.downtimeMs, total: r.eligibleMs };
  };
}

/**
 * Bad and counted items of a percentage metric over a lookback, by the metrics catalogue (clocks
 * belong to the lookback containing their breach or stop, tickets by their instants). Nothing is
 * measured (total 0) when the query does not give a percentage.
 */
export function metricMeter(query: MetricQuery, inputs: MetricInputs, filters: MetricFilters, comparator: Comparator): Meter {
  return (from, to) => {
    if (!(to > from)) return { bad: 0, total: 0 };
    const w = resolveWindow({ kind: 'range', from, to }, 'UTC');
    if (!w.ok) return { bad: 0, total: 0 };
    const m = computeMetric(query, w.value, inputs, filters);
    if (!m.ok || m.value.unit !== 'percent' || m.value.value === null) return { bad: 0, total: 0 };
    return { bad: badItems(m.value.value, m.value.sampleSize, comparator), total: m.value.sampleSize };
  };
}

// ---------------------------------------------------------------------------------------------
// Burn rates

export interface BurnWindow {
  from: number;
  to: number;
  bad: number;
  total: number;
  /** (bad / total) / allowed share; 0 when nothing was measured; Infinity when nothing bad is allowed and some happened. */
  rate: number;
}

export interface BurnResult {
  rule: BurnRule;
  /** The burn rate at which the rule fires: budgetShare * period / longMs. */
  threshold: number;
  long: BurnWindow;
  short: BurnWindow;
  firing: boolean;
}

function rateOf(s: Sample, f: number): number {
  if (!(s.total > 0) || !(s.bad > 0)) return 0;
  const share = s.bad / s.total;
  return f > 0 ? share / f : Infinity;
}

/** Every rule's burn rates at `now` within the target's window (none fire once the window is closed). */
export function burnRates(
  meter: Meter,
  input: { now: number; window: { from: number; to: number }; allowed: BadShare; rules?: readonly BurnRule[] },
): BurnResult[] {
  const { now, window: w, allowed } = input;
  const f = allowed.p / allowed.q;
  const period = w.to - w.from;
  const end = Math.min(now, w.to);
  const look = (ms: number): BurnWindow => {
    const from = Math.min(end, Math.max(w.from, now - ms));
    const s = meter(from, end);
    return { from, to: end, bad: s.bad, total: s.total, rate: rateOf(s, f) };
  };
  return (input.rules ?? DEFAULT_BURN_RULES).map((rule) => {
    const threshold = (rule.budgetShare * period) / rule.longMs;
    const long = look(rule.longMs);
    const short = look(rule.shortMs);
    const firing = now < w.to && now >= w.from && long.rate >= threshold && short.rate >= threshold && long.rate > 0;
    return { rule, threshold, long, short, firing };
  });
}

// ---------------------------------------------------------------------------------------------
// Allowance in items

export interface ItemAllowance {
  bad: number;
  total: number;
  /** Further bad items the window can take and still meet the target, with no good item in between; -1 when it misses already. */
  more: number;
  /** Further bad items that breach the target: more + 1; 0 when it misses already. */
  breachesAfter: number;
  /** As `more`, if the items keep coming at their pace so far until the window ends (at the share they come in now); null before any item. */
  projectedMore: number | null;
  text: string;
}

export function itemAllowance(input: {
  bad: number;
  total: number;
  allowed: BadShare;
  target: number;
  comparator: Comparator;
  window: { from: number; to: number; label: string };
  now: number;
  /** What a bad item is called: "late P1 responses" (default "bad items"). */
  noun?: string;
}): ItemAllowance {
  const { bad, total, allowed } = input;
  const more = moreBadAllowed(allowed, bad, total);
  const noun = input.noun ?? 'bad items';
  const elapsed = Math.min(input.now, input.window.to) - input.window.from;
  let projectedMore: number | null = null;
  if (total > 0 && elapsed > 0 && more !== Infinity) {
    // Items keep coming at their pace, good and bad in today's mix: the window ends with N items;
    // the bad ones it can take in all, minus the bad so far and those expected at today's mix.
    const N = Math.max(total, Math.round((total * (input.window.to - input.window.from)) / elapsed));
    const expectedBad = Math.round((bad * N) / total);
    const cap = allowed.strict ? Math.ceil((allowed.p * N) / allowed.q) - 1 : Math.floor((allowed.p * N) / allowed.q);
    projectedMore = Math.max(-1, cap - expectedBad);
  }
  const promise = `the ${input.comparator} ${input.target}% target`;
  const so = `${bad} of ${total} so far`;
  const text =
    more === Infinity
      ? `${promise} cannot be missed (${so})`
      : more < 0
        ? `${input.window.label} misses ${promise} already: ${so}`
        : `${more + 1} more ${noun} in ${input.window.label} breach ${promise} (${so})`;
  return { bad, total, more, breachesAfter: more < 0 ? 0 : more + 1, projectedMore, text };
}

// ---------------------------------------------------------------------------------------------
// Exhaustion

/** Fixed budget: `remaining` bad units left, burning at the lookback's bad per measured unit. */
function exhaustFixed(remaining: number, s: Sample, now: number, end: number, calendar: BusinessCalendar | undefined): number | null {
  if (!(remaining >= 0) || !(s.bad > 0) || !(s.total > 0)) return null;
  const need = remaining / (s.bad / s.total);
  const at = calendar && !calendar.alwaysOpen ? calendar.addWorking(now, need) : now + need;
  return at < end ? at : null;
}

/** Share of items: when (k + b t) / (n + a t) first passes p/q, with b, a per ms over `spanMs`. */
function exhaustShare(bad: number, total: number, s: Sample, spanMs: number, allowed: BadShare, now: number, end: number): number | null {
  if (!(spanMs > 0) || !(s.total > 0)) return null;
  const b = s.bad / spanMs;
  const a = s.total / spanMs;
  const { p, q } = allowed;
  const slack = p * total - q * bad; // >= 0 while within the target
  const gain = q * b - p * a; // > 0 when the recent share is worse than allowed
  if (slack < 0 || !(gain > 0)) return null;
  const at = now + slack / gain;
  return at < end ? at : null;
}

// ---------------------------------------------------------------------------------------------
// The budget of a window at a glance

/**
 * A window's error budget as the overview and the history show it, from compliance's evaluation
 * alone (no events, no lookbacks): the share of the allowance left, the allowance left in the
 * target's unit, and the burn rate over the window so far. Every figure is one the code above or
 * compliance already defines; none is a second formula:
 * - `left`: 1 - compliance's `consumed` (negative once overspent);
 * - `downtime`: compliance's downtime budget (availability);
 * - `items`: `moreBadAllowed` on the bad and counted items of a percentage over items (tickets);
 * - `burnRate`: the burn rate of burnRates() with the lookback stretched to the whole window so far
 *   (the downtime over the eligible time, or the bad over the counted items, against the bad share
 *   the target allows): 1 spends the budget exactly by the window's end.
 */
export interface WindowBudget {
  /** Share of the allowance left, 1 - consumed; negative once overspent; null when the target has none (or nothing may go wrong). */
  left: number | null;
  /** Burn rate over the window so far; 0 when nothing bad was measured; null for targets not in percent or allowing nothing bad. */
  burnRate: number | null;
  /** Availability: the downtime budget (compliance's), ms; remainingMs negative once exceeded. */
  downtime: { allowedMs: number; usedMs: number; remainingMs: number } | null;
  /** Percentages over items: bad and counted so far, and how many more bad ones keep the target (0 once missed; null: no limit). */
  items: { bad: number; total: number; more: number | null } | null;
}

const finiteOrNull = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function windowBudget(
  ev: Pick<TargetEvaluation, 'metric' | 'unit' | 'value' | 'target' | 'comparator' | 'consumed' | 'sampleSize' | 'budget'> & {
    measurement: Pick<TargetEvaluation['measurement'], 'numerator' | 'figures'>;
  },
): WindowBudget {
  const left = ev.consumed === null || !Number.isFinite(ev.consumed) ? null : 1 - ev.consumed;
  const downtime = ev.budget ? { allowedMs: ev.budget.allowedMs, usedMs: ev.budget.usedMs, remainingMs: ev.budget.remainingMs } : null;
  const percent = ev.unit === 'percent' && ev.value !== null;
  const allowed = percent ? badShareOf(ev.target, ev.comparator) : null;
  let items: WindowBudget['items'] = null;
  let sample: Sample | null = null;
  if (ev.metric === 'availability') {
    const f = ev.measurement.figures;
    if (f && ev.budget) sample = { bad: f.downtimeMs, total: f.eligibleMs };
  } else if (ev.metric === 'ratio' && allowed && ev.value !== null && ev.sampleSize > 0) {
    // Measured counts (Prometheus' increase() need not be whole): the bad share burns, no item allowance.
    sample = { bad: ev.sampleSize * (1 - ev.value / 100), total: ev.sampleSize };
  } else if (allowed && ev.value !== null && ev.measurement.numerator !== undefined) {
    const bad = badItems(ev.value, ev.sampleSize, ev.comparator);
    const more = moreBadAllowed(allowed, bad, ev.sampleSize);
    items = { bad, total: ev.sampleSize, more: more === Infinity ? null : Math.max(0, more) };
    sample = { bad, total: ev.sampleSize };
  }
  const burnRate = allowed && sample ? finiteOrNull(rateOf(sample, allowed.p / allowed.q)) : null;
  return { left, burnRate, downtime, items };
}

// ---------------------------------------------------------------------------------------------
// Window health

export interface WindowHealth {
  target: string;
  window: { from: number; to: number; label: string };
  closed: boolean;
  /** Compliance's verdict for the window as of now. */
  state: TargetState;
  value: number | null;
  /** Share of the allowance used (compliance's consumed), null when the target has none. */
  consumed: number | null;
  /** Availability: the downtime budget (compliance's), ms. */
  budget: { allowedMs: number; usedMs: number; remainingMs: number } | null;
  /** Percentages over items (tickets, ratings): the allowance left in items. */
  allowance: ItemAllowance | null;
  burn: BurnResult[];
  /** When the allowance runs out at the pace over the exhaustion lookback; null if not before the window ends. */
  exhaustsAt: number | null;
  exhaustion: { from: number; to: number; basis: string } | null;
  /** KPIs: the projected end value (projection.ts), when the caller computed one. */
  projection: KpiProjection | null;
  /** When the target breached in this window, if it did and the caller knows (agreements' firstBreachAt). */
  breachAt: number | null;
}

export interface WindowHealthInput {
  /** Compliance's evaluation of the target over its window containing now. */
  evaluation: TargetEvaluation;
  /** The target's id. */
  target: string;
  now: number;
  /** Measures lookbacks for burn rates and exhaustion; without it only the evaluation's figures are used. */
  meter?: Meter;
  rules?: readonly BurnRule[];
  /** Availability with service hours: turns measured time into instants. */
  calendar?: BusinessCalendar;
  /** Default: the longest rule's long window. */
  exhaustionLookbackMs?: number;
  /** What a bad item is called in the allowance text. */
  noun?: string;
  projection?: KpiProjection | null;
  breachAt?: number | null;
}

export function windowHealth(input: WindowHealthInput): WindowHealth {
  const ev = input.evaluation;
  const now = input.now;
  const w = { from: ev.window.from, to: ev.window.to, label: ev.window.label };
  const rules = input.rules ?? DEFAULT_BURN_RULES;
  const isTime = ev.metric === 'availability';
  const percent = ev.unit === 'percent';
  const allowed = percent ? badShareOf(ev.target, ev.comparator) : null;
  const budget = ev.budget ? { allowedMs: ev.budget.allowedMs, usedMs: ev.budget.usedMs, remainingMs: ev.budget.remainingMs } : null;

  let allowance: ItemAllowance | null = null;
  if (percent && !isTime && allowed && ev.value !== null && ev.measurement.numerator !== undefined) {
    allowance = itemAllowance({
      bad: badItems(ev.value, ev.sampleSize, ev.comparator),
      total: ev.sampleSize,
      allowed,
      target: ev.target,
      comparator: ev.comparator,
      window: w,
      now,
      ...(input.noun !== undefined ? { noun: input.noun } : {}),
    });
  }

  const burn = input.meter && allowed ? burnRates(input.meter, { now, window: w, allowed, rules }) : [];

  let exhaustsAt: number | null = null;
  let exhaustion: WindowHealth['exhaustion'] = null;
  const open = now >= w.from && now < w.to;
  if (input.meter && allowed && open) {
    const lookback = input.exhaustionLookbackMs ?? Math.max(0, ...rules.map((r) => r.longMs));
    const from = Math.max(w.from, now - lookback);
    const s = input.meter(from, now);
    if (isTime && budget) {
      exhaustsAt = exhaustFixed(budget.remainingMs, s, now, w.to, input.calendar);
      exhaustion = { from, to: now, basis: 'downtime budget left at the downtime rate over the lookback' };
    } else if (allowance) {
      exhaustsAt = exhaustShare(allowance.bad, allowance.total, s, now - from, allowed, now, w.to);
      exhaustion = { from, to: now, basis: 'the share of bad items at the rates of bad and of all items over the lookback' };
    }
  }

  return {
    target: input.target,
    window: w,
    closed: ev.windowClosed,
    state: ev.state,
    value: ev.value,
    consumed: ev.consumed,
    budget,
    allowance,
    burn,
    exhaustsAt,
    exhaustion,
    projection: input.projection ?? null,
    breachAt: input.breachAt ?? null,
  };
}

/**
 * When a window target should be looked at again without new events: the instant its allowance
 * would run out at the recent pace, the end of a short confirmation window of a firing burn-rate
 * rule (by then, with no new bad event, the rule may have stopped firing), and the window's end
 * (its warnings stop, its breach becomes final). Null once the window is closed. A downtime still
 * in progress moves the figures continuously: the caller re-evaluates on the check results and
 * outage events that report it.
 */
export function windowWakeAt(h: WindowHealth, now: number): number | null {
  if (h.closed || now >= h.window.to) return null;
  let best = h.window.to;
  if (h.exhaustsAt !== null && h.exhaustsAt > now) best = Math.min(best, h.exhaustsAt);
  for (const b of h.burn) if (b.firing) best = Math.min(best, now + b.rule.shortMs);
  // Instants are whole milliseconds (timers store them so); an exhaustion projected between two
  // is looked at the millisecond after.
  return Math.ceil(best);
}
