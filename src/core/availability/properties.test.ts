/**
 * Invariants of the engine, and an agreement check against a brute-force reference that walks
 * a small integer timeline one unit at a time.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BusinessCalendar } from '../calendar/types.ts';
import { argsort } from './sort.ts';
import { availability, type AvailabilityOptions, type MaintenanceWindow, type OutageCause, type OutageInterval } from './index.ts';

const WINDOW = { from: 20, to: 180 };

/** A test calendar open on fixed intervals (the real compiler is exercised in availability.test). */
function fixedCalendar(open: Array<[number, number]>): BusinessCalendar {
  const within = (t: number) => open.some(([a, b]) => t >= a && t < b);
  return {
    zone: 'UTC',
    alwaysOpen: false,
    dayLengthMs: 1,
    elapsed: (from, to) => open.reduce((s, [a, b]) => s + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0),
    addWorking: () => NaN,
    isWorking: within,
    nextWorking: () => NaN,
    workingIntervals: (from, to) =>
      open.filter(([a, b]) => b > from && a < to).map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number]),
    endOfWorkingDay: () => NaN,
  };
}

const causes: OutageCause[] = ['provider', 'customer', 'force_majeure', 'third_party'];
const outageArb = fc
  // Half the time on a coarse grid, so that touching and identical intervals are common.
  .record({
    a: fc.oneof(
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 40 }).map((x) => 5 * x),
    ),
    len: fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 4 }).map((x) => 5 * x),
    ),
    w: fc.constantFrom(1, 1, 0.5, 0.25, 0.75),
    cause: fc.constantFrom(...causes, 'provider', 'provider'),
  })
  .map(({ a, len, w, cause }) => ({ start: a, end: a + len, weight: w, cause }));
const maintArb = fc
  .record({ a: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 0, max: 30 }), lead: fc.integer({ min: -10, max: 20 }) })
  .map(({ a, len, lead }) => ({ start: a, end: a + len, announcedAt: a - lead }));
const optionsArb = fc.record({
  maintenanceNoticeMs: fc.integer({ min: 0, max: 10 }),
  minOutageMs: fc.constantFrom(0, 0, 3, 10),
  excludedTime: fc.constantFrom('removed' as const, 'counted_as_up' as const),
  exclude: fc.record({ customerCaused: fc.boolean(), forceMajeure: fc.boolean(), thirdParty: fc.boolean(), maintenance: fc.boolean() }),
  hours: fc.constantFrom<Array<[number, number]> | null>(null, [
    [0, 50],
    [60, 100],
    [100, 130],
    [150, 300],
  ]),
});
const caseArb = fc.record({
  outages: fc.array(outageArb, { maxLength: 25 }),
  maintenance: fc.array(maintArb, { maxLength: 5 }),
  opts: optionsArb,
});

type Opts = {
  maintenanceNoticeMs: number;
  minOutageMs: number;
  excludedTime: 'removed' | 'counted_as_up';
  exclude: { customerCaused: boolean; forceMajeure: boolean; thirdParty: boolean; maintenance: boolean };
  hours: Array<[number, number]> | null;
};
type Case = { outages: Array<Omit<OutageInterval, 'id'>>; maintenance: Array<Omit<MaintenanceWindow, 'id'>>; opts: Opts };

function inputOf(c: Case) {
  return {
    outages: c.outages.map((o, i) => ({ id: `o${i}`, ...o })),
    maintenance: c.maintenance.map((m, i) => ({ id: `m${i}`, ...m })),
  };
}
function optionsOf(c: Case): AvailabilityOptions {
  const { hours, ...rest } = c.opts;
  return hours ? { ...rest, calendar: fixedCalendar(hours) } : rest;
}

