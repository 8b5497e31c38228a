/**
 * Compliance: judging one metric against one target over one window, at a given `now`.
 *
 * States (docs/metrics.md, "Compliance", has the worked rules):
 * - no_data : the metric has no value on the window's sample (no clocks, no ratings, no eligible
 *             time...). Neither met nor breached: it never triggers a penalty and never counts
 *             as compliant; reports show it as a gap to look into.
 * - breached: the comparator fails on a closed window; or it fails on an open window and nothing
 *             left in the window can repair it (see `finalVerdict`).
 * - at_risk : the comparator fails on an open window that can still recover; or it passes on an open
 *             window but the share of the allowance used (`consumed`) has reached the warning level
 *             `warn`. at_risk is a warning about the future, so a closed window is never at_risk:
 *             it is met or breached (or no_data).
 * - met     : otherwise. A closed window that passed with `consumed >= warn` carries a `note`
 *             ("met with little margin"), not a state.
 *
 * The allowance ("consumed"):
 * - availability with >= / >: downtime used / downtime allowed by the target over the whole
 *   window, so "a month that has used most of its downtime budget" warns before it breaks. The
 *   downtime allowed is the target's percentage of the window's eligible time, or a fixed
 *   allowance (`allowanceMs`, "52 min 36 s a year"), which then decides the state on its own:
 *   breached exactly when the downtime exceeds it;
 * - other percentages with >= / >: the error budget (100 - value) / (100 - target), e.g. 95%
 *   within target measured at 96.5% has used 70% of its 5-point budget;
 * - anything with <= / <: value / target (a mean resolution of 3h against 4h has used 75%).
 * - >= / > on an unbounded quantity (a count, a sum of sales) has no allowance: no warning band.
 * `warn` defaults to 0.75, the same level as a ticket clock's default warning.
 */
import { type Why, why } from '../i18n/settlement.ts';
import { exactDuration } from '../time/duration.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import {
  computeMetric,
  type MetricFilters,
  type MetricInputs,
  type MetricQuery,
  type MetricUnit,
  type MetricValue,
  type Monotone,
} from './catalogue.ts';
import { resolveWindow, type ResolvedWindow, type Window } from './window.ts';

export type Comparator = '>=' | '<=' | '>' | '<';
export type TargetState = 'met' | 'at_risk' | 'breached' | 'no_data';

const COMPARATORS: Comparator[] = ['>=', '<=', '>', '<'];
export const DEFAULT_WARN = 0.75;

export interface TargetSpec extends MetricQuery {
  comparator: Comparator;
  /** In the metric's unit: percent for ratios (99.9, not 0.999), seconds for times. */
  target: number;
  /** Share of the allowance at which a passing target is at_risk; 0 < warn <= 1, default 0.75. */
  warn?: number;
  window: Window;
  /** IANA zone the window is resolved in; required for month, quarter, year and rolling windows. */
  zone?: string;
  /**
   * availability only: a fixed downtime allowance for the window, ms (the agreement's `allowance`,
   * pro-rated by the caller when only part of the window is measured). The target is then judged
   * on downtime against it instead of on the percentage: breached when downtime exceeds it (or
   * reaches it, for `>`).
   */
  allowanceMs?: number;
  /** The evaluation instant: decides whether the window is closed. */
  now: number;
  inputs: MetricInputs;
  filters?: MetricFilters;
}

export interface Verdict {
  state: TargetState;
  /** Signed distance to the target in the metric's unit: positive = passing with room to spare. */
  margin: number | null;
  /** Share of the allowance used (see the module comment), null when there is none. */
  consumed: number | null;
  /** Why this state, in one sentence (English). */
  reason: string;
  /** `reason` as clauses, to say in any language (src/core/i18n/compliance.ts). */
  reasonWhy: Why[];
  /**
   * Something a reader should know that is not a state: a closed window met with little margin
   * (at_risk is only ever a warning about an open window), a window measured only in part.
   */
  note?: string;
  /** `note` as clauses; present exactly when `note` is. */
  noteWhy?: Why[];
}

export interface SubjectEvaluation extends Verdict {
  subject: string;
  value: number | null;
  sampleSize: number;
  contributors: string[];
}

