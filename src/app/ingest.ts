/**
 * Ingesting a batch of events: parse (a JSON array or NDJSON), validate each event, store the good
 * ones in one transaction, and answer per event. Good events in a batch with bad ones are kept,
 * unless the client asks for all-or-nothing. The same event sent twice changes nothing. An event
 * naming another customer than its ticket's is a conflict: a ticket never changes owner. The
 * batch's audit line is written in the events' transaction (one commit, and never one without
 * the other).
 */
import { parseEvent } from '../core/events/parse.ts';
import type { Timed } from '../core/events/schema.ts';
import type { Issue } from '../core/validation/issues.ts';
import type { AppendResult, AuditInput, EventStore, TenantId, TicketOwner } from '../store/types.ts';

export interface IngestLimits {
  batchEvents: number;
  batchBytes: number;
}

export type IngestItem =
  | { index: number; id: string; status: 'accepted' | 'duplicate'; seq: number }
  /**
   * conflict: `seq` when an event with this source and id is stored with other content; `owner`
   * (the customer the ticket belongs to) when the event names another customer than its ticket's.
   */
  | { index: number; id: string; status: 'conflict'; seq?: number; owner?: string; reason: string }
  | { index: number; id: string | null; status: 'rejected'; reason: string; issues: Issue[] }
  | { index: number; id: string | null; status: 'not_written'; reason: string };

export interface IngestReport {
  /** False when an all-or-nothing batch was refused: then nothing was written. */
  committed: boolean;
  received: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
  results: IngestItem[];
  lastSeq: number | null;
}

export type IngestFailure = { code: 'batch_too_large' | 'bad_batch'; message: string; details?: Record<string, unknown> };

export interface IngestContext {
  tenant: TenantId;
  store: EventStore;
  now: number;
  limits: IngestLimits;
  /**
   * Who sends the batch: a batch that stores at least one event is recorded in the audit log
   * (`events.ingest`, with its counts), in the same transaction as its events.
   */
  audit?: { actor: string; requestId?: string };
}

export interface IngestInput {
  /** The request body as text. */
  body: string;
  format: 'json' | 'ndjson';
  allOrNothing?: boolean;
}

/** Splits a body into raw events, or says why it cannot be read as a batch. */
export function readBatch(body: string, format: IngestInput['format'], limits: IngestLimits): { ok: true; values: Array<{ value: unknown; parseError?: string }> } | { ok: false; error: IngestFailure } {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > limits.batchBytes) return { ok: false, error: { code: 'batch_too_large', message: `the batch is ${bytes} bytes; at most ${limits.batchBytes} are accepted per request`, details: { bytes, limit: limits.batchBytes } } };
  let values: Array<{ value: unknown; parseError?: string }>;
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return { ok: false, error: { code: 'bad_batch', message: `the body is not valid JSON: ${(e as Error).message}` } };
    }
    if (!Array.isArray(parsed)) parsed = [parsed];
    values = (parsed as unknown[]).map((value) => ({ value }));
  } else {
    values = [];
    for (const line of body.split(/\r?\n/)) {
      const t = line.trim();
      if (t === '') continue;
      try {
        values.push({ value: JSON.parse(t) });
      } catch (e) {
        values.push({ value: undefined, parseError: `not valid JSON: ${(e as Error).message}` });
      }
    }
  }
  if (values.length > limits.batchEvents) return { ok: false, error: { code: 'batch_too_large', message: `the batch has ${values.length} events; at most ${limits.batchEvents} are accepted per request`, details: { events: values.length, limit: limits.batchEvents } } };
  return { ok: true, values };
}

export type IngestOutcome = { ok: true; report: IngestReport } | { ok: false; error: IngestFailure };

/**
 * Where batches go: `ingestBatch` on a store, or a server's POST /v1/events (the CLI with --url).
 * Both answer per event the same way, so the callers (NDJSON files, CSV exports) do not care which.
 */
export type BatchSender = (input: IngestInput) => Promise<IngestOutcome>;

