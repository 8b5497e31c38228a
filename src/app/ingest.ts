/**
 * Ingesting a batch of events: parse (a JSON array or NDJSON), validate each event, store the good
 * ones in one transaction, and answer per event. Good events in a batch with bad ones are kept,
 * unless the client asks for all-or-nothing. The same event sent twice changes nothing. An event
 * naming another customer than its ticket's is a conflict: a ticket never changes owner. The
 * batch's audit line is written in the events' transaction (one commit, and never one without
 * the other).
 *
 * Reading is linear in the body whatever its shape: the nesting of the text is measured before it
 * is parsed (core/json.ts), an event nested too deep is rejected by itself without being parsed
 * (its text is blanked out of the body), and a body nested too deep where no event can be (an
 * array in the batch array, an NDJSON line that is no object) is refused whole. Each event is then
 * held to the rules of core/events/parse.ts, and to the time window around the receiving clock
 * (`checkEventTime`), which is ingestion's alone.
 */
import { checkEventTime, MAX_EVENT_DEPTH, parseEvent, readEventJson, tooDeepIssue } from '../core/events/parse.ts';
import type { Timed } from '../core/events/schema.ts';
import { blankSpans, scanJsonDepth } from '../core/json.ts';
import type { Issue } from '../core/validation/issues.ts';
import { eventsCommitted } from './alerts/signals.ts';
import type { AppendResult, AuditInput, EventStore, TenantId, TicketOwner } from '../store/types.ts';

