/**
 * Ticket clock throughput: 1,000,000 synthetic tickets of 8 events each (created, responded, status
 * to waiting_on_customer and back, priority change, assigned, resolved, closed), two targets
 * (response and resolution, per priority, pausing while waiting on the customer) on a Berlin
 * 09:00-17:00 calendar with holidays.
 *
 * Events are generated deterministically (seeded PRNG) chunk by chunk, outside the timed part; only
 * the evaluation is timed. About one ticket in eight arrives in reverse order so the sort does real
 * work. Results are folded into a checksum so the work cannot be optimised away.
 *
 * Run alone: node --import tsx bench/clocks.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { evaluateTicket, computeClocks } from '../src/core/clock/index.ts';
import type { ClockTarget } from '../src/core/clock/types.ts';
import type { TicketEvent, Timed } from '../src/core/events/schema.ts';
import type { BenchResult } from './types.ts';
import { prng } from '../src/demo/generate.ts';

const TICKETS = 1_000_000;
const CHUNK = 50_000;
const EXPLAIN_TICKETS = 100_000;
const MIN = 60_000;
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

function targets(): ClockTarget[] {
  const calendar = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
      holidays: [
        '2026-01-01',
        '2026-04-03',
        '2026-04-06',
        '2026-05-01',
        '2026-05-14',
        '2026-05-25',
        '2026-10-03',
        '2026-12-25',
        '2026-12-26',
      ],
    }),
  );
  const h = (n: number) => ({ kind: 'fixed' as const, ms: n * 60 * MIN });
  return [
    {
      name: 'response',
      kind: 'response',
      calendar,
      byPriority: { P1: h(0.5), P2: h(1), P3: h(4), P4: h(8) },
      pauseOn: ['waiting_on_customer'],
    },
    {
      name: 'resolution',
      kind: 'resolution',
      calendar,
      byPriority: { P1: h(4), P2: h(8), P3: { kind: 'workdays', days: 3 }, P4: { kind: 'eod', days: 5 } },
      pauseOn: ['waiting_on_customer'],
    },
  ];
}

const SPAN_START = Date.UTC(2026, 0, 5, 7, 0); // Monday 2026-01-05 08:00 Berlin
const SPAN_MINUTES = 170 * 24 * 60; // until late June

/** One chunk of tickets: ids `T{n}`, 8 events each, instants on whole minutes. */
function generate(rand: () => number, first: number, count: number): Timed<TicketEvent>[][] {
  const out: Timed<TicketEvent>[][] = new Array(count);
  for (let k = 0; k < count; k++) {
    const ticket = `T${first + k}`;
    let t = SPAN_START + Math.floor(rand() * SPAN_MINUTES) * MIN;
    const p0 = PRIORITIES[Math.floor(rand() * 4)]!;
    const p1 = PRIORITIES[Math.floor(rand() * 4)]!;
    const ev = (n: number, fields: Record<string, unknown>): Timed<TicketEvent> =>
      ({ id: `${ticket}-${n}`, ticket, at: new Date(t).toISOString(), atMs: t, ...fields }) as Timed<TicketEvent>;
    const step = (maxMinutes: number) => {
      t += (1 + Math.floor(rand() * maxMinutes)) * MIN;
    };
    const list: Timed<TicketEvent>[] = [];
    list.push(ev(0, { type: 'ticket.created', priority: p0, status: 'new', channel: 'email', service: 'mail', customer: `C${k % 97}` }));
    step(240);
    list.push(ev(1, { type: 'ticket.responded' }));
    step(600);
    list.push(ev(2, { type: 'ticket.status_changed', status: 'waiting_on_customer' }));
    step(2_000);
    list.push(ev(3, { type: 'ticket.status_changed', status: 'in_progress' }));
    step(300);
    list.push(ev(4, { type: 'ticket.priority_changed', priority: p1 }));
    step(120);
    list.push(ev(5, { type: 'ticket.assigned', group: `G${k % 7}` }));
    step(3_000);
    list.push(ev(6, { type: 'ticket.resolved', by: rand() < 0.1 ? 'customer' : 'provider' }));
    step(5_000);
    list.push(ev(7, { type: 'ticket.closed' }));
    if (rand() < 0.125) list.reverse();
    out[k] = list;
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const ts = targets();
  const now = Date.UTC(2026, 6, 1);
  const rand = prng(20260329);

  let evalMs = 0;
  let clocksOnlyMs = 0;
  let floorMs = 0;
  let checksum = 0;
  for (let first = 0; first < TICKETS; first += CHUNK) {
    const tickets = generate(rand, first, Math.min(CHUNK, TICKETS - first));

    let t0 = performance.now();
    for (const events of tickets) {
      const r = evaluateTicket(events, ts, now);
      for (const c of r.clocks) if (c.state === 'breached') checksum++;
      checksum += r.summary.reopenCount;
    }
    evalMs += performance.now() - t0;

    t0 = performance.now();
    for (const events of tickets) {
      const cs = computeClocks(events, ts, now);
      for (const c of cs) if (c.state === 'met') checksum--;
    }
    clocksOnlyMs += performance.now() - t0;

    // The floor any engine pays: put each ticket's events in time order and make the calendar
    // calls two targets need (elapsed and a deadline each), with no clock rules at all.
    const cal = ts[0]!.calendar;
    t0 = performance.now();
    for (const events of tickets) {
      const sorted = events.slice().sort((a, b) => a.atMs - b.atMs);
      const start = sorted[0]!.atMs;
      const end = sorted[sorted.length - 1]!.atMs;
      checksum += cal.elapsed(start, end) > cal.elapsed(start, sorted[2]!.atMs) ? 1 : 0;
      checksum += cal.addWorking(start, 4 * 3_600_000) > cal.addWorking(start, 16 * 3_600_000) ? 1 : 0;
    }
    floorMs += performance.now() - t0;
  }

  // Explain allocates a timeline per clock; measured on a smaller sample.
  const sample = generate(prng(7), 0, EXPLAIN_TICKETS);
  const t0 = performance.now();
  let segments = 0;
  for (const events of sample) for (const c of computeClocks(events, ts, now, { explain: true })) segments += c.segments!.length;
  const explainMs = performance.now() - t0;

  const note = `${TICKETS.toLocaleString('en')} tickets x 8 events, 2 targets, Berlin 09-17 calendar (checksum ${checksum})`;
  return [
    { name: 'clocks.evaluate.total', value: round(evalMs / 1000, 3), unit: 's', note },
    {
      name: 'clocks.evaluate.rate',
      value: Math.round(TICKETS / (evalMs / 1000)),
      unit: 'tickets/s',
      note: 'summary + 2 clocks + issues per ticket',
    },
    {
      name: 'clocks: floor (sort events + 4 calendar calls, no clock rules)',
      value: Math.round(TICKETS / (floorMs / 1000)),
      unit: 'tickets/s',
      note: 'the ceiling the engine is compared with',
    },
    {
      name: 'clocks.computeClocks.rate',
      value: Math.round(TICKETS / (clocksOnlyMs / 1000)),
      unit: 'tickets/s',
      note: '2 clocks per ticket, no summary',
    },
    {
      name: 'clocks.explain.rate',
      value: Math.round(EXPLAIN_TICKETS / (explainMs / 1000)),
      unit: 'tickets/s',
      note: `with timelines, ${EXPLAIN_TICKETS.toLocaleString('en')} tickets, ${segments.toLocaleString('en')} segments`,
    },
  ];
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run())
    console.log(`${r.name.padEnd(28)} ${String(r.value).padStart(12)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
