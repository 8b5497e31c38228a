/**
 * The alert scheduler's lateness: how long after a warning's exact instant its alert and
 * notification are committed, with 100,000 running clocks on SQLite.
 *
 * 100,000 tickets (4 h target, round the clock) are stored and the results rebuilt, which
 * schedules one timer per clock: its next level (50%). The tickets were opened so that those
 * instants fall uniformly over the RUN_MS after the scheduler starts: SQLite holds 100,000 running
 * clocks and timers throughout, and MEASURED of them come due while the scheduler runs, about
 * RATE per second (a steady 100,000 clocks with 4-hour targets and four levels cross about 28
 * levels a second; this is several times that). The scheduler runs as `pledge serve` runs it
 * (startScheduler on the process's clock, shifted to the scenario's date), sleeping until the
 * earliest timer. Lateness = the instant its transaction committed (the clock read right after
 * replaceDerived returned) - the level's exact instant (the alert's firedAt, from the clock's
 * segments). Goal (issue 9): p99 <= 1 s.
 *
 * Run alone: node --import tsx bench/scheduler.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startScheduler } from '../src/app/alerts/scheduler.ts';
import { setupTenant } from '../src/app/alerts/testkit.ts';
import { rebuildDerived } from '../src/app/derive.ts';
import { openStore } from '../src/store/index.ts';
import type { AlertOpen, DerivedReplacement, EventInput, Store, TenantId } from '../src/store/types.ts';
import type { BenchResult } from './types.ts';

const CLOCKS = Number(process.env.BENCH_SCHEDULER_CLOCKS ?? 100_000);
/** The span over which the 100,000 next instants are spread. */
const SPREAD_MS = 600_000;
/** How long the scheduler runs: the instants of the first RUN_MS / SPREAD_MS of the clocks come due. */
const RUN_MS = Number(process.env.BENCH_SCHEDULER_RUN_MS ?? 120_000);
const LEAD_MS = 15_000;
const H = 3_600_000;

const AGREEMENT = `id: desk
name: Desk support
kind: sla
parties:
  provider: { id: northwind, name: Northwind }
  customer: { id: acme, name: Acme }
targets:
  - id: resolution
    metric: resolution_time
    value: 90
    window: month
    clock: { duration: 4h }
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bench-scheduler-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  const tenant: TenantId = 'bench';
  try {
    // The scenario's instant T0 is when the scheduler starts; the first next instant is LEAD_MS later.
    const T0 = Date.parse('2026-03-09T12:00:00Z');
    await setupTenant(store, tenant, Date.parse('2026-03-01T00:00:00Z'), [AGREEMENT]);
    const events: EventInput[] = [];
    for (let i = 0; i < CLOCKS; i++) {
      // 50% of 4 h is 2 h after opening: opened 2 h before its instant.
      const due = T0 + LEAD_MS + Math.floor((i * SPREAD_MS) / CLOCKS);
      events.push({ id: `c${i}`, type: 'ticket.created', ticket: `T${i}`, atMs: due - 2 * H, priority: 'P2', customer: 'acme' });
    }
    let t = performance.now();
    for (let i = 0; i < events.length; i += 10_000) await store.appendEvents(tenant, events.slice(i, i + 10_000), { receivedAt: T0 });
    const storeMs = performance.now() - t;
    t = performance.now();
    const rebuilt = await rebuildDerived({ store, tenant, now: T0 });
    const rebuildMs = performance.now() - t;
    const timers = (await store.listTimers(tenant, { limit: 1000 })).items.length;
    if (rebuilt.clocks < CLOCKS || timers === 0) throw new Error(`setup: ${rebuilt.clocks} clocks, ${timers} timers`);

    // The process's clock, shifted so that it reads T0 now.
    const shift = T0 - Date.now();
    const clock = {
      now: () => Date.now() + shift,
      setTimer(ms: number, fn: () => void) {
        const h = setTimeout(fn, Math.max(0, ms));
        return () => clearTimeout(h);
      },
    };
    const lateness: number[] = [];
    const measured = new Proxy(store, {
      get(target, key) {
        if (key === 'replaceDerived')
          return async (tn: TenantId, change: DerivedReplacement) => {
            const r = await target.replaceDerived(tn, change);
            const committed = clock.now();
            if (r.status === 'replaced')
              for (const c of change.alerts?.alerts ?? []) if (c.op === 'open') lateness.push(committed - (c as AlertOpen).firedAt);
            return r;
          };
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Store;
    const cpu0 = process.cpuUsage();
    const scheduler = startScheduler({ store: measured, clock, worker: 'bench' });
    await new Promise((r) => setTimeout(r, LEAD_MS + RUN_MS));
    await scheduler.stop();
    const cpu = process.cpuUsage(cpu0);
    const sorted = [...lateness].sort((a, b) => a - b);
    const due = Math.floor((RUN_MS * CLOCKS) / SPREAD_MS);
    const note = `${lateness.length} of ${due} due fired, at ${Math.round((CLOCKS * 1000) / SPREAD_MS)}/s, ${CLOCKS.toLocaleString('en-US')} running clocks`;
    // The machine's load while it ran: lateness is mostly waiting for a core when others are busy.
    const load = `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
    return [
      { name: 'setup: store the tickets', value: storeMs / 1000, unit: 's', note: `${CLOCKS.toLocaleString('en-US')} ticket.created` },
      { name: 'setup: rebuild (clocks, timers)', value: rebuildMs / 1000, unit: 's', note: `${rebuilt.clocks} clocks, one timer each` },
      { name: 'warning lateness p50', value: percentile(sorted, 50), unit: 'ms', note },
      { name: 'warning lateness p99', value: percentile(sorted, 99), unit: 'ms', note: `goal <= 1,000 ms (issue 9); ${load}` },
      { name: 'warning lateness max', value: sorted.at(-1) ?? Number.NaN, unit: 'ms' },
      {
        name: 'scheduler CPU',
        value: ((cpu.user + cpu.system) / 1000 / (LEAD_MS + RUN_MS)) * 100,
        unit: '% of a core',
        note: 'while the warnings came due',
      },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