export interface DowntimeBudget {
  /** Downtime the target allows over the window's eligible time (or the fixed allowance), ms. */
  allowedMs: number;
  usedMs: number;
  /** allowedMs - usedMs; negative once exceeded. */
  remainingMs: number;
  /** `percentage`: the target's share of the eligible time; `fixed`: the agreement's allowance. */
  basis: 'percentage' | 'fixed';
}

export interface TargetEvaluation extends Verdict {
  metric: MetricValue['metric'];
  stat: string | null;
  value: number | null;
  unit: MetricUnit;
  target: number;
  comparator: Comparator;
  warn: number;
  window: Pick<ResolvedWindow, 'from' | 'to' | 'label' | 'zone'>;
  windowClosed: boolean;
  sampleSize: number;
  contributors: string[];
  /** The full measurement, with its numerator, breaches, in-flight clocks and exclusions. */
  measurement: MetricValue;
  /** kpi per subject: each subject judged on its own; the target's state is the worst of them. */
  subjects?: SubjectEvaluation[];
  /** For per-subject targets, the subject that sets the overall state. */
  worstSubject?: string;
  /** availability: the downtime budget implied by the target. */
  budget?: DowntimeBudget;
}

const passes = (value: number, c: Comparator, target: number): boolean =>
  c === '>=' ? value >= target : c === '<=' ? value <= target : c === '>' ? value > target : value < target;

const higherIsBetter = (c: Comparator) => c === '>=' || c === '>';

export interface JudgeContext {
  comparator: Comparator;
  target: number;
  warn: number;
  closed: boolean;
  unit: MetricUnit;
  monotone: Monotone;
  /**
   * availability only: the downtime budget over the whole window. With a fixed allowance
   * (`basis: fixed`) the budget decides the state, and `eligibleMs` (eligible time so far) gives
   * the margin in percentage points.
   */
  budget?: DowntimeBudget & { bestFinal: number; eligibleMs?: number };
}

/**
 * Whether an open window's outcome is already decided. A value that can only grow (a count, a
 * sum of non-negative values, a maximum) that already exceeds a <= target cannot come back; one
 * that already reached a >= target cannot fall back. The mirror holds for a minimum. For
 * availability, the best it can still end at (no more downtime for the rest of the window) decides.
 */
function finalVerdict(value: number, ctx: JudgeContext): 'pass' | 'fail' | null {
  const up = higherIsBetter(ctx.comparator);
  if (ctx.budget?.basis === 'fixed') return withinAllowance(ctx) ? null : 'fail';
  if (ctx.budget) return up && !passes(ctx.budget.bestFinal, ctx.comparator, ctx.target) ? 'fail' : null;
  if (ctx.monotone === 'increasing')
    return up ? (passes(value, ctx.comparator, ctx.target) ? 'pass' : null) : passes(value, ctx.comparator, ctx.target) ? null : 'fail';
  if (ctx.monotone === 'decreasing')
    return up ? (passes(value, ctx.comparator, ctx.target) ? null : 'fail') : passes(value, ctx.comparator, ctx.target) ? 'pass' : null;
  return null;
}

/**
 * 100 - target as a fraction num / den computed in the target's own decimal places, so the
 * headroom of 99.9 is exactly 1/10 (not 0.09999999999999432) and a downtime budget of 0.1% of
 * 745 h is exactly 2,682,000 ms. Targets are written in decimal by people; this keeps their
 * budgets exact.
 */
export function headroom(target: number): { num: number; den: number } {
  const s = String(target);
  const dot = s.indexOf('.');
  if (/e/i.test(s)) return { num: 100 - target, den: 1 };
  const den = dot < 0 ? 1 : 10 ** Math.min(s.length - dot - 1, 12);
  return { num: 100 * den - Math.round(target * den), den };
}

/** Fixed allowance: downtime within it (`>=`: up to and including it; `>`: strictly less). */
function withinAllowance(ctx: JudgeContext): boolean {
  const b = ctx.budget!;
  return ctx.comparator === '>' ? b.usedMs < b.allowedMs : b.usedMs <= b.allowedMs;
}

