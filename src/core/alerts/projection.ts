/**
 * KPI projection: where a periodically reported KPI (sales, visitors, conferences) will end its
 * window at the pace so far, and whether that misses the target.
 *
 * Method (run rate, linear on the cumulative value): for a `sum` or a `count`, the value so far
 * grows in proportion to time, so the end value is value * (time in the window) / (time elapsed up
 * to the latest value reported). Time is plain wall-clock time, or the working time of a business
 * calendar when one is given (sales made on working days: a month with its last week of holidays
 * is not projected as if it had one more week of sales). The pace is measured up to the latest
 * value reported, not up to now, so a weekly report read on Wednesday is not diluted by the days
 * since; a subject with nothing reported yet is measured up to the latest report of any subject
 * (reports are coming in, and it has none), and while nothing at all is reported there is no
 * projection.
 *
 * Other aggregates (avg, min, max) have no cumulative trend: their projection is the current value
 * (method `current`), shown but never warned on.
 *
 * The value itself is compliance's (computeMetric over the window, with the target's filters and
 * subjects); this module only adds the time of the latest contributing value and the arithmetic.
 * Guards: no warning before `minElapsedShare` of the window has passed (default 0.2) or with fewer
 * than `minValues` values reported for the target (default 2, counted across subjects, so a rep who
 * reported nothing while the others report is warned about): one early report says little.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { Comparator, KpiObservation, TargetEvaluation } from '../metrics/index.ts';

export interface KpiProjection {
  /** The subject (sales rep) for per-subject KPIs; absent for the whole target. */
  subject?: string;
  method: 'run_rate' | 'current';
  current: number | null;
  projected: number | null;
  /** The instant the pace is measured up to: the latest value reported. */
  asOf: number | null;
  /** Share of the window's time (plain or working) elapsed up to asOf. */
  elapsedShare: number;
  values: number;
  target: number;
  comparator: Comparator;
  /** true: the projection misses the target; false: it meets it; null: nothing to judge yet (guards, no trend). */
  misses: boolean | null;
  text: string;
}

export interface ProjectionInput {
  /** Compliance's evaluation of a kpi target over its window containing now. */
  evaluation: TargetEvaluation;
  /** The KPI values the evaluation was computed from (to find when each contributing value was reported). */
  observations: readonly KpiObservation[];
  calendar?: BusinessCalendar;
  minElapsedShare?: number;
  minValues?: number;
}

const passes = (v: number, c: Comparator, t: number) => (c === '>=' ? v >= t : c === '<=' ? v <= t : c === '>' ? v > t : v < t);
const fmt = (n: number) => (Math.round(n * 100) / 100).toLocaleString('en-US');

/** One projection for the target, or one per subject for per-subject KPIs. Empty for non-KPI targets. */
export function projectKpi(input: ProjectionInput): KpiProjection[] {
  const ev = input.evaluation;
  if (ev.metric !== 'kpi') return [];
  const at = new Map<string, number>();
  for (const o of input.observations) at.set(o.id, o.atMs);
  const latestOf = (ids: readonly string[]): number | null => {
    let best: number | null = null;
    for (const id of ids) {
      const t = at.get(id);
      if (t !== undefined && (best === null || t > best)) best = t;
    }
    return best;
  };
  const anyLatest = latestOf(ev.measurement.contributors);
  const one = (value: number | null, ids: readonly string[], subject?: string): KpiProjection =>
    project(input, value, ids.length, ev.measurement.contributors.length, latestOf(ids) ?? anyLatest, subject);
  if (ev.subjects) return ev.subjects.map((s) => one(s.value, s.contributors, s.subject));
  return [one(ev.value, ev.measurement.contributors)];
}

function project(
  input: ProjectionInput,
  current: number | null,
  values: number,
  reported: number,
  asOf: number | null,
  subject?: string,
): KpiProjection {
  const ev = input.evaluation;
  const { from, to } = ev.window;
  const cal = input.calendar;
  const span = (a: number, b: number) => (cal ? cal.elapsed(a, b) : Math.max(0, b - a));
  const whole = span(from, to);
  const elapsedShare = asOf === null || !(whole > 0) ? 0 : Math.min(1, span(from, Math.min(asOf, to)) / whole);
  const base = {
    ...(subject !== undefined ? { subject } : {}),
    current,
    asOf,
    elapsedShare,
    values,
    target: ev.target,
    comparator: ev.comparator,
  };
  const who = subject !== undefined ? `${subject}: ` : '';
  const promise = `${ev.comparator} ${fmt(ev.target)}`;
  if (ev.stat !== 'sum' && ev.stat !== 'count') {
    return {
      ...base,
      method: 'current',
      projected: current,
      misses: null,
      text: `${who}${ev.stat ?? 'the value'} has no trend to project; ${current === null ? 'no value yet' : `${fmt(current)} so far`} (${promise})`,
    };
  }
  const minShare = input.minElapsedShare ?? 0.2;
  const minValues = input.minValues ?? 2;
  const cur = current ?? 0;
  if (asOf === null || !(elapsedShare > 0)) {
    return {
      ...base,
      method: 'run_rate',
      projected: null,
      misses: null,
      text: `${who}nothing reported yet in ${ev.window.label} (${promise})`,
    };
  }
  const projected = cur / elapsedShare;
  const pct = Math.round(elapsedShare * 1000) / 10;
  // Enough values across the target (a subject with none while others report is the one to warn about).
  const enough = elapsedShare >= minShare && reported >= minValues;
  const misses = enough ? !passes(projected, ev.comparator, ev.target) : null;
  const pace = `${fmt(cur)} with ${pct}% of ${ev.window.label}${cal ? "'s working time" : ''} gone: at that pace ${fmt(projected)} by its end`;
  const verdict =
    misses === null
      ? `too early to judge (${reported} value${reported === 1 ? '' : 's'} reported, ${pct}% of the window)`
      : misses
        ? `misses the target ${promise}`
        : `meets the target ${promise}`;
  return { ...base, method: 'run_rate', projected, misses, text: `${who}${pace}; ${verdict}` };
}
