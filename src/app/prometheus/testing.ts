/**
 * A real Prometheus for tests (Debian's `prometheus` package): a temporary configuration and
 * storage folder, scrape_interval 1s, scraping the targets the test serves; started on a free
 * port, ready once the API answers and every target is up (polled, never a fixed sleep), stopped
 * and its folder removed by `stop()`.
 *
 * When the binary is missing the tests are skipped with a loud warning (as the PostgreSQL ones,
 * src/store/testing/pg-harness.ts), except with PLEDGE_REQUIRE_PROMETHEUS=1 (set by CI), where
 * that is a failure. PLEDGE_PROMETHEUS_BIN names another binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

export type PrometheusStart = { ok: true; prometheus: RunningPrometheus } | { ok: false; reason: string };

function binary(): string | undefined {
  const bin = process.env.PLEDGE_PROMETHEUS_BIN ?? 'prometheus';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? bin : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function poll<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`Prometheus: ${what} not reached within ${deadlineMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Prometheus scraping `targets` (host:port, path /metrics) every second. */
export async function startPrometheus(targets: string[]): Promise<PrometheusStart> {
  const bin = binary();
  if (!bin) {
    const reason = 'the prometheus binary is not installed (apt-get install prometheus)';
    if (process.env.PLEDGE_REQUIRE_PROMETHEUS === '1') throw new Error(`PLEDGE_REQUIRE_PROMETHEUS=1 but ${reason}`);
    return { ok: false, reason };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pledge-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: test\n    static_configs:\n      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await poll('ready', 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
    await poll('every target up', 20_000, async () => {
      const j = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
      const active = j.data.activeTargets;
      return active.length === targets.length && active.every((t) => t.health === 'up') ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { ok: true, prometheus: { url, stop } };
}

/** Polls an instant query until `accept` says yes; answers its value. */
export async function waitForValue(url: string, query: string, accept: (v: number) => boolean, deadlineMs = 10_000): Promise<number> {
  return poll(`${query} as expected`, deadlineMs, async () => {
    const j = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
      data: { result: Array<{ value: [number, string] }> };
    };
    const v = Number(j.data.result[0]?.value[1]);
    return j.data.result.length === 1 && accept(v) ? v : undefined;
  });
}

export function prometheusSkipBanner(reason: string): string {
  const line = '!'.repeat(100);
  return ['', line, '!!! WARNING: the Prometheus tests are SKIPPED.', `!!! ${reason}`, line, ''].join('\n');
}

/** An agreement with one ratio target measured from Prometheus: the tests' and their exporter's shop_requests_total. */
export const RATIO_AGREEMENT = `id: shop-api
name: Shop API
kind: sla
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: acme, name: Acme Corp }
services: [shop]
term: { start: 2026-01-01 }
targets:
  - id: requests-ok
    metric: ratio
    value: 98
    window: month
    prometheus:
      good: shop_requests_total{code="200"}
      total: shop_requests_total
`;
