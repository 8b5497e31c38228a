/**
 * Putting one ticket's events into a canonical order, so that every result computed from them is
 * the same whatever order (and however many times) the events arrived in.
 *
 * The canonical stream:
 * - holds only well-formed ticket events of one ticket, with a finite instant at or before `asOf`;
 * - holds each fact once: events are facts keyed by (source, id), as the schema says ids are unique
 *   per source. Two different events under one key are a conflict: the one that sorts first is
 *   kept, and the conflict is reported;
 * - is sorted by instant, then by a fixed rank of event types (created first; a priority change
 *   before the other events of its instant so they see the new priority; responded before
 *   resolved, so a response and a resolution at one instant count as a response; resolved and
 *   closed before reopened), then by id, then by source. That is a total order on distinct facts,
 *   which is what makes the result independent of arrival order;
 * - starts with the ticket.created event when there is one. Events stamped before the creation
 *   (clock skew between systems) follow it, and take effect at the creation instant
 *   (`effectiveAt`); they are reported. Further ticket.created events are dropped and reported.
 */
import { canonicalJson } from '../json.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { describeValue } from '../validation/issues.ts';

export type TicketIssueCode =
  /** Not an object with a known ticket event type and a ticket id. */
  | 'not_a_ticket_event'
  /** The event is about another ticket than the one being evaluated. */
  | 'other_ticket'
  /** The event's instant is not a finite number. */
  | 'invalid_time'
  /** Two different events share a (source, id) key; the first in canonical order is kept. */
  | 'conflicting_duplicate'
  /** A second ticket.created event; only the first counts. */
  | 'duplicate_created'
  /** An event stamped before the ticket's creation; it takes effect at the creation instant. */
  | 'before_created'
  /** No ticket.created event: the clocks have no start. */
  | 'no_created_event'
  /** A lifecycle event that does not fit the ticket's state (reopen while open, resolve twice...); ignored. */
  | 'out_of_sequence';

export interface TicketIssue {
  code: TicketIssueCode;
  /** Id of the event concerned, null when there is none (or it has no usable id). */
  eventId: string | null;
  message: string;
}

export type TicketCreatedEvent = Extract<Timed<TicketEvent>, { type: 'ticket.created' }>;

export interface PreparedTicket {
  /** The ticket id: that of the ticket.created event, else of the first event in canonical order; '' when none. */
  ticket: string;
  /** The ticket's source, taken like its id ('' when its events name none): a ticket is its source and its id (tickets.ts). */
  source: string;
  /** Canonical stream (see above). When `created` is not null it is events[0]. */
  events: Timed<TicketEvent>[];
  created: TicketCreatedEvent | null;
  /** True when a ticket.created event was left out because it is after `asOf` (not created yet). */
  createdLater: boolean;
  /** Sorted by event id, then code, so that they too are independent of arrival order. */
  issues: TicketIssue[];
}

/** Rank of a ticket event type at one instant; -1 for anything that is not a ticket event type. */
export function typeRank(type: unknown): number {
  switch (type) {
    case 'ticket.created':
      return 0;
    case 'ticket.priority_changed':
      return 1;
    case 'ticket.assigned':
      return 2;
    case 'ticket.escalated':
      return 3;
    case 'ticket.status_changed':
      return 4;
    case 'ticket.contact':
      return 5;
    case 'ticket.responded':
      return 6;
    case 'ticket.resolved':
      return 7;
    case 'ticket.closed':
      return 8;
    case 'ticket.reopened':
      return 9;
    case 'ticket.satisfaction':
      return 10;
    default:
      return -1;
  }
}

/** Total order on distinct facts; see the module comment. */
export function compareEvents(a: Timed<TicketEvent>, b: Timed<TicketEvent>): number {
  return compareRanked(a, typeRank(a.type), b, typeRank(b.type));
}

