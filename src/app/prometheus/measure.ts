/**
 * Measuring a ratio target (metric: ratio, docs/prometheus.md) from Prometheus over one window:
 * good / total, each the increase of its counters over the window.
 *
 * How: one instant query per side through /api/v1/query at t = min(window end, now), each
 * `sum(increase(QUERY[RANGE]))` with RANGE = t - window start (a query that says [$window] gets
 * the range there and is sent as written). Not query_range: a step would have to be chosen and the
 * steps' deltas summed, with counter resets handled again; increase() over the exact range does
 * both, and two samples are all the evidence needs to keep. Both sides come from the same scrapes,
 * so increase()'s extrapolation at the window's edges scales them alike and the ratio is exact.
 *
 * Invariants (three tiers, ARCHITECTURE.md):
 * - a figure only from two successful answers; an empty answer (no series in the window: not yet
 *   scraped, past retention) is no data, never 0% nor 100%;
 * - Prometheus unreachable, timing out or failing (5xx): a PrometheusError with retryable true,
 *   and no figure; a query Prometheus refuses (4xx, bad_data): retryable false, with its message
 *   and the query as sent;
 * - the evidence keeps the queries as sent and Prometheus' answers verbatim, so the figure can be
 *   checked against them.
 */
import type { RatioFigures } from '../../core/metrics/catalogue.ts';

export interface PrometheusTarget {
  good: string;
  total: string;
}

export interface RatioEvidence {
  /** The evaluation instant sent as time= (ms), and the range the increases cover (ms). */
  at: number;
  rangeMs: number;
  queries: { good: string; total: string };
  /** Prometheus' answers as received (parsed JSON), good then total. */
  responses: { good: unknown; total: unknown };
}

export type RatioMeasurement = { figures: RatioFigures | null; evidence: RatioEvidence };

export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly query?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PrometheusError';
  }
}

/** The query sent for one side: the range substituted for [$window], or the counters' increase summed. */
export function increaseQuery(query: string, rangeMs: number): string {
  const range = `${Math.max(1, Math.round(rangeMs))}ms`;
  return query.includes('$window') ? query.replaceAll('$window', range) : `sum(increase(${query}[${range}]))`;
}

interface VectorAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: Array<{ value?: [number, string] }> };
}

async function instant(base: string, query: string, at: number, timeoutMs: number): Promise<{ body: VectorAnswer; value: number | null }> {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('time', (at / 1000).toFixed(3));
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (e) {
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'not reachable';
    throw new PrometheusError(`Prometheus at ${url.origin} is ${why}; the target stays without data until a retry succeeds`, true, query, {
      cause: e,
    });
  }
  let body: VectorAnswer;
  try {
    body = (await res.json()) as VectorAnswer;
  } catch (e) {
    throw new PrometheusError(`Prometheus answered ${res.status} without JSON`, res.status >= 500 || res.ok, query, { cause: e });
  }
  if (!res.ok || body.status !== 'success') {
    const retryable = res.status >= 500 || res.status === 429 || body.errorType === 'timeout' || body.errorType === 'unavailable';
    throw new PrometheusError(
      `Prometheus refused the query (${res.status} ${body.errorType ?? ''}): ${body.error ?? 'no reason given'}`,
      retryable,
      query,
    );
  }
  if (body.data?.resultType !== 'vector') throw new PrometheusError(`expected a vector, got ${body.data?.resultType}`, false, query);
  const samples = body.data.result ?? [];
  if (samples.length === 0) return { body, value: null };
  if (samples.length > 1)
    throw new PrometheusError(
      `the query gives ${samples.length} series; a side of the ratio must sum to one (wrap it in sum())`,
      false,
      query,
    );
  const v = Number(samples[0]?.value?.[1]);
  return { body, value: Number.isFinite(v) ? v : null };
}

/** good / total over [from, to) as of now; throws PrometheusError (retryable or not), never a made-up figure. */
export async function measureRatio(input: {
  url: string;
  timeoutMs: number;
  target: PrometheusTarget;
  window: { from: number; to: number };
  now: number;
}): Promise<RatioMeasurement> {
  const at = Math.min(input.window.to, input.now);
  const rangeMs = at - input.window.from;
  const queries = { good: increaseQuery(input.target.good, rangeMs), total: increaseQuery(input.target.total, rangeMs) };
  const evidence: RatioEvidence = { at, rangeMs, queries, responses: { good: null, total: null } };
  if (rangeMs <= 0) return { figures: null, evidence };
  const [good, total] = await Promise.all([
    instant(input.url, queries.good, at, input.timeoutMs),
    instant(input.url, queries.total, at, input.timeoutMs),
  ]);
  evidence.responses = { good: good.body, total: total.body };
  if (good.value === null || total.value === null) return { figures: null, evidence };
  const basis = `increase of good (${good.value}) and total (${total.value}) counters over ${Math.round(rangeMs / 1000)} s, from Prometheus`;
  return { figures: { good: good.value, total: total.value, basis }, evidence };
}
