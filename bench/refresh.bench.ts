/**
 * Derived results at size (issue 9 §1): the full rebuild beside the incremental refresh, on the
 * demo tenant filled up to PLEDGE_BENCH_REFRESH_EVENTS events (1,000,000) in a SQLite file.
 *
 * Each measurement runs in a child process of its own (bench/refresh-child.ts) so its peak
 * resident memory (maxRSS) is the operation's, not the filling's:
 * 1. rebuild: rebuildDerived of every result (what `pledge rebuild` does): seconds, peak RSS.
 * 2. refresh: a reader's wait right after 1 new event (refreshDerived, then the compliance read of
 *    acme-checkout), p50/p99 over current and late events; after batches of 1,000 events; the
 *    process's RSS after the refreshes (garbage collected: the steady state of a server).
 * 3. at risk now: the status query (open clocks at risk or breached, current windows) p99.
 * 4. stream: the live loop's lag under a sustained stream of events (PLEDGE_BENCH_STREAM_RATES
 *    events/s, default 1000 and 5000, PLEDGE_BENCH_STREAM_S seconds each): see refresh-child.ts.
 *
 * PLEDGE_BENCH_REFRESH_DB: keep the filled database at this path and reuse it when it exists
 * (the filling takes a minute at 1M events; results are rebuilt by step 1 every time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.ts';
import { openStore } from '../src/store/index.ts';
import { seedDemo } from '../src/demo/seed.ts';
import { fillDemo } from './demo-fill.ts';

const EVENTS = Number(process.env.PLEDGE_BENCH_REFRESH_EVENTS ?? 1_000_000);
const en = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Runs a step of refresh-child.ts on the database and returns what it printed (one JSON line). */
function child(step: string, path: string, now: number, ...args: string[]): Record<string, number> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'refresh-child.ts');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, step, path, String(now), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`refresh-child ${step} failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  // As it comes: a long run keeps the figures of the steps done.
  process.stderr.write(`refresh-child ${step}: ${lines[lines.length - 1]}\n`);
  return JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
}

export async function run(): Promise<BenchResult[]> {
  const keep = process.env.PLEDGE_BENCH_REFRESH_DB;
  const dir = keep ? dirname(keep) : mkdtempSync(join(tmpdir(), 'pledge-bench-refresh-'));
  const path = keep ?? join(dir, 'pledge.db');
  // The fill's `now`, kept beside a kept database so the demo's months stay the same.
  const nowFile = `${path}.now`;
  let now = Date.now();
  try {
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      const store = await openStore({ kind: 'sqlite', path });
      const seeded = await seedDemo(store, now);
      await fillDemo(store, seeded.tenant, seeded.events, EVENTS, now);
      await store.close();
      const { writeFileSync } = await import('node:fs');
      writeFileSync(nowFile, String(now));
    } else {
      const { readFileSync } = await import('node:fs');
      now = Number(readFileSync(nowFile, 'utf8'));
    }
    const rebuild = child('rebuild', path, now);
    const refresh = child('refresh', path, now);
    const status = child('status', path, now);
    const streams = (process.env.PLEDGE_BENCH_STREAM_RATES ?? '1000,5000')
      .split(',')
      .filter(Boolean)
      .map((rate) => child('stream', path, now, rate));
    const total = rebuild.events!;
    const streamed = streams.map((st) => ({
      name: `live lag under a stream of ${en(st.rate!)} events/s at ${en(total)} events: p99`,
      value: st.lagP99!,
      unit: 'ms',
      note:
        `from a batch's commit to the results that cover it; p50 ${st.lagP50!.toFixed(0)} ms, max ${st.lagMax!.toFixed(0)} ms; ` +
        `${en(Math.round(st.postedPerSecond!))} events/s actually posted (ingestion shares the process), ${st.refreshes} refreshes, ` +
        `RSS ${mb(st.steadyRss!)} MB`,
    }));
    return [
      {
        name: `rebuildDerived at ${en(total)} events: time`,
        value: rebuild.seconds!,
        unit: 's',
        note: `${en(rebuild.clocks!)} clocks, ${rebuild.compliance} compliance, ${rebuild.settlements} settlements`,
      },
      { name: `rebuildDerived at ${en(total)} events: peak RSS`, value: mb(rebuild.maxRss!), unit: 'MB', note: 'process maxRSS' },
      {
        name: `read right after 1 new event of now at ${en(total)} events (refresh + compliance read): p99`,
        value: refresh.oneP99!,
        unit: 'ms',
        note: `p50 ${refresh.oneP50!.toFixed(1)} ms over ${refresh.oneRuns} reads; a new ticket in the current month (acme checkout: acme-checkout, the corporate agreement and an OLA; acme email: the corporate agreement)`,
      },
      {
        name: `read right after 1 late event (first month) at ${en(total)} events: p99`,
        value: refresh.lateP99!,
        unit: 'ms',
        note: `p50 ${refresh.lateP50!.toFixed(1)} ms over ${refresh.lateRuns} reads; every period from the event's month on is settled again, from the events they need`,
      },
      {
        name: `read right after 1,000 new events at ${en(total)} events: p99`,
        value: refresh.batchP99!,
        unit: 'ms',
        note: `p50 ${refresh.batchP50!.toFixed(1)} ms over ${refresh.batchRuns} batches`,
      },
      {
        name: 'server steady RSS after refreshes (garbage collected)',
        value: mb(refresh.steadyRss!),
        unit: 'MB',
        note: `peak ${mb(refresh.maxRss!)} MB during the refreshes`,
      },
      {
        name: `at risk now (currentStatus) at ${en(total)} events: p99`,
        value: status.p99!,
        unit: 'ms',
        note: `p50 ${status.p50!.toFixed(1)} ms over ${status.runs} reads; ${en(status.tickets!)} clocks at risk or breached, ${en(status.open!)} open clocks`,
      },
      ...streamed,
    ];
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
