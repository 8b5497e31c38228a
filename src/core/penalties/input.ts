/**
 * Checking a settlement's input and turning it into a plan with every amount already in minor
 * units. All problems are reported at once, each with its field path (`targets[2].evaluation.state`,
 * `penalties.rules[0].amount`); nothing here throws on bad input.
 */
import { z } from 'zod';
import type { Why } from '../i18n/settlement.ts';
import { isValidZone } from '../time/zone.ts';
import { civilDate } from '../validation/common.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import { validate } from '../validation/zod.ts';
import { isCurrencyCode, parseAmount, type Minor, type MoneyStyle } from './money.ts';
import { graceWindow, startOfDate, type FeePer, type GraceWindow } from './periods.ts';
import { penaltiesSpec, type PenaltiesSpec } from './schema.ts';
import type { BillingPeriod, SettlementInput, TargetPeriodResult, TerminationRightInput, PastPeriod } from './types.ts';

/** Instants from year 1000 to 9999, the years windows and labels are written with. */
const MIN_INSTANT = Date.UTC(1000, 0, 1);
const MAX_INSTANT = Date.UTC(10000, 0, 1) - 1;
const instant = z
  .number()
  .int('expected an instant in whole epoch milliseconds')
  .min(MIN_INSTANT, 'expected an instant between the years 1000 and 9999')
  .max(MAX_INSTANT, 'expected an instant between the years 1000 and 9999');
const targetState = z.enum(['met', 'at_risk', 'breached', 'no_data']);
const span = z.object({ from: instant, to: instant, label: z.string().max(200).optional() });

const evaluation = z.object({
  value: z.number().nullable(),
  state: targetState,
  comparator: z.enum(['>=', '<=', '>', '<']),
  target: z.number(),
  unit: z.enum(['percent', 'seconds', 'count', 'number']),
  budget: z.object({ allowedMs: z.number().min(0), usedMs: z.number().min(0) }).optional(),
  window: span.optional(),
  reason: z.string().optional(),
  // Clauses are said only when their code and params check out (sayClauses); here, only their outline.
  reasonWhy: z
    .array(
      z.custom<Why>(
        (v) => typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string',
        'expected a clause { code, params }',
      ),
    )
    .optional(),
  windowClosed: z.boolean().optional(),
});

const targetResult = z.object({
  targetId: z.string().min(1).max(100),
  evaluation,
  breachedTickets: z.array(z.string().min(1)).optional(),
  firstBreachAt: instant.nullable().optional(),
  excludedItems: z.array(z.object({ id: z.string().min(1), reason: z.string() })).optional(),
});

/** Everything but `penalties`, which has its own schema (the agreement's). Unknown fields are dropped. */
const settlementShape = z.object({
  pricing: z
    .object({
      currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code such as USD'),
      fee: z.object({ amount: z.union([z.string(), z.number()]), per: z.enum(['month', 'quarter', 'year']) }),
    })
    .optional(),
  term: z
    .object({
      start: civilDate,
      terminationRights: z
        .array(
          z.object({
            id: z.string().min(1).max(100),
            target: z.string().min(1).max(100),
            consecutiveBreaches: z.number().int().min(1).max(100).optional(),
            breachesInYear: z.number().int().min(1).max(366).optional(),
            description: z.string().optional(),
          }),
        )
        .default([]),
    })
    .optional(),
  period: z.object({ from: instant, to: instant, label: z.string().min(1).max(200) }),
  zone: z.string().min(1).max(64),
  targets: z.array(targetResult),
  history: z
    .object({
      periods: z
        .array(z.object({ targetId: z.string().min(1), from: instant, to: instant, label: z.string().optional(), state: targetState }))
        .default([]),
      owedEarlierInYear: z
        .array(
          z.object({
            currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code'),
            minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
          }),
        )
        .default([]),
    })
    .optional(),
  agreementId: z.string().optional(),
  customerId: z.string().optional(),
  moneyStyle: z.enum(['code', 'symbol']).optional(),
});

/** Longest billing period accepted: ten years; longer is almost certainly a unit mistake. */
const MAX_PERIOD_MS = 3660 * 86_400_000;

