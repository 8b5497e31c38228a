/** Events: ingestion of batches and the event log, filtered and paginated. */
import { z } from 'zod';
import { ingestBatch } from '../../app/ingest.ts';
import { pledgeEvent } from '../../core/events/schema.ts';
import { MAX_ATTRIBUTE_DEPTH } from '../../core/events/parse.ts';
import type { StoredEvent } from '../../store/types.ts';
import { HttpError } from '../errors.ts';
import { compact, defineOperation, instant, iso, pageQuery, type Deps, type Operation } from '../operation.ts';
import { EventPage, IngestReport } from '../schemas.ts';

export const ingestQuery = z.strictObject({
  mode: z
    .enum(['partial', 'all_or_nothing'])
    .optional()
    .describe('partial (default): good events are kept beside bad ones; all_or_nothing: nothing is written unless every event is good.'),
});

export const eventsQuery = z
  .strictObject({
    from: instant.optional().describe('Events at or after this instant (ISO 8601 with offset).'),
    to: instant.optional().describe('Events before this instant.'),
    type: z.string().min(1).max(100).optional().describe('Type or type prefix, e.g. ticket. or outage.started.'),
    service: z.string().min(1).max(200).optional(),
    customer: z.string().min(1).max(200).optional(),
    ticket: z.string().min(1).max(200).optional(),
    source: z
      .string()
      .max(200)
      .optional()
      .describe("Only events of this source (empty: events that name none); with ticket, one desk's ticket."),
    ...pageQuery,
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.to > q.from, { message: 'must be after from', path: ['to'] });

/** The batch body, documented: an array of events or one event (NDJSON: one event per line). */
export const eventBatch = z.union([z.array(pledgeEvent), pledgeEvent]);

export const EVENT_MEDIA = ['application/json', 'application/x-ndjson', 'text/plain'] as const;

function presentEvent(e: StoredEvent) {
  return compact({
    seq: e.seq,
    source: e.source,
    id: e.id,
    type: e.type,
    at: iso(e.at),
    ticket: e.ticket,
    service: e.service,
    customer: e.customer,
    region: e.region,
    receivedAt: iso(e.receivedAt),
    payload: e.payload,
  });
}

export function eventOperations(deps: Deps): Operation[] {
  const { store, config, metrics } = deps;
  return [
    defineOperation({
      method: 'POST',
      url: '/v1/events',
      operationId: 'ingestEvents',
      tag: 'events',
      summary: 'Send a batch of events',
      description:
        `A JSON array (or one event) as application/json, or one event per line as application/x-ndjson (or text/plain). ` +
        `At most ${config.limits.batchEvents} events and ${config.limits.batchBytes} bytes per request (413 above). ` +
        'The answer is 200 with a result per event (accepted, duplicate, conflict, rejected with the reason and issues, or not_written); ' +
        "an acknowledged event is committed, with the batch's audit line. A conflict is an id stored with other content (`seq`), or an " +
        "event naming another customer than its ticket's (`owner`: a ticket never changes owner). " +
        'With mode=all_or_nothing nothing is written unless every event is good (committed: false). ' +
        `An event is rejected when its attributes nest deeper than ${MAX_ATTRIBUTE_DEPTH} levels, a text holds NUL or an unpaired surrogate, ` +
        `or its \`at\` is before 2000 or more than ${Math.round(config.limits.maxClockSkewMs / 60_000)} minutes after the server's clock (docs/events.md).`,
      action: 'events.write',
      query: ingestQuery,
      body: { media: EVENT_MEDIA, schema: eventBatch, required: true, description: 'JSON array of events, or NDJSON' },
      responses: { 200: { description: 'The ingestion report: counts and a result per event, in the order sent.', schema: IngestReport } },
      async handler(c) {
        const format = c.media === 'application/json' ? 'json' : 'ndjson';
        // Events are their own append-only log; the audit log records who sent which batch, in the
        // same transaction as its events.
        const r = await ingestBatch(
          {
            tenant: c.principal.tenant,
            store,
            now: c.now,
            limits: config.limits,
            audit: { actor: c.principal.actor, requestId: c.requestId },
          },
          { body: c.body ?? '', format, allOrNothing: c.query.mode === 'all_or_nothing' },
        );
        if (!r.ok) {
          throw r.error.code === 'batch_too_large'
            ? new HttpError('payload_too_large', r.error.message, r.error.details ?? {})
            : new HttpError('malformed_body', r.error.message, r.error.details ?? {});
        }
        const rep = r.report;
        metrics.countIngested(c.principal.tenant, 'accepted', rep.accepted);
        metrics.countIngested(c.principal.tenant, 'duplicate', rep.duplicates);
        metrics.countIngested(c.principal.tenant, 'conflict', rep.conflicts);
        metrics.countIngested(c.principal.tenant, 'rejected', rep.rejected);
        metrics.countIngested(c.principal.tenant, 'not_written', rep.results.filter((x) => x.status === 'not_written').length);
        return { status: 200, body: rep };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/events',
      operationId: 'listEvents',
      tag: 'events',
      summary: 'List events',
      description: 'Events in the order they happened (by `at`, arrival breaking ties), filtered and paginated.',
      action: 'events.read',
      query: eventsQuery,
      responses: { 200: { description: 'A page of events: { items, next? }', schema: EventPage } },
      async handler(c) {
        const q = c.query;
        const page = await store.queryEvents(
          c.principal.tenant,
          compact({
            from: q.from,
            to: q.to,
            typePrefix: q.type,
            service: q.service,
            customer: q.customer,
            ticket: q.ticket,
            source: q.source,
            after: q.after,
            limit: q.limit,
          }),
        );
        return { body: compact({ items: page.items.map(presentEvent), next: page.next }) };
      },
    }),
  ] as Operation[];
}
