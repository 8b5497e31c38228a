/**
 * Report schedules and their deliveries over HTTP (docs/api.md "Report schedules"): an edge over
 * src/app/reports/schedules.ts; the runner (app/reports/runner.ts) does the sending.
 *
 * Access: a schedule sends reports out through a channel, so it goes with the channels:
 * channels.read (admin, manager, auditor) to read schedules and deliveries, channels.write (admin,
 * manager) to change them or run one. Customers and viewers never reach these routes (the policy
 * refuses them before the handler runs). Replacing needs If-Match (428 without, 412 when stale).
 */
import { z } from 'zod';
import { wakeReportRunners } from '../../app/reports/runner.ts';
import { presentDelivery, presentSchedule } from '../../app/reports/present.ts';
import { putReportSchedule, runReportSchedule, viewReportSchedule } from '../../app/reports/schedules.ts';
import { REPORT_FORMATS, SCHEDULE_PERIODS, type ReportScheduleSpec } from '../../core/reports/schedule.ts';
import { HttpError, invalid } from '../errors.ts';
import { compact, defineOperation, header, idParam, iso, pageQuery, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { component, Instant } from '../schemas.ts';
import { ifMatchOf } from './preconditions.ts';
import { periodLabel } from './results.ts';

const Spec = z.looseObject({
  agreement: z.string().optional(),
  customer: z.string().optional(),
  every: z.enum(SCHEDULE_PERIODS),
  day: z.number().int(),
  time: z.string(),
  zone: z.string().optional(),
  channel: z.string(),
  recipients: z.array(z.string()),
  language: z.enum(['en', 'ar']),
  formats: z.array(z.enum(REPORT_FORMATS)),
  enabled: z.boolean(),
});
const Occurrence = z.strictObject({ at: Instant, period: z.string() });
const Schedule = component(
  'ReportSchedule',
  z.strictObject({
    id: z.string(),
    spec: Spec,
    next: Occurrence.nullable().describe('When it runs next and the period it will send; null when disabled.'),
    pending: z.array(Occurrence).describe('Runs asked for by hand (POST .../runs) not run yet.'),
    etag: z.string(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
  }),
);
export const Delivery = component(
  'ReportDelivery',
  z.strictObject({
    schedule: z.string(),
    period: z.string(),
    recipient: z.string(),
    status: z
      .enum(['pending', 'claimed', 'delivered', 'failed', 'dead', 'unknown'])
      .describe("Its outbox notification's state (GET /v1/notifications/{notification} has the attempts)."),
    notification: z.number().int().nullable(),
    channel: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    deliveredAt: Instant.nullable(),
    reports: z.array(
      z.strictObject({ agreement: z.string(), period: z.string(), revision: z.number().int(), variant: z.string(), mediaType: z.string() }),
    ),
    note: z.string().nullable().describe('e.g. that the PDF was replaced by HTML (no Chromium).'),
    createdAt: Instant,
  }),
);
const DeliveryPage = z.strictObject({ items: z.array(Delivery), next: z.string().optional() });

export { presentDelivery };

const params = z.strictObject({ id: idParam });
const runBody = z.strictObject({
  period: z.string().min(1).max(20).describe('The period to send: 2026-10, 2026-Q3 or 2026, as the schedule reports.'),
});
const deliveryQuery = z.strictObject({
  schedule: idParam.optional(),
  agreement: idParam.optional(),
  period: periodLabel.optional(),
  ...pageQuery,
});

export function reportScheduleOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/report-schedules',
      operationId: 'listReportSchedules',
      tag: 'reports',
      summary: 'Report schedules, with when each runs next',
      action: 'channels.read',
      responses: { 200: { description: '{ items } by id', schema: z.strictObject({ items: z.array(Schedule) }) } },
      async handler(c) {
        const t = c.principal.tenant;
        const items = [];
        for (const s of await store.listReportSchedules<ReportScheduleSpec>(t))
          items.push(presentSchedule(await viewReportSchedule(store, t, s)));
        return { body: { items } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/report-schedules/:id',
      operationId: 'getReportSchedule',
      tag: 'reports',
      summary: 'A report schedule, with its ETag and when it runs next',
      action: 'channels.read',
      params,
      responses: { 200: { description: 'The schedule', schema: Schedule } },
      async handler(c) {
        const s = await store.getReportSchedule<ReportScheduleSpec>(c.principal.tenant, c.params.id);
        if (!s) throw new HttpError('not_found', `no report schedule ${c.params.id}`);
        return { body: presentSchedule(await viewReportSchedule(store, c.principal.tenant, s)), headers: { etag: s.etag } };
      },
    }),
    defineOperation({
      method: 'PUT',
      url: '/v1/report-schedules/:id',
      operationId: 'putReportSchedule',
      tag: 'reports',
      summary: 'Create or replace a report schedule',
      description:
        "On `day` (1-28) of each month (of each quarter's first month for `every: quarter`, of January for `year`) at `time` in `zone` " +
        "(the agreement's zone by default, UTC for a customer's agreements), the previous period's service report of `agreement` (or " +
        'of every agreement of `customer`) is produced and e-mailed through the e-mail channel `channel` to each of `recipients`, ' +
        'in `language`, with `formats` attached (pdf by default; without Chromium the PDF is replaced by HTML, and the e-mail says so). ' +
        'Once per (schedule, period, recipient), whatever the number of servers. Replacing needs If-Match.',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the schedule being replaced.' }],
      body: { media: ['application/json'], required: true, limit: 16_384, description: 'The schedule (JSON).' },
      responses: {
        200: {
          description: 'Replaced: { result, schedule }',
          schema: z.strictObject({ result: z.literal('updated'), schedule: Schedule }),
        },
        201: { description: 'Created: { result, schedule }', schema: z.strictObject({ result: z.literal('created'), schedule: Schedule }) },
      },
      errors: { 412: 'precondition_failed: If-Match is stale', 428: 'precondition_required: a replacement without If-Match' },
      async handler(c) {
        const t = c.principal.tenant;
        const body = parseJsonBody(z.unknown(), c.body);
        const current = await store.getReportSchedule(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        if (current && ifMatch === undefined)
          throw new HttpError('precondition_required', `report schedule ${c.params.id} exists: send If-Match with its ETag to replace it`, {
            etag: current.etag,
          });
        const r = await putReportSchedule(
          { store, tenant: t, now: c.now, actor: c.principal.actor },
          { id: c.params.id, spec: body, ifMatch: current ? ifMatch : (ifMatch ?? null) },
        );
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value.status === 'stale')
          throw new HttpError(
            'precondition_failed',
            r.value.current
              ? `report schedule ${c.params.id} has changed since it was read`
              : `report schedule ${c.params.id} does not exist`,
            compact({ etag: r.value.current?.etag }),
          );
        const view = await viewReportSchedule(store, t, r.value.schedule);
        return {
          status: r.value.status === 'created' ? 201 : 200,
          body: { result: r.value.status, schedule: presentSchedule(view) } as never,
          headers: { etag: r.value.schedule.etag },
        };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/report-schedules/:id',
      operationId: 'deleteReportSchedule',
      tag: 'reports',
      summary: 'Delete a report schedule (its deliveries stay, as history)',
      action: 'channels.write',
      params,
      headers: [{ name: 'If-Match', description: 'The ETag of the schedule being deleted.' }],
      responses: { 200: { description: '{ result, id }', schema: z.strictObject({ result: z.literal('deleted'), id: z.string() }) } },
      errors: { 412: 'precondition_failed: If-Match is stale' },
      async handler(c) {
        const t = c.principal.tenant;
        const current = await store.getReportSchedule(t, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await store.deleteReportSchedule(t, c.params.id, ifMatch, {
          at: c.now,
          actor: c.principal.actor,
          action: 'report-schedule.delete',
          subject: `report-schedule:${c.params.id}`,
        });
        if (r === 'not_found') throw new HttpError('not_found', `no report schedule ${c.params.id}`);
        if (r === 'stale') throw new HttpError('precondition_failed', `report schedule ${c.params.id} has changed since it was read`, {});
        return { body: { result: 'deleted' as const, id: c.params.id } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/report-schedules/:id/runs',
      operationId: 'runReportSchedule',
      tag: 'reports',
      summary: "Send a period's reports now (a missed period, or recipients added since)",
      description:
        "Runs the schedule for `period` now, through the same runner: recipients who already had that period's e-mail get no second " +
        'one (replay its notification for that). Answers 202 at once; GET /v1/report-deliveries shows the deliveries.',
      action: 'channels.write',
      params,
      body: { media: ['application/json'], schema: runBody, required: true, limit: 1024 },
      responses: {
        202: { description: 'Scheduled now', schema: z.strictObject({ schedule: z.string(), period: z.string(), at: Instant }) },
      },
      async handler(c) {
        const b = parseJsonBody(runBody, c.body);
        const r = await runReportSchedule(
          { store, tenant: c.principal.tenant, now: c.now, actor: c.principal.actor },
          { id: c.params.id, period: b.period },
        );
        if (!r.ok) throw invalid(r.issues, 'body');
        if (r.value.status === 'not_found') throw new HttpError('not_found', `no report schedule ${c.params.id}`);
        wakeReportRunners();
        return { status: 202, body: { schedule: c.params.id, period: r.value.period, at: iso(r.value.at) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/report-deliveries',
      operationId: 'listReportDeliveries',
      tag: 'reports',
      summary: 'Scheduled report e-mails: one per schedule, period and recipient, with its delivery status',
      action: 'channels.read',
      query: deliveryQuery,
      responses: { 200: { description: 'Newest first', schema: DeliveryPage } },
      async handler(c) {
        const q = c.query;
        const page = await store.listReportDeliveries(c.principal.tenant, {
          ...compact({ scheduleId: q.schedule, agreementId: q.agreement, period: q.period, after: q.after, limit: q.limit }),
        });
        return { body: { items: page.items.map(presentDelivery), ...compact({ next: page.next }) } };
      },
    }),
  ];
}
