/**
 * Service desk sources and their webhooks over HTTP (docs/api.md "Sources", docs/sources.md). An
 * edge over src/app/sources.ts.
 *
 * - /v1/sources[/:id]: configured with a token like channels (they hold a secret and say where
 *   events come from): channels.read to read, channels.write to change; the secret is never shown.
 * - POST /v1/sources/:hook/webhook takes no API token: the desk authenticates with its signature or
 *   token (app/sources.ts), refused with 401 `unauthenticated` and `details.reason`
 *   (`missing_signature`, `bad_signature`). `:hook` is the random key the source was given, so the
 *   URL names no tenant and cannot be guessed from a source's name.
 * - GET /v1/sources/:id/deliveries: the source's delivery log, newest first (app/sources.ts), read
 *   as the source is (channels.read); each source shows its `lastDelivery`, the list of sources
 *   reading every last entry in one query.
 */
import { z } from 'zod';
import {
  DELIVERY_LOG_KEEP,
  deleteSource,
  presentDelivery,
  presentSource,
  putSource,
  receiveWebhook,
  type SourceConfig,
  type SourceContext,
} from '../../app/sources.ts';
import { HttpError, invalid } from '../errors.ts';
import { DOCUMENT_BODY, defineOperation, idParam, parseJsonBody, type Call, type Deps, type Operation } from '../operation.ts';
import { component, Instant, IngestReport } from '../schemas.ts';
import { VENDORS } from '../../core/sources/defaults.ts';

const DeliveryOutcome = z.enum(['stored', 'duplicate', 'refused']);
const SourceDeliverySchema = component(
  'SourceDelivery',
  z.strictObject({
    at: Instant,
    delivery: z.string().nullable().describe("The vendor's delivery id (or sha256: of the body); null when refused before it was read."),
    outcome: DeliveryOutcome,
    status: z.number().int().describe('The HTTP status answered.'),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    detail: z.string().describe('Why it was refused (the first issue), or a note; never the body, a secret or a header value.'),
  }),
);
const SourceDeliveryList = z.strictObject({ items: z.array(SourceDeliverySchema) });
const LastDelivery = z
  .strictObject({ at: Instant, outcome: DeliveryOutcome, status: z.number().int(), detail: z.string() })
  .nullable()
  .describe('The newest entry of its delivery log; null when none arrived (since it was created).');
const deliveriesQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(DELIVERY_LOG_KEEP)
    .optional()
    .describe(`Entries, newest first: at most ${DELIVERY_LOG_KEEP} (the log keeps no more), all by default.`),
});

const SourceSchema = component(
  'Source',
  z.strictObject({
    id: z.string(),
    vendor: z.enum(VENDORS),
    webhook: z.string().describe('The path the desk posts to (prefix it with the server URL).'),
    secret: z.literal('[redacted]'),
    mapping: z.string().nullable().describe('The mapping text, or null for the vendor default (docs/sources.md).'),
    defaults: z.strictObject({ customer: z.string().optional(), service: z.string().optional(), region: z.string().optional() }),
    etag: z.string(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
    lastDelivery: LastDelivery,
  }),
);
const SourceList = z.strictObject({ items: z.array(SourceSchema) });
const SourceWrite = z.strictObject({ result: z.enum(['created', 'updated']), source: SourceSchema });
const SourceDeleted = z.strictObject({ result: z.literal('deleted'), id: z.string() });
const WebhookAnswer = z.strictObject({
  result: z.enum(['stored', 'duplicate']),
  source: z.string(),
  delivery: z.string().describe("The vendor's delivery id (or sha256: of the body when it sends none)."),
  skipped: z.array(z.string()).describe('Rows of the payload the mapping leaves out, and why.'),
  report: IngestReport.optional(),
});

const sourceParams = z.strictObject({ id: idParam });
const hookParams = z.strictObject({
  hook: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, 'expected the key of a source webhook URL'),
});
const hookQuery = z.strictObject({ token: z.string().min(1).max(500).optional() });
const WEBHOOK_BODY = 1024 * 1024;

function ctxOf(deps: Deps, c: Call<unknown, unknown>): SourceContext {
  return {
    store: deps.store,
    tenant: c.principal.tenant,
    now: c.now,
    actor: c.principal.actor,
    ...(deps.config.secretKeys !== undefined ? { secretKeys: deps.config.secretKeys } : {}),
  };
}

function lowerHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  return out;
}