export interface Plan {
  spec: PenaltiesSpec;
  pricing: { currency: string; feeMinor: Minor; per: FeePer } | null;
  term: { start: string; startMs: number; rights: TerminationRightInput[] } | null;
  grace: GraceWindow | null;
  period: BillingPeriod;
  zone: string;
  targets: TargetPeriodResult[];
  pastPeriods: PastPeriod[];
  owedEarlierInYear: Array<{ currency: string; minor: Minor }>;
  agreementId: string | null;
  customerId: string | null;
  style: MoneyStyle;
  /** Currency of the penalties section: penalties.currency, else pricing.currency. */
  penaltyCurrency: string | null;
  /** Parsed amounts by field path, e.g. `penalties.rules[1].amount`, `penalties.caps.perYear.amount`. */
  amounts: Map<string, Minor>;
  /** Currency of each parsed amount, by the same path. */
  currencies: Map<string, string>;
}

const prefixed = (prefix: string, issues: Issue[]): Issue[] => issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix }));

/** Validates the input and parses every amount; returns all issues at once. */
export function prepare(input: SettlementInput): Result<Plan> {
  if (input === null || typeof input !== 'object')
    return fail({ path: '', message: 'expected a settlement input object', received: describeValue(input) });
  const issues: Issue[] = [];
  const p = validate(penaltiesSpec, (input as { penalties?: unknown }).penalties ?? {});
  if (!p.ok) issues.push(...prefixed('penalties', p.issues));
  const { penalties: _p, ...rest } = input;
  const s = validate(settlementShape, rest);
  if (!s.ok) issues.push(...s.issues);
  if (!p.ok || !s.ok) return fail(...issues);
  const spec = p.value;
  const v = s.value;

  if (!isValidZone(v.zone))
    issues.push({
      path: 'zone',
      message: 'unknown time zone',
      expected: 'an IANA zone such as Europe/Berlin',
      received: describeValue(v.zone),
    });
  if (v.period.to <= v.period.from)
    issues.push({ path: 'period.to', message: 'must be after period.from', received: describeValue(v.period.to) });
  else if (v.period.to - v.period.from > MAX_PERIOD_MS)
    issues.push({ path: 'period.to', message: 'a billing period is at most ten years long', received: describeValue(v.period.to) });

  v.targets.forEach((t, i) => {
    const w = t.evaluation.window;
    if (w && w.to <= w.from)
      issues.push({ path: `targets[${i}].evaluation.window.to`, message: 'must be after window.from', received: describeValue(w.to) });
    else if (w && w.to - w.from > MAX_PERIOD_MS)
      issues.push({
        path: `targets[${i}].evaluation.window.to`,
        message: 'a measurement window is at most ten years long',
        received: describeValue(w.to),
      });
    if (t.evaluation.state === 'breached' && t.evaluation.value === null) {
      issues.push({ path: `targets[${i}].evaluation.value`, message: 'a breached result needs its measured value', received: 'null' });
    }
  });
  // Two results for one target must be different windows: one window settled twice would owe twice.
  v.targets.forEach((t, i) => {
    const wi = t.evaluation.window ?? v.period;
    for (let j = 0; j < i; j++) {
      const o = v.targets[j]!;
      if (o.targetId !== t.targetId) continue;
      const wj = o.evaluation.window ?? v.period;
      if (wi.from < wj.to && wj.from < wi.to) {
        issues.push({
          path: `targets[${i}]`,
          message: `a second result for target ${t.targetId} over the same time as targets[${j}]`,
          expected: 'one result per target and window',
        });
      }
    }
  });
  v.history?.periods.forEach((h, i) => {
    if (h.to <= h.from) issues.push({ path: `history.periods[${i}].to`, message: 'must be after from', received: describeValue(h.to) });
  });
  v.term?.terminationRights.forEach((r, i) => {
    if (r.consecutiveBreaches === undefined && r.breachesInYear === undefined) {
      issues.push({
        path: `term.terminationRights[${i}]`,
        message: 'a termination right needs consecutiveBreaches or breachesInYear',
        received: 'neither',
      });
    }
  });

  // Amounts, each in the currency it is owed in.
  const amounts = new Map<string, Minor>();
  const currencies = new Map<string, string>();
  const parse = (path: string, text: unknown, currency: string | null, missing: Issue) => {
    if (currency === null) {
      issues.push(missing);
      return;
    }
    const r = parseAmount(text, currency, path);
    if (!r.ok) issues.push(...r.issues);
    else {
      amounts.set(path, r.value);
      currencies.set(path, currency);
    }
  };
  let pricing: Plan['pricing'] = null;
  if (v.pricing) {
    parse('pricing.fee.amount', v.pricing.fee.amount, v.pricing.currency, { path: 'pricing.currency', message: 'required' });
    const fee = amounts.get('pricing.fee.amount');
    if (fee !== undefined) pricing = { currency: v.pricing.currency, feeMinor: fee, per: v.pricing.fee.per };
  }
  const penaltyCurrency = spec.currency ?? v.pricing?.currency ?? null;
  const noCurrency = (path: string): Issue => ({
    path,
    message: 'no currency for this amount',
    expected: "penalties.currency, the rule's currency, or pricing.currency",
    received: 'nothing',
  });
  const needFee = (path: string): Issue => ({
    path,
    message: "a share of the fee needs the agreement's pricing",
    expected: 'pricing with currency and fee',
    received: 'nothing',
  });
  spec.rules.forEach((r, i) => {
    const base = `penalties.rules[${i}]`;
    if (r.type === 'credit_tiers') {
      r.tiers.forEach((t, j) => {
        if (t.amount !== undefined) parse(`${base}.tiers[${j}].amount`, t.amount, penaltyCurrency, noCurrency('penalties.currency'));
        if (t.credit !== undefined && !v.pricing) issues.push(needFee(`${base}.tiers[${j}].credit`));
      });
      // Mixed bands (some a share of the fee, some an amount) are compared at settlement, which
      // needs both in one currency.
      const mixed = r.tiers.some((t) => t.amount !== undefined) && r.tiers.some((t) => t.credit !== undefined);
      if (mixed && v.pricing && penaltyCurrency !== v.pricing.currency) {
        issues.push({
          path: `${base}.tiers`,
          message: "tiers mixing a share of the fee and an amount need the amount in the fee's currency",
          expected: v.pricing.currency,
          received: describeValue(penaltyCurrency),
        });
      }
    } else {
      parse(`${base}.amount`, r.amount, r.currency ?? penaltyCurrency, noCurrency(`${base}.currency`));
    }
  });
  for (const which of ['perPeriod', 'perYear'] as const) {
    const c = spec.caps?.[which];
    if (!c) continue;
    const path = `penalties.caps.${which}`;
    if (c.amount !== undefined) parse(`${path}.amount`, c.amount, penaltyCurrency, noCurrency('penalties.currency'));
    if (c.percentOfFee !== undefined && !v.pricing) issues.push(needFee(`${path}.percentOfFee`));
  }
  if (v.pricing && !isCurrencyCode(v.pricing.currency))
    issues.push({ path: 'pricing.currency', message: 'expected an ISO 4217 code', received: describeValue(v.pricing.currency) });

  let term: Plan['term'] = null;
  let grace: GraceWindow | null = null;
  if (issues.length === 0 && v.term) {
    term = { start: v.term.start, startMs: startOfDate(v.term.start, v.zone), rights: v.term.terminationRights };
    if (spec.gracePeriod !== undefined) {
      const g = graceWindow(v.term.start, spec.gracePeriod, v.zone);
      if (!g.ok) issues.push(...g.issues);
      else grace = g.value;
    }
  }
  if (issues.length > 0) return fail(...issues);

  return ok({
    spec,
    pricing,
    term,
    grace,
    period: v.period,
    zone: v.zone,
    targets: v.targets,
    pastPeriods: v.history?.periods ?? [],
    owedEarlierInYear: v.history?.owedEarlierInYear ?? [],
    agreementId: v.agreementId ?? null,
    customerId: v.customerId ?? null,
    style: v.moneyStyle ?? 'code',
    penaltyCurrency,
    amounts,
    currencies,
  });
}
