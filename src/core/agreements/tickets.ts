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
  /** Where the ticket stands among the others (a resident book's: its first event's storage order). */
  order: number;
}

/**
 * A ticket book that is kept and changed in place (the refresh's resident window book, see
 * src/app/resident.ts): a ticket's events are replaced whole when it changes, and only its
 * evaluation is taken again; every other ticket keeps its final evaluation.
 */
export interface MutableTicketBook extends TicketBook {
  /**
   * Adds the ticket, or replaces its events (and forgets its evaluation). `order` places it among
   * the others (ascending; equal to the storage order of its first event, so the book lists its
   * tickets as one built from the events in storage order would).
   */
  put(key: string, events: Timed<TicketEvent>[], order: number): void;
  /** Takes the ticket out (it is no longer measured by the agreement). */
  remove(key: string): void;
  /** Appends events of no ticket (they come in storage order). */
  addOthers(events: readonly Timed[]): void;
}

function entryOf(events: Timed<TicketEvent>[], order: number): Entry {
  let firstAt = Infinity;
  let lastAt = -Infinity;
  for (const e of events) {
    if (e.atMs < firstAt) firstAt = e.atMs;
    if (e.atMs > lastAt) lastAt = e.atMs;
  }
  return { events, firstAt, lastAt, final: null, order };
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
    } else byTicket.set(key, { events: [t], firstAt: t.atMs, lastAt: t.atMs, final: null, order: byTicket.size });
  }
  return bookOver(byTicket, others, targets);
}

/** An empty book that is filled and changed in place (see MutableTicketBook). */
export function mutableTicketBook(targets: readonly ClockTarget[]): MutableTicketBook {
  return bookOver(new Map(), [], targets);
}

function bookOver(byTicket: Map<string, Entry>, others: Timed[], targets: readonly ClockTarget[]): MutableTicketBook {
  let lastOrder = -Infinity;
  for (const e of byTicket.values()) lastOrder = Math.max(lastOrder, e.order);
  let lastAsOf = NaN;
  let lastEvaluations: TicketEvaluation[] = [];
  let lastResult: TicketsAsOf | null = null;
  const changed = () => {
    lastAsOf = NaN;
    lastResult = null;
  };

  const evaluations = (asOf: number): TicketEvaluation[] => {
    if (asOf === lastAsOf) return lastEvaluations;
    const out: TicketEvaluation[] = [];
    for (const entry of byTicket.values()) {
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
    get size() {
      return byTicket.size;
    },
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
    put(key, events, order) {
      const had = byTicket.get(key);
      const entry = entryOf(events, had?.order ?? order);
      byTicket.set(key, entry);
      if (!had && entry.order < lastOrder) {
        // A ticket that belongs before others (its first event was stored earlier): in order again.
        const sorted = [...byTicket].sort((a, b) => a[1].order - b[1].order);
        byTicket.clear();
        for (const [k, v] of sorted) byTicket.set(k, v);
      }
      lastOrder = Math.max(lastOrder, entry.order);
      changed();
    },
    remove(key) {
      if (byTicket.delete(key)) changed();
    },
    addOthers(events) {
      if (events.length === 0) return;
      for (const e of events) others.push(e);
      changed();
    },
  };
}
