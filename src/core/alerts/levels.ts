/**
 * Warning levels: their stable ids, their default severities, the defaults when an agreement names
 * none, and where a ticket clock level lies in elapsed working time.
 *
 * Level ids are part of dedupe keys, so they are canonical: the same level always has the same id
 * (`consumed-75`, `consumed-87.5`, `left-30m`, `breach`, `breached-2h`, `budget-90`, `burn-fast`,
 * `exhaustion`, `exhaustion-within-1d`, `projection`), whatever order or form the agreement wrote.
 *
 * Defaults (as ServiceNow's SLA definitions): a ticket clock warns at 50%, 75% and 90% of its
 * target, then breaches. A window target warns at 50%, 75% and 90% of its allowance used, on the
 * SRE workbook's two burn-rate rules (fast: 2% of the budget in 1 h, confirmed over 5 min; slow:
 * 10% in 3 days, confirmed over 6 h), when its budget would run out before the window ends at the
 * recent pace, when a KPI's projection misses, and at its breach.
 */
import { compactMs } from '../time/duration.ts';
import type { BurnRule, ClockLevel, ClockRule, Severity, WindowLevel, WindowRule } from './types.ts';

const H = 3_600_000;

/** The SRE workbook's fast and slow rules (its "page" and "ticket" examples for a 30-day budget). */
export const DEFAULT_BURN_RULES: readonly BurnRule[] = [
  { id: 'fast', budgetShare: 0.02, longMs: H, shortMs: 5 * 60_000, severity: 'critical' },
  { id: 'slow', budgetShare: 0.1, longMs: 72 * H, shortMs: 6 * H, severity: 'warning' },
];

export const DEFAULT_SHARES: readonly number[] = [0.5, 0.75, 0.9];

/** A share as a percent without float noise: 0.875 -> "87.5", 0.29 -> "29". */
export function percentText(share: number): string {
  return String(Math.round(share * 100 * 1e6) / 1e6);
}

export function clockLevelId(rule: ClockRule): string {
  switch (rule.kind) {
    case 'consumed':
      return `consumed-${percentText(rule.share)}`;
    case 'before_breach':
      return `left-${compactMs(rule.ms)}`;
    case 'at_breach':
      return 'breach';
    case 'after_breach':
      return `breached-${compactMs(rule.ms)}`;
  }
}

export function windowLevelId(rule: WindowRule): string {
  switch (rule.kind) {
    case 'budget':
      return `budget-${percentText(rule.share)}`;
    case 'burn_rate':
      return `burn-${rule.rule.id}`;
    case 'exhaustion':
      return rule.withinMs === undefined ? 'exhaustion' : `exhaustion-within-${compactMs(rule.withinMs)}`;
    case 'projection':
      return 'projection';
    case 'breach':
      return 'breach';
    case 'after_breach':
      return `breached-${compactMs(rule.ms)}`;
  }
}

/** Below 75% used: info; from 75% on, or time left: warning; breach and after: critical. */
export function clockSeverity(rule: ClockRule): Severity {
  if (rule.kind === 'at_breach' || rule.kind === 'after_breach') return 'critical';
  if (rule.kind === 'consumed' && rule.share < 0.75) return 'info';
  return 'warning';
}

export function windowSeverity(rule: WindowRule): Severity {
  switch (rule.kind) {
    case 'budget':
      return rule.share < 0.75 ? 'info' : 'warning';
    case 'burn_rate':
      return rule.rule.severity;
    case 'breach':
    case 'after_breach':
      return 'critical';
    default:
      return 'warning';
  }
}

export const clockLevel = (rule: ClockRule): ClockLevel => ({ id: clockLevelId(rule), rule, severity: clockSeverity(rule) });
export const windowLevel = (rule: WindowRule): WindowLevel => ({ id: windowLevelId(rule), rule, severity: windowSeverity(rule) });

/**
 * The elapsed working time (ms) at which a clock level is reached, for a target of `targetMs`:
 * - consumed: share * target, in whole ms (rounded when float noise is all that separates it from
 *   a whole number, else up: the level is reached once elapsed >= share * target);
 * - before_breach: target - ms, at least 0 (a level with more time left than the target has is
 *   reached at the start);
 * - at_breach: target + 1 ms. The clock engine calls a clock breached once its elapsed time
 *   exceeds the target (stopping with exactly the target used is met), so the breach is certain
 *   only at the first counted millisecond beyond it; a clock whose time runs out at Friday 17:00
 *   may still be resolved over the weekend and be met, and is breached at Monday 09:00:00.001.
 *   The alert's startsAt is the engine's breachAt (Friday 17:00).
 * - after_breach: target + ms (and at least the breach).
 */
export function levelElapsedMs(rule: ClockRule, targetMs: number): number {
  switch (rule.kind) {
    case 'consumed': {
      const x = rule.share * targetMs;
      const r = Math.round(x);
      return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
    }
    case 'before_breach':
      return Math.max(0, targetMs - rule.ms);
    case 'at_breach':
      return targetMs + 1;
    case 'after_breach':
      return Math.max(targetMs + 1, targetMs + rule.ms);
  }
}

/** Orders clock levels by where they lie (consumed and time-left levels need the target to compare). */
export function sortClockLevels<T extends { level: ClockLevel }>(levels: T[], targetMs = 4 * H): T[] {
  return levels.sort(
    (a, b) => levelElapsedMs(a.level.rule, targetMs) - levelElapsedMs(b.level.rule, targetMs) || (a.level.id < b.level.id ? -1 : 1),
  );
}

/** Default clock levels: 50%, 75%, 90% (and the target's own warnAt), then the breach. */
export function defaultClockRules(warnAt?: number): ClockRule[] {
  const shares = new Set(DEFAULT_SHARES);
  if (warnAt !== undefined && warnAt > 0 && warnAt <= 1) shares.add(warnAt);
  return [...[...shares].sort((a, b) => a - b).map((share): ClockRule => ({ kind: 'consumed', share })), { kind: 'at_breach' }];
}

/** Default window levels: allowance 50/75/90% (and warnAt), burn rules, exhaustion, projection, breach. */
export function defaultWindowRules(warnAt?: number, burnRules: readonly BurnRule[] = DEFAULT_BURN_RULES): WindowRule[] {
  const shares = new Set(DEFAULT_SHARES);
  if (warnAt !== undefined && warnAt > 0 && warnAt <= 1) shares.add(warnAt);
  return [
    ...[...shares].sort((a, b) => a - b).map((share): WindowRule => ({ kind: 'budget', share })),
    ...burnRules.map((rule): WindowRule => ({ kind: 'burn_rate', rule })),
    { kind: 'exhaustion' },
    { kind: 'projection' },
    { kind: 'breach' },
  ];
}
