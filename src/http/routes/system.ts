/**
 * Probes, metrics and documentation. The probes, /metrics, /openapi.json and /docs need no token:
 * probes and Prometheus scrapers rarely carry one. So they say nothing a stranger can use:
 * /readyz answers its status only (why the database does not answer goes to the server log, under
 * the request id), /metrics has the process's own figures only. A tenant's figures (events
 * ingested, evaluation lag, open breaches) are at /v1/metrics, for a token of that tenant.
 */
import { lastLag } from '../../app/alerts/signals.ts';
import { alertGauges } from '../../app/alerts/gauges.ts';
import { readFileSync } from 'node:fs';
import { outboxStats } from '../../app/delivery/outbox-stats.ts';
import { targetGauges } from '../../app/target-gauges.ts';
import { HttpError } from '../errors.ts';
import { DOCS_STYLE, docsPage, openApiDocument } from '../openapi.ts';
import { defineOperation, type Deps, type Operation } from '../operation.ts';
import { Health, OpenApiDocument, Ready, Text } from '../schemas.ts';
import { htmlPageCsp } from '../security.ts';
import type { Gauge } from '../metrics.ts';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function systemOperations(deps: Deps, all: () => Operation[]): Operation[] {
  const { store, metrics } = deps;
  let doc: ReturnType<typeof openApiDocument> | undefined;
  const openapi = () => (doc ??= openApiDocument(all(), { version: packageVersion() }));
  return [
    defineOperation({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      tag: 'system',
      summary: 'Liveness: the process is up',
      responses: { 200: { description: '{ status: "ok" }', schema: Health } },
      async handler() {
        return { body: { status: 'ok' } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/readyz',
      operationId: 'ready',
      tag: 'system',
      summary: 'Readiness: the database answers',
      description:
        'Answers the status only. When the database does not answer, the reason is logged on the server ' +
        'with the request id of this answer.',
      responses: { 200: { description: '{ status: "ready" }', schema: Ready } },
      errors: { 503: 'store_unavailable: the database does not answer (Retry-After); the reason is in the server log.' },
      async handler(c) {
        try {
          await store.ping();
        } catch (e) {
          // The driver's message names hosts, ports, socket paths, users: for the operator's log only.
          c.log.error({ err: e, store: store.kind }, 'readiness check failed: the database does not answer');
          throw new HttpError('store_unavailable', 'not ready: the database does not answer', {}, { 'retry-after': '5' });
        }
        return { body: { status: 'ready' } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      tag: 'system',
      summary: 'Prometheus metrics of the process',
      description:
        "The process's own figures, the same whichever tenant is served: pledge_http_requests_total{method,route,status}, " +
        "process_start_time_seconds, process_resident_memory_bytes, nodejs_heap_used_bytes. A tenant's figures are at /v1/metrics.",
      responses: { 200: { description: 'Prometheus text exposition format 0.0.4', schema: Text, media: 'text/plain; version=0.0.4' } },
      async handler() {
        return { body: metrics.renderProcess(), type: 'text/plain; version=0.0.4; charset=utf-8' };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/metrics',
      operationId: 'tenantMetrics',
      tag: 'system',
      summary: "Prometheus metrics of the token's tenant",
      description:
        "The caller's tenant only: pledge_events_ingested_total{outcome} (received by this process), pledge_evaluation_lag_events " +
        '(stored events not yet reflected in derived results), pledge_open_breaches_tickets and pledge_open_breaches_targets ' +
        '(breaches open now, from the last computed results), pledge_outbox_pending_notifications and ' +
        'pledge_outbox_oldest_pending_age_seconds (notifications not yet delivered, failed or given up; counted up to 10,000), ' +
        "pledge_alert_lag_seconds (from an event batch's commit to the results and alerts that reflect it, as this process's " +
        'scheduler last saw it; absent before it saw one), pledge_alerts_firing{severity} and pledge_alerts_acknowledged (alerts open now). Any role but customer; a viewer token is enough for a scraper.',
      action: 'metrics.read',
      responses: { 200: { description: 'Prometheus text exposition format 0.0.4', schema: Text, media: 'text/plain; version=0.0.4' } },
      async handler(c) {
        const tenant = c.principal.tenant;
        const lag = Math.max(0, (await store.lastEventSeq(tenant)) - (await store.getDerivedWatermark(tenant)));
        const open = await store.countOpenBreaches(tenant, c.now);
        const outbox = await outboxStats(store, tenant, c.now);
        const text = metrics.renderTenant(tenant, [
          { name: 'pledge_evaluation_lag_events', help: 'Stored events of this tenant not yet reflected in derived results.', value: lag },
          {
            name: 'pledge_open_breaches_tickets',
            help: 'Clocks of open tickets breached now (from the last computed results; running ones past their deadline count).',
            value: open.tickets,
          },
          {
            name: 'pledge_open_breaches_targets',
            help: 'Targets breached in their current window (from the last computed results).',
            value: open.targets,
          },
          {
            name: 'pledge_outbox_pending_notifications',
            help: 'Notifications of this tenant waiting to be delivered or being delivered (counted up to 10000).',
            value: outbox.pending,
          },
          {
            name: 'pledge_outbox_oldest_pending_age_seconds',
            help: 'How long the oldest of them has waited since it was written (0 when none waits).',
            value: Math.floor(outbox.oldestAgeMs / 1000),
          },
          ...alertLagGauge(tenant),
          ...(await alertGauges(store, tenant)),
          ...(await targetGauges({ store, tenant, now: c.now })),
        ]);
        return { body: text, type: 'text/plain; version=0.0.4; charset=utf-8' };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      tag: 'system',
      summary: 'This API as OpenAPI 3.1',
      responses: { 200: { description: 'The OpenAPI document', schema: OpenApiDocument } },
      async handler() {
        return { body: openapi() };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/docs',
      operationId: 'docs',
      tag: 'system',
      summary: 'This API as a page to read',
      responses: { 200: { description: 'HTML', schema: Text, media: 'text/html' } },
      async handler() {
        // This page's policy: the global one (nothing to load, run or frame) plus its one style sheet.
        return {
          body: docsPage(openapi()),
          type: 'text/html; charset=utf-8',
          headers: { 'content-security-policy': htmlPageCsp([DOCS_STYLE]) },
        };
      },
    }),
  ] as Operation[];
}

/** The live lag (src/app/alerts/signals.ts), once this process's scheduler has observed one. */
function alertLagGauge(tenant: string): Gauge[] {
  const ms = lastLag(tenant);
  if (ms === undefined) return [];
  return [
    {
      name: 'pledge_alert_lag_seconds',
      help: "From an event batch's commit to the commit of the results and alerts that reflect it, as last observed by this process.",
      value: ms / 1000,
    },
  ];
}
