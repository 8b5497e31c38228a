/**
 * What each kind of rule owes for one compliance result, before the grace period and caps:
 *
 * - credit_tiers: the WORST band that applies wins (bands are not added up). `below` bands are
 *   for targets where more is better (>=, >): a band applies when the value is strictly below its
 *   threshold, and the worst is the lowest threshold that applies. `above` bands are for targets
 *   where less is better (<=, <), mirrored. A credit is owed only when the target is breached;
 *   a breached target whose value lies in no band owes nothing (the bands start further out).
 * - fine: the amount, when the target is breached over its window.
 * - per_unit hour_over_budget: per STARTED hour of downtime beyond the window's downtime budget
 *   (usedMs - allowedMs, to the millisecond; 1 ms over is one started hour), when breached.
 * - per_unit breached_ticket: per ticket listed as breached, when the target is breached; a ticket
 *   the measurement excluded for a cause the agreement excludes (or for any other stated reason)
 *   is not counted.
 * met, at_risk and no_data owe nothing: only a breach owes, and no data is neither met nor breached.
 */
import { type Why, why } from '../i18n/settlement.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import { listText, msText, plural, thresholdText, valueText } from './explain.ts';
import type { Plan } from './input.ts';
import { multiplyMinor, percentOf, type Minor } from './money.ts';
import { prorateFee } from './periods.ts';
import type { PenaltyRule } from './schema.ts';
import type { Comparator, LineForm, NothingOwedBecause, SettlementLine, TargetPeriodResult } from './types.ts';

type Tier = Extract<PenaltyRule, { type: 'credit_tiers' }>['tiers'][number];

export const EXCLUSION_CLASSES = ['announced_maintenance', 'customer_caused', 'force_majeure', 'third_party'] as const;
export type ExclusionClass = (typeof EXCLUSION_CLASSES)[number];

const HOUR = 3_600_000;

export const higherIsBetter = (c: Comparator): boolean => c === '>=' || c === '>';

/** The worst band that applies to a value, or null. Bands must match the target's direction. */
export function worstBand(tiers: readonly Tier[], value: number, comparator: Comparator): { index: number; tier: Tier } | null {
  const up = higherIsBetter(comparator);
  let best: { index: number; tier: Tier } | null = null;
  tiers.forEach((tier, index) => {
    if (up && tier.below !== undefined && value < tier.below) {
      if (!best || tier.below < best.tier.below!) best = { index, tier };
    } else if (!up && tier.above !== undefined && value > tier.above) {
      if (!best || tier.above > best.tier.above!) best = { index, tier };
    }
  });
  return best;
}

/** An exclusion reason as written ("Customer caused", "customer-caused") in its class name, if it is one. */
export function exclusionClass(reason: string): ExclusionClass | null {
  const k = reason
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (EXCLUSION_CLASSES as readonly string[]).includes(k) ? (k as ExclusionClass) : null;
}

export interface Computed {
  currency: string;
  form: LineForm;
  computedMinor: Minor;
  nothingOwed: NothingOwedBecause | null;
  /** The rule in words. */
  applied: string;
  /** The computation, or why it yields nothing. */
  body: string;
  /** `body` as clauses. */
  bodyWhy: Why[];
  band: SettlementLine['band'];
  units: SettlementLine['units'];
  notes: string[];
  /** `notes` as clauses, one per note. */
  notesWhy: Why[];
}

export interface RuleEnv {
  plan: Plan;
  fmt: (minor: Minor, currency: string) => string;
}

/** The compliance engine's reason for no_data when it knows nothing more (not repeated on the line). */
const NO_DATA_DEFAULT = 'no data in the window: neither met nor breached';

/**
 * Why a result that is not breached owes nothing. no_data says why there is no data when the
 * measurement says (a window nobody monitored is reported as such, never as a silent met).
 */
