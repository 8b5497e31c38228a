/**
 * The server over HTTP, as a client sees it: `pledge serve` runs as its own process on a temporary
 * SQLite folder, and autocannon (in this process, so it never shares the server's event loop)
 * sends the load over loopback.
 *
 * 1. Batch ingestion at concurrency 8: NDJSON batches of 1,000 events, every request with ids of
 *    its own (pre-built bodies handed out by setupRequest), so every event is new and accepted.
 *    Ceiling: the same batches through the in-process use case (`ingestBatch`) into a fresh
 *    store, one after another, measured in the same run: what the HTTP layer and the concurrency
 *    cost is the distance between the two.
 * 2. Compliance queries with 1,000,000 events stored: the demo tenant, filled up with generated
 *    ticket events, derived results brought up to date once (`rebuildDerived`, itself a figure),
 *    then GET /v1/compliance?agreement=acme-checkout and GET /v1/agreements/acme-checkout/compliance?window=...
 *    at concurrency 1 and 8, beside /healthz on the same server in the same run as the ceiling.
 *
 * Latency percentiles are computed here from autocannon's per-response timings (sub-millisecond;
 * autocannon's own histogram rounds to whole milliseconds).
 *
 * Sizes (environment): PLEDGE_BENCH_HTTP_EVENTS (200,000), PLEDGE_BENCH_HTTP_BATCH (1,000),
 * PLEDGE_BENCH_QUERY_EVENTS (1,000,000), PLEDGE_BENCH_QUERY_SECONDS (10 per measurement).
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './types.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/types.ts';
import { ingestBatch } from '../src/app/ingest.ts';
import { createApiToken } from '../src/app/tokens.ts';
import { rebuildDerived } from '../src/app/derive.ts';
import { startServe } from '../test/serve-process.ts';
import { demoWindow, seedDemo } from '../src/demo/seed.ts';
import { generateTicketEvents } from '../src/demo/generate.ts';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { parseEvent } from '../src/core/events/parse.ts';
import type { Timed } from '../src/core/events/schema.ts';
import { unwrap } from '../src/core/validation/issues.ts';

function size(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

const HTTP_EVENTS = size('PLEDGE_BENCH_HTTP_EVENTS', 200_000);
const HTTP_BATCH = size('PLEDGE_BENCH_HTTP_BATCH', 1_000);
const QUERY_EVENTS = size('PLEDGE_BENCH_QUERY_EVENTS', 1_000_000);
const QUERY_SECONDS = size('PLEDGE_BENCH_QUERY_SECONDS', 10);
const CONCURRENCY = 8;
const LIMITS = { batchEvents: 10_000, batchBytes: 10 * 1024 * 1024, maxClockSkewMs: 86_400_000 };

const en = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

// ---------------------------------------------------------------------------------------------
// The server as a separate process, and autocannon.

interface Server {
  url: string;
  stop(): Promise<unknown>;
}

/** The server in its own process, logging nothing, on SQLite in `dataDir`. */
function startServer(dataDir: string): Promise<Server> {
  return startServe({ env: { PLEDGE_DATA_DIR: dataDir, PLEDGE_LOG_LEVEL: 'silent' } });
}

