/**
 * The event vocabulary Pledge measures from. Events are facts with an id: the same id twice is the
 * same fact; order of arrival does not matter (each carries the instant `at` it happened).
 *
 * Every event has: `id` (unique per source), `type`, `at` (ISO 8601 with offset), optional `source`
 * (the system that sent it), and optional scope fields used by filters: `service`, `customer`,
 * `region`. Ticket events carry `ticket`. Unknown fields are refused so typos do not pass silently;
 * free-form data goes in `attributes`.
 */
import { z } from 'zod';
import { parseInstant } from '../time/instant.ts';

const isoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)$/,
    'expected an ISO 8601 date-time with offset, e.g. 2026-03-27T16:00:00+01:00',
  );
const id = z.string().min(1).max(200);
const name = z.string().min(1).max(200);

const base = {
  id,
  at: isoInstant,
  source: name.optional(),
  service: name.optional(),
  customer: name.optional(),
  region: name.optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
};
const ticketBase = { ...base, ticket: id };

export const ticketCreated = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.created'),
  priority: name.optional(),
  status: name.optional(),
  channel: name.optional(),
  /** incident (something broke) or request (something wanted: new user, equipment...). */
  kind: z.enum(['incident', 'request']).optional(),
  requestType: name.optional(),
  group: name.optional(),
  assignee: name.optional(),
});
export const ticketResponded = z.strictObject({ ...ticketBase, type: z.literal('ticket.responded'), by: name.optional() });
export const ticketStatusChanged = z.strictObject({ ...ticketBase, type: z.literal('ticket.status_changed'), status: name });
export const ticketPriorityChanged = z.strictObject({ ...ticketBase, type: z.literal('ticket.priority_changed'), priority: name });
export const ticketAssigned = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.assigned'),
  group: name.optional(),
  assignee: name.optional(),
});
export const ticketEscalated = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.escalated'),
  level: z.number().int().min(0).max(100).optional(),
  to: name.optional(),
});
export const ticketResolved = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.resolved'),
  /** Who resolved it: the customer through self-service, or the provider. */
  by: z.enum(['customer', 'provider']).default('provider'),
});
export const ticketReopened = z.strictObject({ ...ticketBase, type: z.literal('ticket.reopened') });
export const ticketClosed = z.strictObject({ ...ticketBase, type: z.literal('ticket.closed') });
export const ticketContact = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.contact'),
  direction: z.enum(['in', 'out']),
  channel: name.optional(),
});
export const ticketSatisfaction = z.strictObject({
  ...ticketBase,
  type: z.literal('ticket.satisfaction'),
  score: z.number().finite(),
  /** Highest possible score; 5 unless told. */
  scale: z.number().positive().finite().default(5),
});

export const outageStarted = z.strictObject({
  ...base,
  type: z.literal('outage.started'),
  outage: id,
  impact: z.enum(['full', 'partial']).default('full'),
  /** For partial outages: the share of the service lost, 0 < weight <= 1. */
  weight: z.number().gt(0).max(1).optional(),
  cause: z.enum(['provider', 'customer', 'force_majeure', 'third_party']).default('provider'),
});
export const outageEnded = z.strictObject({ ...base, type: z.literal('outage.ended'), outage: id });
export const maintenanceScheduled = z.strictObject({
  ...base,
  type: z.literal('maintenance.scheduled'),
  maintenance: id,
  start: isoInstant,
  end: isoInstant,
  /** When customers were told; `at` when absent. */
  announcedAt: isoInstant.optional(),
});
export const maintenanceCancelled = z.strictObject({ ...base, type: z.literal('maintenance.cancelled'), maintenance: id });
export const checkResult = z.strictObject({
  ...base,
  type: z.literal('check.result'),
  check: name.optional(),
  up: z.boolean(),
  latencyMs: z.number().nonnegative().finite().optional(),
});
/**
 * Monitoring of the event's scope (a service, perhaps a region) began at `at`: from then on the
 * service is watched, so a window without outages is a measured, fully available window rather
 * than one nobody looked at. A probe's first check.result says the same for its own checks; this
 * event is for monitoring that reports only when something happens. docs/availability.md.
 */
export const monitoringStarted = z.strictObject({
  ...base,
  type: z.literal('monitoring.started'),
  /** What monitors it (a probe, a tool), for the record. */
  monitor: name.optional(),
});
/**
 * Nobody watched the event's scope from `from` to `to` (a monitor's own gap: Pledge itself was not
 * running, so its checks did not run). That time is not monitored: no data, neither up nor down, so
 * an outage open when the gap began is not counted during it. One fact with both ends, because a
 * gap is only known once it is over (the first check after it finds it); `at` is when it was found.
 * docs/availability.md, "Was the window monitored?".
 */
export const monitoringGap = z
  .strictObject({
    ...base,
    type: z.literal('monitoring.gap'),
    from: isoInstant,
    to: isoInstant,
    /** What did not watch (a probe, a tool), for the record. */
    monitor: name.optional(),
  })
  .check((ctx) => {
    const from = parseInstant(ctx.value.from);
    const to = parseInstant(ctx.value.to);
    if (from.ok && to.ok && to.value < from.value)
      ctx.issues.push({
        code: 'custom',
        path: ['to'],
        message: `expected an instant at or after from (${ctx.value.from})`,
        input: ctx.value.to,
      });
  });
export const kpiReported = z.strictObject({
  ...base,
  type: z.literal('kpi.reported'),
  kpi: name,
  value: z.number().finite(),
  /** Who or what the value is about, e.g. a sales rep; optional. */
  subject: name.optional(),
});

/**
 * A ratio target's window as measured outside Pledge (Prometheus, docs/prometheus.md): good and
 * total events over `window`, as of `at`. The latest measurement of a window is its figure; null
 * figures record a measurement that found nothing (no data). `evidence` keeps the queries as sent
 * and the answers, so the figure can be checked. Made by Pledge itself (source "prometheus").
 */
export const ratioMeasured = z.strictObject({
  ...base,
  type: z.literal('ratio.measured'),
  agreement: id,
  target: id,
  window: z.strictObject({ from: isoInstant, to: isoInstant }),
  good: z.number().finite().min(0).nullable(),
  total: z.number().finite().min(0).nullable(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});

export const pledgeEvent = z.discriminatedUnion('type', [
  ticketCreated,
  ticketResponded,
  ticketStatusChanged,
  ticketPriorityChanged,
  ticketAssigned,
  ticketEscalated,
  ticketResolved,
  ticketReopened,
  ticketClosed,
  ticketContact,
  ticketSatisfaction,
  outageStarted,
  outageEnded,
  maintenanceScheduled,
  maintenanceCancelled,
  checkResult,
  monitoringStarted,
  monitoringGap,
  kpiReported,
  ratioMeasured,
]);

export type PledgeEvent = z.output<typeof pledgeEvent>;
export type EventType = PledgeEvent['type'];
export type TicketEvent = Extract<PledgeEvent, { ticket: string }>;
export const EVENT_TYPES = pledgeEvent.options.map((o) => o.shape.type.value) as EventType[];

/** An event after parsing: `at` as epoch ms, kept beside the original fields. */
export type Timed<E extends PledgeEvent = PledgeEvent> = E & { atMs: number };
