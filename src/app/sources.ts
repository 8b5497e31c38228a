/**
 * Service desks that send ticket events by webhook (docs/sources.md): a tenant's sources, and the
 * receiving of one delivery. A source names its vendor, its signing secret (or token), optionally
 * its own mapping (else the vendor's default, core/sources/defaults.ts) and defaults (customer,
 * service, region) for the tickets it creates.
 *
 * Invariants:
 * - No secret is stored in clear nor returned: it is sealed (AES-256-GCM under PLEDGE_SECRET_KEY,
 *   bound to the tenant and source, as channel secrets are: src/delivery/secrets.ts) before it
 *   reaches the store; without a key a source cannot be stored. Answers show `[redacted]`.
 * - A delivery is authenticated by the vendor's signature (or token) over the bytes received,
 *   before its body is parsed; a refused one changes nothing.
 * - Idempotent twice over: a delivery id already recorded stores nothing; and the events' ids come
 *   from the payload (core/sources/payload.ts), so a redelivery under a new id finds duplicates.
 *   The delivery is recorded after its events are stored: a crash between the two makes the
 *   redelivery a no-op through the event ids, never a double count.
 * - A delivery is all or nothing: a payload that does not map is refused whole (4xx naming the
 *   field), and its events are stored all-or-nothing.
 * - Every delivery to a known source, stored or refused, appends to the source's delivery log (the
 *   newest DELIVERY_LOG_KEEP kept) its outcome, the status answered, the counts and a short detail:
 *   never the body, a secret or a header value, so that the log may be shown to whoever reads the
 *   source. The log is not the idempotency record: a refused delivery retried is processed again.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseCsvMapping, type EventPerRowMapping } from '../core/events/csv-mapping.ts';
import type { Timed } from '../core/events/schema.ts';
import { DEFAULT_MAPPINGS, VENDORS, type Vendor } from '../core/sources/defaults.ts';
import { mapPayload, unknownColumns } from '../core/sources/payload.ts';
import { deliveryId, verifyDelivery } from '../core/sources/signature.ts';
import type { Issue } from '../core/validation/issues.ts';
import { validate } from '../core/validation/zod.ts';
import { decryptSecret, encryptSecret, parseSecretKeys } from '../delivery/secrets.ts';
import type { SourceDeliveryEntry, Store, StoredSource, TenantId } from '../store/types.ts';
import { ingestBatch, type IngestLimits, type IngestReport } from './ingest.ts';
import { isoInstant } from './present.ts';

export interface SourceConfig {
  /** enc:v1:... */
  secret: string;
  /** The mapping's text; absent: the vendor's default. */
  mapping?: string;
  defaults?: { customer?: string; service?: string; region?: string };
}

const name = z.string().min(1).max(200);
export const sourceBody = z.strictObject({
  vendor: z.enum(VENDORS),
  /** GitHub's webhook secret, Zendesk's signing secret, or the token the other desks send. */
  secret: z.string().min(16, 'at least 16 characters: it is all that stands between the URL and your figures').max(500).optional(),
  /** A mapping (YAML or JSON text, the event-per-row layout of docs/events.md with payload paths); absent: the vendor's default. */
  mapping: z
    .string()
    .min(1)
    .max(64 * 1024)
    .optional(),
  defaults: z.strictObject({ customer: name.optional(), service: name.optional(), region: name.optional() }).optional(),
});
export type SourceBody = z.output<typeof sourceBody>;

export interface SourceContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
  /** PLEDGE_SECRET_KEY as configured. */
  secretKeys?: string;
}

const secretContext = (tenant: string, id: string) => `pledge-source-secret:v1\0${tenant}\0${id}`;

