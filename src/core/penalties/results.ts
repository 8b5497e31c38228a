/** Building settlement input from the measurement engine's results. */
import type { TargetEvaluation } from '../metrics/compliance.ts';
import type { TargetPeriodResult } from './types.ts';

/**
 * A target's result for settlement, straight from `evaluateTarget`: the breached tickets and the
 * items the measurement excluded come from its measurement. The breach instant is not part of an
 * evaluation (the clock engine and the availability engine know it); pass it when known, so a
 * fine due "after the breach" counts from it.
 */
export function resultFromEvaluation(
  targetId: string,
  evaluation: TargetEvaluation,
  firstBreachAt: number | null = null,
): TargetPeriodResult {
  return {
    targetId,
    evaluation,
    breachedTickets: evaluation.measurement.breached ?? [],
    excludedItems: evaluation.measurement.excluded ?? [],
    firstBreachAt,
  };
}
