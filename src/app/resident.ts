/**
 * The resident window book: the events the open windows need, and each agreement's ticket book
 * over them, kept in the process between refreshes (refreshDerived in derive.ts).
 *
 * Without it, a refresh after one new event reads back every event the recomputed windows need (at
 * 1M stored events, the ~72k of the current month) and evaluates every one of their tickets again,
 * although only one ticket changed. With it, the refresh replaces the touched tickets' events in
 * the books (their histories, which it reads anyway), adds the new events of no ticket, and
 * evaluates again only the touched tickets and those whose clocks still run; every other ticket
 * keeps its final evaluation (tickets.ts). The windows are then measured from the books as before,
 * so the results are the same as a rebuild's (derive-incremental.test.ts compares them).
 *
 * Exactness rests on three things:
 * - Coverage: a resident made for the windows from `needFrom` on holds what eventPayloadsFor read
 *   for them (every event of no ticket; every event of each ticket with an event since needFrom,
 *   with a clock still open, or touched), and every later change adds the touched tickets whole.
 *   Holding more than needed changes nothing (a ticket that finished before a window counts in
 *   none of it; a rebuild holds every event), so a resident serves any refresh whose windows begin
 *   at or after its needFrom. A refresh that reaches further back reads from the store as before
 *   and makes a new resident.
 * - Identity: it is used only at the state it was made or last brought to (the tenant's watermark
 *   and generation). Another process's write, a rebuild, or a change of agreements or calendars
 *   moves them, and the refresh reads from the store again.
 * - Order: tickets are kept in the order of their first stored event, as a read in storage order
 *   lists them, so results list their tickets in the same order as a rebuild's.
 *
 * One refresh at a time uses a resident: it is taken out of the cache while a refresh works on it
 * and put back only when that refresh's write succeeded (take/keep). Memory: the resident holds
 * the current windows' events once (objects shared by the agreements' books) and the books' final
 * evaluations; a resident that would hold more than RESIDENT_MAX_EVENTS events is not made.
 */
import { clockTargetsOf, eventsOf } from '../core/agreements/evaluate.ts';
import { mutableTicketBook, type MutableTicketBook } from '../core/agreements/tickets.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import { ticketKey } from '../core/clock/tickets.ts';
import type { TicketEvent, Timed } from '../core/events/schema.ts';
import type { Store, TenantId } from '../store/types.ts';
import type { Measured } from './derive.ts';

/** The most events a resident holds: beyond, refreshes read from the store (memory over speed). */
export const RESIDENT_MAX_EVENTS = 200_000;

/** A resident is dropped when the windows refreshed begin this long after its needFrom (it only grows). */
const RESIDENT_STALE_MS = 62 * 86_400_000;

interface ResidentTicket {
  /** The storage order (seq) of its first event. */
  order: number;
  events: Timed<TicketEvent>[];
}

export interface StoredEvent {
  seq: number;
  event: Timed;
}

export class Resident {
  /** The tenant's state it reflects (DerivedState.generation and the watermark). */
  generation: number;
  watermark: number;
  /** It covers the windows that begin at or after this instant (see the module comment); -Infinity: it holds every event. */
  readonly needFrom: number;
  private readonly tickets = new Map<string, ResidentTicket>();
  private readonly plain: Timed[] = [];
  private readonly books = new Map<string, { terms: AgreementSpec; book: MutableTicketBook }>();
  private count = 0;
  /** The greatest order among the tickets (the last one's: they are kept in order). */
  private lastOrder = -Infinity;

  private constructor(generation: number, watermark: number, needFrom: number) {
    this.generation = generation;
    this.watermark = watermark;
    this.needFrom = needFrom;
  }

  /**
   * A resident over `events` (in storage order: what eventPayloadsFor read for the windows from
   * `needFrom`, or every event up to the watermark with needFrom -Infinity), at the state given;
   * null when there are more than RESIDENT_MAX_EVENTS.
   */
  static of(events: readonly StoredEvent[], at: { generation: number; watermark: number; needFrom: number }): Resident | null {
    if (events.length > RESIDENT_MAX_EVENTS || Number.isNaN(at.needFrom) || at.needFrom === Infinity) return null;
    const r = new Resident(at.generation, at.watermark, at.needFrom);
    for (const { seq, event } of events) {
      r.count++;
      if (!('ticket' in event)) {
        r.plain.push(event);
        continue;
      }
      const t = event as Timed<TicketEvent>;
      const key = ticketKey(t.source, t.ticket);
      const had = r.tickets.get(key);
      if (had) had.events.push(t);
      else {
        r.tickets.set(key, { order: seq, events: [t] });
        r.lastOrder = seq;
      }
    }
    return r;
  }

  /** Whether it serves a refresh from `state` of windows beginning at `needFrom` (see the module comment). */
  serves(state: { generation: number; watermark: number }, needFrom: number): boolean {
    return (
      state.generation === this.generation &&
      state.watermark === this.watermark &&
      this.count <= RESIDENT_MAX_EVENTS &&
      needFrom >= this.needFrom &&
      // Every event (-Infinity: made from a read of them all), or no window to measure (Infinity:
      // kept up to date for the next refresh), or windows not too far past those it was made for.
      (this.needFrom === -Infinity || needFrom === Infinity || needFrom - this.needFrom <= RESIDENT_STALE_MS)
    );
  }

