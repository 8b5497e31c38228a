/**
 * Counters for Prometheus, kept in memory per server process (a restart starts them at zero, which
 * Prometheus' rate() expects). Labels are bounded: routes are the registered patterns, never raw
 * URLs, so a client probing random paths cannot grow the label set.
 */
export interface Metrics {
  countRequest(method: string, route: string, status: number): void;
  countIngested(outcome: string, n: number): void;
  /** Prometheus text exposition format, version 0.0.4; `gauges` are computed at scrape time. */
  render(gauges?: Array<{ name: string; help: string; value: number }>): string;
}

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const ingested = new Map<string, number>();
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return {
    countRequest(method, route, status) {
      const key = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    countIngested(outcome, n) {
      if (n <= 0) return;
      const key = `outcome="${esc(outcome)}"`;
      ingested.set(key, (ingested.get(key) ?? 0) + n);
    },
    render(gauges = []) {
      const lines: string[] = [];
      lines.push('# HELP pledge_events_ingested_total Events received through POST /v1/events, by outcome.');
      lines.push('# TYPE pledge_events_ingested_total counter');
      for (const outcome of ['accepted', 'duplicate', 'conflict', 'rejected', 'not_written']) {
        const key = `outcome="${outcome}"`;
        lines.push(`pledge_events_ingested_total{${key}} ${ingested.get(key) ?? 0}`);
      }
      lines.push('# HELP pledge_http_requests_total HTTP requests answered, by method, route pattern and status.');
      lines.push('# TYPE pledge_http_requests_total counter');
      for (const [key, n] of [...requests].sort(([a], [b]) => a.localeCompare(b))) lines.push(`pledge_http_requests_total{${key}} ${n}`);
      for (const g of gauges) {
        lines.push(`# HELP ${g.name} ${g.help}`);
        lines.push(`# TYPE ${g.name} gauge`);
        lines.push(`${g.name} ${g.value}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}
