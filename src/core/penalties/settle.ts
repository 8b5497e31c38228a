/**
 * Settlement of one billing period of one agreement: per rule and target, the compliance result,
 * the rule applied, the amount in minor units, the due date, the cap that reduced it, and why
 * nothing is owed when nothing is; totals per currency; caps; termination rights. Pure: the
 * agreement's terms, the period and the compliance results are arguments. docs/penalties.md has
 * the rules with worked examples.
 *
 * Which results a period settles. A result whose window ends inside the billing period (the
 * usual case: a monthly target billed monthly) is settled in it. A result whose window is longer
 * (a yearly target billed monthly) is settled once: a fine in the billing period containing the
 * breach instant when it is known, and everything else in the period in which the window ends,
 * because only then is its value final.
 *
 * Grace period and term. Nothing is owed for a billing period that ends on or before the end of
 * the grace period (or before the term starts). Otherwise the grace period is applied per result,
 * by the window it was measured over: a window that ends within the grace period owes nothing; one
 * that starts at or after its end is charged as usual; one that begins inside it and ends after it
 * owes nothing either, with a note, because only what falls after the grace period may be charged
 * and such a result also judged time inside it. The caller measures the part after the grace
 * period on its own and gives that (settlePeriods in src/core/agreements does): per-ticket
 * penalties then count only tickets breached after it, window targets are judged over that part.
 */
import { type Why, why } from '../i18n/settlement.ts';
import { ok, type Issue, type Result } from '../validation/issues.ts';
import { applyCaps, capLimits } from './caps.ts';
import { listText, STATE_WORDS, targetText, valueText } from './explain.ts';
import { prepare, type Plan } from './input.ts';
import { formatMoney, toMinor, type Minor } from './money.ts';
import { calendarYearOf, contractYearOf, dueDate, lastDay, localDate, prorateFee, yearlyFee, type DueDate } from './periods.ts';
import { computeRule, exclusionClass, ruleCurrencyAndForm, type Computed } from './rules.ts';
import type { PenaltyRule } from './schema.ts';
import { evaluateTerminationRights } from './termination.ts';
import type {
  ComplianceSummary,
  CurrencyTotal,
  FeeFigure,
  NothingOwedBecause,
  Settlement,
  SettlementInput,
  SettlementLine,
  TargetPeriodResult,
  TerminationOutcome,
} from './types.ts';

type Standing = { kind: 'before_term' | 'grace' | 'partly_grace' | 'in_force'; text: string; why: Why[] };

