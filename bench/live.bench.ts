/**
 * The live loop end to end at scale (issue 9, §6): 10,000 scripted tickets (10,000 running clocks)
 * posted through POST /v1/events to two `pledge serve` processes on one PostgreSQL, their levels
 * fired by the servers' schedulers and delivered by their delivery loops to a local receiver that
 * verifies every Standard Webhooks signature. The same run, script and checks as
 * test/live-exactly-once.test.ts (test/live-run.ts): every expected (ticket, level, recipient)
 * exactly once under one webhook-id, none that must not arrive, the delivery log complete.
 *
 * Figures: the counts; the time from the first ticket posted to the last notification received;
 * and per notification that had to arrive, its lateness at the receiver (arrival - the level's
 * exact instant), which adds the scheduler's lateness, the outbox, the delivery poll and the HTTP
 * request. Skipped (no figures) without PostgreSQL.
 *
 * Run alone: node --import tsx bench/live.bench.ts (BENCH_LIVE_TICKETS, BENCH_LIVE_TARGET_S to vary).
 */
import { pathToFileURL } from 'node:url';
import { openStore } from '../src/store/index.ts';
import { startPostgres } from '../src/store/testing/pg-harness.ts';
import { percentile, seedTenant, startRun, startServer, type Server } from '../test/live-run.ts';
import type { BenchResult } from './types.ts';

const TICKETS = Number(process.env.BENCH_LIVE_TICKETS ?? 10_000);
/** The ticket target: its levels come 0.05, 0.3 and 0.55 of it after the ticket is posted. */
const TARGET_MS = Number(process.env.BENCH_LIVE_TARGET_S ?? 120) * 1000;
const HANG = 15 * 60_000;

export async function run(): Promise<BenchResult[]> {
  const pg = await startPostgres();
  if (!pg.ok) {
    process.stdout.write(`   live: skipped, no PostgreSQL (${pg.reason})\n`);
    return [];
  }
  const harness = pg.harness;
  const schema = harness.freshSchema();
  const db = `${harness.url}${harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openStore({ kind: 'postgres', url: harness.url, schema });
  const servers: Server[] = [];
  const live = await startRun({ targetMs: TARGET_MS, prefix: 'B', batch: 500 });
  try {
    live.setToken(await seedTenant(store, TARGET_MS, live.receiverUrl));
    for (const name of ['A', 'B']) servers.push(await startServer(name, { DATABASE_URL: db, PLEDGE_LOG_LEVEL: 'error' }, live.secret));
    live.servers.push(...servers);
    await live.post(TICKETS);
    await live.settle(store, HANG);
    const f = await live.check(store, { redeliveriesAllowed: false });
    const note = `${f.tickets.toLocaleString('en-US')} clocks, two pledge serve on one PostgreSQL, target ${TARGET_MS / 1000} s`;
    return [
      { name: 'notifications delivered, each exactly once', value: f.notifications, unit: 'notifications', note },
      { name: 'levels that had to arrive (all did, once)', value: f.must, unit: 'levels', note: `${f.never} that must not arrive did not` },
      { name: 'requests received (redeliveries)', value: f.requests, unit: 'requests', note: `${f.redelivered} ids arrived twice` },
      { name: 'first ticket posted to last notification received', value: (f.lastArrival - f.firstPost) / 1000, unit: 's', note },
      { name: 'lateness at the receiver, p50', value: percentile(f.lateness, 50), unit: 'ms', note: "arrival - the level's exact instant" },
      {
        name: 'lateness at the receiver, p99',
        value: percentile(f.lateness, 99),
        unit: 'ms',
        note: 'scheduler + outbox + delivery poll + HTTP',
      },
      { name: 'lateness at the receiver, max', value: Math.max(...f.lateness), unit: 'ms' },
    ];
  } finally {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await live.close();
    await store.close();
    await harness.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) process.stdout.write(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}\n`);
}