/** The accounting rules applied one time unit at a time. */
function reference(c: Case) {
  const o = c.opts;
  const excludedCause = (cause: OutageCause | undefined) =>
    (cause === 'customer' && o.exclude.customerCaused) ||
    (cause === 'force_majeure' && o.exclude.forceMajeure) ||
    (cause === 'third_party' && o.exclude.thirdParty);
  const excluders: Array<[number, number]> = [];
  const counted: Array<{ s: number; e: number; w: number }> = [];
  for (const x of c.outages)
    excludedCause(x.cause) ? excluders.push([x.start, x.end]) : counted.push({ s: x.start, e: x.end, w: x.weight ?? 1 });
  for (const m of c.maintenance)
    o.exclude.maintenance && m.announcedAt <= m.start - o.maintenanceNoticeMs
      ? excluders.push([m.start, m.end])
      : counted.push({ s: m.start, e: m.end, w: 1 });
  // Stretches: connected components of the union of non-empty counted items (touching joins).
  const live = counted.filter((x) => x.e > x.s).sort((a, b) => a.s - b.s);
  const kept: typeof live = [];
  for (let i = 0; i < live.length; ) {
    let end = live[i]!.e;
    let j = i + 1;
    while (j < live.length && live[j]!.s <= end) end = Math.max(end, live[j++]!.e);
    if (end - live[i]!.s >= o.minOutageMs) kept.push(...live.slice(i, j));
    i = j;
  }
  let service = 0;
  let excluded = 0;
  let down = 0;
  for (let t = WINDOW.from; t < WINDOW.to; t++) {
    if (o.hours && !o.hours.some(([a, b]) => t >= a && t < b)) continue;
    service++;
    if (excluders.some(([a, b]) => t >= a && t < b)) {
      excluded++;
      continue;
    }
    down += kept.reduce((m, x) => (t >= x.s && t < x.e ? Math.max(m, x.w) : m), 0);
  }
  const eligible = o.excludedTime === 'removed' ? service - excluded : service;
  return { service, excluded, eligible, down, availability: eligible > 0 ? (eligible - down) / eligible : null };
}

describe('availability properties', () => {
  test('agrees with a unit-by-unit reference', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = availability(inputOf(c), WINDOW, optionsOf(c));
        const ref = reference(c);
        assert.deepEqual(r.issues, []);
        assert.equal(r.serviceMs, ref.service);
        assert.equal(r.excludedMs, ref.excluded);
        assert.equal(r.eligibleMs, ref.eligible);
        assert.equal(r.downtimeMs, ref.down);
        assert.equal(r.availability, ref.availability);
      }),
      { numRuns: 400 },
    );
  });

  test('downtime never exceeds eligible time, and attributions add up', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = availability(inputOf(c), WINDOW, optionsOf(c));
        assert.ok(r.downtimeMs <= r.eligibleMs);
        assert.ok(r.downtimeMs >= 0 && r.uptimeMs >= 0);
        assert.equal(
          r.outages.reduce((s, x) => s + x.downtimeMs, 0),
          r.downtimeMs,
        );
        assert.equal(
          r.excluded.reduce((s, x) => s + x.excludedMs, 0),
          r.excludedMs,
        );
        // Each item is in exactly one list.
        assert.equal(r.outages.length + r.excluded.length + r.ignored.length, c.outages.length + c.maintenance.length);
      }),
      { numRuns: 300 },
    );
  });

  test('merging is order-independent', () => {
    fc.assert(
      fc.property(caseArb, fc.infiniteStream(fc.nat()), (c, rnd) => {
        const input = inputOf(c);
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x) => [rnd.next().value, x] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, x]) => x);
        const a = availability(input, WINDOW, optionsOf(c));
        const b = availability({ outages: shuffle(input.outages), maintenance: shuffle(input.maintenance) }, WINDOW, optionsOf(c));
        assert.deepEqual(
          [b.downtimeMs, b.excludedMs, b.eligibleMs, b.availability],
          [a.downtimeMs, a.excludedMs, a.eligibleMs, a.availability],
        );
        const key = (x: { id: string }) => x.id;
        assert.deepEqual(b.outages.map(key).sort(), a.outages.map(key).sort());
        assert.deepEqual(b.ignored.map(key).sort(), a.ignored.map(key).sort());
      }),
      { numRuns: 300 },
    );
  });

  test('adding a provider outage never raises availability', () => {
    fc.assert(
      fc.property(caseArb, outageArb, (c, extra) => {
        const input = inputOf(c);
        const before = availability(input, WINDOW, optionsOf(c));
        const after = availability(
          { ...input, outages: [...input.outages, { id: 'extra', ...extra, cause: 'provider' }] },
          WINDOW,
          optionsOf(c),
        );
        assert.ok(after.downtimeMs >= before.downtimeMs);
        if (before.availability !== null) assert.ok(after.availability! <= before.availability);
      }),
      { numRuns: 300 },
    );
  });
});

describe('argsort', () => {
  test('sorts stably in both the comparator and the radix regime', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 })), {
          minLength: 0,
          maxLength: 100,
        }),
        fc.integer({ min: 1, max: 60 }),
        (vals, repeat) => {
          // Repeating pushes the size past the radix threshold and creates many equal keys.
          const keys = Float64Array.from(Array.from({ length: vals.length * repeat }, (_, i) => vals[i % vals.length]! + 0));
          const order = argsort(keys);
          const expected = Array.from(keys.keys()).sort((a, b) => keys[a]! - keys[b]! || a - b);
          assert.deepEqual(Array.from(order), expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
