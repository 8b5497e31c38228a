/** Shared builders for the penalties tests (not part of the public API). */
import assert from 'node:assert/strict';
import { resolveWindow, type Window } from '../metrics/window.ts';
import { settlePeriod } from './settle.ts';
import type { BillingPeriod, Comparator, EvaluationLike, Settlement, SettlementInput, TargetPeriodResult, TargetState } from './types.ts';

export const H = 3_600_000;

export function month(year: number, index: number, zone = 'UTC'): BillingPeriod {
  return windowOf({ kind: 'month', year, index }, zone);
}

export function windowOf(w: Window, zone = 'UTC'): BillingPeriod {
  const r = resolveWindow(w, zone);
  assert.ok(r.ok);
  return { from: r.value.from, to: r.value.to, label: r.value.label };
}

const passes = (v: number, c: Comparator, t: number) => (c === '>=' ? v >= t : c === '<=' ? v <= t : c === '>' ? v > t : v < t);

/** A closed-window result whose state follows from the value, as the compliance engine would judge it. */
export function judged(
  targetId: string,
  value: number | null,
  opts: Partial<EvaluationLike> & Omit<Partial<TargetPeriodResult>, 'evaluation'> = {},
): TargetPeriodResult {
  const {
    breachedTickets,
    firstBreachAt,
    excludedItems,
    targetId: _t,
    ...ev
  } = opts as Partial<EvaluationLike> & Partial<TargetPeriodResult>;
  const comparator = ev.comparator ?? '>=';
  const target = ev.target ?? 99.99;
  const state: TargetState = ev.state ?? (value === null ? 'no_data' : passes(value, comparator, target) ? 'met' : 'breached');
  const evaluation: EvaluationLike = { unit: 'percent', ...ev, value, comparator, target, state };
  return {
    targetId,
    evaluation,
    ...(breachedTickets ? { breachedTickets } : {}),
    ...(firstBreachAt !== undefined ? { firstBreachAt } : {}),
    ...(excludedItems ? { excludedItems } : {}),
  };
}

export function settle(input: SettlementInput): Settlement {
  const r = settlePeriod(input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues, null, 1));
  return r.value;
}

export function issuesOf(input: SettlementInput) {
  const r = settlePeriod(input);
  assert.equal(r.ok, false, 'expected issues');
  return r.ok ? [] : r.issues;
}