interface Load {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * One autocannon run; fails unless every response was a 2xx. The time is from the start to the
 * last response, measured here: autocannon's own `duration` ends at its next 1-second sampling
 * tick, which would understate the rate of a run given as a number of requests.
 */
function load(opts: autocannon.Options): Promise<Load> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const t0 = performance.now();
    let last = t0;
    const instance = autocannon({ timeout: 120, ...opts }, (err, r) => {
      if (err) return reject(err);
      if (r.errors > 0 || r.non2xx > 0 || latencies.length === 0) {
        return reject(
          new Error(
            `${opts.url}: ${r.errors} errors, ${r.non2xx} non-2xx answers (${JSON.stringify(r.statusCodeStats)}) of ${r.requests.total}`,
          ),
        );
      }
      const sorted = Float64Array.from(latencies).sort();
      resolve({ requests: latencies.length, seconds: (last - t0) / 1000, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) });
    });
    // The run's own event (not the per-client one in the type definitions): (client, status, bytes, ms).
    (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, time: number) => {
      if (status >= 200 && status < 300) latencies.push(time);
      last = performance.now();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Batch ingestion.

/** NDJSON bodies of `batch` ticket events each, every event id unique across all of them. */
function makeBodies(events: number, batch: number): string[] {
  const cal = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
  const lines: string[] = [];
  for (let seed = 1; lines.length < events; seed++) {
    for (const e of generateTicketEvents({
      seed,
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 3, 1),
      calendar: cal,
      ticketsPerWorkingDay: 300,
    })) {
      if (lines.length >= events) break;
      lines.push(JSON.stringify({ ...e, id: `h${seed}-${e.id}`, ...('ticket' in e ? { ticket: `h${seed}-${e.ticket}` } : {}) }));
    }
  }
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += batch) bodies.push(`${lines.slice(i, i + batch).join('\n')}\n`);
  return bodies;
}