/** Settles one billing period. Bad input is returned as issues naming the field path; never throws. */
export function settlePeriod(input: SettlementInput): Result<Settlement> {
  const prepared = prepare(input);
  if (!prepared.ok) return prepared;
  const plan = prepared.value;
  const { period, zone } = plan;
  const fmt = (minor: Minor, currency: string) => formatMoney(minor, currency, plan.style);
  const issues: Issue[] = [];

  // Fees.
  let periodFee: FeeFigure | null = null;
  let yearFee: FeeFigure | null = null;
  if (plan.pricing) {
    const { currency, feeMinor, per } = plan.pricing;
    const f = prorateFee(feeMinor, per, period.from, period.to, zone, (m) => fmt(m, currency));
    if (!f.ok) return f;
    periodFee = { minor: f.value.minor, currency, amount: fmt(f.value.minor, currency), basis: f.value.basis };
    const y = toMinor(yearlyFee(feeMinor, per), 'pricing.fee.amount', 'the yearly fee');
    if (!y.ok) return y;
    yearFee = {
      minor: y.value,
      currency,
      amount: fmt(y.value, currency),
      basis: per === 'year' ? `${fmt(feeMinor, currency)} a year` : `${fmt(feeMinor, currency)} a ${per} × ${per === 'month' ? 12 : 4}`,
    };
  }

  // Where the period stands against the term and the grace period.
  const firstDay = localDate(period.from, zone);
  const periodLast = lastDay(period.to, zone);
  const grace = plan.grace;
  const standing: Standing = (() => {
    if (plan.term && period.to <= plan.term.startMs)
      return {
        kind: 'before_term',
        text: `nothing owed: the period ends before the term starts on ${plan.term.start}`,
        why: [why('owe.before_term', { termStart: plan.term.start })],
      };
    if (grace && period.to <= grace.endMs) {
      return {
        kind: 'grace',
        text: `nothing owed: the period ends within the grace period (${grace.text} from ${grace.firstDay}, through ${grace.lastDay})`,
        why: [why('owe.period_in_grace', { grace: grace.text, firstDay: grace.firstDay, lastDay: grace.lastDay })],
      };
    }
    if (grace && period.from < grace.endMs) {
      return {
        kind: 'partly_grace',
        text:
          `the grace period ended inside this period (its last day was ${grace.lastDay}); only what falls after it is charged: ` +
          `each target is settled on its measurement from ${localDate(grace.endMs, zone)}`,
        why: [why('note.partly_grace', { graceLastDay: grace.lastDay, from: localDate(grace.endMs, zone) })],
      };
    }
    return { kind: 'in_force', text: '', why: [] };
  })();
  const notes: string[] = [];
  const notesWhy: Why[] = [];
  if (plan.spec.gracePeriod !== undefined && !plan.term) {
    notes.push('a grace period is set, but no term start was given, so it could not be applied');
    notesWhy.push(why('note.grace_without_term', {}));
  }
  if (plan.term && standing.kind !== 'before_term' && period.from < plan.term.startMs) {
    notes.push(`the term starts on ${plan.term.start}, inside this period; the period is settled in full`);
    notesWhy.push(why('note.term_starts_inside', { termStart: plan.term.start }));
  }
  if (standing.kind === 'partly_grace') {
    notes.push(standing.text);
    notesWhy.push(...standing.why);
  }

  // Lines, before caps.
  const drafts: Draft[] = [];
  plan.spec.rules.forEach((rule, index) => {
    const results = plan.targets.filter((t) => t.targetId === rule.target).sort((a, b) => windowOf(plan, a).from - windowOf(plan, b).from);
    if (results.length === 0) {
      drafts.push(noResultLine(plan, rule, index, fmt, standing));
      return;
    }
    for (const r of results) {
      const d = ruleLine(plan, rule, index, r, standing, fmt);
      if (!d.ok) issues.push(...d.issues);
      else drafts.push(d.value);
    }
  });
  const lines = drafts.map((d) => d.line);
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };

  // Caps.
  const year = plan.term
    ? contractYearOf(plan.term.start, period.to - 1, zone)
    : plan.spec.caps?.perYear
      ? calendarYearOf(period.to - 1, zone)
      : null;
  if (plan.spec.caps?.perYear && !plan.term) {
    notes.push('no term start was given: the yearly cap runs over the calendar year');
    notesWhy.push(why('note.yearly_cap_calendar_year', {}));
  }
  const limits = capLimits(plan, periodFee, year, fmt);
  if (!limits.ok) return limits;
  const caps = applyCaps(lines, limits.value, fmt);

  // Due dates and the words of each line, now that caps are known.
  for (const d of drafts) finishLine(plan, d, fmt);

  const totals = totalsOf(lines, fmt);
  if (!totals.ok) return totals;
  const forgivenUntil = grace ? grace.endMs : plan.term ? plan.term.startMs : null;
  const termination = evaluateTerminationRights(plan, forgivenUntil);

  const graceReport: Settlement['grace'] = grace
    ? {
        ...grace,
        applies: standing.kind === 'grace' ? 'whole_period' : standing.kind === 'partly_grace' ? 'partly' : 'no',
        reason:
          standing.kind === 'grace'
            ? standing.text
            : standing.kind === 'partly_grace'
              ? standing.text
              : `the grace period (${grace.text} from ${grace.firstDay}) ended on ${grace.lastDay}, before this period`,
        reasonWhy:
          standing.kind === 'grace' || standing.kind === 'partly_grace'
            ? standing.why
            : [why('grace.ended_before', { grace: grace.text, firstDay: grace.firstDay, lastDay: grace.lastDay })],
      }
    : null;

  const settlement: Settlement = {
    agreementId: plan.agreementId,
    customerId: plan.customerId,
    period: { ...period, zone, firstDay, lastDay: periodLast },
    fee: { period: periodFee, year: yearFee },
    grace: graceReport,
    contractYear: plan.term ? year : null,
    lines,
    totals: totals.value,
    caps,
    termination,
    summary: '',
    summaryWhy: [],
    notes,
    notesWhy,
  };
  settlement.summary = summarize(settlement, fmt);
  settlement.summaryWhy = summaryClauses(settlement);
  return ok(settlement);
}

