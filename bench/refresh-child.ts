/**
 * One step of bench/refresh.bench.ts in a process of its own (its maxRSS is the step's), on a
 * filled demo database: `rebuild`, `refresh`, `status` or `stream`. Prints one JSON line of figures.
 * Usage: node --expose-gc --import tsx bench/refresh-child.ts <step> <db path> <now> [events/s]
 *
 * `stream` is the live loop under a sustained stream (issue 9 §1): events posted through the
 * ingestion use case (ingestBatch, as POST /v1/events does) every 100 ms at the rate given, for
 * PLEDGE_BENCH_STREAM_S seconds (60), while the scheduler's loop (createScheduler, as `pledge
 * serve` runs it, woken by the ingestion signal) refreshes the results and alerts. The events are
 * ticket lifecycles of the demo generator (created, contacts, response, priority changes,
 * waiting, resolution, reopening, closing, ratings), each ticket's events in its order and stamped
 * when they are posted, its business-hours offsets compressed 3,600 times (an hour in a second) so
 * that tickets open and close during the run. Lag: per posted batch, from its commit to the commit
 * of the first results whose watermark covers it (what pledge_alert_lag_seconds reports).
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
import { ingestBatch } from '../src/app/ingest.ts';
import { createScheduler, systemClock } from '../src/app/alerts/scheduler.ts';
import type { PledgeEvent } from '../src/core/events/schema.ts';

const [step, path, nowText, rateText] = process.argv.slice(2) as [string, string, string, string?];
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
} else if (step === 'stream') {
  out = await stream(Number(rateText ?? 5000), Number(process.env.PLEDGE_BENCH_STREAM_S ?? 60) * 1000);
} else throw new Error(`unknown step ${step}`);
out.maxRss = process.resourceUsage().maxRSS * 1024;
await store.close();
console.log(JSON.stringify(out));

async function stream(rate: number, durationMs: number): Promise<Record<string, number>> {
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  // Lifecycles: each ticket's events with their offsets from its creation, compressed 3,600 times.
  // PLEDGE_BENCH_STREAM_CUSTOMERS narrows the customers (e.g. acme,globex: no initech printer
  // ticket, whose agreement measures a quarter to date).
  const customers = process.env.PLEDGE_BENCH_STREAM_CUSTOMERS?.split(',');
  const generated = generateTicketEvents({
    seed: 91,
    from: now - 60 * 86_400_000,
    to: now,
    calendar: berlin,
    ticketsPerWorkingDay: 800,
    ...(customers ? { customers } : {}),
  });
  const lifecycles = new Map<string, Array<{ offset: number; event: PledgeEvent }>>();
  for (const e of generated) {
    const t = (e as { ticket: string }).ticket;
    const l = lifecycles.get(t) ?? [];
    if (l.length === 0) lifecycles.set(t, l);
    l.push({ offset: Date.parse(e.at), event: e });
  }
  const tickets = [...lifecycles.values()].map((l) => l.map((x) => ({ offset: (x.offset - l[0]!.offset) / 3600, event: x.event })));
  const perTicket = tickets.reduce((n, l) => n + l.length, 0) / tickets.length;
  const run = `s${process.pid}`;
  const limits = { batchEvents: 1_000_000, batchBytes: 2 ** 30, maxClockSkewMs: 86_400_000 };

  // When results are committed, and the watermark they cover.
  const commits: Array<{ watermark: number; at: number }> = [];
  const replace = store.replaceDerived.bind(store);
  store.replaceDerived = async (tenant, change) => {
    const r = await replace(tenant, change);
    if (r.status !== 'stale') commits.push({ watermark: change.watermark, at: Date.now() });
    return r;
  };
  // The stream runs right after the database's `now` (its clocks and timers are as of then): the
  // scheduler's clock and the events' instants run from it at the pace of the wall clock.
  const offset = now - Date.now();
  const clock = { now: () => Date.now() + offset, setTimer: systemClock.setTimer };
  await refreshDerived({ store, tenant, now: clock.now() });
  const scheduler = createScheduler({ store, pollMs: 1000, clock }, true);

  // The tickets started, each with the index of its next event.
  const started = Date.now();
  let queue: Array<{ start: number; life: (typeof tickets)[number]; i: number; id: string }> = [];
  let nextTicket = 0;
  let posted = 0;
  const batches: Array<{ lastSeq: number; at: number }> = [];
  while (Date.now() - started < durationMs) {
    const t = Date.now();
    // New tickets at the rate that makes `rate` events per second with their follow-ups.
    const due = Math.floor(((t - started) / 1000) * (rate / perTicket));
    for (; nextTicket < due; nextTicket++)
      queue.push({ start: t, life: tickets[nextTicket % tickets.length]!, i: 0, id: `${run}-${nextTicket}` });
    const body: unknown[] = [];
    for (const q of queue) {
      for (; q.i < q.life.length && q.start + q.life[q.i]!.offset <= t; q.i++) {
        const e = q.life[q.i]!.event as unknown as Record<string, unknown>;
        body.push({ ...e, id: `${q.id}-${q.i}`, ticket: q.id, source: 'stream', at: new Date(t + offset).toISOString() });
      }
    }
    queue = queue.filter((q) => q.i < q.life.length);
    if (body.length > 0) {
      const r = await ingestBatch({ tenant, store, now: clock.now(), limits }, { body: JSON.stringify(body), format: 'json' });
      if (!r.ok) throw new Error(`ingest failed: ${JSON.stringify(r.error).slice(0, 500)}`);
      const rejected = r.report.results.filter((x) => x.status === 'rejected');
      if (rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(rejected[0])}`);
      posted += body.length;
      if (r.report.lastSeq !== null) batches.push({ lastSeq: r.report.lastSeq, at: Date.now() });
    }
    await new Promise((res) => setTimeout(res, Math.max(0, 100 - (Date.now() - t))));
  }
  const elapsed = (Date.now() - started) / 1000;
  // Catching up: the last batch reflected (at most a minute more).
  const last = batches[batches.length - 1]?.lastSeq ?? 0;
  const until = Date.now() + 60_000;
  while ((commits[commits.length - 1]?.watermark ?? 0) < last && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  await scheduler.stop();
  const lags = batches.map((b) => {
    const c = commits.find((x) => x.watermark >= b.lastSeq);
    return c ? c.at - b.at : Number.POSITIVE_INFINITY;
  });
  gc?.();
  return {
    rate,
    posted,
    postedPerSecond: posted / elapsed,
    batches: batches.length,
    refreshes: commits.length,
    lagP50: pct(lags, 0.5),
    lagP99: pct(lags, 0.99),
    lagMax: Math.max(...lags),
    unreflected: lags.filter((x) => !Number.isFinite(x)).length,
    steadyRss: process.memoryUsage().rss,
  };
}
