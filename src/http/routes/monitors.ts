/**
 * Built-in monitors over HTTP (docs/api.md "Monitors", docs/monitors.md): an edge over
 * src/app/monitors/manage.ts; the runner (app/monitors/runner.ts) runs the checks.
 *
 * Access: a monitor makes the server send requests out (to URLs that may carry credentials in
 * headers), so it goes with the channels: channels.read (admin, manager, auditor) to read,
 * channels.write (admin, manager) to change. Replacing needs If-Match (428 without, 412 stale).
 *
 * The push (POST /v1/heartbeats/{token}) has no session: the token is the credential, shown once
 * when the monitor is created (or given a new token) and stored hashed. An unknown token is 404 and
 * counts as a failed authentication of the address (server.ts), so guessing is rate-limited like
 * guessing API tokens; a right token is never slowed.
 */
import { z } from 'zod';
import { pauseMonitor, putMonitor, recordHeartbeat } from '../../app/monitors/manage.ts';
import { wakeMonitorRunners } from '../../app/monitors/runner.ts';
import type { MonitorState } from '../../core/monitors/decide.ts';
import { MONITOR_KINDS, redactMonitorSpec } from '../../core/monitors/spec.ts';
import type { StoredMonitor } from '../../store/types.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, defineOperation, header, idParam, iso, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { component, Instant } from '../schemas.ts';
import { ifMatchOf } from './preconditions.ts';

const Spec = z.looseObject({ kind: z.enum(MONITOR_KINDS), service: z.string() }).describe('As written (docs/monitors.md, "Fields").');
const State = z
  .strictObject({
    status: z.enum(['unknown', 'up', 'down']),
    failures: z.number().int().describe('Failed checks in a row.'),
    failingSince: Instant.nullable(),
    lastCheckAt: Instant.nullable(),
    lastChangeAt: Instant.nullable(),
    lastLatencyMs: z.number().nullable(),
    lastError: z.string().nullable(),
    lastPushAt: Instant.nullable().describe('Heartbeats: the last push.'),
    tls: z.strictObject({ expiresAt: Instant, warning: z.boolean() }).nullable().describe("HTTPS: the certificate's expiry."),
    gaps: z.number().int().describe('Times Pledge itself did not check when it should have (recorded as gaps, never downtime).'),
    lastGap: z.strictObject({ from: Instant, to: Instant }).nullable(),
  })
  .describe('What the checks found so far.');
