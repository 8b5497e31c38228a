/**
 * Availability and downtime budgets: the public API of src/core/availability.
 * See docs/availability.md for the accounting rules with worked examples.
 */
export { availability } from './compute.ts';
export { intervalsFromEvents, type EventIntervals, type EventIntervalOptions } from './events.ts';
export { outagesFromSamples } from './samples.ts';
export {
  monitoringEvidence,
  monitoringCoverage,
  type MonitoringEvidence,
  type MonitoringCoverage,
  type MonitoringBasis,
} from './monitoring.ts';
export {
  WINDOW_MS,
  downtimeBudget,
  checkTarget,
  formatDowntime,
  allowanceText,
  budgetStatus,
  type NominalWindow,
  type BudgetInput,
  type BudgetStatus,
  type BudgetState,
} from './budget.ts';
export {
  OUTAGE_CAUSES,
  type OutageCause,
  type OutageInterval,
  type MaintenanceWindow,
  type CheckSample,
  type CheckRule,
  type AvailabilityInput,
  type TimeWindow,
  type ExcludedTimePolicy,
  type ExclusionClasses,
  type AvailabilityOptions,
  type ResolvedSettings,
  type ItemKind,
  type CountedItem,
  type ExclusionReason,
  type ExcludedItem,
  type IgnoreReason,
  type IgnoredItem,
  type AvailabilityResult,
} from './types.ts';