function compareRanked(a: Timed<TicketEvent>, ra: number, b: Timed<TicketEvent>, rb: number): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (ra !== rb) return ra - rb;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  const sa = a.source ?? '';
  const sb = b.source ?? '';
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (a === b) return 0;
  // Same key, same instant and type: a duplicate. Only conflicting duplicates get this far with
  // different contents; their canonical text decides, so the kept one does not depend on arrival.
  const ca = canonicalJson(a);
  const cb = canonicalJson(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

export { canonicalJson } from '../json.ts';

/** Why a value is not a well-formed ticket event (only called when it is not). */
function notATicketEvent(e: unknown): string {
  if (e === null || typeof e !== 'object') return `${describeValue(e)} is not an event`;
  const r = e as Record<string, unknown>;
  if (typeRank(r.type) < 0) return `an event of type ${describeValue(r.type)} is not a ticket event`;
  if (typeof r.ticket !== 'string') return `${String(r.type)} event without a ticket id`;
  return `${String(r.type)} event without an event id`;
}

function byIdThenCode(a: TicketIssue, b: TicketIssue): number {
  const ia = a.eventId ?? '';
  const ib = b.eventId ?? '';
  if (ia !== ib) return ia < ib ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Sorts issues and drops repeats, so a fact delivered twice is not reported twice either. */
function dedupeIssues(issues: TicketIssue[]): void {
  issues.sort(byIdThenCode);
  let n = 1;
  for (let i = 1; i < issues.length; i++) {
    if (byIdThenCode(issues[i]!, issues[n - 1]!) !== 0) issues[n++] = issues[i]!;
  }
  issues.length = n;
}

/**
 * Per-event keys read once from the events into parallel scratch arrays (instant, type rank, id,
 * ticket), so that sorting and the duplicate scan compare plain values instead of reading the
 * properties of events of many shapes again and again. Module-level and reused: prepareTicket is
 * synchronous and not re-entrant, and nothing outside it sees these arrays. They keep references
 * to the last ticket's id strings until the next call; that is all they retain.
 */
let sAt = new Float64Array(64);
let sRank = new Int8Array(64);
const sId: string[] = [];
const sTicket: string[] = [];

function ensureScratch(n: number): void {
  if (sAt.length < n) {
    const size = Math.max(n, sAt.length * 2);
    sAt = new Float64Array(size);
    sRank = new Int8Array(size);
  }
}

/** Above this many events, Array.sort; below, an insertion sort on the scratch keys. */
const INSERTION_LIMIT = 32;

/** compareEvents between valid[i] (keys from scratch) and x (keys given). */
function compareAt(a: Timed<TicketEvent>[], i: number, x: Timed<TicketEvent>, xAt: number, xRank: number, xId: string): number {
  if (sAt[i] !== xAt) return sAt[i]! - xAt;
  if (sRank[i] !== xRank) return sRank[i]! - xRank;
  if (sId[i] !== xId) return sId[i]! < xId ? -1 : 1;
  return compareEvents(a[i]!, x);
}

/**
 * Sorts valid[0..n) and the scratch keys by compareEvents. A ticket has a handful of events that
 * mostly arrive in order, where an insertion sort does n-1 comparisons of cached keys.
 */
function sortCanonical(a: Timed<TicketEvent>[], n: number): void {
  if (n > INSERTION_LIMIT) {
    a.sort(compareEvents);
    for (let i = 0; i < n; i++) {
      const e = a[i]!;
      sAt[i] = e.atMs;
      sRank[i] = typeRank(e.type);
      sId[i] = e.id;
      sTicket[i] = e.ticket;
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    const xAt = sAt[i]!;
    const xRank = sRank[i]!;
    const xId = sId[i]!;
    const xTicket = sTicket[i]!;
    let j = i - 1;
    while (j >= 0 && compareAt(a, j, x, xAt, xRank, xId) > 0) {
      a[j + 1] = a[j]!;
      sAt[j + 1] = sAt[j]!;
      sRank[j + 1] = sRank[j]!;
      sId[j + 1] = sId[j]!;
      sTicket[j + 1] = sTicket[j]!;
      j--;
    }
    a[j + 1] = x;
    sAt[j + 1] = xAt;
    sRank[j + 1] = xRank;
    sId[j + 1] = xId;
    sTicket[j + 1] = xTicket;
  }
}

/**
 * The canonical stream of one ticket's events as of `asOf` (events after it are left out, so a
 * result "as of now" ignores events stamped in the future, and past states can be recomputed).
 */
export function prepareTicket(input: ReadonlyArray<Timed<TicketEvent>>, asOf = Infinity): PreparedTicket {
  const issues: TicketIssue[] = [];
  const valid: Timed<TicketEvent>[] = [];
  ensureScratch(input.length);
  let m = 0;
  let createdLater = false;
  for (const e of input as ReadonlyArray<unknown>) {
    if (e === null || typeof e !== 'object') {
      issues.push({ code: 'not_a_ticket_event', eventId: null, message: `${notATicketEvent(e)}; ignored` });
      continue;
    }
    const r = e as Timed<TicketEvent>;
    const rank = typeRank(r.type);
    const ticket: unknown = r.ticket;
    const id: unknown = r.id;
    if (rank < 0 || typeof ticket !== 'string' || typeof id !== 'string') {
      issues.push({ code: 'not_a_ticket_event', eventId: typeof id === 'string' ? id : null, message: `${notATicketEvent(e)}; ignored` });
      continue;
    }
    const t: unknown = r.atMs;
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      issues.push({ code: 'invalid_time', eventId: id, message: `event has no valid instant (at ${JSON.stringify(r.at)}); ignored` });
      continue;
    }
    if (t > asOf) {
      if (rank === 0) createdLater = true;
      continue;
    }
    valid.push(r);
    sAt[m] = t;
    sRank[m] = rank;
    sId[m] = id;
    sTicket[m] = ticket;
    m++;
  }
  sortCanonical(valid, m);

  let ticket = m > 0 ? sTicket[0]! : '';
  let source = m > 0 ? (valid[0]!.source ?? '') : '';
  for (let i = 0; i < m; i++) {
    if (sRank[i] === 0) {
      ticket = sTicket[i]!;
      source = valid[i]!.source ?? '';
      break;
    }
  }

  // `valid` is our own copy: the kept events are compacted into its front (kept = valid[0..n)),
  // and so are their scratch keys.
  const kept = valid;
  let n = 0;
  const byKey = m > INSERTION_LIMIT ? new Map<string, Timed<TicketEvent>>() : null;
  let created: TicketCreatedEvent | null = null;
  for (let i = 0; i < m; i++) {
    const e = valid[i]!; // n <= i: compaction never overwrites an entry not yet read
    const id = sId[i]!;
    if (sTicket[i] !== ticket || (e.source ?? '') !== source) {
      // Another desk's ticket with the same number is another ticket.
      const of = (t: string, src: string) => `${JSON.stringify(t)}${src ? ` of ${JSON.stringify(src)}` : ''}`;
      const message = `event is for ticket ${of(sTicket[i]!, e.source ?? '')}, not ${of(ticket, source)}; ignored`;
      issues.push({ code: 'other_ticket', eventId: id, message });
      continue;
    }
    let first: Timed<TicketEvent> | undefined;
    if (byKey) {
      const key = `${e.source ?? ''}\u0000${id}`;
      first = byKey.get(key);
      if (!first) byKey.set(key, e);
    } else {
      for (let j = 0; j < n; j++) {
        if (sId[j] === id && (kept[j]!.source ?? '') === (e.source ?? '')) {
          first = kept[j];
          break;
        }
      }
    }
    if (first) {
      // The same fact delivered again is normal (at-least-once delivery); only a different
      // content under the same key is worth reporting.
      if (first !== e && canonicalJson(first) !== canonicalJson(e)) {
        issues.push({
          code: 'conflicting_duplicate',
          eventId: id,
          message: `two different events share id ${JSON.stringify(id)}${e.source ? ` from ${e.source}` : ''}; kept the one at ${first.at} (${first.type})`,
        });
      }
      continue;
    }
    if (sRank[i] === 0) {
      if (created) {
        issues.push({
          code: 'duplicate_created',
          eventId: id,
          message: `ticket already created by event ${JSON.stringify(created.id)}; ignored`,
        });
        continue;
      }
      created = e as TicketCreatedEvent;
    }
    kept[n] = e;
    sId[n] = id;
    n++;
  }
  kept.length = n;

  let events = kept;
  if (created) {
    const at = kept.indexOf(created);
    if (at > 0) {
      // Events stamped before the creation move behind it (their relative order is kept) and take
      // effect at the creation instant: the stream stays sorted by effective instant.
      for (let j = 0; j < at; j++) {
        issues.push({
          code: 'before_created',
          eventId: kept[j]!.id,
          message: `event at ${kept[j]!.at} is before the ticket was created (${created.at}); counted at the creation instant`,
        });
      }
      events = [created, ...kept.slice(0, at), ...kept.slice(at + 1)];
    }
  } else if (kept.length > 0 && !createdLater) {
    issues.push({
      code: 'no_created_event',
      eventId: null,
      message: `no ticket.created event for ticket ${JSON.stringify(ticket)}: its clocks have no start`,
    });
  }
  if (issues.length > 1) dedupeIssues(issues);
  return { ticket, source, events, created, createdLater, issues };
}

/** Instant at which an event of the canonical stream takes effect: never before the creation. */
export function effectiveAt(e: Timed<TicketEvent>, createdAt: number): number {
  return Math.max(e.atMs, createdAt);
}

/** Ticket lifecycle, shared by the summary and the clocks so both read events the same way. */
export const OPEN = 0;
export const RESOLVED = 1;
export const CLOSED = 2;
export type Lifecycle = typeof OPEN | typeof RESOLVED | typeof CLOSED;

/**
 * The lifecycle after a resolved, closed or reopened event, or -1 when the event does not fit
 * (resolving a resolved or closed ticket, closing a closed one, reopening an open one).
 * Closing an open ticket counts as ending it without a resolution event.
 */
export function lifecycleAfter(state: Lifecycle, type: 'ticket.resolved' | 'ticket.closed' | 'ticket.reopened'): Lifecycle | -1 {
  switch (type) {
    case 'ticket.resolved':
      return state === OPEN ? RESOLVED : -1;
    case 'ticket.closed':
      return state === CLOSED ? -1 : CLOSED;
    case 'ticket.reopened':
      return state === OPEN ? -1 : OPEN;
  }
}
