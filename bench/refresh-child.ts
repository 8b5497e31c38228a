/**
 * One step of bench/refresh.bench.ts in a process of its own (its maxRSS is the step's), on a
 * filled demo database: `rebuild`, `refresh` or `status`. Prints one JSON line of figures.
 * Usage: node --expose-gc --import tsx bench/refresh-child.ts <step> <db path> <now>
 */
import { openStore } from '../src/store/index.ts';
import { rebuildDerived, refreshDerived } from '../src/app/derive.ts';
import { currentStatus } from '../src/app/results.ts';
import { demoWindow } from '../src/demo/seed.ts';
import { generateTicketEvents } from '../src/demo/generate.ts';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { parseEvent } from '../src/core/events/parse.ts';
import type { Timed } from '../src/core/events/schema.ts';
import { unwrap } from '../src/core/validation/issues.ts';

const [step, path, nowText] = process.argv.slice(2) as [string, string, string];
const now = Number(nowText);
const tenant = 'demo';
const store = await openStore({ kind: 'sqlite', path });
const gc = (globalThis as { gc?: () => void }).gc;

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A read right after new events: the refresh they need, then the compliance of acme-checkout. */
async function read(): Promise<number> {
  const t0 = performance.now();
  const r = await refreshDerived({ store, tenant, now });
  if (r.status === 'stale') throw new Error('refresh was stale');
  await store.listCompliance(tenant, { agreementId: 'acme-checkout', limit: 1000 });
  return performance.now() - t0;
}

let out: Record<string, number>;
if (step === 'rebuild') {
  const t0 = performance.now();
  const r = await rebuildDerived({ store, tenant, now });
  const seconds = (performance.now() - t0) / 1000;
  out = { seconds, events: r.events, clocks: r.clocks, compliance: r.compliance, settlements: r.settlements };
} else if (step === 'refresh') {
  const q = demoWindow(now);
  const ones: number[] = [];
  const lates: number[] = [];
  const run = `${now}-${process.pid}`;
  // One new event: a new ticket created now-ish (current month), or a late one in the first month.
  // Late events take a recomputation of every month since theirs: a few of them.
  for (let i = 0; i < 26; i++) {
    const late = i % 8 === 7;
    const at = late ? q.from + (i + 1) * 3_600_000 : now - (30 - i) * 60_000;
    const ev = unwrap(
      parseEvent({
        id: `one-${run}-${i}`,
        source: 'bench',
        type: 'ticket.created',
        at: new Date(at).toISOString(),
        ticket: `one-${run}-${i}`,
        service: i % 2 ? 'checkout' : 'email',
        customer: 'acme',
        priority: 'P1',
        status: 'new',
      }),
    );
    await store.appendEvents(tenant, [ev as Timed], { receivedAt: now });
    const ms = await read();
    if (i >= 3) (late ? lates : ones).push(ms);
  }
  // Batches of 1,000: generated tickets of the last week (the current month, mostly).
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  const generated = generateTicketEvents({
    seed: 77,
    from: now - 7 * 86_400_000,
    to: now - 3_600_000,
    calendar: berlin,
    ticketsPerWorkingDay: 400,
  })
    .filter((e) => Date.parse(e.at) <= now)
    .map(
      (e) =>
        unwrap(
          parseEvent({ ...e, source: 'batch', id: `${run}-${e.id}`, ...('ticket' in e ? { ticket: `${run}-${e.ticket}` } : {}) }),
        ) as Timed,
    );
  const batches: number[] = [];
  for (let b = 0; b < 5 && (b + 1) * 1000 <= generated.length; b++) {
    await store.appendEvents(tenant, generated.slice(b * 1000, (b + 1) * 1000), { receivedAt: now });
    batches.push(await read());
  }
  gc?.();
  gc?.();
  out = {
    oneP50: pct(ones, 0.5),
    oneP99: pct(ones, 0.99),
    oneRuns: ones.length,
    lateP50: pct(lates, 0.5),
    lateP99: pct(lates, 0.99),
    lateRuns: lates.length,
    batchP50: pct(batches, 0.5),
    batchP99: pct(batches, 0.99),
    batchRuns: batches.length,
    steadyRss: process.memoryUsage().rss,
  };
} else if (step === 'status') {
  await refreshDerived({ store, tenant, now });
  const times: number[] = [];
  let tickets = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const s = await currentStatus({ store, tenant, now });
    times.push(performance.now() - t0);
    tickets = s.tickets.length;
  }
  const open = (await store.countOpenBreaches(tenant, now)).tickets;
  out = { p50: pct(times, 0.5), p99: pct(times, 0.99), runs: times.length, tickets, open };
} else throw new Error(`unknown step ${step}`);
out.maxRss = process.resourceUsage().maxRSS * 1024;
await store.close();
console.log(JSON.stringify(out));