/** The mapping of a vendor (the default when `text` is absent), or issues naming the field. */
export function sourceMapping(
  vendor: Vendor,
  text: string | undefined,
  file = 'mapping',
): { ok: true; value: EventPerRowMapping } | { ok: false; issues: Issue[] } {
  const m = parseCsvMapping(text ?? DEFAULT_MAPPINGS[vendor], file);
  if (!m.ok) return m;
  if (m.value.layout !== 'event-per-row')
    return {
      ok: false,
      issues: [
        {
          path: 'layout',
          message: 'a source mapping reads one payload at a time: use layout: event-per-row',
          received: JSON.stringify(m.value.layout),
        },
      ],
    };
  const bad = unknownColumns(m.value);
  return bad.length ? { ok: false, issues: bad } : { ok: true, value: m.value };
}

/** An entry of a source's delivery log as shown. */
export function presentDelivery(e: SourceDeliveryEntry) {
  return { ...e, at: isoInstant(e.at) };
}
export type SourceDeliveryView = ReturnType<typeof presentDelivery>;

/** A stored source as shown: the secret redacted, its webhook path, its last delivery (the newest entry of its log). */
export function presentSource(s: StoredSource<SourceConfig>, last: SourceDeliveryEntry | null) {
  return {
    id: s.id,
    vendor: s.vendor,
    webhook: `/v1/sources/${s.hook}/webhook`,
    secret: '[redacted]',
    mapping: s.config.mapping ?? null,
    defaults: s.config.defaults ?? {},
    etag: s.etag,
    createdAt: isoInstant(s.createdAt),
    createdBy: s.createdBy,
    updatedAt: isoInstant(s.updatedAt),
    updatedBy: s.updatedBy,
    lastDelivery: last && { at: isoInstant(last.at), outcome: last.outcome, status: last.status, detail: last.detail },
  };
}
export type SourceView = ReturnType<typeof presentSource>;

export type SourceWritten = { status: 'created' | 'updated'; source: StoredSource<SourceConfig> } | { status: 'invalid'; issues: Issue[] };

/** Creates or replaces a source. The secret is required to create one; a replacement without it keeps the stored one. */
export async function putSource(ctx: SourceContext, id: string, body: unknown): Promise<SourceWritten> {
  const v = validate(sourceBody, body);
  if (!v.ok) return { status: 'invalid', issues: v.issues };
  const b = v.value;
  if (b.mapping !== undefined) {
    const m = sourceMapping(b.vendor, b.mapping);
    if (!m.ok) return { status: 'invalid', issues: m.issues.map((i) => ({ ...i, path: i.path ? `mapping.${i.path}` : 'mapping' })) };
  }
  const current = await ctx.store.getSource<SourceConfig>(ctx.tenant, id);
  let secret = current?.config.secret;
  if (b.secret !== undefined) {
    if (ctx.secretKeys === undefined)
      return {
        status: 'invalid',
        issues: [
          {
            path: 'secret',
            message: 'this server cannot store secrets: set PLEDGE_SECRET_KEY (docs/operations.md)',
            received: 'a value (not shown: it is a secret)',
          },
        ],
      };
    const keyring = parseSecretKeys(ctx.secretKeys);
    if (!keyring.ok) return { status: 'invalid', issues: keyring.issues };
    secret = encryptSecret(b.secret, keyring.value, secretContext(ctx.tenant, id));
  }
  if (secret === undefined)
    return {
      status: 'invalid',
      issues: [
        {
          path: 'secret',
          message: 'required field is missing: the signing secret or token the desk sends',
          expected: 'text of 16 to 500 characters',
        },
      ],
    };
  const config: SourceConfig = {
    secret,
    ...(b.mapping !== undefined ? { mapping: b.mapping } : {}),
    ...(b.defaults !== undefined ? { defaults: b.defaults } : {}),
  };
  const r = await ctx.store.putSource<SourceConfig>(
    ctx.tenant,
    { id, vendor: b.vendor, hook: `src_${randomBytes(18).toString('base64url')}`, config, at: ctx.now, by: ctx.actor },
    {
      at: ctx.now,
      actor: ctx.actor,
      action: current ? 'source.update' : 'source.create',
      subject: `source:${id}`,
      after: { vendor: b.vendor, mapping: b.mapping ?? null, defaults: b.defaults ?? {} },
    },
  );
  return r;
}

