/**
 * Counters for Prometheus, kept in memory per server process (a restart starts them at zero, which
 * Prometheus' rate() expects). Two expositions, because they have two audiences:
 *
 * - `renderProcess` (GET /metrics, no token): the process's own health and load: HTTP requests by
 *   method, route pattern and status, notifications its delivery loop handled by outcome, memory,
 *   start time. Nothing in it tells one tenant from
 *   another or says what any tenant holds or sends, so it can stay anonymous for the operator's
 *   scraper and probes.
 * - `renderTenant` (GET /v1/metrics, a token's tenant only): that tenant's events ingested by
 *   outcome and the gauges computed for it at scrape time (evaluation lag, open breaches, the
 *   outbox's pending notifications and the age of the oldest).
 *
 * Labels are bounded: routes are the registered patterns, never raw URLs, so a client probing
 * random paths cannot grow the label set; tenants are those of the store.
 */
export interface Metrics {
  countRequest(method: string, route: string, status: number): void;
  countIngested(tenant: string, outcome: string, n: number): void;
  /** Notifications this process's delivery loop handled, by outcome (src/app/delivery/worker.ts). */
  countDelivery(outcome: string, n: number): void;
  /** Prometheus text exposition format, version 0.0.4: the process's figures only. */
  renderProcess(): string;
  /** The same format: one tenant's figures; `gauges` are computed for it at scrape time. */
  renderTenant(tenant: string, gauges?: Gauge[]): string;
}

export interface Gauge {
  name: string;
  help: string;
  value: number;
}

/** As DELIVERY_OUTCOMES in src/app/delivery/worker.ts (repeated: this module loads nothing else). */
export const DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed', 'dead', 'grouped', 'held', 'stale', 'skipped'] as const;

export const INGEST_OUTCOMES = ['accepted', 'duplicate', 'conflict', 'rejected', 'not_written'] as const;

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  /** tenant -> outcome -> count */
  const ingested = new Map<string, Map<string, number>>();
  const deliveries = new Map<string, number>(DELIVERY_OUTCOMES.map((o) => [o, 0]));
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const gauge = (lines: string[], g: Gauge) => lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${g.value}`);
  return {
    countRequest(method, route, status) {
      const key = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    countIngested(tenant, outcome, n) {
      if (n <= 0) return;
      let byOutcome = ingested.get(tenant);
      if (!byOutcome) {
        byOutcome = new Map();
        ingested.set(tenant, byOutcome);
      }
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + n);
    },
    countDelivery(outcome, n) {
      if (n > 0 && deliveries.has(outcome)) deliveries.set(outcome, deliveries.get(outcome)! + n);
    },
    renderProcess() {
      const lines: string[] = [];
      lines.push('# HELP pledge_http_requests_total HTTP requests answered, by method, route pattern and status.');
      lines.push('# TYPE pledge_http_requests_total counter');
      for (const [key, n] of [...requests].sort(([a], [b]) => a.localeCompare(b))) lines.push(`pledge_http_requests_total{${key}} ${n}`);
      lines.push(
        '# HELP pledge_deliveries_total Notifications this process delivered or gave up on, by outcome (delivered, retry, failed, dead, grouped, held, stale, skipped).',
      );
      lines.push('# TYPE pledge_deliveries_total counter');
      for (const [outcome, n] of deliveries) lines.push(`pledge_deliveries_total{outcome="${outcome}"} ${n}`);
      const mem = process.memoryUsage();
      gauge(lines, {
        name: 'process_start_time_seconds',
        help: 'When this process started, in seconds since the Unix epoch.',
        value: Math.floor(performance.timeOrigin / 1000),
      });
      gauge(lines, { name: 'process_resident_memory_bytes', help: 'Resident memory of this process.', value: mem.rss });
      gauge(lines, { name: 'nodejs_heap_used_bytes', help: 'JavaScript heap in use.', value: mem.heapUsed });
      return `${lines.join('\n')}\n`;
    },
    renderTenant(tenant, gauges = []) {
      const lines: string[] = [];
      const mine = ingested.get(tenant);
      lines.push('# HELP pledge_events_ingested_total Events of this tenant received through POST /v1/events by this process, by outcome.');
      lines.push('# TYPE pledge_events_ingested_total counter');
      for (const outcome of INGEST_OUTCOMES) lines.push(`pledge_events_ingested_total{outcome="${outcome}"} ${mine?.get(outcome) ?? 0}`);
      for (const g of gauges) gauge(lines, g);
      return `${lines.join('\n')}\n`;
    },
  };
}