function windowOf(plan: Plan, r: TargetPeriodResult): { from: number; to: number; label: string } {
  const w = r.evaluation.window;
  if (!w) return { from: plan.period.from, to: plan.period.to, label: plan.period.label };
  const label =
    w.label ??
    (w.from === plan.period.from && w.to === plan.period.to
      ? plan.period.label
      : `${localDate(w.from, plan.zone)} to ${lastDay(w.to, plan.zone)}`);
  return { from: w.from, to: w.to, label };
}

/** Whether this billing period settles the result for this rule; the reason when it does not. */
function placement(
  plan: Plan,
  rule: PenaltyRule,
  r: TargetPeriodResult,
  w: { from: number; to: number; label: string },
): { text: string; why: Why } | null {
  const { period, zone } = plan;
  const inPeriod = (t: number) => t >= period.from && t < period.to;
  if (rule.type === 'fine' && r.firstBreachAt !== undefined && r.firstBreachAt !== null) {
    if (inPeriod(r.firstBreachAt)) return null;
    const date = localDate(r.firstBreachAt, zone);
    return {
      text: `the breach on ${date} falls in another billing period, which owes the fine (it is owed once)`,
      why: why('owe.breach_other_period', { date }),
    };
  }
  if (w.to > period.from && w.to <= period.to) return null;
  if (w.to <= period.from)
    return {
      text: `the window ${w.label} ended before this period; it was settled with the period it ended in`,
      why: why('owe.window_ended_before', { window: w.label }),
    };
  const last = lastDay(w.to, zone);
  return {
    text: `the window ${w.label} ends after this period (its last day is ${last}); ${rule.type === 'fine' ? 'without a breach instant the fine is owed in the period the window ends' : 'its value is final only then, so it is settled in the period it ends'}`,
    why: why(rule.type === 'fine' ? 'owe.window_ends_after_fine' : 'owe.window_ends_after', { window: w.label, lastDay: last }),
  };
}

function compliance(r: TargetPeriodResult, w: { from: number; to: number; label: string }): ComplianceSummary {
  const ev = r.evaluation;
  const against = targetText(ev.comparator, ev.target, ev.unit);
  const text =
    ev.value === null
      ? `no value against a target of ${against}`
      : `measured ${valueText(ev.value, ev.unit)} against a target of ${against}`;
  return {
    state: ev.state,
    value: ev.value,
    target: ev.target,
    comparator: ev.comparator,
    unit: ev.unit,
    window: w,
    text,
    ...(ev.reason !== undefined ? { reason: ev.reason } : {}),
  };
}

/** The parts of a line's words, kept until caps and due dates are known. */
interface Draft {
  line: SettlementLine;
  head: string;
  body: string;
  /** head and body as clauses. */
  why: Why[];
  breachAt: number | null;
  dueSpec: { days: number; after: 'period_end' | 'breach' } | null;
}

/**
 * Whether the grace period waives this result, judged by the window it was measured over (see the
 * module comment); null when it does not.
 */
function graceWaiver(plan: Plan, w: { from: number; to: number; label: string }, standing: Standing): Standing | null {
  const grace = plan.grace;
  if (standing.kind === 'before_term') return standing;
  if (!grace || w.from >= grace.endMs) return null;
  if (standing.kind === 'grace') return standing;
  const through = `${grace.text} from ${grace.firstDay}, through ${grace.lastDay}`;
  const g = { window: w.label, grace: grace.text, firstDay: grace.firstDay, lastDay: grace.lastDay };
  if (w.to <= grace.endMs)
    return {
      kind: 'grace',
      text: `nothing owed: the window ${w.label} ends within the grace period (${through})`,
      why: [why('owe.window_in_grace', g)],
    };
  const from = localDate(grace.endMs, plan.zone);
  return {
    kind: 'grace',
    text:
      `nothing owed: the window ${w.label} begins inside the grace period (${through}), and only what falls after it may be charged; ` +
      `measure the part from ${from} on its own to settle it`,
    why: [why('owe.window_begins_in_grace', { ...g, from })],
  };
}