function stateOnly(ev: { state: 'met' | 'at_risk' | 'no_data'; reason?: string | undefined; reasonWhy?: Why[] | undefined }): {
  nothingOwed: NothingOwedBecause;
  body: string;
  bodyWhy: Why[];
} {
  if (ev.state === 'met') return { nothingOwed: 'met', body: 'nothing owed: the target is met', bodyWhy: [why('owe.met', {})] };
  if (ev.state === 'at_risk')
    return {
      nothingOwed: 'at_risk',
      body: 'nothing owed: the target is at risk but not breached, and only a breach owes',
      bodyWhy: [why('owe.at_risk', {})],
    };
  // The compliance engine's own reason (why there is no data) is echoed; in clauses, after ours
  // (src/core/i18n/compliance.ts), when the evaluation has them (one stored before them has not).
  const because = ev.reason && ev.reason !== NO_DATA_DEFAULT ? ` (${ev.reason})` : '';
  const body = `nothing owed: there is no data for the window${because}, which is neither met nor breached (the gap should be looked into)`;
  const echoed = because && ev.reasonWhy && ev.reasonWhy.length > 0 ? ev.reasonWhy : [];
  return { nothingOwed: 'no_data', body, bodyWhy: [why('owe.no_data', {}), ...echoed] };
}

/**
 * The amount each band would earn over a fee, from the mildest band to the deepest; used to refuse
 * a rule whose deeper band earns less (a worse value would then owe less).
 */
function checkMixedBands(
  tiers: readonly Tier[],
  earn: (t: Tier, i: number) => Result<Minor>,
  up: boolean,
  path: string,
  fmt: (m: Minor) => string,
): Issue[] {
  const rows: Array<{ i: number; t: Tier; minor: Minor }> = [];
  for (let i = 0; i < tiers.length; i++) {
    const r = earn(tiers[i]!, i);
    if (!r.ok) return r.issues;
    rows.push({ i, t: tiers[i]!, minor: r.value });
  }
  rows.sort((a, b) => (up ? b.t.below! - a.t.below! : a.t.above! - b.t.above!));
  for (let k = 1; k < rows.length; k++) {
    if (rows[k]!.minor < rows[k - 1]!.minor) {
      return [
        {
          path: `${path}.tiers[${rows[k]!.i}]`,
          message: `a worse band must not earn less than a milder one: it earns ${fmt(rows[k]!.minor)}, tiers[${rows[k - 1]!.i}] earns ${fmt(rows[k - 1]!.minor)}`,
        },
      ];
    }
  }
  return [];
}

