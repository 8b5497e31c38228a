/**
 * Status pages and incidents over HTTP (docs/api.md "Status pages and incidents"): edges over
 * src/app/status-pages/. The public pages themselves are served by src/http/status-public.ts.
 *
 * Access: a status page publishes to anyone, so configuring one goes with the channels:
 * channels.read (admin, manager, auditor) to read, channels.write (admin, manager) to change.
 * Incidents are operational facts like events: events.read to read, events.write (admin, agent)
 * to open, update and resolve. Customers never reach these routes. Replacing a page needs If-Match
 * (428 without, 412 when stale).
 */
import { z } from 'zod';
import {
  incidentUpdateBody,
  openIncident,
  openIncidentBody,
  putStatusPage,
  statusPageSpec,
  updateIncident,
  UPDATE_STATUSES,
  type IncidentDoc,
  type StatusPageSpec,
} from '../../app/status-pages/index.ts';
import { INCIDENT_LEVELS } from '../../core/status/index.ts';
import { presentIncident, presentStatusPage } from '../../app/status-pages/present.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, defineOperation, header, idParam, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { component, Instant } from '../schemas.ts';
import { ifMatchOf } from './preconditions.ts';

const Page = component(
  'StatusPage',
  z.strictObject({
    id: z.string(),
    path: z.string(),
    url: z.string().describe('Where it is served (path on this server), without sign-in.'),
    spec: z.looseObject({}).describe('The page as stored (docs/status-page.md), defaults filled in.'),
    etag: z.string(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
  }),
);
const Update = z.strictObject({
  at: Instant,
  status: z.enum(UPDATE_STATUSES),
  level: z.enum(INCIDENT_LEVELS).optional(),
  message: z.string(),
  by: z.string(),
});
const Incident = component(
  'Incident',
  z.strictObject({
    id: z.string(),
    title: z.string(),
    services: z.array(z.string()),
    level: z.enum(INCIDENT_LEVELS),
    open: z.boolean(),
    openedAt: Instant,
    resolvedAt: Instant.optional(),
    updates: z.array(Update).describe('Oldest first.'),
    etag: z.string(),
    updatedAt: Instant,
  }),
);

const params = z.strictObject({ id: idParam });
const incidentQuery = z.strictObject({
  open: z.enum(['true', 'false']).optional().describe('true: only open ones; false: only resolved ones.'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const resolveBody = z.strictObject({ message: z.string().trim().min(1).max(5000).default('This incident has been resolved.') });

export function statusPageOperations(deps: Deps): Operation[] {
  const { store } = deps;
  const prefix = deps.config.statusPages?.prefix ?? '/status';
  const ctxOf = (c: { principal: { tenant: string; actor: string }; now: number }) => ({
    store,
    tenant: c.principal.tenant,
    now: c.now,
    actor: c.principal.actor,
  });
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/status-pages',
      operationId: 'listStatusPages',
      tag: 'status pages',
      summary: 'Status pages, by id',
      action: 'channels.read',
      responses: { 200: { description: '{ items } by id', schema: z.strictObject({ items: z.array(Page) }) } },
      async handler(c) {
        const items = (await store.listStatusPages<StatusPageSpec>(c.principal.tenant)).map((p) => presentStatusPage(p, prefix));
        return { body: { items } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/status-pages/:id',
      operationId: 'getStatusPage',
      tag: 'status pages',
      summary: 'A status page, with its ETag',
      action: 'channels.read',
      params,
      responses: { 200: { description: 'The page', schema: Page } },
      async handler(c) {
        const p = await store.getStatusPage<StatusPageSpec>(c.principal.tenant, c.params.id);
        if (!p) throw new HttpError('not_found', `no status page ${c.params.id}`);
        return { body: presentStatusPage(p, prefix), headers: { etag: p.etag } };
      },
    }),
    defineOperation({
      method: 'PUT',
      url: '/v1/status-pages/:id',
      operationId: 'putStatusPage',
      tag: 'status pages',
      summary: 'Create or replace a status page',
      description:
        'Publishes, without sign-in, the status of `services` (or of the services of `customer`) at `<prefix>/<path>` ' +
        '(`path` defaults to the id; the prefix is PLEDGE_STATUS_PREFIX, /status by default): current status, 90 daily ' +
        'uptime bars by the agreement’s rules, maintenance announced, incidents; with an Atom feed and an .ics calendar. ' +
        '`enabled: false` keeps the page but serves nothing. A path is unique across the server (409 when taken). ' +
        'Replacing needs If-Match.',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the page being replaced.' }],
      body: { media: ['application/json'], schema: statusPageSpec, required: true, limit: 32_768 },
      responses: {
        200: { description: 'Replaced: { result, page }', schema: z.strictObject({ result: z.literal('updated'), page: Page }) },
        201: { description: 'Created: { result, page }', schema: z.strictObject({ result: z.literal('created'), page: Page }) },
      },
      errors: {
        409: 'conflict: another page is served at that path',
        412: 'precondition_failed: If-Match is stale',
        428: 'precondition_required: a replacement without If-Match',
      },
      async handler(c) {
        const t = c.principal.tenant;
        const body = parseJsonBody(z.unknown(), c.body);
        const current = await store.getStatusPage(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        if (current && ifMatch === undefined)
          throw new HttpError('precondition_required', `status page ${c.params.id} exists: send If-Match with its ETag to replace it`, {
            etag: current.etag,
          });
        const r = await putStatusPage(ctxOf(c), { id: c.params.id, spec: body, ifMatch: current ? ifMatch : (ifMatch ?? null) });
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value.status === 'path_taken')
          throw new HttpError('conflict', 'another status page is served at that path: choose another `path`', {});
        if (r.value.status === 'stale')
          throw new HttpError(
            'precondition_failed',
            r.value.current ? `status page ${c.params.id} has changed since it was read` : `status page ${c.params.id} does not exist`,
            compact({ etag: r.value.current?.etag }),
          );
        return {
          status: r.value.status === 'created' ? 201 : 200,
          body: { result: r.value.status, page: presentStatusPage(r.value.page, prefix) } as never,
          headers: { etag: r.value.page.etag },
        };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/status-pages/:id',
      operationId: 'deleteStatusPage',
      tag: 'status pages',
      summary: 'Delete a status page (its path serves nothing from now on)',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the page being deleted.' }],
      responses: { 200: { description: '{ result, id }', schema: z.strictObject({ result: z.literal('deleted'), id: z.string() }) } },
      errors: { 412: 'precondition_failed: If-Match is stale' },
      async handler(c) {
        const t = c.principal.tenant;
        const current = await store.getStatusPage(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await store.deleteStatusPage(t, c.params.id, ifMatch, {
          at: c.now,
          actor: c.principal.actor,
          action: 'status-page.delete',
          subject: `status-page:${c.params.id}`,
        });
        if (r === 'not_found') throw new HttpError('not_found', `no status page ${c.params.id}`);
        if (r === 'stale') throw new HttpError('precondition_failed', `status page ${c.params.id} has changed since it was read`, {});
        return { body: { result: 'deleted' as const, id: c.params.id } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/incidents',
      operationId: 'listIncidents',
      tag: 'status pages',
      summary: 'Incidents, newest opened first',
      action: 'events.read',
      query: incidentQuery,
      responses: { 200: { description: '{ items }', schema: z.strictObject({ items: z.array(Incident) }) } },
      async handler(c) {
        const all = await store.listIncidents<IncidentDoc>(c.principal.tenant, { limit: c.query.limit ?? 100 });
        const items = all.filter((i) => c.query.open === undefined || (i.resolvedAt === undefined) === (c.query.open === 'true'));
        return { body: { items: items.map(presentIncident) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/incidents/:id',
      operationId: 'getIncident',
      tag: 'status pages',
      summary: 'An incident with its updates',
      action: 'events.read',
      params,
      responses: { 200: { description: 'The incident', schema: Incident } },
      async handler(c) {
        const i = await store.getIncident<IncidentDoc>(c.principal.tenant, c.params.id);
        if (!i) throw new HttpError('not_found', `no incident ${c.params.id}`);
        return { body: presentIncident(i), headers: { etag: i.etag } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/incidents',
      operationId: 'openIncident',
      tag: 'status pages',
      summary: 'Open an incident on services, at a status level, with its first message',
      description:
        'Shown at once on every status page that shows one of its `services`, and in their Atom feeds. `level`: degraded, ' +
        'partial_outage, major_outage or under_maintenance. Audited (incident.open).',
      action: 'events.write',
      body: { media: ['application/json'], schema: openIncidentBody, required: true, limit: 16_384 },
      responses: { 201: { description: 'Opened', schema: Incident } },
      errors: { 409: 'conflict: an incident with that id exists' },
      async handler(c) {
        const r = await openIncident(ctxOf(c), parseJsonBody(z.unknown(), c.body));
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value === 'exists') throw new HttpError('conflict', 'an incident with that id exists: post an update to it instead', {});
        return { status: 201, body: presentIncident(r.value), headers: { etag: r.value.etag } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/incidents/:id/updates',
      operationId: 'updateIncident',
      tag: 'status pages',
      summary: 'Post an update to an incident (status, perhaps a new level, a message)',
      description: '`status: resolved` resolves it; an update to a resolved incident that does not resolve it reopens it. Audited.',
      action: 'events.write',
      params,
      body: { media: ['application/json'], schema: incidentUpdateBody, required: true, limit: 16_384 },
      responses: { 200: { description: 'The incident as updated', schema: Incident } },
      async handler(c) {
        const r = await updateIncident(ctxOf(c), c.params.id, parseJsonBody(z.unknown(), c.body));
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value === 'not_found') throw new HttpError('not_found', `no incident ${c.params.id}`);
        return { body: presentIncident(r.value), headers: { etag: r.value.etag } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/incidents/:id/resolve',
      operationId: 'resolveIncident',
      tag: 'status pages',
      summary: 'Resolve an incident (an update with status resolved)',
      action: 'events.write',
      params,
      body: { media: ['application/json'], schema: resolveBody, required: false, limit: 16_384 },
      responses: { 200: { description: 'The incident as resolved', schema: Incident } },
      async handler(c) {
        const b = c.body === undefined || c.body.trim() === '' ? resolveBody.parse({}) : parseJsonBody(resolveBody, c.body);
        const r = await updateIncident(ctxOf(c), c.params.id, { status: 'resolved', message: b.message });
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value === 'not_found') throw new HttpError('not_found', `no incident ${c.params.id}`);
        return { body: presentIncident(r.value), headers: { etag: r.value.etag } };
      },
    }),
  ];
}