function ruleLine(
  plan: Plan,
  rule: PenaltyRule,
  index: number,
  r: TargetPeriodResult,
  standing: Standing,
  fmt: (m: Minor, c: string) => string,
): Result<Draft> {
  const w = windowOf(plan, r);
  const waived = graceWaiver(plan, w, standing);
  const c = compliance(r, w);
  const computed = computeRule({ plan, fmt }, rule, index, r, w);
  if (!computed.ok) return computed;
  const k: Computed = computed.value;
  const notes = [...k.notes];
  const notesWhy = [...k.notesWhy];
  const excluded = r.excludedItems ?? [];
  for (const x of excluded) {
    const cls = exclusionClass(x.reason);
    if (cls !== null && !plan.spec.exclusions.includes(cls)) {
      notes.push(
        `${x.id} was excluded from the measurement as ${cls}, which penalties.exclusions does not list; check the target's settings`,
      );
      notesWhy.push(why('note.exclusion_not_listed', { id: x.id, class: cls }));
    }
  }
  // The part of a window after a grace period that ended inside it: say where it was measured from.
  if (waived === null && plan.grace && w.from === plan.grace.endMs) {
    const from = localDate(w.from, plan.zone);
    notes.push(`measured from ${from}, after the grace period (its last day was ${plan.grace!.lastDay})`);
    notesWhy.push(why('note.measured_after_grace', { from, graceLastDay: plan.grace.lastDay }));
  }
  if (r.evaluation.windowClosed === false && r.evaluation.state === 'breached' && rule.type !== 'fine') {
    notes.push('the window was still open when it was evaluated; the value may still get worse');
    notesWhy.push(why('note.window_open', {}));
  }
  let nothingOwed: NothingOwedBecause | null = k.nothingOwed;
  let amount = k.computedMinor;
  let body = k.body;
  let bodyWhy = k.bodyWhy;
  const away = placement(plan, rule, r, w);
  if (away !== null) {
    nothingOwed = 'other_period';
    amount = 0;
    body = `nothing owed in this period: ${away.text}`;
    bodyWhy = [away.why];
  } else if (waived && amount > 0) {
    nothingOwed = waived.kind === 'grace' ? 'grace_period' : 'before_term';
    body = `${waived.text}; without it ${fmt(k.computedMinor, k.currency)} would be owed (${k.body})`;
    bodyWhy = [...waived.why, why('owe.would_be_owed', { amount: { minor: k.computedMinor, currency: k.currency } }), ...k.bodyWhy];
    amount = 0;
  } else if (waived) {
    // Nothing would be owed anyway; the grace period is still the first reason a reader needs.
    body = `${waived.text} (and ${k.body.replace(/^nothing owed: /, '')})`;
    bodyWhy = [...waived.why, ...k.bodyWhy];
    if (nothingOwed === null) nothingOwed = waived.kind === 'grace' ? 'grace_period' : 'before_term';
  }
  // A band of 0%, a fine of 0, or a share that rounds to nothing: the rule applied but yields nothing.
  if (nothingOwed === null && amount === 0) nothingOwed = 'zero_amount';
  const line: SettlementLine = {
    rule: { index, id: rule.id ?? null, type: rule.type, path: `penalties.rules[${index}]` },
    targetId: rule.target,
    compliance: c,
    applied: k.applied,
    band: k.band,
    units: k.units,
    form: k.form,
    currency: k.currency,
    computedMinor: away !== null ? 0 : k.computedMinor,
    amountMinor: amount,
    amount: fmt(amount, k.currency),
    cap: null,
    due: null,
    nothingOwed,
    excluded,
    reason: '',
    reasonWhy: [],
    notes,
    notesWhy,
  };
  const ev = r.evaluation;
  const promise = { comparator: ev.comparator, value: ev.target, unit: ev.unit };
  const head =
    ev.value === null
      ? why('line.no_value', { target: rule.target, window: w.label, promise, state: c.state })
      : why('line.measured', { target: rule.target, window: w.label, value: { value: ev.value, unit: ev.unit }, promise, state: c.state });
  return ok({
    line,
    head: `${rule.target} in ${w.label}: ${c.text} (${STATE_WORDS[c.state]})`,
    body,
    why: [head, ...bodyWhy],
    breachAt: r.firstBreachAt ?? null,
    dueSpec: rule.due ?? null,
  });
}

