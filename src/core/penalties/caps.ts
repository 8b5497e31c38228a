/**
 * Caps: the most a period, or a year, can owe under the penalties section.
 *
 * - A cap covers every line in its currency: credits, fines and per-unit penalties alike ("the
 *   total liability under this section"). Lines in another currency are not capped, and say so:
 *   Pledge never converts currencies.
 * - perPeriod: an amount, or a share of the billing period's fee.
 * - perYear: an amount, or a share of the fee for a whole year (12 monthly, 4 quarterly or 1
 *   yearly fee). The year is the contract year the billing period ends in (from term.start and
 *   its anniversaries), or the calendar year when no term is given. What earlier periods of that
 *   year already owe comes in with the history and is counted first.
 * - Filling order: lines take from what the caps still allow in the order the rules are written
 *   in the agreement (and, within a rule, in window order). The totals do not depend on the order;
 *   which line shows the reduction does, so the order is fixed and documented.
 * - Both caps apply together: a line gets the least that either still allows, and the cap that
 *   allowed less is named as the one that reduced it.
 * - A share of a fee is rounded half up like every other amount.
 */
import { why } from '../i18n/settlement.ts';
import { fail, ok, type Issue, type Result } from '../validation/issues.ts';
import type { Plan } from './input.ts';
import { percentOf, toMinor, type Minor } from './money.ts';
import { yearlyFee, type ContractYear } from './periods.ts';
import type { CapReport, FeeFigure, SettlementLine } from './types.ts';

interface CapState {
  report: CapReport;
  remaining: Minor;
}

export function capLimits(
  plan: Plan,
  periodFee: FeeFigure | null,
  year: ContractYear | null,
  fmt: (m: Minor, c: string) => string,
): Result<CapState[]> {
  const caps = plan.spec.caps;
  const out: CapState[] = [];
  const issues: Issue[] = [];
  for (const which of ['perPeriod', 'perYear'] as const) {
    const c = caps?.[which];
    if (!c) continue;
    const path = `penalties.caps.${which}`;
    let limitMinor: Minor;
    let currency: string;
    let basis: string;
    if (c.amount !== undefined) {
      limitMinor = plan.amounts.get(`${path}.amount`)!;
      currency = plan.currencies.get(`${path}.amount`)!;
      basis = fmt(limitMinor, currency);
    } else {
      const pricing = plan.pricing!;
      currency = pricing.currency;
      let fee: Minor;
      let feeWords: string;
      if (which === 'perPeriod') {
        fee = periodFee!.minor;
        feeWords = `the period fee ${fmt(fee, currency)}`;
      } else {
        const y = toMinor(yearlyFee(pricing.feeMinor, pricing.per), `${path}.percentOfFee`, 'the yearly fee');
        if (!y.ok) {
          issues.push(...y.issues);
          continue;
        }
        fee = y.value;
        feeWords = `the yearly fee ${fmt(fee, currency)}`;
      }
      const l = percentOf(fee, c.percentOfFee!, `${path}.percentOfFee`);
      if (!l.ok) {
        issues.push(...l.issues);
        continue;
      }
      limitMinor = l.value;
      basis = `${c.percentOfFee}% of ${feeWords} = ${fmt(limitMinor, currency)}`;
    }
    const earlier =
      which === 'perYear' ? plan.owedEarlierInYear.filter((m) => m.currency === currency).reduce((a, m) => a + m.minor, 0) : 0;
    if (!Number.isSafeInteger(earlier)) {
      issues.push({ path: 'history.owedEarlierInYear', message: 'the sum of earlier amounts is too large to hold exactly' });
      continue;
    }
    out.push({
      remaining: Math.max(0, limitMinor - earlier),
      report: {
        cap: which === 'perPeriod' ? 'per_period' : 'per_year',
        currency,
        limitMinor,
        limit: fmt(limitMinor, currency),
        basis,
        earlierMinor: earlier,
        usedMinor: 0,
        reducedByMinor: 0,
        reached: false,
        year: which === 'perYear' ? year : null,
      },
    });
  }
  return issues.length > 0 ? fail(...issues) : ok(out);
}

/** Applies the caps to the lines in order, mutating their amounts; returns the cap reports. */
export function applyCaps(lines: SettlementLine[], caps: CapState[], fmt: (m: Minor, c: string) => string): CapReport[] {
  for (const line of lines) {
    if (line.amountMinor === 0) continue;
    const mine = caps.filter((c) => c.report.currency === line.currency);
    if (mine.length === 0) {
      if (caps.length > 0) {
        const capCurrencies = [...new Set(caps.map((c) => c.report.currency))];
        line.notes.push(
          `not capped: the caps are in ${capCurrencies.join(' and ')}, this line is in ${line.currency}, and Pledge does not convert currencies`,
        );
        line.notesWhy.push(why('note.not_capped_currency', { capCurrencies, currency: line.currency }));
      }
      continue;
    }
    const binding = mine.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    const take = Math.min(line.amountMinor, binding.remaining);
    if (take < line.amountMinor) {
      line.cap = {
        cap: binding.report.cap,
        reducedByMinor: line.amountMinor - take,
        remainingBeforeMinor: binding.remaining,
        limitMinor: binding.report.limitMinor,
      };
      binding.report.reducedByMinor += line.amountMinor - take;
      if (take === 0) line.nothingOwed = 'cap_reached';
      line.amountMinor = take;
      line.amount = fmt(take, line.currency);
    }
    for (const c of mine) {
      c.remaining -= take;
      c.report.usedMinor += take;
    }
  }
  for (const c of caps) c.report.reached = c.remaining === 0;
  return caps.map((c) => c.report);
}
