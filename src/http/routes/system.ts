/**
 * Probes, metrics and documentation. The probes, /metrics, /openapi.json and /docs need no token:
 * probes and Prometheus scrapers rarely carry one. So they say nothing a stranger can use:
 * /readyz answers its status only (why the database does not answer goes to the server log, under
 * the request id), /metrics has the process's own figures only. A tenant's figures (events
 * ingested, evaluation lag, open breaches) are at /v1/metrics, for a token of that tenant.
 */
import { readFileSync } from 'node:fs';
import { HttpError } from '../errors.ts';
import { DOCS_STYLE, docsPage, openApiDocument } from '../openapi.ts';
import { defineOperation, type Deps, type Operation } from '../operation.ts';
import { htmlPageCsp } from '../security.ts';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function systemOperations(deps: Deps, all: () => Operation[]): Operation[] {
  const { store, metrics } = deps;
  let doc: Record<string, unknown> | undefined;
  const openapi = () => (doc ??= openApiDocument(all(), { version: packageVersion() }));
  return [
    defineOperation({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      tag: 'system',
      summary: 'Liveness: the process is up',
      responses: { 200: '{ status: "ok" }' },
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
      responses: { 200: '{ status: "ready", store }', 503: 'The database does not answer (store_unavailable).' },
      async handler() {
        try {
          await store.ping();
        } catch (e) {
          throw new HttpError('store_unavailable', `the database does not answer: ${(e as Error).message}`, { store: store.kind }, { 'retry-after': '5' });
        }
        return { body: { status: 'ready', store: store.kind } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      tag: 'system',
      summary: 'Prometheus metrics',
      description: 'pledge_events_ingested_total{outcome}, pledge_http_requests_total{method,route,status}, pledge_evaluation_lag_events (the largest number of events not yet evaluated, over all tenants), pledge_open_breaches_tickets and pledge_open_breaches_targets (breaches open now, from the last computed results) and pledge_tenants.',
      responses: { 200: 'Prometheus text exposition format 0.0.4' },
      async handler() {
        const tenants = await store.listTenants();
        let lag = 0;
        const open = { tickets: 0, targets: 0 };
        const now = deps.now();
        for (const t of tenants) {
          lag = Math.max(lag, (await store.lastEventSeq(t.id)) - (await store.getDerivedWatermark(t.id)));
          const b = await store.countOpenBreaches(t.id, now);
          open.tickets += b.tickets;
          open.targets += b.targets;
        }
        const text = metrics.render([
          { name: 'pledge_evaluation_lag_events', help: 'Largest number of stored events not yet reflected in derived results, over all tenants.', value: lag },
          { name: 'pledge_open_breaches_tickets', help: 'Clocks of open tickets breached now (from the last computed results; running ones past their deadline count), over all tenants.', value: open.tickets },
          { name: 'pledge_open_breaches_targets', help: 'Targets breached in their current window (from the last computed results), over all tenants.', value: open.targets },
          { name: 'pledge_tenants', help: 'Tenants in the store.', value: tenants.length },
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
      responses: { 200: 'The OpenAPI document' },
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
      responses: { 200: 'HTML' },
      async handler() {
        // This page's policy: the global one (nothing to load, run or frame) plus its one style sheet.
        return { body: docsPage(openapi()), type: 'text/html; charset=utf-8', headers: { 'content-security-policy': htmlPageCsp([DOCS_STYLE]) } };
      },
    }),
  ] as Operation[];
}
