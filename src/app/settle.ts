/** Settling and backtesting agreements from files: the use cases behind `pledge settle` and `backtest`. */
import { dirname } from 'node:path';
import { loadAgreements, loadTermCalendars } from './agreement-files.ts';
import { readText } from './files.ts';
import { chainOf, mergeChain } from '../core/agreements/layering.ts';
import { agreementZone } from '../core/agreements/evaluate.ts';
import { settlePeriods, type PeriodOutcome } from '../core/agreements/settlement.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import { parseNdjson } from '../core/events/parse.ts';
import type { Timed } from '../core/events/schema.ts';
import { parseWindow, previous, resolveWindow, windowsCovering, type ResolvedWindow } from '../core/metrics/window.ts';
import { fail, ok, type Issue, type Result } from '../core/validation/issues.ts';
import { parseCivilDate } from '../core/time/instant.ts';
import { dayFromCivil, zoneTable } from '../core/time/zone.ts';
import { formatMoney } from '../core/penalties/index.ts';

export interface LoadedTerms {
  terms: AgreementSpec;
  calendars: Map<string, BusinessCalendar>;
  zone: string;
}

/** An agreement file's effective terms (with its parents from the same folder, or `portfolio`). */
export function loadTerms(file: string, portfolio?: string): Result<LoadedTerms> {
  const one = loadAgreements([file]);
  if (one.issues.length) return fail(...one.issues);
  const target = one.agreements[0];
  if (!target) return fail({ path: '--agreement', message: 'no agreement in that file', received: file });
  let chainDocs = one.agreements;
  if (target.spec.parent !== undefined) {
    const all = loadAgreements([portfolio ?? dirname(file)]);
    // Only problems in the documents of this chain matter here; another version of this same
    // agreement in the folder is not its parent's child.
    chainDocs = all.agreements.filter((a) => a.spec.id !== target.spec.id || a.source === target.source);
    const chain = chainOf(chainDocs.some((a) => a.source === target.source) ? chainDocs : [...chainDocs, target], target.spec.id);
    if (!chain.ok) return chain;
    return finish(chain.value);
  }
  return finish([target]);

  function finish(chain: Parameters<typeof mergeChain>[0]): Result<LoadedTerms> {
    const c = target!.spec.parties.customer?.id ?? '';
    const eff = mergeChain(chain, c, target!.spec.services[0] ?? '');
    if (!eff.ok) return eff;
    const cals = loadTermCalendars(eff.value);
    if (!cals.ok) return cals;
    return ok({ terms: eff.value.terms, calendars: cals.value, zone: agreementZone(eff.value.terms, cals.value) });
  }
}

export function loadEvents(file: string): Result<Timed[]> {
  const f = readText(file);
  if (!f.ok) return f;
  const parsed = parseNdjson(f.value.text, f.value.source);
  return parsed.issues.length ? fail(...parsed.issues) : ok(parsed.events);
}

/** The billing periods to settle for `label`: earlier ones of the contract's last 12 months first. */
export function periodsUpTo(label: string, zone: string, termStart: string | undefined): Result<ResolvedWindow[]> {
  // Keep a precise reason ("no month 13"); not the window parser's general one, which offers
  // rolling windows and ranges that are no billing period.
  const notPeriod = fail<ResolvedWindow[]>({
    path: '--period',
    message: 'not a billing period',
    expected: 'a month 2026-10, a quarter 2026-Q4 or a year 2026',
    received: JSON.stringify(label),
  });
  if (!/^\d{4}(-[0-9A-Za-z]+)?$/.test(label)) return notPeriod;
  const w = parseWindow(label, '--period');
  if (!w.ok) return w.issues.some((i) => /^not a window/.test(i.message)) ? notPeriod : w;
  if (w.value.kind !== 'month' && w.value.kind !== 'quarter' && w.value.kind !== 'year') {
    return fail({
      path: '--period',
      message: 'a billing period is a month, quarter or year',
      expected: 'e.g. 2026-10, 2026-Q4 or 2026',
      received: JSON.stringify(label),
    });
  }
  const last = resolveWindow(w.value, zone, '--period');
  if (!last.ok) return last;
  const startMs = termStart ? localMidnight(termStart, zone) : -Infinity;
  const periods: ResolvedWindow[] = [last.value];
  let cur = w.value;
  const lookBack = w.value.kind === 'month' ? 12 : w.value.kind === 'quarter' ? 4 : 1;
  for (let i = 0; i < lookBack; i++) {
    const p = previous(cur, zone);
    if (!p.ok) break;
    const r = resolveWindow(p.value, zone);
    if (!r.ok || r.value.to <= startMs) break;
    periods.unshift(r.value);
    cur = p.value as typeof cur;
  }
  return ok(periods);
}

