/** Words for settlement lines: measured values, targets and lists, written the way contracts read. */
import type { MetricUnit } from '../metrics/catalogue.ts';
import { humanSeconds } from '../time/duration.ts';
import type { Comparator, TargetState } from './types.ts';

/** A number with at most ten significant digits, without float noise (99.98999999999 -> 99.98999999999 stays, 0.1+0.2 -> 0.3). */
export function numberText(x: number): string {
  return String(Number(x.toPrecision(10)));
}

export function valueText(value: number, unit: MetricUnit): string {
  if (unit === 'percent') return `${numberText(value)}%`;
  if (unit === 'seconds') return humanSeconds(value);
  return numberText(value);
}

export function targetText(comparator: Comparator, target: number, unit: MetricUnit): string {
  return `${comparator} ${valueText(target, unit)}`;
}

export function thresholdText(t: { below?: number; above?: number }, unit: MetricUnit): string {
  return t.below !== undefined ? `below ${valueText(t.below, unit)}` : `above ${valueText(t.above!, unit)}`;
}

export const STATE_WORDS: Record<TargetState, string> = { met: 'met', at_risk: 'at risk', breached: 'breached', no_data: 'no data' };

/** "a, b and 3 more": keeps a reason readable when a month has many tickets. */
export function listText(items: readonly string[], max = 5): string {
  if (items.length === 0) return 'none';
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Downtime as people say it: 3161000 ms -> "52m 41s"; below a second, in ms. */
export function msText(ms: number): string {
  return ms > 0 && ms < 1000 ? `${Math.round(ms)} ms` : humanSeconds(ms / 1000);
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
