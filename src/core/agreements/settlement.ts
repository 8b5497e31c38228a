/**
 * Settling an agreement: each billing period's targets measured from events (evaluate.ts), then
 * turned into money (penalties/settle.ts). Periods are settled oldest first, so each one knows the
 * states of the windows before it (termination rights) and what earlier periods of the contract
 * year already owe (yearly caps).
 *
 * Which window a target is measured over in a billing period: the window of the target's own kind
 * (month, quarter, year, rolling N days) that contains the period's last instant, as of the period's
 * end. A yearly target is therefore evaluated year-to-date every month; settlement decides in which
 * period it owes (a fine in the period of the breach, a credit when the window closes).
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { Timed } from '../events/schema.ts';
import { resolveWindow, windowContaining, type ResolvedWindow } from '../metrics/window.ts';
import { settlePeriod, resultFromEvaluation, contractYearOf, type Settlement, type TargetPeriodResult, type PastPeriod, type Money } from '../penalties/index.ts';
import type { Issue, Result } from '../validation/issues.ts';
import { clockTargetsOf, evaluateAgreement, eventsOf, type TargetResult } from './evaluate.ts';
import { ticketBook, type TicketBook } from './tickets.ts';
import type { AgreementSpec } from './schema.ts';
import { civilFromDay, dayFromCivil, zoneTable } from '../time/zone.ts';

const DAY = 86_400_000;

export interface PeriodOutcome {
  period: ResolvedWindow;
  /** Every target's measurement over its window for this period. */
  targets: TargetResult[];
  settlement: Settlement | null;
  issues: Issue[];
}

export interface SettleInput {
  terms: AgreementSpec;
  calendars: ReadonlyMap<string, BusinessCalendar>;
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
  /** The agreement's tickets over `events` with clockTargetsOf(terms, calendars), when the caller has built it already. */
  book?: TicketBook;
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

export function settlePeriods(input: SettleInput): PeriodOutcome[] {
  const { terms, calendars, now } = input;
  // Filtered once, and every ticket evaluated once for all the periods (tickets.ts).
  const events = eventsOf(terms, input.events);
  const book = input.book ?? ticketBook(events, clockTargetsOf(terms, calendars));
  const out: PeriodOutcome[] = [];
  const past: PastPeriod[] = [];
  const owed: Array<{ contractYear: number; money: Money[] }> = [];
  for (const period of input.periods) {
    const issues: Issue[] = [];
    const asOf = Math.min(now, period.to);
    // Group targets by the window they are measured over in this period, and measure each group once.
    const groups = new Map<string, { window: ResolvedWindow; targets: AgreementSpec['targets'] }>();
    const span = input.monitored ?? termSpan(terms, period.zone);
    for (const t of terms.targets) {
      const full = targetWindow(t, period);
      if (!full.ok) {
        issues.push(...full.issues.map((i) => ({ ...i, path: `targets[${t.id}].window` })));
        continue;
      }
      const from = Math.max(full.value.from, span.from);
      const to = Math.min(full.value.to, span.to);
      if (!(to > from)) continue; // not monitored at all in this window
      const w = { ok: true as const, value: { ...full.value, from, to } };
      const key = `${w.value.from}/${w.value.to}`;
      const g = groups.get(key) ?? { window: w.value, targets: [] };
      g.targets.push(t);
      groups.set(key, g);
    }
    const measured: TargetResult[] = [];
    for (const g of groups.values()) {
      const r = evaluateAgreement({ terms: { ...terms, targets: g.targets }, calendars, events, window: g.window, now: asOf, book, measured: true });
      issues.push(...r.issues);
      measured.push(...r.targets);
    }
    measured.sort((a, b) => terms.targets.indexOf(a.target) - terms.targets.indexOf(b.target));
    const results: TargetPeriodResult[] = [];
    for (const m of measured) {
      issues.push(...m.issues);
      if (!m.evaluation) continue;
      const r = resultFromEvaluation(m.target.id, m.evaluation, m.firstBreachAt);
      if (m.availability) r.excludedItems = [...(r.excludedItems ?? []), ...m.availability.excluded.map((x) => ({ id: x.id, reason: x.reason }))];
      results.push(r);
    }
    let settlement: Settlement | null = null;
    if (terms.penalties) {
      const yearIndex = terms.term ? contractYearOf(terms.term.start, period.to - 1, period.zone).index : civilFromDay(zoneTable(period.zone).localDay(period.to - 1)).y;
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
    // Windows that closed by this period's end become history for the next periods.
    for (const m of measured) {
      const w = m.evaluation?.window;
      if (m.evaluation && w && w.to <= period.to && w.to > period.to - 400 * DAY && !past.some((p) => p.targetId === m.target.id && p.from === w.from && p.to === w.to)) {
        past.push({ targetId: m.target.id, from: w.from, to: w.to, label: w.label, state: m.evaluation.state });
      }
    }
    out.push({ period, targets: measured, settlement, issues });
  }
  return out;
}
