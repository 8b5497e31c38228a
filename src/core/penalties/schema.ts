/**
 * The penalties section of an agreement: how a missed target turns into money or rights.
 * See docs/penalties.md. Amounts are decimal strings in major units; settlement converts them to
 * integer minor units of the currency, never floating point.
 */
import { z } from 'zod';
import { amount, currency, percent, plainDuration, slug } from '../validation/common.ts';

/** A band of the measured value and the credit it earns: the worst band that applies wins. */
const tier = z
  .strictObject({
    /** The band applies when the measured value is below this (for targets where more is better)... */
    below: z.number().optional(),
    /** ...or above this (for targets where less is better, e.g. resolution time). */
    above: z.number().optional(),
    /** Credit as a share of the period's fee ("10%") or a fixed amount. */
    credit: percent.optional(),
    amount: amount.optional(),
  })
  .refine((t) => (t.below === undefined) !== (t.above === undefined), 'give exactly one of below or above')
  .refine((t) => (t.credit === undefined) !== (t.amount === undefined), 'give exactly one of credit (a percentage of the fee) or amount');

const due = z.strictObject({
  /** Days after `after` by which it must be paid or credited. */
  days: z.number().int().min(0).max(3650),
  after: z.enum(['period_end', 'breach']).default('period_end'),
});

export const creditTiersRule = z.strictObject({
  id: slug.optional(),
  type: z.literal('credit_tiers'),
  /** The target (by id) whose measured value is banded. */
  target: slug,
  tiers: z.array(tier).min(1),
  /** Credits are applied to the next billing cycle by default; refund pays them out. */
  form: z.enum(['service_credit', 'refund', 'fee_waiver']).default('service_credit'),
  due: due.optional(),
});

export const fineRule = z.strictObject({
  id: slug.optional(),
  type: z.literal('fine'),
  /** Owed when this target is breached over its window. */
  target: slug,
  amount,
  currency: currency.optional(),
  due: due.default({ days: 30, after: 'period_end' }),
});

export const perUnitRule = z.strictObject({
  id: slug.optional(),
  type: z.literal('per_unit'),
  target: slug,
  /** hour_over_budget: per started hour of downtime beyond the target's budget; breached_ticket: per ticket that missed its time target. */
  unit: z.enum(['hour_over_budget', 'breached_ticket']),
  amount,
  currency: currency.optional(),
  due: due.optional(),
});

export const penaltyRule = z.discriminatedUnion('type', [creditTiersRule, fineRule, perUnitRule]);

const cap = z
  .strictObject({ amount: amount.optional(), percentOfFee: percent.optional() })
  .refine((c) => (c.amount === undefined) !== (c.percentOfFee === undefined), 'give exactly one of amount or percentOfFee');

export const penaltiesSpec = z.strictObject({
  currency: currency.optional().describe('Currency of the amounts; default pricing.currency.'),
  /** No penalty during this period after the term starts (commonly 60 to 120 days). */
  gracePeriod: plainDuration.optional(),
  /** Causes that never count against the provider. */
  exclusions: z.array(z.enum(['announced_maintenance', 'customer_caused', 'force_majeure', 'third_party'])).default(['announced_maintenance']),
  rules: z.array(penaltyRule).default([]),
  caps: z.strictObject({ perPeriod: cap.optional(), perYear: cap.optional() }).optional(),
});

export type PenaltiesSpec = z.output<typeof penaltiesSpec>;
export type PenaltyRule = z.output<typeof penaltyRule>;
