/**
 * Property tests of the clock engine on random tickets (random, possibly nonsensical event
 * sequences: that is the point):
 * 1. arrival order and repeated delivery change nothing (any permutation, duplicates, conflicting
 *    duplicates, foreign events);
 * 2. explain segments are contiguous, cover the clock, and add up to elapsed and paused time;
 * 3. the engine agrees with a slow, independent reference model that steps through the ticket one
 *    minute at a time (events and calendar boundaries fall on whole minutes), asking the calendar
 *    only "is this minute working time?".
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateTicket } from './engine.ts';
import type { ClockResult, ClockTarget } from './types.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { workingMs, type WorkDuration } from '../time/duration.ts';
import { at, berlinAlways, berlinOffice, M } from './testkit.ts';

const office = berlinOffice();
const always = berlinAlways();
/** Thursday before the 2026-03-29 DST change, 08:00 Berlin: tickets span the change and a weekend. */
const BASE = at('2026-03-26T08:00:00+01:00');
const STATUSES = ['new', 'in_progress', 'waiting_on_customer', 'pending_vendor'];
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];

type Kind = 'status' | 'priority' | 'responded' | 'resolved' | 'closed' | 'reopened' | 'assigned';
interface GenEvent {
  dt: number;
  kind: Kind;
  value: number;
}
interface GenTicket {
  createdPriority: number | null;
  createdStatus: number | null;
  events: GenEvent[];
  nowDt: number;
}
interface GenTarget {
  kind: 'response' | 'resolution';
  calendar: 'office' | 'always';
  duration: WorkDuration | null;
  byPriority: Array<[number, WorkDuration]>;
  pauseOn: number[];
  restart: boolean;
  newCycle: boolean;
}

const arbDuration: fc.Arbitrary<WorkDuration> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }).map((q) => ({ kind: 'fixed' as const, ms: q * 15 * M })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((d) => ({ kind: 'eod' as const, days: d })) },
);

const arbEvent: fc.Arbitrary<GenEvent> = fc.record({
  // Minutes after the creation, mostly on a quarter-hour grid so that events, opening hours and
  // targets often coincide exactly (where off-by-one rules live); a few before it (clock skew).
  dt: fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: -60, max: 0 }) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 * 24 * 4 }).map((q) => q * 15) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 * 24 * 60 }) },
  ),
  kind: fc.constantFrom<Kind>(
    'status',
    'status',
    'status',
    'priority',
    'responded',
    'resolved',
    'closed',
    'reopened',
    'reopened',
    'assigned',
  ),
  value: fc.integer({ min: 0, max: 3 }),
});

const arbTicket: fc.Arbitrary<GenTicket> = fc.record({
  createdPriority: fc.option(fc.integer({ min: 0, max: 3 })),
  createdStatus: fc.option(fc.integer({ min: 0, max: 3 })),
  events: fc.array(arbEvent, { maxLength: 14 }),
  nowDt: fc.oneof(
    fc.integer({ min: -30, max: 6 * 24 * 60 }),
    fc.integer({ min: 0, max: 6 * 24 * 4 }).map((q) => q * 15),
  ),
});

const arbTarget: fc.Arbitrary<GenTarget> = fc.record({
  kind: fc.constantFrom('response' as const, 'resolution' as const),
  calendar: fc.constantFrom('office' as const, 'always' as const),
  duration: fc.option(arbDuration, { freq: 4 }),
  byPriority: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), arbDuration), { maxLength: 4 }),
  pauseOn: fc.subarray([1, 2, 3]),
  restart: fc.boolean(),
  newCycle: fc.boolean(),
});

const createdOffset = fc.oneof(
  fc.integer({ min: 0, max: 2 * 24 * 60 }),
  fc.integer({ min: 0, max: 2 * 24 * 4 }).map((q) => q * 15),
);

function buildEvents(g: GenTicket, offset: number, ticket = 'T'): Timed<TicketEvent>[] {
  const created = BASE + offset * M;
  const mk = (id: string, t: number, fields: Record<string, unknown>): Timed<TicketEvent> =>
    ({ id, ticket, at: new Date(t).toISOString(), atMs: t, ...fields }) as Timed<TicketEvent>;
  const out: Timed<TicketEvent>[] = [
    mk('c', created, {
      type: 'ticket.created',
      ...(g.createdPriority !== null ? { priority: PRIORITIES[g.createdPriority] } : {}),
      ...(g.createdStatus !== null ? { status: STATUSES[g.createdStatus] } : {}),
    }),
  ];
  g.events.forEach((e, i) => {
    const t = created + e.dt * M;
    const id = `e${String(i).padStart(2, '0')}`;
    switch (e.kind) {
      case 'status':
        out.push(mk(id, t, { type: 'ticket.status_changed', status: STATUSES[e.value] }));
        break;
      case 'priority':
        out.push(mk(id, t, { type: 'ticket.priority_changed', priority: PRIORITIES[e.value] }));
        break;
      case 'assigned':
        out.push(mk(id, t, { type: 'ticket.assigned', group: `g${e.value}` }));
        break;
      case 'resolved':
        out.push(mk(id, t, { type: 'ticket.resolved', by: e.value === 0 ? 'customer' : 'provider' }));
        break;
      default:
        out.push(mk(id, t, { type: `ticket.${e.kind}` }));
    }
  });
  return out;
}

