/**
 * Settling an agreement: each billing period's targets measured from events (evaluate.ts), then
 * turned into money (penalties/settle.ts), with the version of the terms in force when the period
 * began (see SettleInput.versions). Periods are settled oldest first, so each one knows the
 * states of the windows before it (termination rights) and what earlier periods of the contract
 * year already owe (yearly caps).
 *
 * Which windows a target is measured over in a billing period: every window of the target's own
 * kind (month, quarter, year) that ends inside the period, and the one that contains the period's
 * last instant, as of the period's end. A monthly target billed quarterly is therefore measured
 * over each of the quarter's three months (each a line of its own, on that month's fee); a yearly
 * target billed monthly is evaluated year-to-date every month, and settlement decides in which
 * period it owes (a fine in the period of the breach, a credit when the window closes). A rolling
 * target (30d) is measured over the N days ending with the period.
 *
 * The grace period ("no penalties during the first 90 days"): only what falls after it is
 * charged. A window the grace period ends inside is measured a second time, over its part after the
 * grace period, and the period settles that measurement: a per-ticket penalty counts only tickets
 * breached after it, a window target is judged (and its fee share or allowance taken) over that
 * part alone. The stored compliance of the window stays the whole window's, since the grace period
 * suspends penalties, not measurement.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { Timed } from '../events/schema.ts';
import { resolveWindow, windowContaining, windowsCovering, type ResolvedWindow } from '../metrics/window.ts';
import {
  settlePeriod,
  resultFromEvaluation,
  contractYearOf,
  localDate,
  lastDay,
  type Settlement,
  type TargetPeriodResult,
  type PastPeriod,
  type Money,
} from '../penalties/index.ts';
import { graceWindow, type GraceWindow } from '../penalties/periods.ts';
import { why } from '../i18n/settlement.ts';
import type { Issue, Result } from '../validation/issues.ts';
import { clockTargetsOf, evaluateAgreement, eventsOf, type TargetResult } from './evaluate.ts';
import { ticketBook, type TicketBook } from './tickets.ts';
import type { AgreementSpec } from './schema.ts';
import { civilFromDay, dayFromCivil, zoneTable } from '../time/zone.ts';

const DAY = 86_400_000;

export interface PeriodOutcome {
  period: ResolvedWindow;
  /** With versions: the version the period was settled with (the one in force when it began). */
  version?: { effective: number; label?: string };
  /** Every target's measurement over its window for this period. */
  targets: TargetResult[];
  settlement: Settlement | null;
  issues: Issue[];
}

/** One version of an agreement's effective terms, in force from `effective`. */
export interface TermsVersion {
  effective: number;
  terms: AgreementSpec;
  /** Its own calendars, when they differ from the input's. */
  calendars?: ReadonlyMap<string, BusinessCalendar>;
  /** How to name it in a report (a version number, a file). */
  label?: string;
}

export interface SettleInput {
  terms: AgreementSpec;
  calendars: ReadonlyMap<string, BusinessCalendar>;
  /**
   * Amendments: the versions of the terms, each in force from its effective instant. A billing
   * period is settled with the version in force when it began, so an amendment applies from the
   * first period that starts on or after its effective date and never reaches back into a period
   * already under way (or already reported). Absent: `terms` throughout.
   */
  versions?: readonly TermsVersion[];
  events: readonly Timed[];
  /** Consecutive billing periods, oldest first; the last is usually the one asked about. */
  periods: readonly ResolvedWindow[];
  /** Nothing after this instant is known (a period still open is measured up to it). */
  now: number;
  /**
   * When the agreement is monitored (from the lifecycle: active, from its effective date, until
   * termination). Default: the term, from its start to the end of its last day. Time outside is not
   * measured: a window is cut to it, so the figures up to a termination stay and nothing after it
   * counts.
   */
  monitored?: { from: number; to: number };
  /** The agreement's tickets over `events` with clockTargetsOf(terms, calendars), when the caller has built it already (for `terms`; each other version gets its own). */
  book?: TicketBook;
  /**
   * What the billing periods before the first of `periods` left behind, when they are not settled
   * again (an incremental refresh keeps their stored results): see settledBefore.
   */
  before?: SettledBefore;
}

