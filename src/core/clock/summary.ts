/**
 * The facts about one ticket that metrics other than clocks need (first-contact resolution,
 * self-service share, escalation rate, satisfaction...), read from the canonical event stream.
 *
 * Rules (also in docs/clocks.md):
 * - service, customer, region: the ticket.created event's value, else the first event (canonical
 *   order) that carries one; the scope a ticket was opened under decides which agreement applies
 *   (the same rule as ticketScope in tickets.ts, which agreements use to pick their tickets).
 * - status and priority: the latest value; status changes only through ticket.created and
 *   ticket.status_changed (resolved, closed and reopened are lifecycle events, not statuses).
 * - resolvedAt/resolvedBy: the resolution in force, cleared by a reopen; closedAt likewise.
 *   Lifecycle events that do not fit (resolve twice, reopen an open ticket) are ignored and
 *   reported as out_of_sequence issues, exactly as the clocks ignore them.
 * - groupChanges: assignments to a group different from the current one, once a group is known;
 *   the first assignment of a ticket created without a group is not a change.
 * - satisfaction: raw score and scale per rating (score / scale is the 0..1 figure).
 */
import type { TicketSummary } from './types.ts';
import { OPEN, RESOLVED, effectiveAt, lifecycleAfter, type Lifecycle, type PreparedTicket, type TicketIssue } from './order.ts';

/**
 * Summary of a prepared ticket. Lifecycle anomalies are appended to `issues` when given.
 * Without a ticket.created event, createdAt is the first event's instant (NaN when there is no
 * event at all) and kind defaults to incident.
 */
export function summarizePrepared(prep: PreparedTicket, issues?: TicketIssue[]): TicketSummary {
  const created = prep.created;
  const events = prep.events;
  const createdAt = created ? created.atMs : events.length > 0 ? events[0]!.atMs : Number.NaN;
  let service = created?.service ?? null;
  let customer = created?.customer ?? null;
  let region = created?.region ?? null;
  let status = created?.status ?? null;
  let priority = created?.priority ?? null;
  let group = created?.group ?? null;
  let firstResponseAt: number | null = null;
  let resolvedAt: number | null = null;
  let resolvedBy: 'customer' | 'provider' | null = null;
  let closedAt: number | null = null;
  let reopenCount = 0;
  let escalationCount = 0;
  let groupChanges = 0;
  let contactsIn = 0;
  let contactsOut = 0;
  let life: Lifecycle = OPEN;
  const satisfaction: TicketSummary['satisfaction'] = [];
  const eventIds = new Array<string>(events.length);

  // Scope fields are looked for on later events only while one is still missing (reading absent
  // properties of events of many shapes is comparatively slow).
  let scopeMissing = service === null || customer === null || region === null;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    eventIds[i] = e.id;
    if (scopeMissing) {
      if (service === null && e.service !== undefined) service = e.service;
      if (customer === null && e.customer !== undefined) customer = e.customer;
      if (region === null && e.region !== undefined) region = e.region;
      scopeMissing = service === null || customer === null || region === null;
    }
    switch (e.type) {
      case 'ticket.status_changed':
        status = e.status;
        break;
      case 'ticket.priority_changed':
        priority = e.priority;
        break;
      case 'ticket.assigned':
        if (e.group !== undefined && e.group !== group) {
          if (group !== null) groupChanges++;
          group = e.group;
        }
        break;
      case 'ticket.escalated':
        escalationCount++;
        break;
      case 'ticket.responded':
        if (firstResponseAt === null) firstResponseAt = effectiveAt(e, createdAt);
        break;
      case 'ticket.contact':
        if (e.direction === 'in') contactsIn++;
        else contactsOut++;
        break;
      case 'ticket.satisfaction':
        satisfaction.push({ at: effectiveAt(e, createdAt), score: e.score, scale: e.scale ?? 5 });
        break;
      case 'ticket.resolved':
      case 'ticket.closed':
      case 'ticket.reopened': {
        const next = lifecycleAfter(life, e.type);
        if (next === -1) {
          issues?.push({
            code: 'out_of_sequence',
            eventId: e.id,
            message: `${e.type} while the ticket is ${life === OPEN ? 'open' : life === RESOLVED ? 'resolved' : 'closed'}; ignored`,
          });
          break;
        }
        const t = effectiveAt(e, createdAt);
        if (e.type === 'ticket.resolved') {
          resolvedAt = t;
          resolvedBy = e.by ?? 'provider';
        } else if (e.type === 'ticket.closed') {
          closedAt = t;
        } else {
          reopenCount++;
          resolvedAt = null;
          resolvedBy = null;
          closedAt = null;
        }
        life = next;
        break;
      }
      default:
        break;
    }
  }

  return {
    ticket: prep.ticket,
    ...(prep.source ? { source: prep.source } : {}),
    createdAt,
    service,
    customer,
    region,
    channel: created?.channel ?? null,
    kind: created?.kind ?? 'incident',
    requestType: created?.requestType ?? null,
    initialPriority: created?.priority ?? null,
    priority,
    status,
    firstResponseAt,
    resolvedAt,
    resolvedBy,
    closedAt,
    reopenCount,
    escalationCount,
    groupChanges,
    contactsIn,
    contactsOut,
    satisfaction,
    eventIds,
  };
}