/** A sender that stores batches with `ingestBatch`, the clock read per batch, audited as `actor`. */
export function storeSender(ctx: { tenant: TenantId; store: EventStore; now: () => number; limits: IngestLimits; actor: string }): BatchSender {
  const audit = { actor: ctx.actor };
  return (input) => ingestBatch({ tenant: ctx.tenant, store: ctx.store, now: ctx.now(), limits: ctx.limits, audit }, input);
}

/** Why an event naming another customer than its ticket's is refused. */
function ownerConflict(o: TicketOwner, named: string | undefined): string {
  const ticket = `ticket ${JSON.stringify(o.ticket)}${o.source ? ` of source ${JSON.stringify(o.source)}` : ''}`;
  return (
    `${ticket} belongs to customer ${JSON.stringify(o.customer)}, and this event names customer ${JSON.stringify(named)}: ` +
    "a ticket never changes owner (another desk's ticket needs its own source)"
  );
}

export async function ingestBatch(ctx: IngestContext, input: IngestInput): Promise<{ ok: true; report: IngestReport } | { ok: false; error: IngestFailure }> {
  const read = readBatch(input.body, input.format, ctx.limits);
  if (!read.ok) return read;
  const results: IngestItem[] = [];
  const good: Array<{ index: number; event: Timed }> = [];
  read.values.forEach(({ value, parseError }, index) => {
    const id = value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;
    if (parseError) {
      results[index] = { index, id, status: 'rejected', reason: parseError, issues: [{ path: `[${index}]`, message: parseError }] };
      return;
    }
    const r = parseEvent(value, `[${index}]`);
    if (r.ok) good.push({ index, event: r.value });
    else results[index] = { index, id, status: 'rejected', reason: r.issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues: r.issues };
  });
  const rejected = results.filter(Boolean).length;
  const refuse = input.allOrNothing === true && rejected > 0;
  let committed = !refuse;
  let lastSeq: number | null = null;
  if (refuse) {
    for (const g of good) results[g.index] = { index: g.index, id: g.event.id, status: 'not_written', reason: 'the batch is all-or-nothing and some events were rejected' };
  } else if (good.length > 0) {
    const who = ctx.audit;
    const request = who?.requestId !== undefined ? { requestId: who.requestId } : {};
    const audit = who
      ? (r: AppendResult): AuditInput | undefined =>
          r.accepted === 0
            ? undefined
            : {
                at: ctx.now,
                actor: who.actor,
                action: 'events.ingest',
                subject: 'events',
                after: { accepted: r.accepted, duplicates: r.duplicates, conflicts: r.conflicts, rejected, lastSeq: r.lastSeq, ...request },
              }
      : undefined;
    const options = { receivedAt: ctx.now, allOrNothing: input.allOrNothing === true, ...(audit ? { audit } : {}) };
    const appended = await ctx.store.appendEvents(ctx.tenant, good.map((g) => g.event), options);
    committed = appended.committed;
    lastSeq = appended.lastSeq;
    appended.outcomes.forEach((o, k) => {
      const { index, event } = good[k]!;
      if (o.status === 'accepted' || o.status === 'duplicate') results[index] = { index, id: event.id, status: o.status, seq: o.seq };
      else if (o.status === 'conflict' && 'owner' in o) {
        const reason = ownerConflict(o.owner, event.customer);
        results[index] = { index, id: event.id, status: 'conflict', owner: o.owner.customer, reason };
      }
      else if (o.status === 'conflict') results[index] = { index, id: event.id, status: 'conflict', seq: o.seq, reason: 'an event with this source and id is stored with other content; events are facts: send a correction as a new event' };
      else results[index] = { index, id: event.id, status: 'not_written', reason: 'the batch is all-or-nothing and an event conflicted' };
    });
  }
  const count = (s: IngestItem['status']) => results.filter((r) => r.status === s).length;
  return {
    ok: true,
    report: { committed, received: read.values.length, accepted: count('accepted'), duplicates: count('duplicate'), conflicts: count('conflict'), rejected: count('rejected'), results, lastSeq },
  };
}