function noResultLine(plan: Plan, rule: PenaltyRule, index: number, fmt: (m: Minor, c: string) => string, standing: Standing): Draft {
  const { currency, form } = ruleCurrencyAndForm(plan, rule, index);
  // Before the term there is nothing to measure: that, not a missing measurement, is the reason.
  const early = standing.kind === 'before_term';
  const line: SettlementLine = {
    rule: { index, id: rule.id ?? null, type: rule.type, path: `penalties.rules[${index}]` },
    targetId: rule.target,
    compliance: null,
    applied: `${rule.type.replace('_', ' ')} on ${rule.target}`,
    band: null,
    units: null,
    form,
    currency,
    computedMinor: 0,
    amountMinor: 0,
    amount: fmt(0, currency),
    cap: null,
    due: null,
    nothingOwed: early ? 'before_term' : 'no_result',
    excluded: [],
    reason: '',
    reasonWhy: [],
    notes: early ? [] : [`no compliance result was given for ${rule.target}; measure it before closing the period`],
    notesWhy: early ? [] : [why('note.no_result', { target: rule.target })],
  };
  return {
    line,
    head: `${rule.target}: no result`,
    body: early ? standing.text : 'nothing owed: no compliance result was given for this target',
    why: [why('line.no_result', { target: rule.target }), ...(early ? standing.why : [why('owe.no_result', {})])],
    breachAt: null,
    dueSpec: null,
  };
}

/** Due date and the line's words, once caps have been applied. */
function finishLine(plan: Plan, parts: Draft, fmt: (m: Minor, c: string) => string): void {
  const line = parts.line;
  const words: string[] = [parts.head, parts.body];
  const clauses: Why[] = [...parts.why];
  const money = (minor: Minor) => ({ minor, currency: line.currency });
  if (line.cap) {
    const capName = line.cap.cap === 'per_period' ? 'per-period' : 'yearly';
    clauses.push(
      line.amountMinor === 0
        ? why('cap.reached', { cap: line.cap.cap, limit: money(line.cap.limitMinor), computed: money(line.cap.reducedByMinor) })
        : why('cap.reduced', {
            reduced: money(line.cap.reducedByMinor),
            amount: money(line.amountMinor),
            cap: line.cap.cap,
            limit: money(line.cap.limitMinor),
            remaining: money(line.cap.remainingBeforeMinor),
          }),
    );
    words.push(
      line.amountMinor === 0
        ? `nothing owed after the ${capName} cap of ${fmt(line.cap.limitMinor, line.currency)}: it was already reached (the ${fmt(line.cap.reducedByMinor, line.currency)} computed is not owed)`
        : `reduced by ${fmt(line.cap.reducedByMinor, line.currency)} to ${line.amount} by the ${capName} cap of ${fmt(line.cap.limitMinor, line.currency)} (${fmt(line.cap.remainingBeforeMinor, line.currency)} was still available under it)`,
    );
  }
  if (line.amountMinor > 0) {
    let due: DueDate | null = null;
    if (parts.dueSpec) {
      if (parts.dueSpec.after === 'breach' && parts.breachAt !== null)
        due = dueDate(parts.breachAt, parts.dueSpec.days, 'breach', plan.zone);
      else {
        if (parts.dueSpec.after === 'breach') {
          line.notes.push('the breach instant is not known, so the due date counts from the end of the period');
          line.notesWhy.push(why('note.due_from_period_end', {}));
        }
        due = dueDate(plan.period.to, parts.dueSpec.days, 'period_end', plan.zone);
      }
    }
    line.due = due;
    words.push(
      due
        ? `due ${due.date} (${due.days} day${due.days === 1 ? '' : 's'} after ${due.basis === 'breach' ? `the breach on ${localDate(due.from, plan.zone)}` : `the period ends on ${lastDay(plan.period.to, plan.zone)}`})`
        : line.form === 'service_credit'
          ? 'applied as a credit on the next invoice (the agreement sets no due date)'
          : 'settled with the next invoice (the agreement sets no due date)',
    );
    clauses.push(
      due
        ? due.basis === 'breach'
          ? why('due.after_breach', { date: due.date, days: due.days, breachDay: localDate(due.from, plan.zone) })
          : why('due.after_period', { date: due.date, days: due.days, periodLastDay: lastDay(plan.period.to, plan.zone) })
        : line.form === 'service_credit'
          ? why('due.credit_next_invoice', {})
          : why('due.next_invoice', {}),
    );
  }
  if (line.excluded.length > 0) {
    words.push(`excluded from the measurement: ${listText(line.excluded.map((x) => `${x.id} (${x.reason})`))}`);
    clauses.push(why('line.excluded', { items: line.excluded.map((x) => ({ id: x.id, reason: x.reason })) }));
  }
  line.reason = words.join('; ');
  line.reasonWhy = clauses;
}

