/**
 * Alerts: the pure decisions of live monitoring (docs/alerts.md). Which thresholds a ticket clock
 * crosses and when, how a window target's budget burns, what the escalation matrix sends to whom,
 * and which alerts an evaluation opens, resolves and notifies. The scheduler, the store and the
 * delivery channels run these; nothing here does I/O or reads a clock.
 */
export type * from './types.ts';
export { SEVERITIES, MEDIA, NOTICE_KINDS, INHIBITED_BY_BREACH, MATCH_FIELDS } from './types.ts';
export { subjectKey, dedupeKey, alertId, recipientKey, notificationKey, groupKey } from './keys.ts';
export {
  DEFAULT_BURN_RULES,
  DEFAULT_SHARES,
  clockLevel,
  windowLevel,
  clockLevelId,
  windowLevelId,
  clockSeverity,
  windowSeverity,
  levelElapsedMs,
  defaultClockRules,
  defaultWindowRules,
} from './levels.ts';
export {
  clockInstants,
  nextClockInstant,
  isClockLevelDue,
  phaseOf,
  type ClockView,
  type ClockInstant,
  type InstantStatus,
} from './thresholds.ts';
export { routesOf, DEFAULT_RECIPIENT, type RoutingOptions } from './routing.ts';
export {
  windowHealth,
  windowBudget,
  windowWakeAt,
  burnRates,
  itemAllowance,
  moreBadAllowed,
  badShareOf,
  badItems,
  availabilityMeter,
  metricMeter,
  type Meter,
  type Sample,
  type BadShare,
  type BurnWindow,
  type BurnResult,
  type ItemAllowance,
  type WindowHealth,
  type WindowHealthInput,
  type WindowBudget,
} from './health.ts';
export { projectKpi, type KpiProjection, type ProjectionInput } from './projection.ts';
export {
  clockReport,
  windowReport,
  noticeReport,
  type ClockObservation,
  type WindowObservation,
  type NoticeObservation,
} from './reports.ts';
export { evaluateAlerts, acknowledgeAlert, resolveAlert, wakeAtOf, type EvaluateInput, type Action } from './evaluate.ts';
export { checkSilence, matches, inForce, silencedBy, fieldOf, MAX_SILENCE_MS } from './silences.ts';
export { messageFor, intentFor, threadKey } from './messages.ts';
export { planDelivery, type GroupingPolicy, type OutboundMessage, type DeliveryPlan } from './grouping.ts';