/** The first instant of a local date (YYYY-MM-DD, already validated) in a zone. */
function localMidnight(date: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zoneTable(zone).startOfLocalDay(dayFromCivil(y, m, d));
}

/**
 * Several files as the versions of one agreement (the original and its amendments): the same id,
 * each in force from its `effective` date (the term start when absent), at local midnight in its
 * zone. Returned oldest first.
 */
export function loadVersions(
  files: readonly string[],
  portfolio?: string,
): Result<Array<LoadedTerms & { effective: number; file: string; label: string }>> {
  const out: Array<LoadedTerms & { effective: number; file: string; label: string }> = [];
  const issues: Issue[] = [];
  for (const file of files) {
    const t = loadTerms(file, portfolio);
    if (!t.ok) {
      issues.push(...t.issues);
      continue;
    }
    const date = t.value.terms.effective ?? t.value.terms.term?.start;
    if (date === undefined && files.length > 1) {
      issues.push({
        path: 'effective',
        source: file,
        message: 'a version among several needs an effective date (or a term start) to place it',
        received: 'nothing',
      });
      continue;
    }
    const effective = date === undefined ? -Infinity : localMidnight(date, t.value.zone);
    out.push({ ...t.value, effective, file, label: date === undefined ? file : `${file}, in force from ${date}` });
  }
  if (issues.length) return fail(...issues);
  const ids = [...new Set(out.map((v) => v.terms.id))];
  if (ids.length > 1)
    return fail({
      path: '--agreement',
      message: `the files are versions of one agreement, but name ${ids.length} ids: ${ids.join(', ')}`,
      expected: 'the same id in every file',
      received: files.join(', '),
    });
  out.sort((a, b) => a.effective - b.effective);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.effective === out[i - 1]!.effective)
      return fail({
        path: 'effective',
        source: out[i]!.file,
        message: `takes effect on the same day as ${out[i - 1]!.file}: each version needs its own effective date`,
        received: JSON.stringify(out[i]!.terms.effective ?? out[i]!.terms.term?.start),
      });
  }
  return ok(out);
}

export function settleFromFiles(o: {
  agreement: string | readonly string[];
  events: string;
  period: string;
  now: number;
  portfolio?: string;
}): Result<{ terms: AgreementSpec; zone: string; outcome: PeriodOutcome; history: PeriodOutcome[] }> {
  const files = typeof o.agreement === 'string' ? [o.agreement] : o.agreement;
  const vs = loadVersions(files, o.portfolio);
  if (!vs.ok) return vs;
  const first = vs.value[0]!;
  const t = vs.value[vs.value.length - 1]!;
  const ev = loadEvents(o.events);
  if (!ev.ok) return ev;
  const periods = periodsUpTo(o.period, t.zone, first.terms.term?.start ?? t.terms.term?.start);
  if (!periods.ok) return periods;
  const versions =
    vs.value.length > 1
      ? vs.value.map((v) => ({ effective: v.effective, terms: v.terms, calendars: v.calendars, label: v.label }))
      : undefined;
  const outcomes = settlePeriods({
    terms: t.terms,
    calendars: t.calendars,
    events: ev.value,
    periods: periods.value,
    now: o.now,
    ...(versions ? { versions } : {}),
  });
  const outcome = outcomes[outcomes.length - 1]!;
  const inForce = versions ? (vs.value.find((v) => v.effective === outcome.version?.effective) ?? t) : t;
  return ok({ terms: inForce.terms, zone: t.zone, outcome, history: outcomes.slice(0, -1) });
}