  get size(): number {
    return this.count;
  }

  /**
   * Applies a refresh's change: the touched tickets' whole histories (in storage order) and the
   * new events of no ticket, to the events and to the books of `agreements` (the agreements the
   * change touches: no other agreement measures any of these tickets or events).
   */
  apply(histories: readonly StoredEvent[], plain: readonly Timed[], agreements: readonly Measured[]): void {
    const changed = new Map<string, ResidentTicket>();
    for (const { seq, event } of histories) {
      const t = event as Timed<TicketEvent>;
      const key = ticketKey(t.source, t.ticket);
      const c = changed.get(key);
      if (c) c.events.push(t);
      else changed.set(key, { order: this.tickets.get(key)?.order ?? seq, events: [t] });
    }
    let reorder = false;
    let last = this.lastOrder;
    for (const [key, t] of changed) {
      const had = this.tickets.get(key);
      this.count += t.events.length - (had?.events.length ?? 0);
      if (!had) {
        if (t.order < last) reorder = true;
        last = Math.max(last, t.order);
      }
      this.tickets.set(key, t);
    }
    this.lastOrder = last;
    if (reorder) {
      const sorted = [...this.tickets].sort((a, b) => a[1].order - b[1].order);
      this.tickets.clear();
      for (const [k, v] of sorted) this.tickets.set(k, v);
    }
    for (const e of plain) this.plain.push(e);
    this.count += plain.length;
    for (const m of agreements) {
      const b = this.books.get(m.id);
      if (!b || b.terms !== m.terms) continue; // made from the resident's events when first asked for
      for (const [key, t] of changed) {
        if (eventsOf(m.terms, t.events).length > 0) b.book.put(key, t.events, t.order);
        else b.book.remove(key);
      }
      b.book.addOthers(eventsOf(m.terms, plain));
    }
  }

  /** The agreement's book over the resident's events (made once, then changed in place by apply). */
  bookFor(m: Measured): MutableTicketBook {
    const had = this.books.get(m.id);
    if (had && had.terms === m.terms) return had.book;
    const book = mutableTicketBook(clockTargetsOf(m.terms, m.calendars));
    // eventsOf keeps or drops a ticket's events together, on the ticket's own events: it is asked
    // once over all of them, ticket by ticket, and the tickets it kept go into the book in order.
    const kept = new Set<string>();
    for (const e of eventsOf(m.terms, this.events())) {
      if ('ticket' in e) kept.add(ticketKey(e.source, e.ticket));
    }
    for (const [key, t] of this.tickets) if (kept.has(key)) book.put(key, t.events, t.order);
    book.addOthers(eventsOf(m.terms, this.plain));
    this.books.set(m.id, { terms: m.terms, book });
    return book;
  }

  /**
   * Every event held, ticket by ticket in order, then those of no ticket in storage order:
   * equivalent to storage order for everything that measures them (a ticket book lists tickets by
   * their first event, and events of no ticket are taken in their own order).
   */
  events(): Timed[] {
    const out: Timed[] = [];
    for (const t of this.tickets.values()) for (const e of t.events) out.push(e);
    for (const e of this.plain) out.push(e);
    return out;
  }
}

/** The residents of each store, by tenant (see take and keep). */
const residents = new WeakMap<Store, Map<TenantId, Resident>>();

/** The tenant's resident, taken out for one refresh (a concurrent refresh finds none and reads the store). */
export function takeResident(store: Store, tenant: TenantId): Resident | undefined {
  const byTenant = residents.get(store);
  const r = byTenant?.get(tenant);
  if (r) byTenant!.delete(tenant);
  return r;
}

/** Keeps a resident for the tenant's next refresh (after the write it reflects succeeded). */
export function keepResident(store: Store, tenant: TenantId, r: Resident): void {
  let byTenant = residents.get(store);
  if (!byTenant) {
    byTenant = new Map();
    residents.set(store, byTenant);
  }
  byTenant.set(tenant, r);
}

/**
 * The agreement's book in the tenant's resident, for a reader at `state` measuring windows that
 * begin at or after `from`, without taking the resident (the scheduler's live look at a window);
 * undefined when there is none at that state. A refresh may change the book while the reader
 * awaits something; it then moves the state, so a write the reader guards with `state` is refused.
 */
export function residentBook(
  store: Store,
  tenant: TenantId,
  state: { generation: number; watermark: number },
  from: number,
  m: Measured,
): MutableTicketBook | undefined {
  const r = residents.get(store)?.get(tenant);
  return r?.serves(state, from) ? r.bookFor(m) : undefined;
}

/** Forgets the tenant's resident (its inputs changed). */
export function dropResident(store: Store, tenant: TenantId): void {
  residents.get(store)?.delete(tenant);
}
