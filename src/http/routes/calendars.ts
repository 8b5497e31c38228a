/**
 * Business calendars, stored by name as written (YAML or JSON, so comments survive). A calendar is
 * validated with the core loader before it is stored; `extends` names another stored calendar.
 * `ics` cannot be used over the API yet: iCalendar files are not stored, so the reference could
 * not be resolved later, and the loader would read it as a file path on the server.
 */
import { z } from 'zod';
import { calendarDefinitionFromText } from '../../core/calendar/source.ts';
import { calendarSpec } from '../../core/calendar/spec.ts';
import { parseSourceText } from '../../core/validation/source.ts';
import type { StoredCalendar } from '../../store/types.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, DOCUMENT_BODY, defineOperation, header, idParam, iso, type Deps, type Operation } from '../operation.ts';
import { ifMatchOf } from './preconditions.ts';
import { Calendar, CalendarList, CalendarWrite } from '../schemas.ts';

export const calendarParams = z.strictObject({ name: idParam });
export const DOCUMENT_MEDIA = ['application/yaml', 'text/yaml', 'application/x-yaml', 'application/json'] as const;

function presentCalendar(c: StoredCalendar) {
  return { name: c.name, format: c.format, source: c.source, etag: c.etag, updatedAt: iso(c.updatedAt), updatedBy: c.updatedBy };
}

export function calendarOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'PUT',
      url: '/v1/calendars/:name',
      operationId: 'putCalendar',
      tag: 'calendars',
      summary: 'Create or replace a calendar',
      description:
        'YAML or JSON (docs/calendars.md). Creating needs no precondition; replacing needs If-Match with the current ETag (428 without, 412 when stale). `extends` names another stored calendar.',
      action: 'calendars.write',
      params: calendarParams,
      headers: [{ name: 'If-Match', description: 'The ETag of the calendar being replaced.' }],
      body: { media: DOCUMENT_MEDIA, schema: calendarSpec, required: true, limit: DOCUMENT_BODY },
      responses: {
        200: { description: 'Replaced (or unchanged): { result, calendar }', schema: CalendarWrite },
        201: { description: 'Created: { result, calendar }', schema: CalendarWrite },
      },
      errors: { 412: 'precondition_failed: If-Match is stale', 428: 'precondition_required: a replacement without If-Match' },
      async handler(c) {
        const tenant = c.principal.tenant;
        const name = c.params.name;
        const text = c.body!;
        const format = c.media === 'application/json' ? 'json' : 'yaml';
        const source = `calendars/${name}`;
        const parsed = parseSourceText(text, source);
        if (!parsed.ok) throw invalid(parsed.issues, 'body');
        const ics = (parsed.value.value as { ics?: unknown } | null)?.ics;
        if (Array.isArray(ics) && ics.length > 0) {
          throw invalid(
            [
              {
                path: 'ics',
                message: 'iCalendar files cannot be referenced over the API yet: list the days under holidays (or closures) instead',
                received: `a list of ${ics.length}`,
                source,
                ...(parsed.value.locate(['ics']) ?? {}),
              },
            ],
            'body',
          );
        }
        // `extends` is resolved against the tenant's stored calendars, as the core loader resolves
        // files; a cycle through the calendar being written is caught by the loader.
        const stored = new Map((await store.listCalendars(tenant)).map((cal) => [cal.name, cal]));
        const def = calendarDefinitionFromText(text, source, (ref) => {
          if (ref === name) return { error: 'a calendar cannot extend itself' };
          const cal = stored.get(ref);
          return cal
            ? { source: `calendars/${ref}`, text: cal.source }
            : { error: `no stored calendar named ${JSON.stringify(ref)} (PUT /v1/calendars/${ref} first)` };
        });
        if (!def.ok) throw invalid(def.issues, 'body');

        const current = stored.get(name);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        if (current && ifMatch === undefined)
          throw new HttpError('precondition_required', `calendar ${name} exists: send If-Match with its ETag to replace it`, {
            etag: current.etag,
          });
        if (current && current.source === text && current.format === format) {
          if (ifMatch !== current.etag)
            throw new HttpError('precondition_failed', `calendar ${name} has changed since it was read`, { etag: current.etag });
          return { status: 200, body: { result: 'unchanged', calendar: presentCalendar(current) }, headers: { etag: current.etag } };
        }
        const audit = {
          at: c.now,
          actor: c.principal.actor,
          action: current ? 'calendar.update' : 'calendar.create',
          subject: `calendar:${name}`,
          ...(current ? { before: { format: current.format, source: current.source } } : {}),
          after: { format, source: text },
        };
        const r = await store.putCalendar(
          tenant,
          { name, format, source: text, at: c.now, by: c.principal.actor },
          current ? ifMatch! : ifMatch === undefined ? null : ifMatch,
          audit,
        );
        if (r.status === 'stale') {
          if (!current && ifMatch === undefined)
            throw new HttpError(
              'precondition_required',
              `calendar ${name} was created meanwhile: send If-Match with its ETag to replace it`,
              compact({ etag: r.current?.etag }),
            );
          throw new HttpError(
            'precondition_failed',
            r.current ? `calendar ${name} has changed since it was read` : `calendar ${name} does not exist`,
            compact({ etag: r.current?.etag }),
          );
        }
        return {
          status: r.status === 'created' ? 201 : 200,
          body: { result: r.status, calendar: presentCalendar(r.calendar) },
          headers: { etag: r.calendar.etag },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/calendars/:name',
      operationId: 'getCalendar',
      tag: 'calendars',
      summary: 'Get a calendar (as written, with its ETag)',
      action: 'calendars.read',
      params: calendarParams,
      responses: { 200: { description: 'The calendar', schema: Calendar } },
      async handler(c) {
        const cal = await store.getCalendar(c.principal.tenant, c.params.name);
        if (!cal) throw new HttpError('not_found', `no calendar ${c.params.name}`);
        return { body: presentCalendar(cal), headers: { etag: cal.etag } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/calendars',
      operationId: 'listCalendars',
      tag: 'calendars',
      summary: 'List calendars',
      action: 'calendars.read',
      responses: { 200: { description: '{ items }', schema: CalendarList } },
      async handler(c) {
        const list = await store.listCalendars(c.principal.tenant);
        return { body: { items: list.map(presentCalendar) } };
      },
    }),
  ] as Operation[];
}
