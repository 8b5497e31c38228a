/**
 * Termination rights: "the customer may terminate without fee after N consecutive breached
 * periods of a target" (consecutiveBreaches) or "after M breached periods within a year"
 * (breachesInYear).
 *
 * - The periods counted are the target's own windows (monthly for a monthly target): the ones
 *   given for this billing period plus the earlier ones in the history. A history entry at or
 *   after the start of this period's windows is ignored (this period's result wins).
 * - Consecutive: the run of breached windows ending with this period's latest window. Windows
 *   must follow each other without a gap (one ends where the next starts); a gap, a met, at-risk
 *   or no-data window ends the run.
 * - Within a year: breached windows inside the twelve months ending with this period's latest
 *   window (a rolling year, so breaches either side of an anniversary still count together).
 * - A right is reported as triggered in the settlement of a period whose latest window is
 *   breached and brings the count to the threshold or beyond; it is reported again for each
 *   further breached period while the count stays there. A right that arose earlier and was not
 *   exercised is the customer's to use; this module does not track that.
 * - Grace period: windows that end within the grace period (or before the term) do not count,
 *   because termination is one of the remedies the grace period suspends.
 */
import type { Plan } from './input.ts';
import { type Why, why } from '../i18n/settlement.ts';
import { listText, plural } from './explain.ts';
import { lastDay, localDate, yearBefore } from './periods.ts';
import type { TargetState, TerminationOutcome } from './types.ts';

interface Win {
  from: number;
  to: number;
  label: string;
  state: TargetState;
}

export function evaluateTerminationRights(plan: Plan, forgivenUntil: number | null): TerminationOutcome[] {
  const out: TerminationOutcome[] = [];
  const labelOf = (w: { from: number; to: number; label?: string | undefined }) =>
    w.label ?? `${localDate(w.from, plan.zone)} to ${lastDay(w.to, plan.zone)}`;
  for (const right of plan.term?.rights ?? []) {
    const current: Win[] = plan.targets
      .filter((t) => t.targetId === right.target)
      .map((t) => {
        const w = t.evaluation.window ?? plan.period;
        return {
          from: w.from,
          to: w.to,
          label: t.evaluation.window ? labelOf(t.evaluation.window) : plan.period.label,
          state: t.evaluation.state,
        };
      });
    const rules: Array<{ rule: TerminationOutcome['rule']; threshold: number }> = [];
    if (right.consecutiveBreaches !== undefined) rules.push({ rule: 'consecutive', threshold: right.consecutiveBreaches });
    if (right.breachesInYear !== undefined) rules.push({ rule: 'in_year', threshold: right.breachesInYear });
    for (const { rule, threshold } of rules) {
      const base = { rightId: right.id, target: right.target, description: right.description ?? null, rule, threshold };
      const need = rule === 'consecutive' ? `${threshold} consecutive breached periods` : `${threshold} breached periods within a year`;
      const needs = { rule, count: threshold };
      if (current.length === 0) {
        out.push({
          ...base,
          count: 0,
          triggered: false,
          periods: [],
          reason: `not triggered: no result for ${right.target} in this period (the right needs ${need})`,
          reasonWhy: [why('termination.no_result', { target: right.target, need: needs })],
        });
        continue;
      }
      const firstCurrent = Math.min(...current.map((w) => w.from));
      const past: Win[] = plan.pastPeriods
        .filter((h) => h.targetId === right.target && h.from < firstCurrent)
        .map((h) => ({ from: h.from, to: h.to, label: labelOf(h), state: h.state }));
      const all = [...past, ...current].sort((a, b) => a.from - b.from || a.to - b.to);
      const latest = current.reduce((a, b) => (b.to > a.to ? b : a));
      if (forgivenUntil !== null && latest.to <= forgivenUntil) {
        out.push({
          ...base,
          count: 0,
          triggered: false,
          periods: [],
          reason: `not triggered: ${latest.label} ends within the grace period, whose breaches do not count`,
          reasonWhy: [why('termination.in_grace', { window: latest.label })],
        });
        continue;
      }
      const counts = all.filter((w) => forgivenUntil === null || w.to > forgivenUntil);
      let breached: Win[];
      if (rule === 'consecutive') {
        breached = [];
        let k = counts.indexOf(latest);
        while (k >= 0 && counts[k]!.state === 'breached' && (breached.length === 0 || counts[k]!.to === breached[0]!.from)) {
          breached.unshift(counts[k]!);
          k--;
        }
      } else {
        const since = yearBefore(latest.to, plan.zone);
        breached = counts.filter((w) => w.state === 'breached' && w.from >= since && w.to <= latest.to);
      }
      const count = breached.length;
      const labels = breached.map((w) => w.label);
      const counted =
        rule === 'consecutive'
          ? `${plural(count, 'consecutive breached period')}`
          : `${plural(count, 'breached period')} in the year to ${lastDay(latest.to, plan.zone)}`;
      const which = count > 0 ? ` (${listText(labels, 12)})` : '';
      const triggered = latest.state === 'breached' && count >= threshold;
      const reason = triggered
        ? `triggered: ${counted}${which}; the right arises after ${need}${right.description ? ` (${right.description})` : ''}`
        : latest.state !== 'breached'
          ? `not triggered: ${right.target} is not breached in ${latest.label}${count > 0 ? `; ${counted}${which}` : ''} (the right needs ${need})`
          : `not triggered: ${counted}${which}; the right needs ${need}`;
      const yearTo = lastDay(latest.to, plan.zone);
      const reasonWhy: Why[] = triggered
        ? [
            rule === 'consecutive'
              ? why('termination.triggered_consecutive', { count, periods: labels, need: needs })
              : why('termination.triggered_in_year', { count, yearTo, periods: labels, need: needs }),
            ...(right.description ? [why('termination.description', { text: right.description })] : []),
          ]
        : latest.state !== 'breached'
          ? [
              why('termination.not_breached', { target: right.target, window: latest.label, need: needs }),
              ...(count > 0
                ? [
                    rule === 'consecutive'
                      ? why('termination.counted_consecutive', { count, periods: labels })
                      : why('termination.counted_in_year', { count, yearTo, periods: labels }),
                  ]
                : []),
            ]
          : [
              rule === 'consecutive'
                ? why('termination.short_consecutive', { count, periods: labels, need: needs })
                : why('termination.short_in_year', { count, yearTo, periods: labels, need: needs }),
            ];
      out.push({ ...base, count, triggered, periods: labels, reason, reasonWhy });
    }
  }
  return out;
}
