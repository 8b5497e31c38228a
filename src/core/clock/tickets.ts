/**
 * Which ticket an event belongs to, and a ticket's scope.
 *
 * Identity: a ticket is its source and its id. Two desks (sources) that both number a ticket 1001
 * have two different tickets, and nothing computed from events may mix them: grouping, clocks,
 * summaries and every list of tickets in a figure use the pair. Events that name no source belong
 * to the source '' (as the store keys them), so systems that share ticket numbers must say who
 * they are with `source`.
 *
 * Scope: a ticket's service, customer and region come from its own history, not from each event:
 * the ticket.created event's value, else that of the first event in the canonical order
 * (order.ts) that carries one; the same rule as the ticket summary (summary.ts). Follow-up events
 * need not repeat them (docs/events.md shows `ticket.responded` with only the ticket id), so what
 * decides whether an agreement measures a ticket is the ticket's scope, and an agreement measures
 * all of a ticket's events or none of them. Deciding per event dropped the sparse follow-ups: their
 * clocks never stopped.
 */
import type { TicketEvent, Timed } from '../events/schema.ts';
import { compareEvents } from './order.ts';

/** A key for maps of tickets: the source and the id (length-prefixed, so no pair of strings can forge another's). */
export function ticketKey(source: string | undefined, ticket: string): string {
  const s = source ?? '';
  return `${s.length}:${s}${ticket}`;
}

/**
 * How a figure names a ticket (contributors, breached tickets): the id alone when the ticket's
 * events name no source, else `source:id`, so two desks' tickets 1001 are two entries
 * (`zendesk:1001`, `jira:1001`), never one.
 */
export function ticketRef(t: { source?: string | undefined; ticket: string }): string {
  return t.source ? `${t.source}:${t.ticket}` : t.ticket;
}

export interface TicketScope {
  service: string | null;
  customer: string | null;
  region: string | null;
}

/** A ticket's scope from its events, in any order (see the module comment). */
export function ticketScope(events: ReadonlyArray<Timed<TicketEvent>>): TicketScope {
  let created: Timed<TicketEvent> | null = null;
  for (const e of events) if (e.type === 'ticket.created' && (created === null || compareEvents(e, created) < 0)) created = e;
  const first = (field: 'service' | 'customer' | 'region'): string | null => {
    const own = created?.[field];
    if (own !== undefined) return own;
    let best: Timed<TicketEvent> | null = null;
    for (const e of events) {
      // Only the first ticket.created counts (order.ts drops the others).
      if (e[field] === undefined || (e.type === 'ticket.created' && e !== created)) continue;
      if (best === null || compareEvents(e, best) < 0) best = e;
    }
    return best?.[field] ?? null;
  };
  return { service: first('service'), customer: first('customer'), region: first('region') };
}

export interface TicketGroup {
  /** '' when the ticket's events name no source. */
  source: string;
  ticket: string;
  /** In the order given. */
  events: Timed<TicketEvent>[];
}

export interface Grouped {
  /** By ticketKey, in first-seen order. */
  tickets: Map<string, TicketGroup>;
  /** For each event given, its ticket's group (index-aligned), or null for an event of no ticket. */
  groupOf: Array<TicketGroup | null>;
}

/** The events' tickets, each with its events (events without a ticket belong to none). */
export function groupByTicket(events: readonly Timed[]): Grouped {
  const tickets = new Map<string, TicketGroup>();
  const groupOf = new Array<TicketGroup | null>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const id = (e as { ticket?: unknown }).ticket;
    if (typeof id !== 'string') {
      groupOf[i] = null;
      continue;
    }
    const source = e.source ?? '';
    const key = ticketKey(source, id);
    let g = tickets.get(key);
    if (!g) {
      g = { source, ticket: id, events: [] };
      tickets.set(key, g);
    }
    g.events.push(e as Timed<TicketEvent>);
    groupOf[i] = g;
  }
  return { tickets, groupOf };
}
