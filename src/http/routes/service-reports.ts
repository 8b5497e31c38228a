/**
 * Service reports (src/app/service-report.ts): produced and frozen as revisions, then read as the
 * stored JSON (byte for byte), an HTML page, CSV, or a PDF (Chromium, app/pdf.ts), in English or
 * Arabic. A customer reads its own agreements' reports; producing one is for those who answer for
 * agreements (admin, manager).
 */
import { z } from 'zod';
import { htmlToPdf, PDF_INSTALL_HINT, PdfUnavailableError } from '../../app/pdf.ts';
import { REPORT_LANGUAGES, REPORT_STYLE, renderServiceReportHtml, type ReportLanguage } from '../../app/report-html.ts';
import { produceServiceReport, reportPeriodLabel, serviceReportCsv, type ServiceReport } from '../../app/service-report.ts';
import type { ServiceReportRevision } from '../../store/types.ts';
import { HttpError, invalid } from '../errors.ts';
import { defineOperation, idParam, iso, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { component, Instant, WhyClause } from '../schemas.ts';
import { htmlPageCsp } from '../security.ts';
import { visibleAgreement } from './derived-access.ts';
import { Delivery, presentDelivery } from './report-schedules.ts';
import { authorize } from '../../core/access/policy.ts';
import { periodLabel } from './results.ts';

const Revision = component(
  'ServiceReportRevision',
  z.strictObject({
    agreement: z.string(),
    period: z.string(),
    revision: z.number().int().min(1),
    eventSeq: z.number().int().describe('The last event sequence number the results it was made from had seen.'),
    sha256: z.string().describe("SHA-256 of the report's JSON content, as GET .../reports/{period}?format=json answers it."),
    createdAt: Instant,
    createdBy: z.string(),
  }),
);
const Produced = z.strictObject({ status: z.enum(['created', 'same']), revision: Revision });

const Line = z.looseObject({
  target: z.string(),
  name: z.string(),
  metric: z.string(),
  window: z.string(),
  state: z.string(),
  value: z.number().nullable(),
  promised: z.string(),
  reason: z.string(),
  reasonWhy: z.array(WhyClause).optional().describe('reason as clauses (absent in revisions made before them).'),
  note: z.string().nullable().optional(),
  noteWhy: z.array(WhyClause).optional().describe('note as clauses (absent in revisions made before them).'),
  misses: z.strictObject({ kind: z.enum(['tickets', 'outages']), ids: z.array(z.string()), total: z.number().int() }).nullable(),
  previous: z.strictObject({ window: z.string(), state: z.string(), value: z.number().nullable() }).nullable(),
  trend: z.enum(['better', 'worse', 'same']).nullable(),
  owedAmounts: z
    .array(z.strictObject({ minor: z.number().int(), currency: z.string() }))
    .nullable()
    .optional()
    .describe('owed as amounts in minor units (absent in revisions made before them).'),
});
const ServiceReportDoc = component(
  'ServiceReport',
  z.looseObject({
    kind: z.literal('pledge.service-report'),
    version: z.literal(1),
    agreement: z.looseObject({ id: z.string(), name: z.string() }),
    period: z.strictObject({ label: z.string(), from: z.string(), to: z.string(), zone: z.string() }),
    previousPeriod: z.string().nullable(),
    lines: z.array(Line),
    maintenance: z.array(
      z.strictObject({ id: z.string(), service: z.string().nullable(), start: z.string(), end: z.string(), announcedAt: z.string() }),
    ),
    totals: z.array(z.looseObject({ currency: z.string(), amountMinor: z.number(), amount: z.string() })),
    summary: z.string(),
    summaryWhy: z.array(WhyClause).optional().describe('summary as clauses (absent in revisions made before them).'),
    due: z.array(
      z.strictObject({
        target: z.string(),
        amount: z.string(),
        date: z.string(),
        money: z.strictObject({ minor: z.number().int(), currency: z.string() }).optional(),
      }),
    ),
    notes: z.array(z.string()),
    notesWhy: z.array(WhyClause).optional().describe('notes as clauses, one per note (absent in revisions made before them).'),
  }),
);

const params = z.strictObject({ id: idParam });
const periodParams = z.strictObject({ id: idParam, period: periodLabel });
const produceBody = z.strictObject({ period: z.string().min(1).max(20).describe('The billing period: 2026-10, 2026-Q4 or 2026.') });
const readQuery = z.strictObject({
  revision: z.coerce.number().int().min(1).max(1_000_000).optional().describe('A revision; the latest when absent.'),
  format: z
    .enum(['json', 'html', 'csv', 'pdf'])
    .optional()
    .describe('json (default: the stored content, byte for byte), html, csv or pdf.'),
  lang: z
    .enum(REPORT_LANGUAGES as [ReportLanguage, ...ReportLanguage[]])
    .optional()
    .describe('For html and pdf: en (default) or ar (right to left).'),
});

function present(r: Omit<ServiceReportRevision, 'content'>) {
  return {
    agreement: r.agreementId,
    period: r.period,
    revision: r.revision,
    eventSeq: r.eventSeq,
    sha256: r.sha256,
    createdAt: iso(r.createdAt),
    createdBy: r.createdBy,
  };
}

export function serviceReportOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'POST',
      url: '/v1/agreements/:id/reports',
      operationId: 'produceServiceReport',
      tag: 'reports',
      summary: "Produce an agreement's service report for a period, frozen as a revision",
      description:
        'Made from the results brought up to date with the stored events. Stored as a new revision only when its content differs ' +
        'from the latest (201); otherwise the latest is returned unchanged (200). A revision is never changed.',
      action: 'agreements.write',
      params,
      body: { media: ['application/json'], schema: produceBody, required: true, limit: 4096 },
      responses: {
        201: { description: 'A new revision.', schema: Produced },
        200: { description: 'Nothing changed since the latest revision, which is returned.', schema: Produced },
      },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'agreements.write', c.params.id);
        const b = parseJsonBody(produceBody, c.body);
        const label = reportPeriodLabel(b.period);
        if (!label.ok) throw invalid(label.issues, 'body');
        const r = await produceServiceReport(
          { store, tenant: p.tenant, now: c.now, actor: p.actor },
          { agreement: c.params.id, period: b.period },
        );
        if (!r.ok) {
          if ('notFound' in r) throw new HttpError('not_found', r.notFound);
          throw invalid(r.issues, 'body');
        }
        const { content: _c, ...meta } = r.value.revision;
        return { status: r.value.status === 'created' ? 201 : 200, body: { status: r.value.status, revision: present(meta) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/reports',
      operationId: 'listServiceReports',
      tag: 'reports',
      summary: "An agreement's service reports: every revision of every period",
      action: 'settlements.read',
      params,
      responses: {
        200: {
          description:
            'Newest period first, newest revision first; with `deliveries` (the latest 100 scheduled e-mails that attached one of ' +
            'its reports, GET /v1/report-deliveries?agreement= for all) for those who may read channels.',
          schema: z.strictObject({ items: z.array(Revision), deliveries: z.array(Delivery).optional() }),
        },
      },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'settlements.read', c.params.id);
        const items = (await store.listServiceReports(p.tenant, c.params.id)).map(present);
        // Recipients and channels are the provider's delivery setup: shown to who may read channels, never to customers.
        if (!authorize(p, 'channels.read', { tenant: p.tenant }).allowed) return { body: { items } };
        const deliveries = await store.listReportDeliveries(p.tenant, { agreementId: c.params.id, limit: 100 });
        return { body: { items, deliveries: deliveries.items.map(presentDelivery) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/reports/:period',
      operationId: 'getServiceReport',
      tag: 'reports',
      summary: 'A service report revision: JSON, HTML, CSV or PDF, in English or Arabic',
      description:
        'The latest revision unless `revision` names one. `format=json` answers the stored content byte for byte (its SHA-256 is ' +
        "the revision's); `html` a standalone page (no script); `csv` one line per target; `pdf` the page printed by Chromium, made " +
        'once per revision and language and then served as stored. Without Chromium, `pdf` answers 503 `unavailable` naming what ' +
        'to install, and the other forms work.',
      action: 'settlements.read',
      params: periodParams,
      query: readQuery,
      responses: {
        200: {
          description: 'The report (the ServiceReport JSON), or html, csv or pdf as asked.',
          schema: ServiceReportDoc,
          alternatives: {
            'text/html': 'format=html: a standalone page, its style inline, no script.',
            'text/csv': 'format=csv: agreement,period,target,name,metric,window,state,value,promised,previous,trend,owed,due,misses,reason',
            'application/pdf': 'format=pdf: the page printed to PDF (A4).',
          },
        },
      },
      errors: { 503: 'unavailable: format=pdf without Chromium installed (the message says what to install)' },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'settlements.read', c.params.id);
        const label = reportPeriodLabel(c.params.period);
        if (!label.ok) throw invalid(label.issues, 'path');
        const rev = await store.getServiceReport(p.tenant, {
          agreementId: c.params.id,
          period: label.value,
          ...(c.query.revision !== undefined ? { revision: c.query.revision } : {}),
        });
        if (!rev)
          throw new HttpError(
            'not_found',
            c.query.revision !== undefined
              ? `no revision ${c.query.revision} of the ${label.value} report of ${c.params.id}`
              : `no ${label.value} report of ${c.params.id} has been produced: POST /v1/agreements/${c.params.id}/reports`,
          );
        const headers = {
          'x-pledge-report-revision': String(rev.revision),
          'x-pledge-report-sha256': rev.sha256,
          etag: `"${rev.sha256}-${rev.revision}"`,
        };
        const format = c.query.format ?? 'json';
        const lang = c.query.lang ?? 'en';
        const file = `${c.params.id}-${label.value}-r${rev.revision}`;
        if (format === 'json')
          return { body: rev.content as unknown as z.output<typeof ServiceReportDoc>, type: 'application/json; charset=utf-8', headers };
        const report = JSON.parse(rev.content) as ServiceReport;
        if (format === 'csv')
          return {
            body: serviceReportCsv(report),
            type: 'text/csv; charset=utf-8',
            headers: { ...headers, 'content-disposition': `attachment; filename="${file}.csv"` },
          };
        const { content: _c, ...meta } = rev;
        const html = renderServiceReportHtml(report, meta, lang);
        if (format === 'html')
          return {
            body: html,
            type: 'text/html; charset=utf-8',
            headers: { ...headers, 'content-security-policy': htmlPageCsp([REPORT_STYLE]) },
          };
        const key = { agreementId: c.params.id, period: label.value, revision: rev.revision, variant: `pdf:${lang}` };
        let pdf = await store.getServiceReportFile(p.tenant, key);
        if (!pdf) {
          let bytes: Buffer;
          try {
            bytes = await htmlToPdf(html);
          } catch (e) {
            if (e instanceof PdfUnavailableError)
              throw new HttpError('unavailable', PDF_INSTALL_HINT, { install: 'chromium', env: 'PLEDGE_CHROMIUM' });
            throw e;
          }
          pdf = await store.putServiceReportFile(p.tenant, key, { mediaType: 'application/pdf', bytes, createdAt: c.now });
        }
        return {
          body: pdf.bytes as unknown as string,
          type: 'application/pdf',
          headers: { ...headers, 'content-disposition': `attachment; filename="${file}-${lang}.pdf"`, 'x-pledge-file-sha256': pdf.sha256 },
        };
      },
    }),
  ];
}
