/**
 * One ticket: its events, and its stored clocks across every agreement that measures it (state,
 * deadline and, when stored, the timeline). Clocks are brought up to date first when events arrived
 * since they were computed.
 *
 * A ticket is its source and its id (two desks' tickets 1001 are two tickets), and it belongs to
 * the customer of the ticket registry (its first stored event naming one; never the latest
 * event's, which any sender could set). Every read is filtered by the caller's scope: a customer
 * sees only tickets it owns, and then only the clocks of its own agreements; another's ticket is
 * 404, as one that does not exist (never 403, which would tell it exists). Without `?source=`, the
 * id must name one ticket among those the caller may see.
 */
import { z } from 'zod';
import { authorize } from '../../core/access/policy.ts';
import type { ClockResult } from '../../core/clock/types.ts';
import { ticketScope } from '../../core/clock/tickets.ts';
import type { TicketEvent, Timed } from '../../core/events/schema.ts';
import type { ClockRow, StoredEvent, StoredTicket } from '../../store/types.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, defineOperation, iso, type Deps, type Operation } from '../operation.ts';
import { ensureFresh, visibleAgreementIds } from './derived-access.ts';
import { computeClocks } from '../../core/clock/engine.ts';
import type { ClockSegment } from '../../core/clock/types.ts';
import { clockTargetsOf } from '../../core/agreements/evaluate.ts';
import { measuredAgreementsOf } from '../../app/derive.ts';
import type { Store } from '../../store/types.ts';
import { Ticket } from '../schemas.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const ticketParams = z.strictObject({
  ticket: z
    .string()
    .min(1)
    .max(200)
    .regex(NO_CONTROL, 'expected a ticket id without control characters')
    .describe('The ticket id, as in its events.'),
});

export const ticketQuery = z.strictObject({
  source: z
    .string()
    .max(200)
    .regex(NO_CONTROL, 'expected a source without control characters')
    .optional()
    .describe('The source (desk) of the ticket, as in its events; empty for events that name none. Needed when several desks use the id.'),
});

type ClockValue = ClockResult;

/**
 * A finite instant as ISO; null for none and for Infinity (a clock that never runs out), which is
 * also what a stored Infinity reads back as (JSON has no Infinity).
 */
const instantOrNull = (ms: number | null): string | null => (typeof ms === 'number' && Number.isFinite(ms) ? iso(ms) : null);

/**
 * Each stored clock's timeline (segments: counted, paused and why, outside working hours, stopped),
 * recomputed from the ticket's events with the agreement's clock targets as of the instant the
 * clock was stored, and attached only where the recomputation gives the same elapsed time as the
 * stored clock (stored clocks do not keep their segments: a rebuild of every clock would carry them
 * for nothing). A clock whose agreement cannot be measured now keeps no timeline.
 */
async function withTimelines(store: Store, tenant: string, events: readonly StoredEvent[], clocks: ClockRow<ClockValue>[]): Promise<void> {
  if (clocks.length === 0) return;
  const { measured } = await measuredAgreementsOf(store, tenant, (await store.getDerivedState(tenant)).generation);
  const timed = events.map((e) => ({ ...e.payload, atMs: e.at }) as unknown as Timed<TicketEvent>);
  const computed = new Map<string, Map<string, ClockSegment[] | undefined>>();
  for (const r of clocks) {
    const key = `${r.agreementId}\u0000${r.updatedAt}`;
    let byClock = computed.get(key);
    if (!byClock) {
      byClock = new Map();
      const m = measured.find((x) => x.id === r.agreementId);
      if (m)
        for (const c of computeClocks(timed, clockTargetsOf(m.terms, m.calendars), r.updatedAt, { explain: true }))
          if (c.segments) byClock.set(`${c.target}\u0000${c.cycle}\u0000${c.elapsedMs}`, c.segments);
      computed.set(key, byClock);
    }
    const segments = byClock.get(`${r.target}\u0000${r.cycle}\u0000${r.value.elapsedMs}`);
    if (segments && !r.value.segments) r.value = { ...r.value, segments };
  }
}