function creditTiers(
  env: RuleEnv,
  rule: Extract<PenaltyRule, { type: 'credit_tiers' }>,
  index: number,
  r: TargetPeriodResult,
  window: { from: number; to: number; label: string },
): Result<Computed> {
  const { plan, fmt } = env;
  const ev = r.evaluation;
  const path = `penalties.rules[${index}]`;
  const up = higherIsBetter(ev.comparator);
  const wrong = rule.tiers.findIndex((t) => (up ? t.below === undefined : t.above === undefined));
  if (wrong >= 0) {
    return fail({
      path: `${path}.tiers[${wrong}]`,
      message: up
        ? `target ${rule.target} is one where more is better (${ev.comparator}): its bands use below`
        : `target ${rule.target} is one where less is better (${ev.comparator}): its bands use above`,
      received: describeValue(up ? rule.tiers[wrong]!.above : rule.tiers[wrong]!.below),
    });
  }
  const feeCurrency = plan.pricing?.currency ?? null;
  const currencyOf = (t: Tier): string =>
    t.credit !== undefined ? feeCurrency! : plan.currencies.get(`${path}.tiers[${rule.tiers.indexOf(t)}].amount`)!;
  // The fee a share is taken of: the fee for the window the value was measured over (the billing
  // period itself in the usual case of a monthly target billed monthly).
  let fee: { minor: Minor; basis: string } | null = null;
  if (plan.pricing && rule.tiers.some((t) => t.credit !== undefined)) {
    const f = prorateFee(plan.pricing.feeMinor, plan.pricing.per, window.from, window.to, plan.zone, (m) => fmt(m, plan.pricing!.currency));
    if (!f.ok) return f;
    fee = { minor: f.value.minor, basis: f.value.basis };
  }
  const earn = (t: Tier, i: number): Result<Minor> =>
    t.credit !== undefined
      ? percentOf(fee!.minor, t.credit, `${path}.tiers[${i}].credit`)
      : ok(plan.amounts.get(`${path}.tiers[${i}].amount`)!);
  if (fee && rule.tiers.some((t) => t.amount !== undefined)) {
    const bad = checkMixedBands(rule.tiers, earn, up, path, (m) => fmt(m, feeCurrency!));
    if (bad.length > 0) return fail(...bad);
  }
  const first = rule.tiers[0]!;
  const form: LineForm = rule.form;
  const applied = `credit tiers on ${rule.target}: ${rule.tiers.map((t) => `${thresholdText(t, ev.unit)} ${t.credit !== undefined ? `${t.credit}% of the fee` : fmt(plan.amounts.get(`${path}.tiers[${rule.tiers.indexOf(t)}].amount`)!, currencyOf(t))}`).join('; ')} (the worst band that applies)`;
  const base = { currency: currencyOf(first), form, applied, band: null, units: null, notes: [] as string[], notesWhy: [] as Why[] };
  if (ev.state !== 'breached')
    return ok({ ...base, computedMinor: 0, ...stateOnly({ state: ev.state, reason: ev.reason, reasonWhy: ev.reasonWhy }) });
  const value = ev.value!;
  const threshold = (t: Tier) =>
    t.below !== undefined
      ? { bound: 'below' as const, value: t.below, unit: ev.unit }
      : { bound: 'above' as const, value: t.above!, unit: ev.unit };
  const hit = worstBand(rule.tiers, value, ev.comparator);
  if (!hit) {
    const mildest = rule.tiers.reduce((a, b) => (up ? (b.below! > a.below! ? b : a) : b.above! < a.above! ? b : a));
    return ok({
      ...base,
      computedMinor: 0,
      nothingOwed: 'not_in_band',
      body: `nothing owed: breached, but ${valueText(value, ev.unit)} is in no credit band (the mildest band is ${thresholdText(mildest, ev.unit)})`,
      bodyWhy: [why('owe.not_in_band', { value: { value, unit: ev.unit }, mildest: threshold(mildest) })],
    });
  }
  const t = hit.tier;
  const band = {
    index: hit.index,
    ...(t.below !== undefined ? { below: t.below } : {}),
    ...(t.above !== undefined ? { above: t.above } : {}),
    ...(t.credit !== undefined ? { credit: t.credit } : {}),
    ...(t.amount !== undefined ? { amount: t.amount } : {}),
  };
  const amount = earn(t, hit.index);
  if (!amount.ok) return amount;
  const currency = currencyOf(t);
  const body =
    t.credit !== undefined
      ? `band ${hit.index + 1} applies (${thresholdText(t, ev.unit)}): ${t.credit}% of the fee for ${window.label}, ${fmt(fee!.minor, currency)} (${fee!.basis}) = ${fmt(amount.value, currency)}`
      : `band ${hit.index + 1} applies (${thresholdText(t, ev.unit)}): ${fmt(amount.value, currency)}`;
  const owed = { minor: amount.value, currency };
  const bodyWhy = [
    t.credit !== undefined
      ? why('owe.band_credit', {
          band: hit.index + 1,
          threshold: threshold(t),
          credit: t.credit,
          window: window.label,
          fee: { minor: fee!.minor, currency },
          amount: owed,
        })
      : why('owe.band_amount', { band: hit.index + 1, threshold: threshold(t), amount: owed }),
  ];
  return ok({ ...base, currency, band, computedMinor: amount.value, nothingOwed: null, body, bodyWhy });
}