const Monitor = component(
  'Monitor',
  z.strictObject({
    id: z.string(),
    spec: Spec,
    paused: z.boolean(),
    state: State,
    nextCheckAt: Instant.nullable().describe('When it is checked next (a heartbeat: when its next beat is overdue); null when paused.'),
    pushUrl: z.string().nullable().describe('Heartbeats: the push URL with the token left out (POST /v1/heartbeats/{token}).'),
    etag: z.string(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
  }),
);
const Written = z.strictObject({
  result: z.enum(['created', 'updated']),
  monitor: Monitor,
  token: z.string().optional().describe('Heartbeats: the push token, shown this once (a new monitor, or ?newToken=true).'),
});

const params = z.strictObject({ id: idParam });
const putQuery = z.strictObject({
  newToken: z.enum(['true', 'false']).optional().describe('Heartbeats: replace the push token (the old one stops working).'),
});
const tokenParams = z.strictObject({ token: z.string().min(1).max(200) });

const optIso = (ms: number | undefined) => (ms === undefined ? null : iso(ms));

async function present(deps: Deps, tenant: string, m: StoredMonitor<unknown, MonitorState>) {
  const s = m.state;
  const timer = m.paused ? undefined : await deps.store.getTimer(tenant, `monitor:${m.id}`);
  const kind = (m.spec as { kind?: string }).kind;
  return {
    id: m.id,
    spec: redactMonitorSpec(m.spec as z.infer<typeof Spec>),
    paused: m.paused,
    state: {
      status: s?.status ?? ('unknown' as const),
      failures: s?.failures ?? 0,
      failingSince: optIso(s?.failingSince),
      lastCheckAt: optIso(s?.lastCheckAt),
      lastChangeAt: optIso(s?.lastChangeAt),
      lastLatencyMs: s?.lastLatencyMs ?? null,
      lastError: s?.lastError ?? null,
      lastPushAt: optIso(s?.lastPushAt),
      tls: s?.tls ? { expiresAt: iso(s.tls.expiresAt), warning: s.tls.warning } : null,
      gaps: s?.gaps ?? 0,
      lastGap: s?.lastGap ? { from: iso(s.lastGap.from), to: iso(s.lastGap.to) } : null,
    },
    nextCheckAt: timer ? iso(timer.fireAt) : null,
    pushUrl: kind === 'heartbeat' ? '/v1/heartbeats/{token}' : null,
    etag: m.etag,
    createdAt: iso(m.createdAt),
    createdBy: m.createdBy,
    updatedAt: iso(m.updatedAt),
    updatedBy: m.updatedBy,
  };
}

export function monitorOperations(deps: Deps): Operation[] {
  const { store } = deps;
  const minIntervalMs = deps.config.monitors?.minIntervalMs;
  const mctx = (c: { principal: { tenant: string; actor: string }; now: number }) => ({
    store,
    tenant: c.principal.tenant,
    now: c.now,
    actor: c.principal.actor,
    ...(minIntervalMs !== undefined ? { minIntervalMs } : {}),
  });
  const pauseOp = (paused: boolean) =>
    defineOperation({
      method: 'POST',
      url: `/v1/monitors/:id/${paused ? 'pause' : 'resume'}`,
      operationId: paused ? 'pauseMonitor' : 'resumeMonitor',
      tag: 'monitors',
      summary: paused ? 'Pause a monitor: no checks until it is resumed' : 'Resume a paused monitor: checked from now',
      description: paused
        ? 'A paused monitor writes nothing; its last state stays. The time it is paused is not watched by it (see docs/monitors.md, "Gaps").'
        : 'An HTTP or TCP monitor is checked at once; a heartbeat expects its next beat within its interval and grace.',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the monitor (optional).' }],
      responses: { 200: { description: 'The monitor', schema: Monitor } },
      errors: { 412: 'precondition_failed: If-Match is stale' },
      async handler(c) {
        const current = await store.getMonitor(c.principal.tenant, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await pauseMonitor(mctx(c), { id: c.params.id, paused, ...(ifMatch !== undefined ? { ifMatch } : {}) });
        if (r === 'not_found') throw new HttpError('not_found', `no monitor ${c.params.id}`);
        if (r === 'stale') throw new HttpError('precondition_failed', `monitor ${c.params.id} has changed since it was read`, {});
        if (r === 'invalid') throw new HttpError('conflict', `monitor ${c.params.id}'s stored spec cannot be read by this version`, {});
        if (!paused) wakeMonitorRunners();
        return { body: await present(deps, c.principal.tenant, r), headers: { etag: r.etag } };
      },
    });
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/monitors',
      operationId: 'listMonitors',
      tag: 'monitors',
      summary: 'Built-in monitors, with their state and next check',
      action: 'channels.read',
      responses: { 200: { description: '{ items } by id', schema: z.strictObject({ items: z.array(Monitor) }) } },
      async handler(c) {
        const t = c.principal.tenant;
        const items = [];
        for (const m of await store.listMonitors<unknown, MonitorState>(t)) items.push(await present(deps, t, m));
        return { body: { items } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/monitors/:id',
      operationId: 'getMonitor',
      tag: 'monitors',
      summary: 'A monitor, with its ETag, state and next check',
      action: 'channels.read',
      params,
      responses: { 200: { description: 'The monitor', schema: Monitor } },
      async handler(c) {
        const m = await store.getMonitor<unknown, MonitorState>(c.principal.tenant, c.params.id);
        if (!m) throw new HttpError('not_found', `no monitor ${c.params.id}`);
        return { body: await present(deps, c.principal.tenant, m), headers: { etag: m.etag } };
      },
    }),
    defineOperation({
      method: 'PUT',
      url: '/v1/monitors/:id',
      operationId: 'putMonitor',
      tag: 'monitors',
      summary: 'Create or replace a monitor (HTTP(S), TCP or heartbeat)',
      description:
        'Checks run in the server, once per `interval` whatever the number of instances; results become `check.result` events ' +
        "(source `pledge-monitor`, the monitor's `service`), so agreements measure them with no other setup (docs/monitors.md). " +
        'A heartbeat monitor answers with its push token once. Replacing needs If-Match.',
      action: 'channels.write',
      params,
      query: putQuery,
      headers: [{ name: 'If-Match', description: 'The ETag of the monitor being replaced.' }],
      body: { media: ['application/json'], required: true, limit: 16_384, description: 'The monitor (JSON, docs/monitors.md).' },
      responses: {
        200: { description: 'Replaced: { result, monitor }', schema: Written },
        201: { description: 'Created: { result, monitor, token? }', schema: Written },
      },
      errors: { 412: 'precondition_failed: If-Match is stale', 428: 'precondition_required: a replacement without If-Match' },
      async handler(c) {
        const t = c.principal.tenant;
        const body = parseJsonBody(z.unknown(), c.body);
        const current = await store.getMonitor(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        if (current && ifMatch === undefined)
          throw new HttpError('precondition_required', `monitor ${c.params.id} exists: send If-Match with its ETag to replace it`, {
            etag: current.etag,
          });
        const r = await putMonitor(mctx(c), {
          id: c.params.id,
          spec: body,
          ifMatch: current ? ifMatch : (ifMatch ?? null),
          newToken: c.query.newToken === 'true',
        });
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value.status === 'stale')
          throw new HttpError(
            'precondition_failed',
            r.value.current ? `monitor ${c.params.id} has changed since it was read` : `monitor ${c.params.id} does not exist`,
            compact({ etag: r.value.current?.etag }),
          );
        wakeMonitorRunners();
        return {
          status: r.value.status === 'created' ? 201 : 200,
          body: {
            result: r.value.status,
            monitor: await present(deps, t, r.value.monitor),
            ...(r.value.token ? { token: r.value.token } : {}),
          } as never,
          headers: { etag: r.value.monitor.etag },
        };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/monitors/:id',
      operationId: 'deleteMonitor',
      tag: 'monitors',
      summary: 'Delete a monitor (the events its checks wrote stay: they are facts)',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the monitor being deleted.' }],
      responses: { 200: { description: '{ result, id }', schema: z.strictObject({ result: z.literal('deleted'), id: z.string() }) } },
      errors: { 412: 'precondition_failed: If-Match is stale' },
      async handler(c) {
        const t = c.principal.tenant;
        const current = await store.getMonitor(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await store.deleteMonitor(t, c.params.id, ifMatch, {
          at: c.now,
          actor: c.principal.actor,
          action: 'monitor.delete',
          subject: `monitor:${c.params.id}`,
        });
        if (r === 'not_found') throw new HttpError('not_found', `no monitor ${c.params.id}`);
        if (r === 'stale') throw new HttpError('precondition_failed', `monitor ${c.params.id} has changed since it was read`, {});
        return { body: { result: 'deleted' as const, id: c.params.id } };
      },
    }),
    pauseOp(true),
    pauseOp(false),
    defineOperation({
      method: 'POST',
      url: '/v1/heartbeats/:token',
      operationId: 'pushHeartbeat',
      tag: 'monitors',
      summary: 'A heartbeat: the job ran (no session: the token is the credential)',
      description:
        'Send it when the cron job or batch run succeeds (`curl -fsS -X POST "$PLEDGE_URL/v1/heartbeats/$TOKEN"`). ' +
        "A beat not received within the monitor's interval and grace is downtime. An unknown token is 404 and counts as a failed " +
        'authentication of the address (too many: 429). A body, if any, is ignored.',
      params: tokenParams,
      body: { media: ['application/json', 'text/plain'], required: false, limit: 1024 },
      responses: {
        200: {
          description: 'Recorded',
          schema: z.strictObject({ result: z.literal('recorded'), monitor: z.string(), status: z.enum(['up', 'down']) }),
        },
      },
      errors: { 409: 'conflict: the monitor is paused' },
      async handler(c) {
        const r = await recordHeartbeat({ store, now: c.now, token: c.params.token });
        if (r.status === 'unknown_token') throw new HttpError('not_found', 'no heartbeat monitor has this token', {});
        if (r.status === 'paused') throw new HttpError('conflict', 'the monitor is paused: resume it to record heartbeats', {});
        return { body: { result: 'recorded' as const, monitor: r.monitor, status: r.up ? ('up' as const) : ('down' as const) } };
      },
    }),
  ];
}