/** The history later periods are settled with: windows closed earlier (termination rights), money owed per contract year (yearly caps). */
export interface SettledBefore {
  past: readonly PastPeriod[];
  owed: ReadonlyArray<{ contractYear: number; money: Money[] }>;
}

/** The version of the terms a period is settled with: the one in force when it began (the first one for a period before them all). */
function versionFor(versions: readonly TermsVersion[], period: { from: number }): TermsVersion | undefined {
  return versions.length ? (versions.filter((v) => v.effective <= period.from).pop() ?? versions[0]!) : undefined;
}

/** The contract year (or, without a term, the civil year) a period's money counts in for the yearly cap. */
function yearIndexOf(terms: AgreementSpec, period: { to: number; zone: string }): number {
  return terms.term
    ? contractYearOf(terms.term.start, period.to - 1, period.zone).index
    : civilFromDay(zoneTable(period.zone).localDay(period.to - 1)).y;
}

/**
 * The history settlePeriods would have built over earlier periods, from their stored results: the
 * states of the windows that closed by `until` (the first period settled again starts there), and
 * the totals of their settlements by contract year. Exact as long as every such window was settled
 * as measured: a window the grace period ends inside is settled on its part after it, which is not
 * stored, so `null` then (settle from the start instead).
 */
export function settledBefore(
  input: Pick<SettleInput, 'terms' | 'versions'>,
  zone: string,
  until: number,
  windows: ReadonlyArray<PastPeriod>,
  settlements: ReadonlyArray<Settlement>,
): SettledBefore | null {
  const versions = [...(input.versions ?? [])].sort((a, b) => a.effective - b.effective);
  const past: PastPeriod[] = [];
  for (const w of windows) {
    if (w.to > until) continue;
    for (const terms of [input.terms, ...versions.map((v) => v.terms)]) {
      const grace = graceOf(terms, zone);
      if (grace !== null && w.from < grace.endMs && grace.endMs < w.to) return null;
    }
    past.push(w);
  }
  const owed: Array<{ contractYear: number; money: Money[] }> = [];
  for (const s of settlements) {
    if (s.period.to > until) continue;
    const terms = versionFor(versions, s.period)?.terms ?? input.terms;
    owed.push({ contractYear: yearIndexOf(terms, s.period), money: s.totals.map((t) => ({ currency: t.currency, minor: t.amountMinor })) });
  }
  return { past, owed };
}

/** The term as a monitored span: local midnight of term.start to the end of term.end. */
export function termSpan(terms: AgreementSpec, zone: string): { from: number; to: number } {
  const day = (d: string, plus = 0) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    return zoneTable(zone).startOfLocalDay(dayFromCivil(y, m, dd) + plus);
  };
  return { from: terms.term ? day(terms.term.start) : -Infinity, to: terms.term?.end ? day(terms.term.end, 1) : Infinity };
}

/** The window of a target's kind that contains the period's last instant. */
export function targetWindow(target: AgreementSpec['targets'][number], period: ResolvedWindow): Result<ResolvedWindow> {
  const zone = period.zone;
  const w = target.window;
  if (w === 'month' || w === 'quarter' || w === 'year') {
    const c = windowContaining(w, period.to - 1, zone);
    return c.ok ? resolveWindow(c.value, zone) : c;
  }
  const days = Number(/(\d+)d$/.exec(w)![1]);
  return resolveWindow({ kind: 'rolling', days, end: period.to }, zone);
}

/**
 * Every window a target is measured over in a billing period, oldest first: those of its kind
 * that end inside the period (three months of a quarter), then the one containing the period's
 * last instant when it ends later (a year, measured to date). Without the earlier ones a quarterly
 * settlement of a monthly target would judge only the quarter's last month.
 */
export function targetWindows(target: AgreementSpec['targets'][number], period: ResolvedWindow): Result<ResolvedWindow[]> {
  const w = target.window;
  if (w !== 'month' && w !== 'quarter' && w !== 'year') {
    const one = targetWindow(target, period);
    return one.ok ? { ok: true, value: [one.value] } : one;
  }
  const cover = windowsCovering(w, period.from, period.to, period.zone);
  if (!cover.ok) return cover;
  const out: ResolvedWindow[] = [];
  for (const c of cover.value) {
    const r = resolveWindow(c, period.zone);
    if (!r.ok) return r;
    // A window that ends at or before the period starts was settled earlier; keep those ending
    // inside the period, and the last one (it contains the period's end).
    if ((r.value.to > period.from && r.value.to <= period.to) || r.value.to > period.to) out.push(r.value);
  }
  return { ok: true, value: out };
}