function fine(env: RuleEnv, rule: Extract<PenaltyRule, { type: 'fine' }>, index: number, r: TargetPeriodResult): Result<Computed> {
  const path = `penalties.rules[${index}].amount`;
  const minor = env.plan.amounts.get(path)!;
  const currency = env.plan.currencies.get(path)!;
  const base = {
    currency,
    form: 'fine' as const,
    applied: `a fine of ${env.fmt(minor, currency)} when ${rule.target} is breached`,
    band: null,
    units: null,
    notes: [] as string[],
    notesWhy: [] as Why[],
  };
  const ev = r.evaluation;
  if (ev.state !== 'breached')
    return ok({ ...base, computedMinor: 0, ...stateOnly({ state: ev.state, reason: ev.reason, reasonWhy: ev.reasonWhy }) });
  return ok({
    ...base,
    computedMinor: minor,
    nothingOwed: null,
    body: `fine of ${env.fmt(minor, currency)}`,
    bodyWhy: [why('owe.fine', { amount: { minor, currency } })],
  });
}

function perUnit(env: RuleEnv, rule: Extract<PenaltyRule, { type: 'per_unit' }>, index: number, r: TargetPeriodResult): Result<Computed> {
  const path = `penalties.rules[${index}].amount`;
  const each = env.plan.amounts.get(path)!;
  const currency = env.plan.currencies.get(path)!;
  const unitWords = rule.unit === 'hour_over_budget' ? 'started hour of downtime beyond the budget' : 'breached ticket';
  const base = {
    currency,
    form: 'penalty' as const,
    applied: `${env.fmt(each, currency)} per ${unitWords} of ${rule.target}`,
    units: null,
    band: null,
    notes: [] as string[],
    notesWhy: [] as Why[],
  };
  const ev = r.evaluation;
  if (ev.state !== 'breached')
    return ok({ ...base, computedMinor: 0, ...stateOnly({ state: ev.state, reason: ev.reason, reasonWhy: ev.reasonWhy }) });
  const times = (count: number): Result<Minor> => multiplyMinor(each, count, path);

  if (rule.unit === 'hour_over_budget') {
    if (!ev.budget) {
      const at = env.plan.targets.indexOf(r);
      return fail({
        path: `targets[${at}].evaluation.budget`,
        message: `hour_over_budget needs the downtime budget of ${rule.target}`,
        expected: '{ allowedMs, usedMs }',
        received: 'nothing',
      });
    }
    // Downtime is measured to the millisecond; rounding the difference to whole ms keeps a
    // fractional allowance (e.g. 0.01% of an odd number of ms) from charging an hour for noise.
    const overMs = Math.max(0, Math.round(ev.budget.usedMs - ev.budget.allowedMs));
    const hours = Math.ceil(overMs / HOUR);
    const units = { unit: rule.unit, count: hours, overMs };
    const measured = `downtime ${msText(ev.budget.usedMs)} against an allowance of ${msText(ev.budget.allowedMs)}`;
    if (hours === 0)
      return ok({
        ...base,
        units,
        computedMinor: 0,
        nothingOwed: 'within_budget',
        body: `nothing owed: ${measured}, not beyond the budget`,
        bodyWhy: [why('owe.within_budget', { used: ev.budget.usedMs, allowed: ev.budget.allowedMs })],
      });
    const amount = times(hours);
    if (!amount.ok) return amount;
    return ok({
      ...base,
      units,
      computedMinor: amount.value,
      nothingOwed: null,
      body: `${measured}: ${msText(overMs)} over, ${plural(hours, 'started hour')} × ${env.fmt(each, currency)} = ${env.fmt(amount.value, currency)}`,
      bodyWhy: [
        why('owe.hours_over', {
          used: ev.budget.usedMs,
          allowed: ev.budget.allowedMs,
          over: overMs,
          hours,
          each: { minor: each, currency },
          amount: { minor: amount.value, currency },
        }),
      ],
    });
  }

  const excludedBy = new Map((r.excludedItems ?? []).map((x) => [x.id, x.reason]));
  const listed = [...new Set(r.breachedTickets ?? [])];
  const counted: string[] = [];
  const notCounted: string[] = [];
  const notCountedItems: Array<{ id: string; reason: string }> = [];
  const notes: string[] = [];
  const notesWhy: Why[] = [];
  for (const id of listed) {
    const reason = excludedBy.get(id);
    if (reason === undefined) {
      counted.push(id);
      continue;
    }
    const cls = exclusionClass(reason);
    if (cls !== null && !env.plan.spec.exclusions.includes(cls)) {
      counted.push(id);
      notes.push(`${id} is marked ${cls}, which this agreement does not exclude, so it is counted`);
      notesWhy.push(why('note.ticket_counted', { id, class: cls }));
    } else {
      notCounted.push(`${id} (${reason})`);
      notCountedItems.push({ id, reason });
    }
  }
  const units = { unit: rule.unit, count: counted.length, tickets: counted };
  const skipped = notCounted.length > 0 ? `; not counted: ${listText(notCounted)}` : '';
  const skippedWhy = notCountedItems.length > 0 ? [why('owe.tickets_not_counted', { items: notCountedItems })] : [];
  if (counted.length === 0) {
    if (listed.length > 0)
      return ok({
        ...base,
        units,
        notes,
        notesWhy,
        computedMinor: 0,
        nothingOwed: 'excluded',
        body: `nothing owed: every breached ticket is excluded${skipped}`,
        bodyWhy: [why('owe.tickets_excluded', {}), ...skippedWhy],
      });
    return ok({
      ...base,
      units,
      notes: [...notes, 'the target is breached but no breached tickets were given'],
      notesWhy: [...notesWhy, why('note.no_tickets_given', {})],
      computedMinor: 0,
      nothingOwed: 'no_breached_tickets',
      body: 'nothing owed: no breached tickets were given',
      bodyWhy: [why('owe.no_tickets', {})],
    });
  }
  const amount = times(counted.length);
  if (!amount.ok) return amount;
  return ok({
    ...base,
    units,
    notes,
    notesWhy,
    computedMinor: amount.value,
    nothingOwed: null,
    body: `${plural(counted.length, 'breached ticket')} (${listText(counted)}) × ${env.fmt(each, currency)} = ${env.fmt(amount.value, currency)}${skipped}`,
    bodyWhy: [
      why('owe.tickets', {
        tickets: counted.length,
        ids: counted,
        each: { minor: each, currency },
        amount: { minor: amount.value, currency },
      }),
      ...skippedWhy,
    ],
  });
}

/** What a rule yields for one result (before the grace period, term and caps). */
export function computeRule(
  env: RuleEnv,
  rule: PenaltyRule,
  index: number,
  r: TargetPeriodResult,
  window: { from: number; to: number; label: string },
): Result<Computed> {
  switch (rule.type) {
    case 'credit_tiers':
      return creditTiers(env, rule, index, r, window);
    case 'fine':
      return fine(env, rule, index, r);
    case 'per_unit':
      return perUnit(env, rule, index, r);
  }
}

/** The currency and form a rule's lines use when there is no result to compute from. */
export function ruleCurrencyAndForm(plan: Plan, rule: PenaltyRule, index: number): { currency: string; form: LineForm } {
  const path = `penalties.rules[${index}]`;
  if (rule.type === 'credit_tiers') {
    const t = rule.tiers[0]!;
    return { currency: t.credit !== undefined ? plan.pricing!.currency : plan.currencies.get(`${path}.tiers[0].amount`)!, form: rule.form };
  }
  return { currency: plan.currencies.get(`${path}.amount`)!, form: rule.type === 'fine' ? 'fine' : 'penalty' };
}
