/**
 * One ticket: its events, and its stored clocks across every agreement that measures it (state,
 * deadline and, when stored, the timeline). Clocks are brought up to date first when events arrived
 * since they were computed. A customer sees a ticket only when it is the ticket's customer, and then
 * only the clocks of its own agreements.
 */
import { z } from 'zod';
import { authorize } from '../../core/access/policy.ts';
import type { ClockResult } from '../../core/clock/types.ts';
import type { ClockRow, StoredEvent } from '../../store/types.ts';
import { HttpError } from '../errors.ts';
import { compact, defineOperation, iso, type Deps, type Operation } from '../operation.ts';
import { ensureFresh, visibleAgreementIds } from './derived-access.ts';
import { Ticket } from '../schemas.ts';

export const ticketParams = z.strictObject({
  ticket: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'expected a ticket id without control characters')
    .describe('The ticket id, as in its events.'),
});

type ClockValue = ClockResult;

/**
 * A finite instant as ISO; null for none and for Infinity (a clock that never runs out), which is
 * also what a stored Infinity reads back as (JSON has no Infinity).
 */
const instantOrNull = (ms: number | null): string | null => (typeof ms === 'number' && Number.isFinite(ms) ? iso(ms) : null);

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
  return compact({ seq: e.seq, source: e.source, id: e.id, type: e.type, at: iso(e.at), service: e.service, customer: e.customer, region: e.region, receivedAt: iso(e.receivedAt), payload: e.payload });
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
        '(only what the new events touch). 404 when no event names the ticket; a customer token sees only its own tickets and agreements.',
      action: 'tickets.read',
      params: ticketParams,
      responses: { 200: { description: '{ ticket, customer?, service?, events, clocks }', schema: Ticket } },
      async handler(c) {
        const p = c.principal;
        const ticket = c.params.ticket;
        const events = await store.ticketEvents(p.tenant, ticket);
        if (events.length === 0) throw new HttpError('not_found', `no ticket ${ticket}`);
        // The ticket's customer and service: the latest event that names one.
        const customer = [...events].reverse().find((e) => e.customer !== undefined)?.customer;
        const service = [...events].reverse().find((e) => e.service !== undefined)?.service;
        const d = authorize(p, 'tickets.read', { tenant: p.tenant, ...(customer !== undefined ? { customer } : {}) });
        if (!d.allowed) throw d.code === 'forbidden' ? new HttpError('forbidden', d.reason, { action: 'tickets.read' }) : new HttpError('not_found', `no ticket ${ticket}`);
        await ensureFresh(store, p.tenant, c.now);
        const visible = await visibleAgreementIds(store, p);
        const clocks: ClockRow<ClockValue>[] = [];
        let after: string | undefined;
        do {
          const page = await store.listClocks<ClockValue>(p.tenant, { ticket, limit: 1000, ...(after ? { after } : {}) });
          for (const r of page.items) if (visible === undefined || visible.has(r.agreementId)) clocks.push(r);
          after = page.next;
        } while (after);
        return { body: compact({ ticket, customer, service, events: events.map(presentEvent), clocks: clocks.map(presentClock) }) };
      },
    }),
  ] as Operation[];
}
