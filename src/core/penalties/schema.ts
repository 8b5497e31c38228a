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

/** An amount string as an exact integer of ten-thousandths, for comparing amounts without floats. */
function amountKey(a: string): bigint {
  const [i, f = ''] = a.split('.');
  return BigInt((i ?? '0') + f.padEnd(4, '0'));
}

export const creditTiersRule = z
  .strictObject({
    id: slug.optional(),
    type: z.literal('credit_tiers'),
    /** The target (by id) whose measured value is banded. */
    target: slug,
    tiers: z.array(tier).min(1),
    /** Credits are applied to the next billing cycle by default; refund pays them out. */
    form: z.enum(['service_credit', 'refund', 'fee_waiver']).default('service_credit'),
    due: due.optional(),
  })
  .superRefine((rule, ctx) => {
    // Bands nest ("below 99" lies inside "below 99.99"), so one rule must band in one direction,
    // each threshold once, and a deeper band must not earn less than a milder one: otherwise a
    // worse measured value could owe less (settlement picks the worst band that applies).
    const tiers = rule.tiers.map((t, i) => ({ t, i })).filter(({ t }) => (t.below === undefined) !== (t.above === undefined));
    const below = tiers.filter(({ t }) => t.below !== undefined);
    if (below.length > 0 && below.length < tiers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers'],
        message: 'all tiers of a rule use below (more is better) or all use above (less is better), not both',
      });
      return;
    }
    const up = below.length > 0;
    const threshold = (t: (typeof tiers)[number]['t']) => (up ? t.below! : t.above!);
    const seen = new Map<number, number>();
    for (const { t, i } of tiers) {
      const k = threshold(t);
      if (seen.has(k))
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, up ? 'below' : 'above'],
          message: `the same threshold as tiers[${seen.get(k)}]`,
        });
      else seen.set(k, i);
    }
    // From the mildest band to the deepest: below 99.99, below 99, below 95 (or above 4h, above 8h).
    const ordered = [...tiers].sort((a, b) => (up ? threshold(b.t) - threshold(a.t) : threshold(a.t) - threshold(b.t)));
    for (const kind of ['credit', 'amount'] as const) {
      let prev: { t: (typeof tiers)[number]['t']; i: number } | undefined;
      for (const cur of ordered) {
        const v = cur.t[kind];
        if (v === undefined) continue;
        const pv = prev?.t[kind];
        if (
          prev &&
          pv !== undefined &&
          (kind === 'credit' ? (v as number) < (pv as number) : amountKey(v as string) < amountKey(pv as string))
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', cur.i, kind],
            message: `a worse band must not earn less than a milder one (tiers[${prev.i}] earns ${String(pv)}${kind === 'credit' ? '%' : ''})`,
          });
        }
        prev = cur;
      }
    }
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
  exclusions: z
    .array(z.enum(['announced_maintenance', 'customer_caused', 'force_majeure', 'third_party']))
    .default(['announced_maintenance']),
  rules: z.array(penaltyRule).default([]),
  caps: z.strictObject({ perPeriod: cap.optional(), perYear: cap.optional() }).optional(),
});

export type PenaltiesSpec = z.output<typeof penaltiesSpec>;
export type PenaltyRule = z.output<typeof penaltyRule>;
