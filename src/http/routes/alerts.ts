/**
 * Alerts and silences over HTTP (docs/api.md "Alerts"): list, show with history, acknowledge,
 * resolve by hand, a server-sent event stream for live views; silences listed, created, expired.
 * An edge: the use cases are src/app/alerts/ (shared with `pledge alerts`).
 *
 * Access: alerts.read for reading (a customer token sees only the customer-audience alerts of its
 * own agreements; anything else answers 404 as if it did not exist), alerts.write for acting and
 * for silences. Silences are the provider's internals: a customer token is refused them (403).
 *
 * The stream: `text/event-stream`, one event per alert history entry (`alert.opened`,
 * `alert.acknowledged`, `alert.resolved`) with the seq as its id, so a client that reconnects with
 * Last-Event-ID (EventSource does) resumes where it was; a comment line every 15 s keeps proxies
 * from closing an idle connection; the polling stops when the client goes away. `follow=false`
 * sends what is there after the given id and ends (a catch-up for clients that poll).
 */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { alertFeed, latestAlertSeq } from '../../app/alerts/feed.ts';
import { acknowledge, getAlert, listAlerts, resolve, visibleTo, type ActOutcome, type AlertsContext } from '../../app/alerts/manage.ts';
import { presentAlert, presentHistory, presentSilence } from '../../app/alerts/present.ts';
import { createSilence, expireSilence, listSilences } from '../../app/alerts/silences.ts';
import type { Principal } from '../../core/access/policy.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, defineOperation, header, instant, pageQuery, parseJsonBody, type Call, type Deps, type Operation } from '../operation.ts';
import { AlertActed, AlertDetail, AlertPage, EventStream, SilencePage, SilenceSchema, SilenceWrite } from '../schemas-alerts.ts';
import { visibleAgreementIds } from './derived-access.ts';

const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
const alertId = z.string().min(1).max(200);
const alertParams = z.strictObject({ id: alertId });

/** `state=firing,acknowledged` or `state=open` (the same); repeated parameters are accepted too. */
const stateList = z
  .union([z.string(), z.array(z.string())])
  .transform((v, ctx) => {
    const words = [v]
      .flat()
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const out = new Set<(typeof ALERT_STATES)[number]>();
    for (const w of words) {
      if (w === 'open') {
        out.add('firing');
        out.add('acknowledged');
      } else if ((ALERT_STATES as readonly string[]).includes(w)) out.add(w as (typeof ALERT_STATES)[number]);
      else {
        ctx.addIssue({ code: 'custom', message: `unknown state ${JSON.stringify(w)}: expected firing, acknowledged, resolved or open` });
        return z.NEVER;
      }
    }
    return [...out];
  })
  .describe('firing, acknowledged, resolved, or open (firing and acknowledged); comma-separated for several.');

export const alertQuery = z.strictObject({
  state: stateList.optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  agreement: z.string().min(1).max(100).optional(),
  target: z.string().min(1).max(100).optional(),
  ticket: z.string().min(1).max(200).optional(),
  since: instant.optional().describe('Fired at or after this instant.'),
  order: z.enum(['oldest', 'newest']).optional().describe('By firing instant; oldest first by default.'),
  ...pageQuery,
});

const ackBody = z.strictObject({ comment: z.string().max(2000).optional() });
const resolveBody = z.strictObject({ reason: z.string().min(1).max(2000).describe('Why it is resolved (required).') });
const silenceBody = z.strictObject({
  id: z.string().min(1).max(200).optional().describe('Chosen by the server (sil_...) when absent.'),
  matchers: z
    .array(
      z.strictObject({
        field: z.string(),
        op: z.string(),
        values: z.union([z.string(), z.array(z.string())]),
      }),
    )
    .describe(
      '1 to 20 matchers: { field, op: "=" | "!=", values }; fields agreement, target, ticket, source, window, level, kind, severity, audience.',
    ),
  startsAt: z.string().optional().describe('ISO 8601; now when absent.'),
  endsAt: z.string().optional().describe('ISO 8601; or give duration.'),
  duration: z.string().optional().describe('e.g. 2h, 1d (instead of endsAt); at most a year.'),
  comment: z.string().optional(),
});
const silenceQuery = z.strictObject({
  active: z.enum(['true', 'false']).optional().describe('true: only the silences in force now.'),
  ...pageQuery,
});
const streamQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().describe('Resume after this event id (as Last-Event-ID).'),
  follow: z.enum(['true', 'false']).optional().describe('false: send the events after `after` and end. true by default.'),
});

const HEARTBEAT_MS = 15_000;

async function contextOf(deps: Deps, c: Call<unknown, unknown>): Promise<AlertsContext> {
  const customerOf = await visibleAgreementIds(deps.store, c.principal);
  return {
    store: deps.store,
    tenant: c.principal.tenant,
    now: c.now,
    actor: c.principal.actor,
    ...(customerOf !== undefined ? { customerOf } : {}),
  };
}