export async function deleteSource(ctx: SourceContext, id: string): Promise<'deleted' | 'not_found'> {
  return ctx.store.deleteSource(ctx.tenant, id, { at: ctx.now, actor: ctx.actor, action: 'source.delete', subject: `source:${id}` });
}

/** Fills a source's defaults into the tickets it creates (a mapped value wins). */
export function withDefaults(events: Timed[], defaults: SourceConfig['defaults']): Timed[] {
  if (!defaults) return events;
  return events.map((e) =>
    e.type === 'ticket.created'
      ? ({
          ...e,
          ...(e.customer === undefined && defaults.customer ? { customer: defaults.customer } : {}),
          ...(e.service === undefined && defaults.service ? { service: defaults.service } : {}),
          ...(e.region === undefined && defaults.region ? { region: defaults.region } : {}),
        } as Timed)
      : e,
  );
}

export interface WebhookContext {
  store: Store;
  now: number;
  secretKeys?: string;
  limits: IngestLimits;
  requestId?: string;
  /** Entries a source's delivery log keeps (default DELIVERY_LOG_KEEP). */
  deliveryLogKeep?: number;
}

export interface WebhookInput {
  hook: string;
  body: Buffer;
  /** Names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  token?: string;
}

export type WebhookResult =
  | { status: 'not_found' }
  | { status: 'unauthenticated'; reason: 'missing_signature' | 'bad_signature'; message: string }
  | { status: 'unavailable'; message: string }
  | { status: 'malformed'; message: string; delivery?: string /** What the log says, when not the message. */; detail?: string }
  | { status: 'invalid'; issues: Issue[]; delivery: string /** Events refused by ingestion. */; rejected?: number }
  | { status: 'duplicate'; tenant: TenantId; source: string; delivery: string }
  | { status: 'stored'; tenant: TenantId; source: string; delivery: string; skipped: string[]; report: IngestReport };

/** How many entries a source's delivery log keeps (the newest). */
export const DELIVERY_LOG_KEEP = 100;
/** The longest detail a log entry keeps. */
const DETAIL_MAX = 500;

/** The HTTP status each outcome of a delivery is answered with (src/http/errors.ts ERROR_STATUS). */
export const WEBHOOK_STATUS = {
  unauthenticated: 401,
  unavailable: 503,
  malformed: 400,
  invalid: 422,
  duplicate: 200,
  stored: 200,
} as const;

const clip = (text: string) => (text.length <= DETAIL_MAX ? text : `${text.slice(0, DETAIL_MAX - 1)}…`);