function buildTarget(g: GenTarget): ClockTarget {
  const t: ClockTarget = {
    name: g.kind,
    kind: g.kind,
    calendar: g.calendar === 'office' ? office : always,
    pauseOn: g.pauseOn.map((i) => STATUSES[i]!),
    onPriorityChange: g.restart ? 'restart' : 'keep_elapsed',
    onReopen: g.newCycle ? 'new_cycle' : 'continue',
  };
  if (g.duration) t.duration = g.duration;
  if (g.byPriority.length > 0) t.byPriority = Object.fromEntries(g.byPriority.map(([p, d]) => [PRIORITIES[p]!, d]));
  return t;
}

/** Deterministic shuffle driven by fast-check's random keys. */
function permute<T>(xs: T[], keys: number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i % Math.max(1, keys.length)]! * 1000 + i }))
    .sort((a, b) => a.k - b.k)
    .map((p) => p.x);
}

describe('clock engine: properties', () => {
  test('the result does not depend on arrival order or repeated delivery', () => {
    fc.assert(
      fc.property(
        arbTicket,
        createdOffset,
        fc.array(arbTarget, { minLength: 1, maxLength: 2 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 40 }),
        (g, off, ts, k1, k2) => {
          const events = buildEvents(g, off);
          const targets = ts.map(buildTarget);
          const now = BASE + (off + g.nowDt) * M;
          const reference = evaluateTicket(events, targets, now, { explain: true });
          // Same multiset of facts delivered differently: copies, a conflicting variant of one
          // event, an event of another ticket, in two different orders.
          const noisy = [...events, ...events.slice(0, 3).map((e) => ({ ...e }))];
          if (events.length > 1)
            noisy.push({ ...events[events.length - 1]!, atMs: events[events.length - 1]!.atMs + 7 * M } as Timed<TicketEvent>);
          noisy.push(buildEvents(g, off, 'OTHER')[0]!);
          const a = evaluateTicket(permute(noisy, k1), targets, now, { explain: true });
          const b = evaluateTicket(permute(noisy, k2), targets, now, { explain: true });
          assert.deepEqual(a, b);
          // Plain copies alone change nothing at all, not even the issues.
          const copies = evaluateTicket(permute([...events, ...events.map((e) => ({ ...e }))], k1), targets, now, { explain: true });
          assert.deepEqual(copies, reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('long tickets (past the small-ticket fast paths) are order independent too', () => {
    const arbLong = fc.record({
      createdPriority: fc.option(fc.integer({ min: 0, max: 3 })),
      createdStatus: fc.option(fc.integer({ min: 0, max: 3 })),
      events: fc.array(arbEvent, { minLength: 30, maxLength: 60 }),
      nowDt: fc.integer({ min: 0, max: 6 * 24 * 60 }),
    });
    fc.assert(
      fc.property(arbLong, createdOffset, arbTarget, fc.array(fc.integer(), { minLength: 1, maxLength: 80 }), (g, off, gt, keys) => {
        const events = buildEvents(g, off);
        const targets = [buildTarget(gt)];
        const now = BASE + (off + g.nowDt) * M;
        const reference = evaluateTicket(events, targets, now, { explain: true });
        const noisy = [...events, ...events.map((e) => ({ ...e }))];
        noisy.push({ ...events[5]!, atMs: events[5]!.atMs - 3 * M } as Timed<TicketEvent>);
        const a = evaluateTicket(permute(noisy, keys), targets, now, { explain: true });
        const b = evaluateTicket([...noisy].reverse(), targets, now, { explain: true });
        assert.deepEqual(a, b);
        const copies = evaluateTicket(permute([...events, ...events.map((e) => ({ ...e }))], keys), targets, now, { explain: true });
        assert.deepEqual(copies, reference);
      }),
      { numRuns: 100 },
    );
  });

  test('explain segments are contiguous, cover the clock and add up to elapsed and paused time', () => {
    fc.assert(
      fc.property(arbTicket, createdOffset, arbTarget, (g, off, gt) => {
        const t = buildTarget(gt);
        const now = BASE + (off + g.nowDt) * M;
        const events = buildEvents(g, off);
        const { clocks } = evaluateTicket(events, [t], now, { explain: true });
        const plain = evaluateTicket(events, [t], now).clocks;
        assert.deepEqual(
          clocks.map(({ segments: _s, ...r }) => r),
          plain,
          'explain changes nothing else',
        );
        for (const c of clocks) {
          const segs = c.segments!;
          const end = c.stop ?? now;
          if (end === c.start) assert.equal(segs.length, 0);
          else {
            assert.equal(segs[0]!.from, c.start);
            assert.equal(segs[segs.length - 1]!.to, end);
          }
          let counted = 0;
          let paused = 0;
          segs.forEach((s, i) => {
            assert.ok(s.to > s.from, 'no empty segment');
            if (i > 0) {
              assert.equal(s.from, segs[i - 1]!.to, 'contiguous');
              assert.ok(s.kind !== segs[i - 1]!.kind || s.reason !== segs[i - 1]!.reason, 'maximal runs');
            }
            if (s.kind === 'counted') {
              assert.equal(s.countedMs, s.to - s.from);
              assert.equal(t.calendar.elapsed(s.from, s.to), s.to - s.from, 'counted time is working time');
            } else assert.equal(s.countedMs, 0);
            if (s.kind === 'outside_hours') assert.equal(t.calendar.elapsed(s.from, s.to), 0);
            if (s.kind === 'paused') {
              assert.ok(t.pauseOn!.includes(s.reason), 'paused for a pause status');
              paused += t.calendar.elapsed(s.from, s.to);
            }
            counted += s.countedMs;
          });
          assert.equal(counted, c.elapsedMs);
          assert.equal(paused, c.pausedMs);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('agrees with a minute-by-minute reference model', () => {
    fc.assert(
      fc.property(arbTicket, createdOffset, arbTarget, (g, off, gt) => {
        const t = buildTarget(gt);
        const now = BASE + (off + g.nowDt) * M;
        const events = buildEvents(g, off);
        const { clocks, skipped } = evaluateTicket(events, [t], now);
        const model = referenceModel(events, t, now);
        const pick = (c: ClockResult) => ({
          cycle: c.cycle,
          priority: c.priority,
          start: c.start,
          stop: c.stop,
          elapsedMs: c.elapsedMs,
          pausedMs: c.pausedMs,
          targetMs: c.targetMs,
          deadline: c.deadline,
          state: c.state,
          breachAt: c.breachAt,
        });
        assert.deepEqual(clocks.map(pick), model.clocks);
        assert.deepEqual(
          skipped.map((s) => [s.cycle, s.reason]),
          model.skipped,
        );
      }),
      { numRuns: 400 },
    );
  });
});

// ---- reference model ----------------------------------------------------------------------------

const RANK: Record<string, number> = {
  'ticket.created': 0,
  'ticket.priority_changed': 1,
  'ticket.assigned': 2,
  'ticket.status_changed': 4,
  'ticket.responded': 6,
  'ticket.resolved': 7,
  'ticket.closed': 8,
  'ticket.reopened': 9,
};

type ModelClock = Pick<
  ClockResult,
  'cycle' | 'priority' | 'start' | 'stop' | 'elapsedMs' | 'pausedMs' | 'targetMs' | 'deadline' | 'state' | 'breachAt'
>;

/**
 * The clock rules restated as a minute-by-minute simulation. At each minute, first the events of
 * that instant apply, then the minute counts if the clock runs and the calendar says it is
 * working time. breachAt follows its definition directly: the first instant the cumulative
 * counted time reached the target in force, but not before that target took effect.
 */
function referenceModel(
  events: Timed<TicketEvent>[],
  t: ClockTarget,
  now: number,
): { clocks: ModelClock[]; skipped: Array<[number, string]> } {
  const cal: BusinessCalendar = t.calendar;
  const created = events.find((e) => e.type === 'ticket.created')!;
  if (created.atMs > now) return { clocks: [], skipped: [[1, 'no_created_event']] };
  const c0 = created.atMs;
  const rest = events
    .filter((e) => e !== created && e.atMs <= now)
    .sort((a, b) => a.atMs - b.atMs || RANK[a.type]! - RANK[b.type]! || (a.id < b.id ? -1 : 1))
    .map((e) => ({ e, t: Math.max(e.atMs, c0) }));
  const pauses = (s: string | null) => s !== null && (t.pauseOn ?? []).includes(s);
  const targetFor = (p: string | null, from: number): number => {
    const d = p !== null && t.byPriority && p in t.byPriority ? t.byPriority[p] : t.duration;
    return d === undefined ? -1 : workingMs(d, cal, from);
  };
  const clocks: ModelClock[] = [];
  const skipped: Array<[number, string]> = [];

  let status = (created as { status?: string }).status ?? null;
  let priority = (created as { priority?: string }).priority ?? null;
  let life: 'open' | 'resolved' | 'closed' = 'open';
  // clock
  let cycle = 0;
  let start = 0;
  let phase: 'running' | 'paused' | 'stopped' = 'running';
  let stop: number | null = null;
  let cum = 0;
  let paused = 0;
  let T = -1;
  let tSet = 0;
  let reached = new Map<number, number>();
  let breachAt: number | null = null;
  let clockPriority: string | null = null;

  const startCycle = (m: number) => {
    cycle++;
    start = m;
    stop = null;
    cum = 0;
    paused = 0;
    reached = new Map([[0, m]]);
    breachAt = null;
    clockPriority = priority;
    T = targetFor(priority, m);
    tSet = m;
    phase = pauses(status) ? 'paused' : 'running';
  };
  const ranOutAt = () => Math.max(tSet, reached.get(T)!);
  const applyPriority = (m: number) => {
    clockPriority = priority;
    tSet = m;
    if (t.onPriorityChange === 'restart') {
      cum = 0;
      paused = 0;
      reached = new Map([[0, m]]);
      T = targetFor(priority, m);
    } else {
      T = targetFor(priority, start);
      if (breachAt === null && T >= 0 && cum > T) breachAt = m;
    }
  };
  const emit = (m: number) => {
    if (T < 0) {
      skipped.push([cycle, 'no_target_for_priority']);
      return;
    }
    let deadline: number;
    if (breachAt !== null) deadline = breachAt;
    else if (cum === T) deadline = ranOutAt();
    else {
      // Step forward until the remaining time is used up, as if running without pauses.
      let left = T - cum;
      let x = phase === 'stopped' ? stop! : m;
      while (left > 0) {
        if (cal.isWorking(x)) left -= M;
        x += M;
      }
      deadline = x;
    }
    const consumed = T > 0 ? cum / T : cum > 0 ? Infinity : 1;
    const state: ClockResult['state'] =
      phase === 'stopped'
        ? breachAt !== null
          ? 'breached'
          : 'met'
        : breachAt !== null
          ? 'breached'
          : consumed >= (t.warnAt ? Math.min(...t.warnAt) : 0.75)
            ? 'at_risk'
            : phase;
    clocks.push({
      cycle,
      priority: clockPriority,
      start,
      stop: phase === 'stopped' ? stop : null,
      elapsedMs: cum,
      pausedMs: paused,
      targetMs: T,
      deadline,
      state,
      breachAt,
    });
  };

  startCycle(c0);
  let k = 0;
  for (let m = c0; ; m += M) {
    for (; k < rest.length && rest[k]!.t === m; k++) {
      const e = rest[k]!.e;
      switch (e.type) {
        case 'ticket.status_changed':
          status = e.status;
          if (phase !== 'stopped') phase = pauses(status) ? 'paused' : 'running';
          break;
        case 'ticket.priority_changed':
          if (e.priority === priority) break;
          priority = e.priority;
          if (phase !== 'stopped') applyPriority(m);
          break;
        case 'ticket.responded':
          if (t.kind === 'response' && phase !== 'stopped') {
            phase = 'stopped';
            stop = m;
          }
          break;
        case 'ticket.resolved':
        case 'ticket.closed':
          if (life === 'closed' || (life === 'resolved' && e.type === 'ticket.resolved')) break;
          if (life === 'open' && phase !== 'stopped') {
            phase = 'stopped';
            stop = m;
          }
          life = e.type === 'ticket.resolved' ? 'resolved' : 'closed';
          break;
        case 'ticket.reopened':
          if (life === 'open') break;
          life = 'open';
          if (t.onReopen === 'new_cycle') {
            emit(m);
            startCycle(m);
          } else if (t.kind === 'resolution') {
            phase = pauses(status) ? 'paused' : 'running';
            stop = null;
            if (clockPriority !== priority) applyPriority(m);
          }
          break;
        default:
          break;
      }
    }
    if (m >= now) break;
    if (phase !== 'stopped' && cal.isWorking(m)) {
      if (phase === 'running') {
        cum += M;
        if (!reached.has(cum)) reached.set(cum, m + M);
        if (breachAt === null && T >= 0 && cum > T) breachAt = ranOutAt();
      } else paused += M;
    }
  }
  emit(now);
  return { clocks, skipped };
}
