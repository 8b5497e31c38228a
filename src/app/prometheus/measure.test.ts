/**
 * measureRatio against a real Prometheus (Debian's package, started by ./testing.ts) scraping an
 * exporter this test serves with node:http: the figure from the counters' increase, the evidence as
 * Prometheus answered, no data where nothing was scraped, and the errors that say whether a retry
 * helps (unreachable, timing out, a query refused).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeMetric } from '../../core/metrics/catalogue.ts';
import { measureRatio, PrometheusError } from './measure.ts';
import { prometheusSkipBanner, startPrometheus, waitForValue, type RunningPrometheus } from './testing.ts';

const counters = { ok: 0, failed: 0 };
let exporter: Server;
let prom: RunningPrometheus | undefined;
let skip: string | undefined;
let t0 = 0;

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
};

before(async () => {
  t0 = Date.now();
  exporter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      '# TYPE http_requests_total counter\n' +
        `http_requests_total{code="200"} ${counters.ok}\n` +
        `http_requests_total{code="500"} ${counters.failed}\n`,
    );
  });
  const port = await listen(exporter);
  const started = await startPrometheus([`127.0.0.1:${port}`]);
  if (!started.ok) {
    skip = started.reason;
    console.error(prometheusSkipBanner(started.reason));
    return;
  }
  prom = started.prometheus;
  // Scraped at zero, then 990 good and 10 failed requests.
  await waitForValue(prom.url, 'sum(http_requests_total)', (v) => v === 0);
  counters.ok = 990;
  counters.failed = 10;
  await waitForValue(prom.url, 'sum(http_requests_total)', (v) => v === 1000);
});

after(async () => {
  await prom?.stop();
  exporter?.close();
});

const target = { good: 'http_requests_total{code="200"}', total: 'http_requests_total' };
const HOUR = 3_600_000;

describe('a ratio target measured from Prometheus', () => {
  test('good / total from the increase of the counters over the window, with the answers as evidence', async (t) => {
    if (skip) return t.skip(skip);
    const window = { from: t0, to: t0 + HOUR };
    const m = await measureRatio({ url: prom!.url, timeoutMs: 5000, target, window, now: Date.now() });
    assert.ok(m.figures, JSON.stringify(m.evidence));
    // Both sides come from the same scrapes: increase()'s extrapolation scales them alike.
    assert.ok(Math.abs(m.figures.good / m.figures.total - 0.99) < 1e-9, JSON.stringify(m.figures));
    assert.match(m.evidence.queries.good, /^sum\(increase\(http_requests_total\{code="200"\}\[\d+ms\]\)\)$/);
    assert.equal((m.evidence.responses.total as { status: string }).status, 'success');
    assert.equal(m.evidence.at < window.to && m.evidence.at > t0, true);
    // The core reads the figures as a percentage, as for every other target.
    const v = computeMetric({ metric: 'ratio' }, { ...window, label: 'w' } as never, { ratio: m.figures });
    assert.ok(v.ok && Math.abs(v.value.value! - 99) < 1e-7, JSON.stringify(v));

    // A query that says [$window] gets the range there and is sent as written otherwise.
    const written = await measureRatio({
      url: prom!.url,
      timeoutMs: 5000,
      target: { good: 'sum(increase(http_requests_total{code="200"}[$window]))', total: 'sum(increase(http_requests_total[$window]))' },
      window,
      now: m.evidence.at,
    });
    assert.deepEqual([written.figures?.good, written.figures?.total], [m.figures.good, m.figures.total]);
  });

  test('a window with nothing scraped is no data, never 0% or 100%', async (t) => {
    if (skip) return t.skip(skip);
    const m = await measureRatio({
      url: prom!.url,
      timeoutMs: 5000,
      target,
      window: { from: t0 - 2 * HOUR, to: t0 - HOUR },
      now: Date.now(),
    });
    assert.equal(m.figures, null);
    assert.deepEqual((m.evidence.responses.good as { data: { result: unknown[] } }).data.result, []);
  });

  test('errors say whether a retry helps: a refused query no, an unreachable or silent Prometheus yes', async (t) => {
    if (skip) return t.skip(skip);
    const window = { from: t0, to: t0 + HOUR };
    const refused = (good: string) =>
      assert.rejects(measureRatio({ url: prom!.url, timeoutMs: 5000, target: { ...target, good }, window, now: Date.now() }), (e) => {
        assert.ok(e instanceof PrometheusError && e.retryable === false && e.query !== undefined, String(e));
        return true;
      });
    await refused('http_requests_total{');
    await refused('increase(http_requests_total[$window])'); // two series on one side

    const closed = createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    await assert.rejects(measureRatio({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000, target, window, now: Date.now() }), (e) => {
      assert.ok(e instanceof PrometheusError && e.retryable && /not reachable/.test(e.message), String(e));
      return true;
    });
    const silent = createServer(() => {});
    const silentPort = await listen(silent);
    try {
      await assert.rejects(
        measureRatio({ url: `http://127.0.0.1:${silentPort}`, timeoutMs: 200, target, window, now: Date.now() }),
        (e) => {
          assert.ok(e instanceof PrometheusError && e.retryable && /no answer within 200 ms/.test(e.message), String(e));
          return true;
        },
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