export function sourceOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/sources',
      operationId: 'listSources',
      tag: 'sources',
      summary: 'List service desk sources (secrets redacted)',
      action: 'channels.read',
      responses: { 200: { description: '{ items }', schema: SourceList } },
      async handler(c) {
        const [sources, last] = await Promise.all([
          store.listSources<SourceConfig>(c.principal.tenant),
          store.lastSourceDeliveries(c.principal.tenant),
        ]);
        return { body: { items: sources.map((s) => presentSource(s, last.get(s.id) ?? null)) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/sources/:id',
      operationId: 'getSource',
      tag: 'sources',
      summary: 'A source (secret redacted), with its webhook path',
      action: 'channels.read',
      params: sourceParams,
      responses: { 200: { description: 'The source', schema: SourceSchema } },
      async handler(c) {
        const [s, last] = await Promise.all([
          store.getSource<SourceConfig>(c.principal.tenant, c.params.id),
          store.listSourceDeliveryLog(c.principal.tenant, c.params.id, 1),
        ]);
        if (!s) throw new HttpError('not_found', `no source ${c.params.id}`);
        return { body: presentSource(s, last[0] ?? null), headers: { etag: s.etag } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/sources/:id/deliveries',
      operationId: 'listSourceDeliveries',
      tag: 'sources',
      summary: "A source's recent deliveries, newest first: stored, duplicate or refused, and why",
      description: `Every delivery to the source's webhook URL, whatever its outcome, with the HTTP status answered, the events' counts and a short detail (the first issue of a refused one). The newest ${DELIVERY_LOG_KEEP} are kept. Deliveries to an unknown URL are not logged.`,
      action: 'channels.read',
      params: sourceParams,
      query: deliveriesQuery,
      responses: { 200: { description: '{ items }', schema: SourceDeliveryList } },
      async handler(c) {
        const [s, items] = await Promise.all([
          store.getSource(c.principal.tenant, c.params.id),
          store.listSourceDeliveryLog(c.principal.tenant, c.params.id, c.query.limit ?? DELIVERY_LOG_KEEP),
        ]);
        if (!s) throw new HttpError('not_found', `no source ${c.params.id}`);
        return { body: { items: items.map(presentDelivery) } };
      },
    }),
    defineOperation({
      method: 'PUT',
      url: '/v1/sources/:id',
      operationId: 'putSource',
      tag: 'sources',
      summary: 'Create or replace a service desk source',
      description:
        "`{ vendor, secret, mapping?, defaults? }`: vendor one of github, zendesk, jira, freshservice, servicenow; secret the webhook secret or token (needed to create; kept when a replacement omits it; sealed under PLEDGE_SECRET_KEY); mapping the text of a mapping file (default: the vendor's, docs/sources.md); defaults the customer, service and region of the tickets it creates. A replacement keeps the webhook path.",
      action: 'channels.write',
      params: sourceParams,
      body: { media: ['application/json'], required: true, limit: DOCUMENT_BODY, description: 'A source.' },
      responses: {
        200: { description: 'Replaced: { result, source }', schema: SourceWrite },
        201: { description: 'Created: { result, source }', schema: SourceWrite },
      },
      async handler(c) {
        const r = await putSource(ctxOf(deps, c), c.params.id, parseJsonBody(z.unknown(), c.body));
        if (r.status === 'invalid') throw invalid(r.issues, 'body');
        return {
          status: r.status === 'created' ? 201 : 200,
          body: {
            result: r.status,
            source: presentSource(r.source, (await store.listSourceDeliveryLog(c.principal.tenant, c.params.id, 1))[0] ?? null),
          },
          headers: { etag: r.source.etag },
        };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/sources/:id',
      operationId: 'deleteSource',
      tag: 'sources',
      summary: 'Delete a source: its webhook URL answers 404 from then on; its events stay',
      action: 'channels.write',
      params: sourceParams,
      responses: { 200: { description: '{ result, id }', schema: SourceDeleted } },
      async handler(c) {
        if ((await deleteSource(ctxOf(deps, c), c.params.id)) === 'not_found') throw new HttpError('not_found', `no source ${c.params.id}`);
        return { body: { result: 'deleted' as const, id: c.params.id } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/sources/:hook/webhook',
      operationId: 'receiveSourceWebhook',
      tag: 'sources',
      summary: "A service desk's webhook delivery (no API token: the desk's signature or token)",
      description:
        "Verified by the vendor's signature (GitHub X-Hub-Signature-256, Zendesk X-Zendesk-Webhook-Signature) or, for Jira, Freshservice and ServiceNow, the source token in X-Pledge-Token or ?token=. Refused with 401 unauthenticated (details.reason missing_signature or bad_signature). Mapped to ticket events and stored all-or-nothing; a delivery id seen before stores nothing (result duplicate). A payload that does not map is 422 naming the payload field.",
      params: hookParams,
      query: hookQuery,
      headers: [{ name: 'X-Pledge-Token', description: 'The source token (Jira, Freshservice, ServiceNow), instead of ?token=.' }],
      body: { media: ['application/json'], required: true, limit: WEBHOOK_BODY, description: "The desk's payload, as it sends it." },
      responses: { 200: { description: '{ result, source, delivery, skipped, report? }', schema: WebhookAnswer } },
      errors: {
        401: 'unauthenticated: the signature or token is missing or wrong',
        503: 'unavailable: the source secret cannot be read (PLEDGE_SECRET_KEY)',
      },
      async handler(c) {
        const r = await receiveWebhook(
          {
            store,
            now: c.now,
            limits: deps.config.limits,
            requestId: c.requestId,
            ...(deps.config.secretKeys !== undefined ? { secretKeys: deps.config.secretKeys } : {}),
          },
          {
            hook: c.params.hook,
            body: Buffer.from(c.body ?? '', 'utf8'),
            headers: lowerHeaders(c.headers),
            ...(c.query.token !== undefined ? { token: c.query.token } : {}),
          },
        );
        switch (r.status) {
          case 'not_found':
            throw new HttpError('not_found', 'no source has this webhook URL (deleted, or mistyped)');
          case 'unauthenticated':
            throw new HttpError('unauthenticated', r.message, { reason: r.reason });
          case 'unavailable':
            throw new HttpError('unavailable', r.message);
          case 'malformed':
            throw new HttpError('malformed_body', r.message);
          case 'invalid':
            throw invalid(
              r.issues,
              'body',
              `the payload does not map to events: ${r.issues[0] ? `${r.issues[0].path}: ${r.issues[0].message}` : ''}`,
            );
          case 'duplicate':
            return { body: { result: 'duplicate', source: r.source, delivery: r.delivery, skipped: [] } };
          default:
            deps.metrics.countIngested(r.tenant, 'accepted', r.report.accepted);
            deps.metrics.countIngested(r.tenant, 'duplicate', r.report.duplicates);
            return { body: { result: 'stored', source: r.source, delivery: r.delivery, skipped: r.skipped, report: r.report } };
        }
      },
    }),
  ] as Operation[];
}