function consumedOf(value: number, ctx: JudgeContext): number | null {
  if (higherIsBetter(ctx.comparator)) {
    if (ctx.budget) return ctx.budget.allowedMs > 0 ? ctx.budget.usedMs / ctx.budget.allowedMs : ctx.budget.usedMs > 0 ? Infinity : 0;
    if (ctx.unit !== 'percent') return null;
    if (ctx.target >= 100) return value >= 100 ? 0 : Infinity;
    const h = headroom(ctx.target);
    return ((100 - value) * h.den) / h.num;
  }
  return ctx.target > 0 ? value / ctx.target : null;
}

/** Judges one value; exported for callers that compute values themselves (e.g. burn-rate views). */
export function judge(value: number | null, ctx: JudgeContext): Verdict {
  if (value === null)
    return {
      state: 'no_data',
      margin: null,
      consumed: null,
      reason: 'no data in the window: neither met nor breached',
      reasonWhy: [why('compliance.no_data', {})],
    };
  const fixed = ctx.budget?.basis === 'fixed' ? ctx.budget : null;
  // With a fixed allowance the margin is the allowance left, in points of the time measured so far.
  const margin = fixed
    ? fixed.eligibleMs !== undefined && fixed.eligibleMs > 0
      ? ((fixed.allowedMs - fixed.usedMs) * 100) / fixed.eligibleMs
      : 0
    : higherIsBetter(ctx.comparator)
      ? value - ctx.target
      : ctx.target - value;
  const consumed = consumedOf(value, ctx);
  const pass = fixed ? withinAllowance(ctx) : passes(value, ctx.comparator, ctx.target);
  const final = ctx.closed ? null : finalVerdict(value, ctx);
  const against = fixed ? `downtime ${exactDuration(fixed.usedMs)} against an allowance of ${exactDuration(fixed.allowedMs)}` : null;
  const allowance = fixed ? { used: fixed.usedMs, allowed: fixed.allowedMs } : null;
  if (!pass) {
    if (ctx.closed) {
      const reason = against
        ? `the window is closed and the ${against} exceeds it`
        : 'the window is closed and the value misses the target';
      const reasonWhy = [allowance ? why('compliance.closed_over_allowance', allowance) : why('compliance.closed_missed', {})];
      return { state: 'breached', margin, consumed, reason, reasonWhy };
    }
    if (final === 'fail') {
      const reason = against
        ? `the ${against} already exceeds it`
        : ctx.budget
          ? 'the downtime so far already exceeds what the target allows for the whole window'
          : 'the window is open, but the value can only move further from the target';
      const reasonWhy = [
        allowance
          ? why('compliance.over_allowance', allowance)
          : ctx.budget
            ? why('compliance.over_budget', {})
            : why('compliance.cannot_recover', {}),
      ];
      return { state: 'breached', margin, consumed, reason, reasonWhy };
    }
    return {
      state: 'at_risk',
      margin,
      consumed,
      reason: 'the window is open and the value misses the target so far',
      reasonWhy: [why('compliance.missing_so_far', {})],
    };
  }
  if (final === 'pass')
    return {
      state: 'met',
      margin,
      consumed,
      reason: 'the target is already reached and cannot be lost before the window ends',
      reasonWhy: [why('compliance.already_reached', {})],
    };
  const warned = consumed !== null && consumed >= ctx.warn;
  const shares = { used: round2(consumed! * 100), warn: round2(ctx.warn * 100) };
  const used = warned ? `${shares.used}% of the allowance is used (warning at ${shares.warn}%)` : null;
  // A closed window has no future to warn about: it is met, and a thin margin is a note.
  const meets = against ? `the ${against} is within it` : 'the value meets the target';
  if (ctx.closed) {
    return {
      state: 'met',
      margin,
      consumed,
      reason: `the window is closed and ${meets}`,
      reasonWhy: [allowance ? why('compliance.closed_within_allowance', allowance) : why('compliance.closed_met', {})],
      ...(used ? { note: `met with little margin: ${used}`, noteWhy: [why('compliance.little_margin', shares)] } : {}),
    };
  }
  if (used) return { state: 'at_risk', margin, consumed, reason: used, reasonWhy: [why('compliance.allowance_used', shares)] };
  return {
    state: 'met',
    margin,
    consumed,
    reason: `${meets} so far`,
    reasonWhy: [allowance ? why('compliance.within_allowance_so_far', allowance) : why('compliance.met_so_far', {})],
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const SEVERITY: Record<TargetState, number> = { met: 0, no_data: 1, at_risk: 2, breached: 3 };

/**
 * Evaluates a target. Returns issues (never throws) for an invalid metric query, filters, window,
 * zone, comparator, target, warning level or instant, each named by its field path.
 */
export function evaluateTarget(spec: TargetSpec): Result<TargetEvaluation> {
  const issues: Issue[] = [];
  if (spec === null || typeof spec !== 'object') return fail({ path: '', message: 'expected a target', received: describeValue(spec) });
  if (!COMPARATORS.includes(spec.comparator))
    issues.push({
      path: 'comparator',
      message: 'unknown comparator',
      expected: COMPARATORS.join(', '),
      received: describeValue(spec.comparator),
    });
  if (typeof spec.target !== 'number' || !Number.isFinite(spec.target))
    issues.push({ path: 'target', message: 'expected a number in the metric unit', received: describeValue(spec.target) });
  const warn = spec.warn ?? DEFAULT_WARN;
  if (typeof warn !== 'number' || !(warn > 0 && warn <= 1))
    issues.push({
      path: 'warn',
      message: 'expected a share of the allowance',
      expected: 'a number greater than 0 and at most 1, e.g. 0.75',
      received: describeValue(spec.warn),
    });
  if (typeof spec.now !== 'number' || !Number.isFinite(spec.now))
    issues.push({ path: 'now', message: 'expected an instant in epoch milliseconds', received: describeValue(spec.now) });
  if (spec.allowanceMs !== undefined) {
    if (typeof spec.allowanceMs !== 'number' || !Number.isFinite(spec.allowanceMs) || spec.allowanceMs < 0) {
      issues.push({
        path: 'allowanceMs',
        message: 'expected a downtime allowance in milliseconds, 0 or more',
        received: describeValue(spec.allowanceMs),
      });
    } else if (spec.metric !== 'availability' || !(spec.comparator === '>=' || spec.comparator === '>')) {
      const received = `${String(spec.metric)} ${String(spec.comparator)}`;
      issues.push({ path: 'allowanceMs', message: 'a downtime allowance applies to an availability target with >= or >', received });
    }
  }
  const needsZone = spec.window?.kind !== 'range';
  if (needsZone && spec.zone === undefined)
    issues.push({
      path: 'zone',
      message: 'a calendar or rolling window needs a time zone',
      expected: 'an IANA zone such as Europe/Berlin',
    });
  const rw = needsZone && spec.zone === undefined ? null : resolveWindow(spec.window, spec.zone ?? 'UTC');
  if (rw && !rw.ok) issues.push(...rw.issues);
  if (issues.length > 0 || !rw || !rw.ok) return fail(...issues);
  const window = rw.value;

  const { comparator, target, now, inputs, filters, warn: _w, window: _win, zone: _z, allowanceMs, ...query } = spec;
  const m = computeMetric(query as MetricQuery, window, inputs ?? {}, filters ?? {});
  if (!m.ok) return m;
  const mv = m.value;
  if (mv.unit === 'percent' && !(target >= 0 && target <= 100)) {
    return fail({
      path: 'target',
      message: 'a percentage target is written in percent',
      expected: 'a number from 0 to 100, e.g. 99.9',
      received: describeValue(target),
    });
  }

  const closed = now >= window.to;
  // Availability: whether the window was monitored, and from when (no data is not perfect).
  const monitoring = mv.metric === 'availability' ? mv.figures?.monitoring : undefined;
  const unmonitored = monitoring?.from === null;
  let budget: JudgeContext['budget'];
  if (mv.metric === 'availability' && mv.figures && higherIsBetter(comparator) && !unmonitored) {
    // The most time the window can still be measured over: what is eligible so far plus the rest
    // of the window (from where monitoring started) not yet excluded. Exclusions announced later
    // only shrink it, which can only lower the final availability, so the verdict drawn from this
    // bound is safe.
    const { downtimeMs, eligibleMs, excludedMs } = mv.figures;
    const measuredFrom = Math.max(window.from, monitoring?.from ?? window.from);
    // Gaps nobody watched so far are in no figure, and never will be.
    const unwatched = monitoring?.unmonitoredMs ?? 0;
    const maxEligible = closed ? eligibleMs : Math.max(eligibleMs, window.to - measuredFrom - excludedMs - unwatched);
    const h = headroom(target);
    const fixed = allowanceMs !== undefined;
    const allowedMs = fixed ? allowanceMs : (maxEligible * h.num) / (100 * h.den);
    budget = {
      allowedMs,
      usedMs: downtimeMs,
      remainingMs: allowedMs - downtimeMs,
      basis: fixed ? 'fixed' : 'percentage',
      bestFinal: maxEligible > 0 ? ((maxEligible - downtimeMs) * 100) / maxEligible : 100,
      eligibleMs,
    };
  }
  const ctx: JudgeContext = { comparator, target, warn, closed, unit: mv.unit, monotone: mv.monotone, ...(budget ? { budget } : {}) };

  const base = {
    metric: mv.metric,
    stat: mv.stat,
    unit: mv.unit,
    target,
    comparator,
    warn,
    window: { from: window.from, to: window.to, label: window.label, zone: window.zone },
    windowClosed: closed,
    sampleSize: mv.sampleSize,
    contributors: mv.contributors,
    measurement: mv,
    ...(budget
      ? { budget: { allowedMs: budget.allowedMs, usedMs: budget.usedMs, remainingMs: budget.remainingMs, basis: budget.basis } }
      : {}),
  };

  if (mv.subjects) {
    const subjects: SubjectEvaluation[] = mv.subjects.map((s) => ({
      subject: s.subject,
      value: s.value,
      sampleSize: s.sampleSize,
      contributors: s.contributors,
      ...judge(s.value, ctx),
    }));
    if (subjects.length === 0) {
      return ok({
        ...base,
        value: null,
        state: 'no_data',
        margin: null,
        consumed: null,
        reason: 'no subject reported a value in the window',
        reasonWhy: [why('compliance.no_subject', {})],
        subjects,
      });
    }
    // The worst subject sets the state; among equals, the one with the least room (smallest margin).
    const worst = subjects.reduce((a, b) => {
      const d = SEVERITY[b.state] - SEVERITY[a.state];
      if (d !== 0) return d > 0 ? b : a;
      return (b.margin ?? Infinity) < (a.margin ?? Infinity) ? b : a;
    });
    const failing = subjects.filter((s) => s.state === worst.state).length;
    return ok({
      ...base,
      value: worst.value,
      state: worst.state,
      margin: worst.margin,
      consumed: worst.consumed,
      reason: `${worst.subject}: ${worst.reason}${failing > 1 ? ` (${failing} of ${subjects.length} subjects ${worst.state})` : ''}`,
      reasonWhy: [
        why('compliance.subject', { subject: worst.subject }),
        ...worst.reasonWhy,
        ...(failing > 1 ? [why('compliance.subjects_in_state', { count: failing, subjects: subjects.length, state: worst.state })] : []),
      ],
      ...(worst.note !== undefined
        ? {
            note: `${worst.subject}: ${worst.note}`,
            noteWhy: [why('compliance.subject', { subject: worst.subject }), ...(worst.noteWhy ?? [])],
          }
        : {}),
      subjects,
      worstSubject: worst.subject,
    });
  }
  const verdict = judge(mv.value, ctx);
  // Evidence given without clauses (a caller older than them) has none to say: the sentence is shown as written.
  if (unmonitored) return ok({ ...base, value: null, ...verdict, reason: monitoring!.text, reasonWhy: monitoring!.textWhy ?? [] });
  // A window monitored only from some instant on, or with gaps nobody watched, is measured over
  // that part: say so.
  if (monitoring && monitoring.from !== null && (monitoring.from > window.from || (monitoring.unmonitoredMs ?? 0) > 0)) {
    const part = `only part of the window is measured: ${monitoring.text}`;
    const partWhy = monitoring.textWhy ? [why('compliance.partly_measured', {}), ...monitoring.textWhy] : [];
    return ok({
      ...base,
      value: mv.value,
      ...verdict,
      note: verdict.note ? `${part}; ${verdict.note}` : part,
      noteWhy: partWhy.length > 0 ? [...partWhy, ...(verdict.noteWhy ?? [])] : [],
    });
  }
  return ok({ ...base, value: mv.value, ...verdict });
}