/** An issue as a log entry tells it: its path, message and what was expected, never the value received (it comes from the body). */
function issueDetail(issues: readonly Issue[]): string {
  const first = issues[0];
  if (!first) return 'the payload does not map to events';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${first.path ? `${first.path}: ` : ''}${first.message}${first.expected ? ` (expected ${first.expected})` : ''}${more}`;
}

/** The log entry of a delivery to a known source. */
export function deliveryEntry(r: Exclude<WebhookResult, { status: 'not_found' }>, at: number): SourceDeliveryEntry {
  const none = { accepted: 0, duplicates: 0, rejected: 0 };
  const status = WEBHOOK_STATUS[r.status];
  switch (r.status) {
    case 'stored':
      return {
        at,
        delivery: r.delivery,
        outcome: 'stored',
        status,
        accepted: r.report.accepted,
        duplicates: r.report.duplicates,
        rejected: r.report.rejected,
        detail: r.skipped.length ? `${r.skipped.length} row(s) of the payload left out by the mapping` : '',
      };
    case 'duplicate':
      return {
        at,
        delivery: r.delivery,
        outcome: 'duplicate',
        status,
        ...none,
        detail: 'this delivery id was stored before: nothing stored',
      };
    case 'unauthenticated':
      return { at, delivery: null, outcome: 'refused', status, ...none, detail: clip(`${r.reason.replace('_', ' ')}: ${r.message}`) };
    case 'unavailable':
      return { at, delivery: null, outcome: 'refused', status, ...none, detail: clip(`secret: ${r.message}`) };
    case 'malformed':
      return { at, delivery: r.delivery ?? null, outcome: 'refused', status, ...none, detail: clip(r.detail ?? r.message) };
    case 'invalid':
      return {
        at,
        delivery: r.delivery,
        outcome: 'refused',
        status,
        ...none,
        rejected: r.rejected ?? 0,
        detail: clip(issueDetail(r.issues)),
      };
  }
}

/**
 * One delivery of a desk: authenticated, mapped, stored, recorded; and, for a known source, an
 * entry appended to its delivery log whatever the outcome (a delivery to an unknown hook leaves
 * none: nothing to attach it to, and anyone could fill the table).
 */
export async function receiveWebhook(ctx: WebhookContext, input: WebhookInput): Promise<WebhookResult> {
  const found = await ctx.store.findSourceByHook<SourceConfig>(input.hook);
  if (!found) return { status: 'not_found' };
  const r = await receiveFrom(ctx, input, found);
  await ctx.store.appendSourceDeliveryLog(
    found.tenant,
    found.source.id,
    deliveryEntry(r, ctx.now),
    ctx.deliveryLogKeep ?? DELIVERY_LOG_KEEP,
  );
  return r;
}

async function receiveFrom(
  ctx: WebhookContext,
  input: WebhookInput,
  { tenant, source }: { tenant: TenantId; source: StoredSource<SourceConfig> },
): Promise<Exclude<WebhookResult, { status: 'not_found' }>> {
  const vendor = source.vendor as Vendor;
  const keyring = ctx.secretKeys === undefined ? undefined : parseSecretKeys(ctx.secretKeys);
  const secret = decryptSecret(source.config.secret, keyring?.ok ? keyring.value : undefined, secretContext(tenant, source.id));
  if (!secret.ok) return { status: 'unavailable', message: `the secret of source ${source.id} cannot be read: ${secret.message}` };
  const signed = { body: input.body, headers: input.headers, ...(input.token !== undefined ? { token: input.token } : {}) };
  const check = verifyDelivery(vendor, secret.value, signed);
  if (!check.ok) return { status: 'unauthenticated', reason: check.reason, message: check.message };
  const delivery = deliveryId(vendor, signed);
  if (await ctx.store.hasSourceDelivery(tenant, source.id, delivery)) return { status: 'duplicate', tenant, source: source.id, delivery };
  let payload: unknown;
  try {
    payload = JSON.parse(input.body.toString('utf8'));
  } catch (e) {
    // The parser's message quotes the body: the answer may show it to the sender, the log does not.
    return { status: 'malformed', message: `the body is not JSON: ${(e as Error).message}`, detail: 'body: not JSON', delivery };
  }
  const mapping = sourceMapping(vendor, source.config.mapping);
  // A stored mapping was checked when it was stored; a default that does not read is a bug.
  if (!mapping.ok) throw new Error(`the mapping of source ${source.id} does not read: ${JSON.stringify(mapping.issues)}`);
  const mapped = mapPayload(mapping.value, { payload, headers: input.headers });
  if (mapped.status === 'rejected') return { status: 'invalid', issues: mapped.issues, delivery };
  const events = withDefaults(mapped.events, source.config.defaults).map(({ atMs: _atMs, ...e }) => e);
  const r = await ingestBatch(
    {
      tenant,
      store: ctx.store,
      now: ctx.now,
      limits: ctx.limits,
      audit: { actor: `source:${source.id}`, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) },
    },
    { body: JSON.stringify(events), format: 'json', allOrNothing: true },
  );
  if (!r.ok) return { status: 'malformed', message: r.error.message, delivery };
  const rejected = r.report.results.filter((x) => x.status === 'rejected' || x.status === 'conflict');
  if (!r.report.committed || rejected.length > 0)
    return {
      status: 'invalid',
      delivery,
      rejected: rejected.length,
      issues: rejected.flatMap((x) =>
        x.status === 'rejected' ? x.issues : x.status === 'conflict' ? [{ path: `events[${x.index}]`, message: x.reason }] : [],
      ),
    };
  await ctx.store.recordSourceDelivery(tenant, source.id, delivery, ctx.now, r.report.accepted);
  return { status: 'stored', tenant, source: source.id, delivery, skipped: mapped.skipped, report: r.report };
}

export interface BackfillOutcome {
  /** The events of every record that mapped, in record order (without atMs). */
  events: Array<Record<string, unknown>>;
  /** Records that did not map (none of their events is kept), by index in the export. */
  problems: Array<{ index: number; issues: Issue[] }>;
  /** Rows the mapping leaves out on purpose. */
  skipped: number;
  records: number;
}

/**
 * The records of a JSON export: an array, or an object holding one array (`{"issues": [...]}`,
 * `{"ticket_events": [...]}`). A record is a payload, or `{ headers, payload }` as a recorded
 * webhook delivery.
 */
export function exportRecords(
  value: unknown,
): { ok: true; records: Array<{ payload: unknown; headers: Record<string, string> }> } | { ok: false; issues: Issue[] } {
  let list: unknown = value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const arrays = Object.entries(value).filter(([, v]) => Array.isArray(v));
    if (arrays.length !== 1)
      return {
        ok: false,
        issues: [
          {
            path: '',
            message: 'expected a JSON array of records, or an object holding exactly one array of them',
            received:
              arrays.length === 0
                ? 'an object without an array'
                : `an object with ${arrays.length} arrays (${arrays.map(([k]) => k).join(', ')})`,
          },
        ],
      };
    list = arrays[0]![1];
  }
  if (!Array.isArray(list))
    return { ok: false, issues: [{ path: '', message: 'expected a JSON array of records', received: typeof list }] };
  return {
    ok: true,
    records: list.map((r) => {
      const o = r as { headers?: unknown; payload?: unknown } | null;
      if (o && typeof o === 'object' && 'payload' in o && Object.keys(o).every((k) => k === 'headers' || k === 'payload')) {
        const headers: Record<string, string> = {};
        if (o.headers && typeof o.headers === 'object')
          for (const [k, v] of Object.entries(o.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
        return { payload: o.payload, headers };
      }
      return { payload: r, headers: {} };
    }),
  };
}

/** Maps every record of an export through a source mapping, as the webhook maps one delivery. */
export function backfillEvents(
  mapping: EventPerRowMapping,
  records: ReadonlyArray<{ payload: unknown; headers: Record<string, string>; origin?: string }>,
  opts: { headers?: Record<string, string>; defaults?: SourceConfig['defaults'] } = {},
): BackfillOutcome {
  const out: BackfillOutcome = { events: [], problems: [], skipped: 0, records: records.length };
  records.forEach((r, index) => {
    const m = mapPayload(mapping, { payload: r.payload, headers: { ...opts.headers, ...r.headers } });
    // An export's payloads name the record of the vendor's file they come from (core/sources/exports.ts).
    const where = r.origin ?? `[${index}]`;
    if (m.status === 'rejected') out.problems.push({ index, issues: m.issues.map((i) => ({ ...i, path: `${where} ${i.path}` })) });
    else {
      out.skipped += m.skipped.length;
      for (const { atMs: _atMs, ...e } of withDefaults(m.events, opts.defaults)) out.events.push(e);
    }
  });
  return out;
}
