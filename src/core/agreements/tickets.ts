/**
 * The tickets an agreement measures, evaluated once and reused across the windows and billing
 * periods it is measured over.
 *
 * Settling an agreement measures every billing period as of the period's end, and each of those
 * measurements needs every ticket's clocks and summary as of that instant. Most tickets are
 * finished long before the later periods end, and a finished ticket's evaluation does not change
 * with the instant it is taken at. So a ticket is evaluated again only when it has to be:
 *
 * - as of an instant before its first event, a ticket does not exist yet: it contributes nothing
 *   (evaluating it would give no clocks and a summary with no creation instant, which no window
 *   counts);
 * - an evaluation taken when every event of the ticket was known (its last event at or before the
 *   instant) and in which every clock had stopped is final: it is the same as of any later instant,
 *   because nothing in it depends on `now` any more (running clocks do: their elapsed time, state
 *   and deadline move with it);
 * - anything else is evaluated as of the instant asked for.
 *
 * The result is exactly what evaluating every ticket as of the instant would give (the settlement
 * tests compare both), for a fraction of the work once periods pile up.
 */
import { evaluateTicket, type TicketEvaluation } from '../clock/engine.ts';
import type { ClockResult, ClockTarget, TicketSummary } from '../clock/types.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { ticketKey } from '../clock/tickets.ts';

export interface TicketsAsOf {
  /** Every clock of every ticket, for every clock target of the book. */
  clocks: ClockResult[];
  tickets: TicketSummary[];
}

export interface TicketBook {
  readonly targets: readonly ClockTarget[];
  /** The events given that belong to no ticket (outages, checks, maintenance, KPI reports...). */
  readonly others: readonly Timed[];
  /** The number of distinct tickets (a ticket is its source and its id: two desks' 1001 are two). */
  readonly size: number;
  /** Clocks and summaries of every ticket that exists as of `asOf`. */
  at(asOf: number): TicketsAsOf;
  /** Each ticket's full evaluation as of `asOf` (with skipped clocks and issues), in first-seen order. */
  evaluations(asOf: number): TicketEvaluation[];
}

interface Entry {
  events: Timed<TicketEvent>[];
  firstAt: number;
  lastAt: number;
  final: TicketEvaluation | null;
}

/**
 * A book over `events` (those the agreement measures; events without a ticket are ignored) for
 * the given clock targets.
 */
export function ticketBook(events: readonly Timed[], targets: readonly ClockTarget[]): TicketBook {
  const byTicket = new Map<string, Entry>();
  const others: Timed[] = [];
  for (const e of events) {
    if (!('ticket' in e)) {
      others.push(e);
      continue;
    }
    const t = e as Timed<TicketEvent>;
    const key = ticketKey(t.source, t.ticket);
    const entry = byTicket.get(key);
    if (entry) {
      entry.events.push(t);
      if (t.atMs < entry.firstAt) entry.firstAt = t.atMs;
      if (t.atMs > entry.lastAt) entry.lastAt = t.atMs;
    } else byTicket.set(key, { events: [t], firstAt: t.atMs, lastAt: t.atMs, final: null });
  }
  const entries = [...byTicket.values()];
  let lastAsOf = NaN;
  let lastEvaluations: TicketEvaluation[] = [];
  let lastResult: TicketsAsOf | null = null;

  const evaluations = (asOf: number): TicketEvaluation[] => {
    if (asOf === lastAsOf) return lastEvaluations;
    const out: TicketEvaluation[] = [];
    for (const entry of entries) {
      if (entry.firstAt > asOf) continue;
      if (entry.final && entry.lastAt <= asOf) {
        out.push(entry.final);
        continue;
      }
      const r = evaluateTicket(entry.events, targets, asOf);
      if (entry.lastAt <= asOf && r.clocks.every((c) => c.stop !== null)) entry.final = r;
      out.push(r);
    }
    lastAsOf = asOf;
    lastEvaluations = out;
    lastResult = null;
    return out;
  };

  return {
    targets,
    others,
    size: entries.length,
    evaluations,
    at(asOf: number): TicketsAsOf {
      const evs = evaluations(asOf);
      if (lastResult) return lastResult;
      const clocks: ClockResult[] = [];
      const tickets: TicketSummary[] = [];
      for (const r of evs) {
        for (const c of r.clocks) clocks.push(c);
        tickets.push(r.summary);
      }
      lastResult = { clocks, tickets };
      return lastResult;
    },
  };
}
