/**
 * Metrics, windows and compliance: the public API of src/core/metrics.
 * See docs/metrics.md for every definition and accounting rule.
 */
export {
  resolveWindow,
  parseWindow,
  label,
  previous,
  next,
  windowsBetween,
  windowsCovering,
  windowContaining,
  inWindow,
  type Window,
  type CalendarWindow,
  type CalendarKind,
  type ResolvedWindow,
} from './window.ts';
export { sum, mean, median, percentile, percentileWithRank, nearestRank, shareOf, shareWithin, percentOf } from './stats.ts';
export {
  computeMetric,
  validateQuery,
  validateFilters,
  isFirstContactResolution,
  METRIC_NAMES,
  type MetricName,
  type MetricQuery,
  type MetricFilters,
  type MetricInputs,
  type RatioFigures,
  type MetricValue,
  type MetricUnit,
  type Monotone,
  type SubjectValue,
  type AvailabilityFigures,
  type KpiObservation,
  type KpiAggregate,
  type TimeStat,
  type SatisfactionStat,
} from './catalogue.ts';
export {
  evaluateTarget,
  judge,
  headroom,
  DEFAULT_WARN,
  type Comparator,
  type TargetState,
  type TargetSpec,
  type TargetEvaluation,
  type SubjectEvaluation,
  type Verdict,
  type DowntimeBudget,
  type JudgeContext,
} from './compliance.ts';