export interface BacktestTarget {
  target: string;
  name: string | null;
  /** Windows of the target that closed within the range and were measured. */
  windows: number;
  breached: number;
  atRisk: number;
  noData: number;
  breachedWindows: string[];
  /** What the rules would have owed, per currency, over the range. */
  owed: Array<{ currency: string; minor: number; amount: string }>;
}

export function backtestFromFiles(o: {
  agreement: string;
  events: string;
  from: string;
  to: string;
  billing: 'month' | 'quarter' | 'year';
  portfolio?: string;
}): Result<{ terms: AgreementSpec; zone: string; periods: PeriodOutcome[]; targets: BacktestTarget[] }> {
  const t = loadTerms(o.agreement, o.portfolio);
  if (!t.ok) return t;
  const ev = loadEvents(o.events);
  if (!ev.ok) return ev;
  const zone = t.value.zone;
  const issues: Issue[] = [];
  const from = parseCivilDate(o.from, '--from');
  const to = parseCivilDate(o.to, '--to');
  if (!from.ok) issues.push(...from.issues);
  if (!to.ok) issues.push(...to.issues);
  if (issues.length) return fail(...issues);
  if (o.to <= o.from)
    return fail({
      path: '--to',
      message: 'the range must end after it starts (--to is the day after the last)',
      expected: `a date after ${o.from}`,
      received: JSON.stringify(o.to),
    });
  const range = resolveWindow({ kind: 'range', from: localMidnight(o.from, zone), to: localMidnight(o.to, zone) }, zone, '--from/--to');
  if (!range.ok) return range;
  // --from and --to are local dates: the range runs from the start of the first to the start of the last.
  const cover = windowsCovering(o.billing, range.value.from, range.value.to, zone);
  if (!cover.ok) return cover;
  const periods: ResolvedWindow[] = [];
  for (const c of cover.value) {
    const r = resolveWindow(c, zone);
    if (r.ok) periods.push(r.value);
  }
  // The terms as proposed apply from the start of the range (a backtest has no term yet).
  const terms: AgreementSpec = t.value.terms.term ? { ...t.value.terms, term: { ...t.value.terms.term, start: o.from } } : t.value.terms;
  const outcomes = settlePeriods({ terms, calendars: t.value.calendars, events: ev.value, periods, now: range.value.to });
  const summary: BacktestTarget[] = terms.targets.map((target) => {
    const seen = new Map<string, string>();
    const owed = new Map<string, number>();
    for (const o2 of outcomes) {
      for (const m of o2.targets) {
        if (m.target.id !== target.id || !m.evaluation) continue;
        const w = m.evaluation.window;
        if (w.to <= o2.period.to && w.to > o2.period.from) seen.set(`${w.from}`, `${m.evaluation.state}:${w.label}`);
      }
      for (const l of o2.settlement?.lines ?? [])
        if (l.targetId === target.id) owed.set(l.currency, (owed.get(l.currency) ?? 0) + l.amountMinor);
    }
    const states = [...seen.values()];
    return {
      target: target.id,
      name: target.name ?? null,
      windows: states.length,
      breached: states.filter((s) => s.startsWith('breached:')).length,
      atRisk: states.filter((s) => s.startsWith('at_risk:')).length,
      noData: states.filter((s) => s.startsWith('no_data:')).length,
      breachedWindows: states.filter((s) => s.startsWith('breached:')).map((s) => s.slice('breached:'.length)),
      owed: [...owed].map(([currency, minor]) => ({ currency, minor, amount: formatMoney(minor, currency) })),
    };
  });
  return ok({ terms, zone, periods: outcomes, targets: summary });
}