/** Totals per currency, summed in bigint so a sum of large lines is refused, never rounded. */
function totalsOf(lines: SettlementLine[], fmt: (m: Minor, c: string) => string): Result<CurrencyTotal[]> {
  const by = new Map<string, { amount: bigint; before: bigint; reduced: bigint; owing: number }>();
  for (const l of lines) {
    const t = by.get(l.currency) ?? { amount: 0n, before: 0n, reduced: 0n, owing: 0 };
    const reduced = BigInt(l.cap?.reducedByMinor ?? 0);
    t.amount += BigInt(l.amountMinor);
    t.before += BigInt(l.amountMinor) + reduced;
    t.reduced += reduced;
    if (l.amountMinor > 0) t.owing++;
    by.set(l.currency, t);
  }
  const out: CurrencyTotal[] = [];
  for (const [currency, t] of [...by.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const before = toMinor(t.before, 'penalties.rules', `the ${currency} total`);
    if (!before.ok) return before;
    const amountMinor = Number(t.amount);
    out.push({
      currency,
      amountMinor,
      amount: fmt(amountMinor, currency),
      beforeCapsMinor: before.value,
      reducedByCapsMinor: Number(t.reduced),
      owingLines: t.owing,
    });
  }
  return ok(out);
}

function summarize(s: Settlement, fmt: (m: Minor, c: string) => string): string {
  const owed = s.totals.filter((t) => t.amountMinor > 0);
  const owing = s.lines.filter((l) => l.amountMinor > 0).length;
  const rules = new Set(s.lines.map((l) => l.rule.index)).size;
  const parts: string[] = [];
  parts.push(
    owed.length === 0
      ? `${s.period.label}: nothing owed`
      : `${s.period.label}: ${owed.map((t) => t.amount).join(' and ')} owed on ${owing} of ${s.lines.length} line${s.lines.length === 1 ? '' : 's'} (${rules} rule${rules === 1 ? '' : 's'})`,
  );
  if (s.grace?.applies === 'whole_period') parts.push(`the grace period runs through ${s.grace.lastDay}`);
  const reduced = s.totals.filter((t) => t.reducedByCapsMinor > 0);
  if (reduced.length > 0) parts.push(`caps took off ${reduced.map((t) => fmt(t.reducedByCapsMinor, t.currency)).join(' and ')}`);
  const triggered = s.termination.filter((t) => t.triggered);
  if (triggered.length > 0) {
    const why = (t: TerminationOutcome) =>
      `${t.rightId} after ${t.count} ${t.rule === 'consecutive' ? 'consecutive breached periods' : 'breached periods within a year'} (${listText(t.periods, 12)})`;
    parts.push(`termination right${triggered.length === 1 ? '' : 's'} triggered: ${triggered.map(why).join('; ')}`);
  }
  return `${parts.join('; ')}.`;
}

/** The summary as clauses: the same facts as `summarize`, one clause per part (one per triggered right). */
function summaryClauses(s: Settlement): Why[] {
  const owed = s.totals.filter((t) => t.amountMinor > 0);
  const out: Why[] = [
    owed.length === 0
      ? why('summary.nothing_owed', { period: s.period.label })
      : why('summary.owed', {
          period: s.period.label,
          amounts: owed.map((t) => ({ minor: t.amountMinor, currency: t.currency })),
          owing: s.lines.filter((l) => l.amountMinor > 0).length,
          lines: s.lines.length,
          rules: new Set(s.lines.map((l) => l.rule.index)).size,
        }),
  ];
  if (s.grace?.applies === 'whole_period') out.push(why('summary.grace_runs_through', { lastDay: s.grace.lastDay }));
  const reduced = s.totals.filter((t) => t.reducedByCapsMinor > 0);
  if (reduced.length > 0)
    out.push(why('summary.caps_took_off', { amounts: reduced.map((t) => ({ minor: t.reducedByCapsMinor, currency: t.currency })) }));
  for (const t of s.termination.filter((x) => x.triggered))
    out.push(
      why(t.rule === 'consecutive' ? 'summary.termination_consecutive' : 'summary.termination_in_year', {
        right: t.rightId,
        count: t.count,
        periods: t.periods,
      }),
    );
  return out;
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