const internal = (p: Principal) => p.role !== 'customer';

function refuseCustomer(p: Principal): void {
  if (p.role === 'customer') throw new HttpError('forbidden', 'silences are not shown to customer tokens', { role: p.role });
}

function acted(r: ActOutcome, id: string, p: Principal) {
  switch (r.status) {
    case 'not_found':
      throw new HttpError('not_found', `no alert ${id}`);
    case 'invalid':
      throw invalid(r.issues, 'body');
    case 'conflict':
      throw new HttpError('conflict', r.message, { state: r.alert.state });
    default:
      return { body: { result: r.status, alert: presentAlert(r.alert, { internal: internal(p) }), notified: r.notified } };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const t = setTimeout(finish, ms);
    function finish() {
      clearTimeout(t);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}

export function alertOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/alerts',
      operationId: 'listAlerts',
      tag: 'alerts',
      summary: 'List alerts',
      description:
        'Filters by state, severity, agreement, target, ticket and firing instant; paged. A customer token lists only the notices of its own agreements.',
      action: 'alerts.read',
      query: alertQuery,
      responses: { 200: { description: 'A page of alerts: { items, next? }', schema: AlertPage } },
      async handler(c) {
        const q = c.query;
        const ctx = await contextOf(deps, c);
        const page = await listAlerts(
          ctx,
          compact({
            state: q.state,
            severity: q.severity,
            agreement: q.agreement,
            target: q.target,
            ticket: q.ticket,
            since: q.since,
            newestFirst: q.order === 'newest' ? true : undefined,
            after: q.after,
            limit: q.limit,
          }),
        );
        return { body: compact({ items: page.items.map((a) => presentAlert(a, { internal: internal(c.principal) })), next: page.next }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/alerts/stream',
      operationId: 'streamAlerts',
      tag: 'alerts',
      summary: 'Follow alerts as they open, are acknowledged and resolve (server-sent events)',
      description:
        'text/event-stream. Each event: `id` (resume with Last-Event-ID or ?after=), `event` alert.opened | alert.acknowledged | alert.resolved, `data` JSON { seq, at, state, by, reason?, alert }. A comment line every 15 s. Starts with what happens from now on unless an id is given.',
      action: 'alerts.read',
      query: streamQuery,
      headers: [{ name: 'Last-Event-ID', description: 'The id of the last event received: the stream resumes after it.' }],
      responses: { 200: { description: 'The event stream', schema: EventStream, media: 'text/event-stream' } },
      async handler(c) {
        const ctx = await contextOf(deps, c);
        const last = header(c, 'last-event-id');
        let after = c.query.after;
        if (last !== undefined && last.trim() !== '') {
          if (!/^\d{1,15}$/.test(last.trim()))
            throw new HttpError('invalid_parameter', 'Last-Event-ID must be an event id received from this stream', {
              in: 'header',
              header: 'Last-Event-ID',
            });
          after = Number(last.trim());
        }
        const follow = c.query.follow !== 'false';
        const start = after ?? (follow ? await latestAlertSeq(store, ctx.tenant) : Number.MAX_SAFE_INTEGER);
        const out = new PassThrough();
        const stop = new AbortController();
        out.on('close', () => stop.abort());
        out.write(`: pledge alerts stream, after ${start}\nretry: 3000\n\n`);
        const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        void (async () => {
          try {
            for await (const h of alertFeed({
              store,
              tenant: ctx.tenant,
              afterSeq: start,
              signal: stop.signal,
              now: Date.now,
              sleep,
              follow,
            })) {
              const a = await store.getAlert(ctx.tenant, h.alertId);
              if (!a || !visibleTo(ctx, a)) continue;
              const event = h.state === 'firing' ? 'alert.opened' : `alert.${h.state}`;
              const data = { ...presentHistory(h), alert: presentAlert(a, { internal: internal(c.principal) }) };
              out.write(`id: ${h.seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
            }
          } catch (e) {
            c.log.warn({ err: e }, 'alert stream ended by an error');
            out.write(`event: error\ndata: ${JSON.stringify({ message: 'the stream ended: reconnect to resume' })}\n\n`);
          } finally {
            clearInterval(heartbeat);
            out.end();
          }
        })();
        return {
          status: 200,
          // A stream, sent as it is written; the documented body is its text.
          body: out as unknown as string,
          type: 'text/event-stream; charset=utf-8',
          headers: { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/alerts/:id',
      operationId: 'getAlert',
      tag: 'alerts',
      summary: 'An alert with its history',
      action: 'alerts.read',
      params: alertParams,
      responses: { 200: { description: '{ alert, history }', schema: AlertDetail } },
      async handler(c) {
        const r = await getAlert(await contextOf(deps, c), c.params.id);
        if (!r) throw new HttpError('not_found', `no alert ${c.params.id}`);
        return { body: { alert: presentAlert(r.alert, { internal: internal(c.principal) }), history: r.history.map(presentHistory) } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/alerts/:id/acknowledge',
      operationId: 'acknowledgeAlert',
      tag: 'alerts',
      summary: 'Acknowledge a firing alert',
      description:
        'Nobody new is told it fires; those who were told hear who took it. Acknowledging an acknowledged alert changes nothing (result unchanged); a resolved one is 409.',
      action: 'alerts.write',
      params: alertParams,
      body: { media: ['application/json'], schema: ackBody, required: false },
      responses: { 200: { description: '{ result, alert, notified }', schema: AlertActed } },
      errors: { 409: 'conflict: the alert is resolved' },
      async handler(c) {
        const body = c.body === undefined || c.body.trim() === '' ? {} : parseJsonBody(ackBody, c.body);
        const r = await acknowledge(await contextOf(deps, c), { id: c.params.id, ...compact({ comment: body.comment }) });
        return acted(r, c.params.id, c.principal);
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/alerts/:id/resolve',
      operationId: 'resolveAlert',
      tag: 'alerts',
      summary: 'Resolve an alert by hand, saying why',
      description:
        'While its condition still holds it is not opened again until the condition has ended once. Resolving a resolved alert changes nothing (result unchanged).',
      action: 'alerts.write',
      params: alertParams,
      body: { media: ['application/json'], schema: resolveBody, required: true },
      responses: { 200: { description: '{ result, alert, notified }', schema: AlertActed } },
      async handler(c) {
        const body = parseJsonBody(resolveBody, c.body);
        return acted(await resolve(await contextOf(deps, c), { id: c.params.id, reason: body.reason }), c.params.id, c.principal);
      },
    }),

    defineOperation({
      method: 'GET',
      url: '/v1/silences',
      operationId: 'listSilences',
      tag: 'alerts',
      summary: 'List silences',
      action: 'alerts.read',
      query: silenceQuery,
      responses: { 200: { description: 'A page of silences: { items, next? }', schema: SilencePage } },
      async handler(c) {
        refuseCustomer(c.principal);
        const page = await listSilences(
          { store, tenant: c.principal.tenant, now: c.now },
          compact({ active: c.query.active === 'true' ? true : undefined, after: c.query.after, limit: c.query.limit }),
        );
        return { body: compact({ items: page.items.map((s) => presentSilence(s, c.now)), next: page.next }) };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/silences',
      operationId: 'createSilence',
      tag: 'alerts',
      summary: 'Silence matching alerts until an expiry',
      description:
        'Matching alerts are still recorded; their notifications wait until the silence ends. Exact values only; a silence lasts at most a year; one with no matcher is refused.',
      action: 'alerts.write',
      body: { media: ['application/json'], schema: silenceBody, required: true },
      responses: {
        201: { description: 'Created: { result, silence }', schema: SilenceWrite },
        200: { description: 'A silence with this id exists (kept as it was): { result, silence }', schema: SilenceWrite },
      },
      async handler(c) {
        const body = parseJsonBody(silenceBody, c.body);
        const r = await createSilence({ store, tenant: c.principal.tenant, now: c.now, actor: c.principal.actor }, body);
        if (r.status === 'invalid') throw invalid(r.issues, 'body');
        return { status: r.status === 'created' ? 201 : 200, body: { result: r.status, silence: presentSilence(r.silence, c.now) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/silences/:id',
      operationId: 'getSilence',
      tag: 'alerts',
      summary: 'A silence',
      action: 'alerts.read',
      params: alertParams,
      responses: { 200: { description: 'The silence', schema: SilenceSchema } },
      async handler(c) {
        refuseCustomer(c.principal);
        const s = await store.getSilence(c.principal.tenant, c.params.id);
        if (!s) throw new HttpError('not_found', `no silence ${c.params.id}`);
        return { body: presentSilence(s, c.now) };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/silences/:id/expire',
      operationId: 'expireSilence',
      tag: 'alerts',
      summary: 'End a silence now',
      description: 'It is kept, for the record. One already over answers result ended and changes nothing.',
      action: 'alerts.write',
      params: alertParams,
      responses: { 200: { description: '{ result, silence }', schema: SilenceWrite } },
      async handler(c) {
        const r = await expireSilence({ store, tenant: c.principal.tenant, now: c.now, actor: c.principal.actor }, c.params.id);
        if (r.status === 'not_found') throw new HttpError('not_found', `no silence ${c.params.id}`);
        return { body: { result: r.status, silence: presentSilence(r.silence, c.now) } };
      },
    }),
  ] as Operation[];
}