function presentClock(r: ClockRow<ClockValue>) {
  const v = r.value;
  return compact({
    agreement: r.agreementId,
    target: r.target,
    cycle: r.cycle,
    kind: v.kind,
    priority: v.priority,
    state: v.state,
    start: iso(v.start),
    stop: instantOrNull(v.stop),
    deadline: instantOrNull(v.deadline),
    breachAt: instantOrNull(v.breachAt),
    elapsedMs: v.elapsedMs,
    pausedMs: v.pausedMs,
    targetMs: v.targetMs,
    consumed: v.consumed,
    eventIds: v.eventIds,
    timeline: v.segments?.map((s) => ({ ...s, from: iso(s.from), to: iso(s.to) })),
    updatedAt: iso(r.updatedAt),
  });
}

function presentEvent(e: StoredEvent) {
  return compact({
    seq: e.seq,
    source: e.source,
    id: e.id,
    type: e.type,
    at: iso(e.at),
    service: e.service,
    customer: e.customer,
    region: e.region,
    receivedAt: iso(e.receivedAt),
    payload: e.payload,
  });
}

export function ticketOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/tickets/:ticket',
      operationId: 'getTicket',
      tag: 'results',
      summary: 'A ticket: its events and its clocks across agreements',
      description:
        'The events in the order they happened, and the stored clocks of every agreement measuring the ticket, each with its state, ' +
        'deadline (null when it can never run out) and timeline when stored. Clocks are recomputed first when events arrived since ' +
        "(only what the new events touch). A ticket is its source and its id: `source` picks one desk's ticket, and is needed when " +
        "the caller may see several tickets with the id (400 names them, in `details.sources`). The customer is the ticket's owner (its first event naming " +
        'one). 404 when there is no such ticket; a customer token sees only the tickets it owns, and the clocks of its own agreements.',
      action: 'tickets.read',
      params: ticketParams,
      query: ticketQuery,
      responses: { 200: { description: '{ ticket, source, customer?, service?, events, clocks }', schema: Ticket } },
      async handler(c) {
        const p = c.principal;
        const id = c.params.ticket;
        const source = c.query.source;
        const notFound = () => new HttpError('not_found', `no ticket ${id}${source ? ` of source ${source}` : ''}`);
        const one = source !== undefined ? await store.getTicket(p.tenant, source, id) : undefined;
        const candidates: StoredTicket[] = source !== undefined ? (one ? [one] : []) : await store.findTickets(p.tenant, id);
        // The caller's scope, on the owner the registry holds.
        const visible = candidates.filter((t) => {
          const d = authorize(p, 'tickets.read', { tenant: p.tenant, ...(t.customer !== undefined ? { customer: t.customer } : {}) });
          if (!d.allowed && d.code === 'forbidden') throw new HttpError('forbidden', d.reason, { action: 'tickets.read' });
          return d.allowed;
        });
        if (visible.length === 0) throw notFound();
        if (visible.length > 1) {
          const sources = visible.map((t) => t.source);
          const e = invalid(
            [
              {
                path: 'source',
                message: `several desks have a ticket ${id}: name one`,
                expected: `one of ${sources.map((x) => JSON.stringify(x)).join(', ')}`,
                received: 'nothing',
              },
            ],
            'query',
          );
          // The desks as data, so a client offers the choice without reading the message.
          throw new HttpError(e.code, e.message, { ...e.details, sources });
        }
        const ticket = visible[0]!;
        const events = await store.ticketEvents(p.tenant, ticket.source, ticket.ticket);
        if (events.length === 0) throw notFound();
        // Service from the ticket's own history (its creation, else its first event naming one).
        const scope = ticketScope(events.map((e) => ({ ...e.payload, atMs: e.at }) as unknown as Timed<TicketEvent>));
        await ensureFresh(store, p.tenant, c.now);
        const agreements = await visibleAgreementIds(store, p);
        const clocks: ClockRow<ClockValue>[] = [];
        let after: string | undefined;
        do {
          const filter = { ticket: ticket.ticket, source: ticket.source, limit: 1000, ...(after ? { after } : {}) };
          const page = await store.listClocks<ClockValue>(p.tenant, filter);
          for (const r of page.items) if (agreements === undefined || agreements.has(r.agreementId)) clocks.push(r);
          after = page.next;
        } while (after);
        await withTimelines(store, p.tenant, events, clocks);
        return {
          body: compact({
            ticket: ticket.ticket,
            source: ticket.source,
            customer: ticket.customer,
            service: scope.service ?? undefined,
            events: events.map(presentEvent),
            clocks: clocks.map(presentClock),
          }),
        };
      },
    }),
  ] as Operation[];
}