async function ingestion(dir: string): Promise<BenchResult[]> {
  const requests = Math.max(CONCURRENCY, Math.ceil(HTTP_EVENTS / HTTP_BATCH));
  // Warm-up batches first (the server's and the ceiling's code paths get compiled), then the measured ones.
  const warm = Math.min(4 * CONCURRENCY, Math.max(CONCURRENCY, Math.floor(requests / 10)));
  const bodies = makeBodies((warm + requests) * HTTP_BATCH, HTTP_BATCH);
  const warmBodies = bodies.slice(0, warm);
  const measured = bodies.slice(warm);

  // Ceiling: the same bodies through the use case, in this process, one after the other.
  const ceilingStore = await openStore({ kind: 'sqlite', path: join(dir, 'ceiling', 'pledge.db') });
  await ceilingStore.createTenant({ id: 'bench', name: 'bench', createdAt: 0 });
  const direct = async (body: string) => {
    const r = await ingestBatch({ tenant: 'bench', store: ceilingStore, now: Date.now(), limits: LIMITS }, { body, format: 'ndjson' });
    if (!r.ok || r.report.accepted !== HTTP_BATCH) throw new Error('the ceiling did not accept every event');
  };
  for (const b of warmBodies) await direct(b);
  const t0 = performance.now();
  for (const b of measured) await direct(b);
  const sCeiling = (performance.now() - t0) / 1000;
  await ceilingStore.close();

  // The server, in its own process, on its own folder; an agent token made on its database first.
  const serverDir = join(dir, 'server');
  const setup = await openStore({ kind: 'sqlite', path: join(serverDir, 'pledge.db') });
  const token = unwrap(
    await createApiToken(
      { store: setup, now: Date.now(), actor: 'bench' },
      { tenant: 'bench', user: 'sender', name: 'bench', role: 'agent' },
    ),
  ).secret;
  await setup.close();
  const server = await startServer(serverDir);
  let run: Load;
  try {
    const post = (list: string[]): autocannon.Options => {
      let next = 0;
      return {
        url: server.url,
        connections: CONCURRENCY,
        amount: list.length,
        requests: [
          {
            method: 'POST',
            path: '/v1/events',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
            // Called once for every request sent: each gets the next body, so no id is sent twice.
            setupRequest: (req) => {
              const body = list[next++];
              if (body === undefined) throw new Error('more requests than bodies');
              return { ...req, body };
            },
          },
        ],
      };
    };
    await load(post(warmBodies));
    run = await load(post(measured));
  } finally {
    await server.stop();
  }
  // Every event of every answered request is stored, and nothing else.
  const check = await openStore({ kind: 'sqlite', path: join(serverDir, 'pledge.db') });
  const stored = await check.countEvents('bench');
  await check.close();
  if (stored !== (warm + measured.length) * HTTP_BATCH)
    throw new Error(`the server stored ${stored} events, expected ${(warm + measured.length) * HTTP_BATCH}`);

  const events = run.requests * HTTP_BATCH;
  const httpRate = events / run.seconds;
  const ceilingRate = events / sCeiling;
  const what = `${en(run.requests)} requests of ${en(HTTP_BATCH)} NDJSON events`;
  return [
    {
      name: `HTTP ingestion, POST /v1/events, batches of ${en(HTTP_BATCH)}, concurrency ${CONCURRENCY} (autocannon; server in its own process, SQLite)`,
      value: Math.round(httpRate),
      unit: 'events/s',
      note: `${what} in ${run.seconds.toFixed(2)} s; ${((httpRate / ceilingRate) * 100).toFixed(0)}% of the ceiling`,
    },
    { name: 'HTTP ingestion: requests', value: run.requests / run.seconds, unit: 'requests/s', note: `concurrency ${CONCURRENCY}` },
    { name: 'HTTP ingestion: latency p50', value: run.p50, unit: 'ms', note: `per batch of ${en(HTTP_BATCH)}` },
    { name: 'HTTP ingestion: latency p99', value: run.p99, unit: 'ms', note: `per batch of ${en(HTTP_BATCH)}` },
    {
      name: 'ceiling: the same batches through ingestBatch in-process, one after another, fresh SQLite store',
      value: Math.round(ceilingRate),
      unit: 'events/s',
      note: `${sCeiling.toFixed(2)} s; ${ms((sCeiling * 1000) / measured.length)} ms per batch`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 2. Compliance queries with QUERY_EVENTS events stored.

/** Fills the demo tenant up to `target` events with generated tickets for its customers and services. */
async function fill(
  store: Store,
  tenant: string,
  have: number,
  target: number,
  now: number,
): Promise<{ events: number; appendSeconds: number }> {
  const q = demoWindow(now);
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  let n = have;
  let appending = 0;
  for (let seed = 1000; n < target; seed++) {
    const generated = generateTicketEvents({
      seed,
      from: q.from,
      to: q.to - 7 * 86_400_000,
      calendar: berlin,
      ticketsPerWorkingDay: 200,
      customers: ['acme', 'globex', 'initech'],
      services: ['checkout', 'email', 'printers'],
    });
    const events: Timed[] = [];
    for (const e of generated) {
      if (n + events.length >= target) break;
      events.push(unwrap(parseEvent({ ...e, id: `g${seed}-${e.id}`, ...('ticket' in e ? { ticket: `g${seed}-${e.ticket}` } : {}) })));
    }
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 5000) {
      const r = await store.appendEvents(tenant, events.slice(i, i + 5000), { receivedAt: now });
      n += r.accepted;
    }
    appending += performance.now() - t0;
  }
  return { events: n, appendSeconds: appending / 1000 };
}

async function queries(dir: string): Promise<BenchResult[]> {
  const path = join(dir, 'query', 'pledge.db');
  const store = await openStore({ kind: 'sqlite', path });
  const now = Date.now();
  const seeded = await seedDemo(store, now);
  const { events: total, appendSeconds } = await fill(store, seeded.tenant, seeded.events, QUERY_EVENTS, now);
  const t1 = performance.now();
  const rebuilt = await rebuildDerived({ store, tenant: seeded.tenant, now });
  const sRebuild = (performance.now() - t1) / 1000;
  await store.close();

  const out: BenchResult[] = [
    {
      name: `rebuildDerived: every derived result of the demo tenant from ${en(total)} events (what pledge rebuild does)`,
      value: sRebuild,
      unit: 's',
      note: `${rebuilt.agreements} agreements -> ${en(rebuilt.clocks)} clocks, ${rebuilt.compliance} compliance, ${rebuilt.settlements} settlements; ${en(Math.round(total / sRebuild))} events/s (before it, store.appendEvents of the generated events, batches of 5,000: ${appendSeconds.toFixed(1)} s)`,
    },
  ];

  const server = await startServer(join(dir, 'query'));
  try {
    const auth = { authorization: `Bearer ${seeded.adminToken}` };
    // The results are fresh (rebuilt above), so no request triggers a rebuild. The second query
    // asks for the middle month of the demo's three (closed and full of events), else the latest window.
    const first = await fetch(`${server.url}/v1/compliance?agreement=acme-checkout`, { headers: auth });
    const page = (await first.json()) as { items?: Array<{ window: string }> };
    if (first.status !== 200 || !page.items?.length)
      throw new Error(`GET /v1/compliance answered ${first.status}: ${JSON.stringify(page).slice(0, 300)}`);
    const windows = [...new Set(page.items.map((i) => i.window))].sort();
    const middle = new Date(demoWindow(now).from + 40 * 86_400_000).toISOString().slice(0, 7);
    const window = windows.includes(middle) ? middle : windows[windows.length - 1]!;
    const paths = [
      { label: 'GET /v1/compliance?agreement=acme-checkout', path: '/v1/compliance?agreement=acme-checkout', headers: auth },
      {
        label: `GET /v1/agreements/acme-checkout/compliance?window=${window}`,
        path: `/v1/agreements/acme-checkout/compliance?window=${encodeURIComponent(window)}`,
        headers: auth,
      },
      { label: 'ceiling: GET /healthz, same server', path: '/healthz', headers: {} },
    ];
    for (const p of paths) await load({ url: server.url + p.path, headers: p.headers, connections: CONCURRENCY, amount: 500 });
    for (const connections of [1, CONCURRENCY]) {
      for (const p of paths) {
        const r = await load({ url: server.url + p.path, headers: p.headers, connections, duration: QUERY_SECONDS });
        out.push({
          name: `${p.label}, concurrency ${connections}: latency p99`,
          value: r.p99,
          unit: 'ms',
          note: `p50 ${ms(r.p50)} ms; ${en(Math.round(r.requests / r.seconds))} requests/s; ${en(r.requests)} requests; ${p.path === '/healthz' ? 'no store access: what the server and the load generator (one process each) manage at all' : `${en(total)} events stored`}`,
        });
      }
    }
    // A read right after new events waits for the refresh of what they touch (src/app/derive.ts,
    // refreshDerived): one late ticket event of acme, then the query, three times.
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ev = {
        id: `late-${i}`,
        source: 'bench',
        type: 'ticket.created',
        at: new Date(demoWindow(now).from + (i + 1) * 86_400_000).toISOString(),
        ticket: `late-${i}`,
        service: 'checkout',
        customer: 'acme',
        priority: 'P1',
        status: 'new',
      };
      const posted = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify([ev]),
      });
      if (posted.status !== 200) throw new Error(`POST /v1/events answered ${posted.status}`);
      const t0 = performance.now();
      const r = await fetch(`${server.url}/v1/compliance?agreement=acme-checkout`, { headers: auth });
      await r.arrayBuffer();
      waits.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`GET /v1/compliance answered ${r.status}`);
    }
    waits.sort((a, b) => a - b);
    out.push({
      name: 'GET /v1/compliance?agreement=acme-checkout right after one new event (waits for the refresh of what it touches)',
      value: waits[1]! / 1000,
      unit: 's',
      note: `median of 3 (${waits.map((w) => (w / 1000).toFixed(2)).join(', ')} s); ${en(total)} events stored; the refresh recomputes the agreements measuring the event (their periods in full, the clocks of its ticket), beside the full rebuild above`,
    });
  } finally {
    await server.stop();
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bench-http-'));
  try {
    return [...(await ingestion(dir)), ...(await queries(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