export interface IngestLimits {
  batchEvents: number;
  batchBytes: number;
  /** How far after the receiving clock an event's `at` may be (a sender's clock running ahead). */
  maxClockSkewMs: number;
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

/** A raw event of a batch: its value, or why it could not be read (then `issues` say where). */
export interface RawEvent {
  value: unknown;
  parseError?: string;
  issues?: Issue[];
}

/** Splits a body into raw events, or says why it cannot be read as a batch. */
export function readBatch(
  body: string,
  format: IngestInput['format'],
  limits: Pick<IngestLimits, 'batchEvents' | 'batchBytes'>,
): { ok: true; values: RawEvent[] } | { ok: false; error: IngestFailure } {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > limits.batchBytes)
    return {
      ok: false,
      error: {
        code: 'batch_too_large',
        message: `the batch is ${bytes} bytes; at most ${limits.batchBytes} are accepted per request`,
        details: { bytes, limit: limits.batchBytes },
      },
    };
  let values: RawEvent[];
  if (format === 'json') {
    const read = readJsonBatch(body);
    if (!read.ok) return read;
    values = read.values;
  } else {
    values = [];
    const lines = body.split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const t = lines[n]!.trim();
      if (t === '') continue;
      const r = readEventJson(t, `[${values.length}]`);
      if (r.ok) values.push({ value: r.value });
      else if (r.notAnEvent)
        return { ok: false, error: notABatch(`line ${n + 1} is not an event and nests deeper than ${MAX_EVENT_DEPTH} levels`) };
      else
        values.push({
          value: undefined,
          parseError: r.issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`).join('; '),
          issues: r.issues,
        });
    }
  }
  if (values.length > limits.batchEvents)
    return {
      ok: false,
      error: {
        code: 'batch_too_large',
        message: `the batch has ${values.length} events; at most ${limits.batchEvents} are accepted per request`,
        details: { events: values.length, limit: limits.batchEvents },
      },
    };
  return { ok: true, values };
}

function notABatch(why: string): IngestFailure {
  return { code: 'bad_batch', message: `the body is not a batch of events: ${why}`, details: { maxDepth: MAX_EVENT_DEPTH } };
}

/** A JSON array of events (or one event): measured first, events too deep blanked out unread. */
function readJsonBatch(body: string): { ok: true; values: RawEvent[] } | { ok: false; error: IngestFailure } {
  const scan = scanJsonDepth(body, { limit: MAX_EVENT_DEPTH, elementLimit: MAX_EVENT_DEPTH, stop: 'nonObject' });
  const deep = scan.deepElements ?? [];
  const wrong = deep.find((d) => d.opener !== '{');
  if (wrong)
    return { ok: false, error: notABatch(`element [${wrong.index}] is not an event and nests deeper than ${MAX_EVENT_DEPTH} levels`) };
  if (!scan.deepElements && scan.tooDeep) {
    // One event, not in an array.
    if (body.trimStart()[0] !== '{') return { ok: false, error: notABatch(`it nests deeper than ${MAX_EVENT_DEPTH} levels`) };
    return { ok: true, values: [{ value: undefined, parseError: 'nested too deep', issues: [tooDeepIssue(scan.tooDeep.path, '[0]')] }] };
  }
  let parsed: unknown;
  try {
    // The deep elements' text becomes `null` of the same length: never parsed, offsets unchanged.
    parsed = JSON.parse(blankSpans(body, deep));
  } catch (e) {
    return { ok: false, error: { code: 'bad_batch', message: `the body is not valid JSON: ${(e as Error).message}` } };
  }
  if (!Array.isArray(parsed)) return { ok: true, values: [{ value: parsed }] };
  const values: RawEvent[] = (parsed as unknown[]).map((value) => ({ value }));
  for (const d of deep) {
    const issue = tooDeepIssue(d.path, `[${d.index}]`);
    if (d.index < values.length) values[d.index] = { value: undefined, parseError: `${issue.path}: ${issue.message}`, issues: [issue] };
  }
  return { ok: true, values };
}

export type IngestOutcome = { ok: true; report: IngestReport } | { ok: false; error: IngestFailure };

/**
 * Where batches go: `ingestBatch` on a store, or a server's POST /v1/events (the CLI with --url).
 * Both answer per event the same way, so the callers (NDJSON files, CSV exports) do not care which.
 */
export type BatchSender = (input: IngestInput) => Promise<IngestOutcome>;

/** A sender that stores batches with `ingestBatch`, the clock read per batch, audited as `actor`. */
export function storeSender(ctx: {
  tenant: TenantId;
  store: EventStore;
  now: () => number;
  limits: IngestLimits;
  actor: string;
}): BatchSender {
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

export async function ingestBatch(
  ctx: IngestContext,
  input: IngestInput,
): Promise<{ ok: true; report: IngestReport } | { ok: false; error: IngestFailure }> {
  const read = readBatch(input.body, input.format, ctx.limits);
  if (!read.ok) return read;
  const results: IngestItem[] = [];
  const good: Array<{ index: number; event: Timed }> = [];
  read.values.forEach(({ value, parseError, issues }, index) => {
    const id =
      value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;
    if (parseError) {
      results[index] = {
        index,
        id,
        status: 'rejected',
        reason: parseError,
        issues: issues ?? [{ path: `[${index}]`, message: parseError }],
      };
      return;
    }
    const r = parseEvent(value, `[${index}]`);
    const late = r.ok ? checkEventTime(r.value, ctx.now, ctx.limits.maxClockSkewMs, `[${index}]`) : undefined;
    if (r.ok && !late) good.push({ index, event: r.value });
    else {
      const problems = r.ok ? [late!] : r.issues;
      results[index] = {
        index,
        id,
        status: 'rejected',
        reason: problems.map((i) => `${i.path}: ${i.message}`).join('; '),
        issues: problems,
      };
    }
  });
  const rejected = results.filter(Boolean).length;
  const refuse = input.allOrNothing === true && rejected > 0;
  let committed = !refuse;
  let lastSeq: number | null = null;
  if (refuse) {
    for (const g of good)
      results[g.index] = {
        index: g.index,
        id: g.event.id,
        status: 'not_written',
        reason: 'the batch is all-or-nothing and some events were rejected',
      };
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
    const appended = await ctx.store.appendEvents(
      ctx.tenant,
      good.map((g) => g.event),
      options,
    );
    committed = appended.committed;
    lastSeq = appended.lastSeq;
    // A scheduler in this process refreshes the results and alerts at once (signals.ts).
    if (appended.accepted > 0) eventsCommitted({ tenant: ctx.tenant, lastSeq: appended.lastSeq, at: ctx.now });
    appended.outcomes.forEach((o, k) => {
      const { index, event } = good[k]!;
      if (o.status === 'accepted' || o.status === 'duplicate') results[index] = { index, id: event.id, status: o.status, seq: o.seq };
      else if (o.status === 'conflict' && 'owner' in o) {
        const reason = ownerConflict(o.owner, event.customer);
        results[index] = { index, id: event.id, status: 'conflict', owner: o.owner.customer, reason };
      } else if (o.status === 'conflict')
        results[index] = {
          index,
          id: event.id,
          status: 'conflict',
          seq: o.seq,
          reason: 'an event with this source and id is stored with other content; events are facts: send a correction as a new event',
        };
      else results[index] = { index, id: event.id, status: 'not_written', reason: 'the batch is all-or-nothing and an event conflicted' };
    });
  }
  const count = (s: IngestItem['status']) => results.filter((r) => r.status === s).length;
  return {
    ok: true,
    report: {
      committed,
      received: read.values.length,
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      conflicts: count('conflict'),
      rejected: count('rejected'),
      results,
      lastSeq,
    },
  };
}
