/** Shared builders for the penalties tests (not part of the public API). */
import assert from 'node:assert/strict';
import { LANGS, sayClauses, type Why } from '../i18n/settlement.ts';
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
  assertSayable(r.value);
  return r.value;
}

/**
 * Every sentence of a settlement has its clauses, and each clause can be said in every language
 * (a known code with params of the right shape); notes and their clauses pair one to one. Run on
 * every settlement the penalties tests make.
 */
export function assertSayable(s: Settlement): void {
  const check = (clauses: Why[], english: string, where: string) => {
    assert.ok(clauses.length > 0 || english === '', `${where}: no clauses for ${JSON.stringify(english)}`);
    for (const lang of LANGS)
      if (clauses.length > 0) assert.ok(sayClauses(clauses, lang) !== null, `${where} (${lang}): ${JSON.stringify(clauses)}`);
  };
  const notes = (list: string[], clauses: Why[], where: string) => {
    assert.equal(clauses.length, list.length, `${where}: one clause per note`);
    for (const [k, n] of list.entries()) check([clauses[k]!], n, `${where}[${k}]`);
  };
  check(s.summaryWhy, s.summary, 'summary');
  notes(s.notes, s.notesWhy, 'notes');
  if (s.grace) check(s.grace.reasonWhy, s.grace.reason, 'grace.reason');
  for (const [k, l] of s.lines.entries()) {
    check(l.reasonWhy, l.reason, `lines[${k}].reason`);
    notes(l.notes, l.notesWhy, `lines[${k}].notes`);
  }
  for (const [k, t] of s.termination.entries()) check(t.reasonWhy, t.reason, `termination[${k}].reason`);
}

export function issuesOf(input: SettlementInput) {
  const r = settlePeriod(input);
  assert.equal(r.ok, false, 'expected issues');
  return r.ok ? [] : r.issues;
}