/** The grace period of the terms in the zone, or null when there is none (or no term to start it). */
function graceOf(terms: AgreementSpec, zone: string): GraceWindow | null {
  if (!terms.term || terms.penalties?.gracePeriod === undefined) return null;
  const g = graceWindow(terms.term.start, terms.penalties.gracePeriod, zone);
  return g.ok ? g.value : null;
}

export function settlePeriods(input: SettleInput): PeriodOutcome[] {
  const { now } = input;
  // Per version of the terms: its events filtered once, and every ticket evaluated once for all
  // the periods it settles (tickets.ts).
  const prepared = new Map<AgreementSpec, { events: Timed[]; book: TicketBook }>();
  const preparedFor = (terms: AgreementSpec, calendars: ReadonlyMap<string, BusinessCalendar>) => {
    let p = prepared.get(terms);
    if (!p) {
      // With the caller's book, the events are not looked at again (evaluateAgreement takes the
      // tickets and the events of no ticket from the book).
      const own = terms === input.terms && input.book !== undefined;
      const events = own ? [] : eventsOf(terms, input.events);
      const book = own ? input.book! : ticketBook(events, clockTargetsOf(terms, calendars));
      p = { events, book };
      prepared.set(terms, p);
    }
    return p;
  };
  const out: PeriodOutcome[] = [];
  const past: PastPeriod[] = [...(input.before?.past ?? [])];
  const owed: Array<{ contractYear: number; money: Money[] }> = [...(input.before?.owed ?? [])];
  const versions = [...(input.versions ?? [])].sort((a, b) => a.effective - b.effective);
  for (const period of input.periods) {
    const issues: Issue[] = [];
    // The version in force when the period began (the first one for a period before them all).
    const version = versionFor(versions, period);
    const terms = version?.terms ?? input.terms;
    const calendars = version?.calendars ?? input.calendars;
    const later = versions.find((v) => v.effective > period.from && v.effective < period.to);
    const { events, book } = preparedFor(terms, calendars);
    const asOf = Math.min(now, period.to);
    // Group targets by the window they are measured over in this period, and measure each group once.
    const groups = new Map<string, { window: ResolvedWindow; full: ResolvedWindow; targets: AgreementSpec['targets'] }>();
    const span = input.monitored ?? termSpan(terms, period.zone);
    for (const t of terms.targets) {
      const windows = targetWindows(t, period);
      if (!windows.ok) {
        issues.push(...windows.issues.map((i) => ({ ...i, path: `targets[${t.id}].window` })));
        continue;
      }
      for (const full of windows.value) {
        const from = Math.max(full.from, span.from);
        const to = Math.min(full.to, span.to);
        if (!(to > from)) continue; // not monitored at all in this window
        const window = { ...full, from, to };
        // The whole window is part of the key: a fixed allowance is pro-rated to the part measured.
        const key = `${full.from}/${full.to}/${from}/${to}`;
        const g = groups.get(key) ?? { window, full, targets: [] };
        g.targets.push(t);
        groups.set(key, g);
      }
    }
    // The grace period: only what falls after it is charged. A window it ends inside is measured
    // once more from its end, and that measurement is what the period settles (docs/penalties.md).
    const grace = graceOf(terms, period.zone);
    const measured: TargetResult[] = [];
    const afterGrace = new Map<TargetResult, TargetResult>();
    for (const g of groups.values()) {
      const scoped = { ...terms, targets: g.targets };
      const over = (window: ResolvedWindow) =>
        evaluateAgreement({ terms: scoped, calendars, events, window, fullWindow: g.full, now: asOf, book, measured: true });
      const r = over(g.window);
      issues.push(...r.issues);
      measured.push(...r.targets);
      if (grace !== null && g.window.from < grace.endMs && grace.endMs < g.window.to) {
        const after = over({ ...g.window, from: grace.endMs, label: `${g.window.label} from ${localDate(grace.endMs, period.zone)}` });
        after.targets.forEach((t, i) => {
          afterGrace.set(r.targets[i]!, t);
        });
      }
    }
    // In the order of the agreement's targets, each target's windows oldest first.
    measured.sort(
      (a, b) =>
        terms.targets.indexOf(a.target) - terms.targets.indexOf(b.target) ||
        (a.evaluation?.window.from ?? 0) - (b.evaluation?.window.from ?? 0),
    );
    // What the period settles: each window as measured, or its part after the grace period.
    const settled = measured.map((m) => afterGrace.get(m) ?? m);
    const results: TargetPeriodResult[] = [];
    for (const m of settled) {
      issues.push(...m.issues);
      if (!m.evaluation) continue;
      const r = resultFromEvaluation(m.target.id, m.evaluation, m.firstBreachAt);
      if (m.availability)
        r.excludedItems = [...(r.excludedItems ?? []), ...m.availability.excluded.map((x) => ({ id: x.id, reason: x.reason }))];
      results.push(r);
    }
    let settlement: Settlement | null = null;
    if (terms.penalties) {
      const yearIndex = yearIndexOf(terms, period);
      const owedEarlierInYear = owed.filter((o) => o.contractYear === yearIndex).flatMap((o) => o.money);
      const s = settlePeriod({
        penalties: terms.penalties,
        ...(terms.pricing ? { pricing: { currency: terms.pricing.currency, fee: terms.pricing.fee } } : {}),
        ...(terms.term ? { term: { start: terms.term.start, terminationRights: terms.term.terminationRights } } : {}),
        period: { from: period.from, to: period.to, label: period.label },
        zone: period.zone,
        targets: results,
        history: { periods: [...past], owedEarlierInYear },
        agreementId: terms.id,
        ...(terms.parties.customer ? { customerId: terms.parties.customer.id } : {}),
      });
      if (s.ok) {
        settlement = s.value;
        owed.push({ contractYear: yearIndex, money: s.value.totals.map((t) => ({ currency: t.currency, minor: t.amountMinor })) });
      } else issues.push(...s.issues);
    }
    if (settlement && !(span.from < period.to && span.to > period.from)) {
      const since = span.from === -Infinity ? '' : ` from ${localDate(span.from, period.zone)}`;
      const until = span.to === Infinity ? '' : ` through ${lastDay(span.to, period.zone)}`;
      settlement.notes.push(
        `the agreement is not monitored in this period (it is monitored${since}${until}): nothing is measured, so nothing is owed`,
      );
      // notes and notesWhy stay one to one: a translated page says each note from its clause.
      settlement.notesWhy.push(why('note.not_monitored_period', {}));
      // Not a forgotten measurement: nothing outside the monitored time is measured. Such a
      // target has no data, and its line says why (before the term, the line already says so).
      for (const l of settlement.lines) {
        if (l.nothingOwed !== 'no_result') continue;
        l.nothingOwed = 'no_data';
        l.notes = [];
        l.notesWhy = [];
        l.reason = `${l.targetId}: not monitored in this period (the agreement is monitored${since}${until}); nothing owed: there is no data, which is neither met nor breached`;
        l.reasonWhy = [why('line.not_monitored', { target: l.targetId })];
      }
    }
    if (later && settlement) {
      settlement.notes.push(
        `an amendment${later.label ? ` (${later.label})` : ''} takes effect inside this period; the period is settled with the version in force when it began${version?.label ? ` (${version.label})` : ''}, and the amendment applies from the next period`,
      );
      settlement.notesWhy.push(why('note.amendment_next_period', {}));
    }
    // Windows that closed by this period's end become history for the next periods (as settled:
    // a window the grace period ended inside counts with its part after it).
    for (const m of settled) {
      const w = m.evaluation?.window;
      if (
        m.evaluation &&
        w &&
        w.to <= period.to &&
        w.to > period.to - 400 * DAY &&
        !past.some((p) => p.targetId === m.target.id && p.from === w.from && p.to === w.to)
      ) {
        past.push({ targetId: m.target.id, from: w.from, to: w.to, label: w.label, state: m.evaluation.state });
      }
    }
    out.push({
      period,
      ...(version ? { version: { effective: version.effective, ...(version.label !== undefined ? { label: version.label } : {}) } } : {}),
      targets: measured,
      settlement,
      issues,
    });
  }
  return out;
}
