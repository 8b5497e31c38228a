/**
 * Checks of a penalties section against the targets it names, for agreement validation: the
 * schema alone cannot know whether a target is one where more is better. Settlement makes the
 * same check from the compliance result, so a file that skips this one is still caught.
 */
import type { Issue } from '../validation/issues.ts';
import { higherIsBetter } from './rules.ts';
import type { PenaltiesSpec } from './schema.ts';
import type { Comparator } from './types.ts';

/**
 * Credit bands must point the way of their target: `below` for targets where more is better
 * (>=, >), `above` where less is better (<=, <). `targets` gives each target's comparator (its
 * default included); rules naming unknown targets are left to the caller's own reference check.
 */
export function checkPenaltyDirections(
  spec: Pick<PenaltiesSpec, 'rules'>,
  targets: ReadonlyArray<{ id: string; comparator: Comparator }>,
  prefix = 'penalties',
): Issue[] {
  const issues: Issue[] = [];
  spec.rules.forEach((rule, i) => {
    if (rule.type !== 'credit_tiers') return;
    const t = targets.find((x) => x.id === rule.target);
    if (!t) return;
    const up = higherIsBetter(t.comparator);
    rule.tiers.forEach((tier, j) => {
      if (up && tier.below === undefined)
        issues.push({
          path: `${prefix}.rules[${i}].tiers[${j}].above`,
          message: `target ${t.id} is one where more is better (${t.comparator}): its bands use below`,
          received: String(tier.above),
        });
      if (!up && tier.above === undefined)
        issues.push({
          path: `${prefix}.rules[${i}].tiers[${j}].below`,
          message: `target ${t.id} is one where less is better (${t.comparator}): its bands use above`,
          received: String(tier.below),
        });
    });
  });
  return issues;
}
