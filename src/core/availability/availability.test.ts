import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileCalendar } from '../calendar/compile.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import { unwrap } from '../validation/issues.ts';
import { parseInstant } from '../time/instant.ts';
import { availability, type AvailabilityInput, type AvailabilityOptions, type AvailabilityResult, type OutageInterval } from './index.ts';

const S = 1000;
const M = 60_000;
const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 0, 1); // a Thursday
const at = (h: number) => T0 + h * H;
const DAY = { from: T0, to: T0 + D };
const t = (s: string) => unwrap(parseInstant(s));

const out = (id: string, fromH: number, toH: number, extra: Partial<OutageInterval> = {}): OutageInterval => ({
  id,
  start: at(fromH),
  end: at(toH),
  ...extra,
});

function run(input: AvailabilityInput, options: AvailabilityOptions = {}, window = DAY): AvailabilityResult {
  const r = availability(input, window, options);
  // Every figure traces to ids: attributions add up to the totals.
  const down = r.outages.reduce((s, o) => s + o.downtimeMs, 0);
  const excl = r.excluded.reduce((s, o) => s + o.excludedMs, 0);
  assert.ok(Math.abs(down - r.downtimeMs) < 1e-6, `outage attributions ${down} != downtime ${r.downtimeMs}`);
  assert.ok(Math.abs(excl - r.excludedMs) < 1e-6, `exclusion attributions ${excl} != excluded ${r.excludedMs}`);
  return r;
}

const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);
const reasons = (r: AvailabilityResult) => Object.fromEntries(r.ignored.map((i) => [i.id, i.reason]));

describe('availability: basics and merging', () => {
  test('no outages: fully available', () => {
    const r = run({});
    assert.equal(r.windowMs, D);
    assert.equal(r.serviceMs, D);
    assert.equal(r.eligibleMs, D);
    assert.equal(r.downtimeMs, 0);
    assert.equal(r.uptimeMs, D);
    assert.equal(r.availability, 1);
    assert.deepEqual(r.issues, []);
    assert.equal(r.settings.serviceHours, '24x7');
  });

  test('one full outage of an hour in a day', () => {
    const r = run({ outages: [out('a', 1, 2)] });
    assert.equal(r.downtimeMs, H);
    assert.equal(r.uptimeMs, 23 * H);
    assert.equal(r.availability, 23 / 24);
    assert.deepEqual(ids(r.outages), ['a']);
    assert.equal(r.outages[0]!.countedMs, H);
  });

  test('overlapping outages merge: the overlap counts once, attributed to the earlier', () => {
    const r = run({ outages: [out('b', 2, 4), out('a', 1, 3)] });
    assert.equal(r.downtimeMs, 3 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.downtimeMs, o.countedMs]),
      [
        ['a', 2 * H, 2 * H],
        ['b', H, 2 * H],
      ],
    );
  });

  test('touching outages do not double count; duplicates count once', () => {
    const r = run({ outages: [out('a', 1, 2), out('b', 2, 3), out('dup', 1, 2)] });
    assert.equal(r.downtimeMs, 2 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.downtimeMs]),
      [
        ['a', H],
        ['dup', 0],
        ['b', H],
      ],
    );
  });

  test('nested outage contributes nothing but is still listed as covering time', () => {
    const r = run({ outages: [out('outer', 1, 5), out('inner', 2, 3)] });
    assert.equal(r.downtimeMs, 4 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.downtimeMs, o.countedMs]),
      [
        ['outer', 4 * H, 4 * H],
        ['inner', 0, H],
      ],
    );
  });
});

describe('availability: partial outages', () => {
  test('a partial outage counts its weight', () => {
    const r = run({ outages: [out('p', 0, 4, { weight: 0.5 })] });
    assert.equal(r.downtimeMs, 2 * H);
    assert.equal(r.availability, 22 / 24);
  });

  test('overlapping partial outages take the maximum weight at each instant', () => {
    // 0-4 at 0.5 and 2-6 at 0.25: 0-4 at 0.5 (2h) + 4-6 at 0.25 (0.5h).
    const r = run({ outages: [out('half', 0, 4, { weight: 0.5 }), out('quarter', 2, 6, { weight: 0.25 })] });
    assert.equal(r.downtimeMs, 2.5 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.downtimeMs]),
      [
        ['half', 2 * H],
        ['quarter', 0.5 * H],
      ],
    );
  });

  test('a full outage overrides a partial one while they overlap', () => {
    // partial 0-6 at 0.5, full 2-3: 2h*0.5 + 1h + 3h*0.5 = 3.5h.
    const r = run({ outages: [out('p', 0, 6, { weight: 0.5 }), out('f', 2, 3)] });
    assert.equal(r.downtimeMs, 3.5 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.downtimeMs]),
      [
        ['p', 2.5 * H],
        ['f', H],
      ],
    );
  });

  test('partial outages never add up past a full outage', () => {
    const r = run({ outages: [out('x', 0, 1, { weight: 0.75 }), out('y', 0, 1, { weight: 0.75 })] });
    assert.equal(r.downtimeMs, 0.75 * H);
  });
});

describe('availability: maintenance and notice', () => {
  const notice = 48 * H;
  test('announced maintenance is excluded and leaves the denominator', () => {
    const r = run({ maintenance: [{ id: 'm', start: at(2), end: at(6), announcedAt: at(2) - 72 * H }] }, { maintenanceNoticeMs: notice });
    assert.equal(r.excludedMs, 4 * H);
    assert.equal(r.eligibleMs, 20 * H);
    assert.equal(r.downtimeMs, 0);
    assert.equal(r.availability, 1);
    assert.deepEqual(r.excluded, [
      { id: 'm', kind: 'maintenance', start: at(2), end: at(6), reason: 'announced_maintenance', excludedMs: 4 * H },
    ]);
  });

  test('unannounced maintenance counts as downtime', () => {
    const r = run({ maintenance: [{ id: 'm', start: at(2), end: at(6), announcedAt: at(3) }] }, { maintenanceNoticeMs: notice });
    assert.equal(r.excludedMs, 0);
    assert.equal(r.downtimeMs, 4 * H);
    assert.equal(r.outages[0]!.kind, 'maintenance');
    assert.equal(r.outages[0]!.note, 'not announced before it started');
  });

  test('notice boundary: exactly the notice before the start counts as announced; 1 ms later does not', () => {
    const exact = run(
      { maintenance: [{ id: 'm', start: at(2), end: at(3), announcedAt: at(2) - notice }] },
      { maintenanceNoticeMs: notice },
    );
    assert.equal(exact.excludedMs, H);
    assert.equal(exact.downtimeMs, 0);
    const late = run(
      { maintenance: [{ id: 'm', start: at(2), end: at(3), announcedAt: at(2) - notice + 1 }] },
      { maintenanceNoticeMs: notice },
    );
    assert.equal(late.excludedMs, 0);
    assert.equal(late.downtimeMs, H);
    assert.equal(late.outages[0]!.note, 'announced 1d23h59m59s999ms before it started; 2d notice required');
  });

  test('notice defaults to 0: announced at the start is in time', () => {
    const r = run({ maintenance: [{ id: 'm', start: at(2), end: at(3), announcedAt: at(2) }] });
    assert.equal(r.excludedMs, H);
  });

  test('an outage inside announced maintenance is excluded, not downtime; one crossing it counts outside it', () => {
    const r = run({
      maintenance: [{ id: 'm', start: at(2), end: at(6), announcedAt: T0 - D }],
      outages: [out('inside', 3, 4), out('across', 5, 8)],
    });
    assert.equal(r.excludedMs, 4 * H);
    assert.equal(r.downtimeMs, 2 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.countedMs]),
      [['across', 2 * H]],
    );
    assert.equal(reasons(r).inside, 'covered_by_exclusion');
  });

  test('maintenance exclusion switched off: every maintenance window is downtime', () => {
    const r = run({ maintenance: [{ id: 'm', start: at(2), end: at(4), announcedAt: T0 - 30 * D }] }, { exclude: { maintenance: false } });
    assert.equal(r.downtimeMs, 2 * H);
    assert.equal(r.outages[0]!.note, 'maintenance is not excluded by the agreement');
  });

  test('excluded time is attributed to maintenance before excluded outages', () => {
    const r = run(
      { maintenance: [{ id: 'm', start: at(2), end: at(4), announcedAt: T0 - D }], outages: [out('cust', 1, 3, { cause: 'customer' })] },
      { exclude: { customerCaused: true } },
    );
    assert.equal(r.excludedMs, 3 * H);
    assert.deepEqual(
      r.excluded.map((e) => [e.id, e.reason, e.excludedMs]),
      [
        ['cust', 'customer_caused', H],
        ['m', 'announced_maintenance', 2 * H],
      ],
    );
  });
});

describe('availability: exclusion classes', () => {
  const input = {
    outages: [
      out('prov', 1, 2),
      out('cust', 3, 5, { cause: 'customer' as const }),
      out('fm', 6, 9, { cause: 'force_majeure' as const }),
      out('tp', 10, 14, { cause: 'third_party' as const }),
    ],
  };
  test('by default nothing but announced maintenance is excluded', () => {
    const r = run(input);
    assert.equal(r.downtimeMs, (1 + 2 + 3 + 4) * H);
    assert.equal(r.excludedMs, 0);
  });
  test('customer-caused excluded', () => {
    const r = run(input, { exclude: { customerCaused: true } });
    assert.equal(r.downtimeMs, 8 * H);
    assert.equal(r.excludedMs, 2 * H);
    assert.equal(r.eligibleMs, 22 * H);
    assert.deepEqual(
      r.excluded.map((e) => [e.id, e.reason]),
      [['cust', 'customer_caused']],
    );
  });
  test('force majeure excluded', () => {
    const r = run(input, { exclude: { forceMajeure: true } });
    assert.equal(r.downtimeMs, 7 * H);
    assert.equal(r.excludedMs, 3 * H);
  });
  test('all three classes excluded', () => {
    const r = run(input, { exclude: { customerCaused: true, forceMajeure: true, thirdParty: true } });
    assert.equal(r.downtimeMs, H);
    assert.equal(r.excludedMs, 9 * H);
    assert.equal(r.eligibleMs, 15 * H);
    assert.equal(r.availability, 14 / 15);
  });
  test('a provider outage overlapping a customer-caused one counts only outside it', () => {
    const r = run({ outages: [out('cust', 1, 3, { cause: 'customer' }), out('prov', 2, 5)] }, { exclude: { customerCaused: true } });
    assert.equal(r.excludedMs, 2 * H);
    assert.equal(r.downtimeMs, 2 * H);
  });
});

describe('availability: excluded time removed or counted as up', () => {
  const input = { outages: [out('o', 10, 12)], maintenance: [{ id: 'm', start: at(0), end: at(4), announcedAt: T0 - D }] };
  test('removed (default): excluded time leaves the denominator', () => {
    const r = run(input);
    assert.equal(r.excludedMs, 4 * H);
    assert.equal(r.eligibleMs, 20 * H);
    assert.equal(r.uptimeMs, 18 * H);
    assert.equal(r.availability, 0.9);
  });
  test('counted_as_up: excluded time stays and counts as up', () => {
    const r = run(input, { excludedTime: 'counted_as_up' });
    assert.equal(r.excludedMs, 4 * H);
    assert.equal(r.eligibleMs, 24 * H);
    assert.equal(r.uptimeMs, 22 * H);
    assert.equal(r.availability, 22 / 24);
  });
  test('a window entirely excluded has no availability under removed, 100% under counted_as_up', () => {
    const all = { maintenance: [{ id: 'm', start: T0, end: T0 + D, announcedAt: T0 - D }] };
    assert.equal(run(all).availability, null);
    assert.equal(run(all, { excludedTime: 'counted_as_up' }).availability, 1);
  });
});

describe('availability: minimum outage length', () => {
  test('a stretch shorter than the minimum is ignored; one exactly as long counts', () => {
    const r = run(
      {
        outages: [
          { id: 'short', start: at(1), end: at(1) + 59 * S },
          { id: 'a', start: at(2), end: at(2) + 30 * S },
          { id: 'b', start: at(2) + 30 * S, end: at(2) + 60 * S },
        ],
      },
      { minOutageMs: M },
    );
    assert.equal(r.downtimeMs, M);
    assert.deepEqual(ids(r.outages), ['a', 'b']);
    assert.deepEqual(r.ignored, [
      { id: 'short', kind: 'outage', start: at(1), end: at(1) + 59 * S, reason: 'too_short', stretchMs: 59 * S },
    ]);
  });

  test('length is the whole stretch, not the part inside the window', () => {
    // 3 minutes before the window and 2 inside: a 5-minute outage, counted for its 2 minutes.
    const r = run({ outages: [{ id: 'x', start: T0 - 3 * M, end: T0 + 2 * M }] }, { minOutageMs: 5 * M });
    assert.equal(r.downtimeMs, 2 * M);
  });

  test('an outage outside the window still lengthens the stretch it touches', () => {
    const r = run(
      {
        outages: [
          { id: 'before', start: T0 - 4 * M, end: T0 },
          { id: 'inside', start: T0, end: T0 + M },
        ],
      },
      { minOutageMs: 5 * M },
    );
    assert.equal(r.downtimeMs, M);
    assert.equal(reasons(r).before, 'outside_window');
  });

  test('excluded outages do not join stretches', () => {
    const r = run(
      {
        outages: [
          { id: 'cust', start: at(1), end: at(1) + 10 * M, cause: 'customer' },
          { id: 'prov', start: at(1) + 10 * M, end: at(1) + 11 * M },
        ],
      },
      { minOutageMs: 5 * M, exclude: { customerCaused: true } },
    );
    assert.equal(r.downtimeMs, 0);
    assert.equal(reasons(r).prov, 'too_short');
  });
});

describe('availability: window clipping and ignored items', () => {
  test('outages are clipped to the window; those outside are ignored', () => {
    const r = run({
      outages: [out('early', -3, -1), out('spanStart', -1, 1), out('spanEnd', 23, 26), out('late', 25, 26), out('dot', 5, 5)],
    });
    assert.equal(r.downtimeMs, 2 * H);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.countedMs]),
      [
        ['spanStart', H],
        ['spanEnd', H],
      ],
    );
    assert.deepEqual(reasons(r), { early: 'outside_window', late: 'outside_window', dot: 'empty' });
  });

  test('an outage ending exactly at the window start is outside it', () => {
    const r = run({ outages: [out('edge', -1, 0)] });
    assert.equal(reasons(r).edge, 'outside_window');
  });

  test('every valid item lands in exactly one list', () => {
    const r = run(
      {
        outages: [out('a', 1, 2), out('b', 30, 31), out('c', 3, 4, { cause: 'customer' })],
        maintenance: [
          { id: 'm', start: at(5), end: at(6), announcedAt: T0 },
          { id: 'n', start: at(7), end: at(8), announcedAt: at(8) },
        ],
      },
      { exclude: { customerCaused: true } },
    );
    const all = [...ids(r.outages), ...ids(r.excluded), ...ids(r.ignored)].sort();
    assert.deepEqual(all, ['a', 'b', 'c', 'm', 'n']);
  });

  test('an empty window has no availability', () => {
    const r = run({ outages: [out('a', 1, 2)] }, {}, { from: T0, to: T0 });
    assert.equal(r.eligibleMs, 0);
    assert.equal(r.availability, null);
  });
});

describe('availability: service hours', () => {
  const WEEK = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
  const berlin: BusinessCalendar = unwrap(compileCalendar({ timezone: 'Europe/Berlin', hours: WEEK }));
  // Monday 2 March 2026 to Monday 9 March, Berlin time (UTC+1): five 8-hour days.
  const week = { from: t('2026-03-02T00:00:00+01:00'), to: t('2026-03-09T00:00:00+01:00') };

  test('only working time is measured', () => {
    const r = run(
      {
        outages: [
          { id: 'evening', start: t('2026-03-03T16:30:00+01:00'), end: t('2026-03-03T18:30:00+01:00') },
          { id: 'night', start: t('2026-03-04T01:00:00+01:00'), end: t('2026-03-04T05:00:00+01:00') },
          { id: 'saturday', start: t('2026-03-07T10:00:00+01:00'), end: t('2026-03-07T14:00:00+01:00') },
          { id: 'overnight', start: t('2026-03-05T16:00:00+01:00'), end: t('2026-03-06T10:00:00+01:00') },
        ],
      },
      { calendar: berlin },
      week,
    );
    assert.equal(r.windowMs, 7 * D);
    assert.equal(r.serviceMs, 40 * H);
    assert.equal(r.eligibleMs, 40 * H);
    // 16:30-17:00 on Tuesday, and Thursday 16-17 plus Friday 09-10.
    assert.equal(r.downtimeMs, 30 * M + 2 * H);
    assert.equal(r.availability, (40 * H - 150 * M) / (40 * H));
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.countedMs]),
      [
        ['evening', 30 * M],
        ['overnight', 2 * H],
      ],
    );
    assert.deepEqual(reasons(r), { night: 'outside_service_hours', saturday: 'outside_service_hours' });
    assert.equal(r.settings.serviceHours, 'calendar (Europe/Berlin)');
  });

  test('maintenance outside service hours neither excludes nor counts', () => {
    const r = run(
      {
        maintenance: [
          {
            id: 'weekend',
            start: t('2026-03-07T08:00:00+01:00'),
            end: t('2026-03-07T20:00:00+01:00'),
            announcedAt: t('2026-03-07T08:00:00+01:00'),
          },
          {
            id: 'late',
            start: t('2026-03-04T17:00:00+01:00'),
            end: t('2026-03-04T22:00:00+01:00'),
            announcedAt: t('2026-03-04T18:00:00+01:00'),
          },
          {
            id: 'morning',
            start: t('2026-03-04T08:00:00+01:00'),
            end: t('2026-03-04T10:00:00+01:00'),
            announcedAt: t('2026-03-01T00:00:00+01:00'),
          },
        ],
      },
      { calendar: berlin },
      week,
    );
    assert.equal(r.excludedMs, H);
    assert.equal(r.eligibleMs, 39 * H);
    assert.equal(r.downtimeMs, 0);
    assert.deepEqual(reasons(r), { weekend: 'outside_service_hours', late: 'outside_service_hours' });
  });

  test('across the change to summer time, 09:00-17:00 is still 8 hours a day', () => {
    // Week of Monday 30 March 2026 (after the change on the 29th): 09:00 Berlin = 07:00 UTC.
    const r = run(
      { outages: [{ id: 'o', start: t('2026-03-30T06:00:00Z'), end: t('2026-03-30T08:00:00Z') }] },
      { calendar: berlin },
      { from: t('2026-03-28T00:00:00+01:00'), to: t('2026-04-04T00:00:00+02:00') },
    );
    assert.equal(r.serviceMs, 40 * H);
    assert.equal(r.downtimeMs, H);
  });

  test('a 24x7 calendar gives the same figures as no calendar', () => {
    const always = unwrap(compileCalendar({ timezone: 'Europe/Berlin', hours: 'always' }));
    const input = { outages: [out('a', 1, 3), out('b', 2, 5, { weight: 0.5 })] };
    const a = run(input, { calendar: always });
    const b = run(input);
    assert.equal(a.downtimeMs, b.downtimeMs);
    assert.equal(a.eligibleMs, b.eligibleMs);
    assert.equal(a.settings.serviceHours, '24x7');
  });
});

describe('availability: check samples', () => {
  const ms = (m: number) => T0 + m * M;
  test('a down sample lasts until the next up sample of the same check', () => {
    const r = run({
      samples: [
        { at: ms(10), up: false, id: 'e1' },
        { at: ms(11), up: false, id: 'e2' },
        { at: ms(15), up: true, id: 'e3' },
        { at: ms(20), up: true, id: 'e4' },
      ],
    });
    assert.equal(r.downtimeMs, 5 * M);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.kind, o.evidence]),
      [['e1', 'check', ['e1', 'e3']]],
    );
  });

  test('a check still down at the window end is down until then', () => {
    const r = run({ samples: [{ at: T0 + D - 10 * M, up: false }] });
    assert.equal(r.downtimeMs, 10 * M);
  });

  const three = [
    { at: ms(0), up: true, check: 'a' },
    { at: ms(0), up: true, check: 'b' },
    { at: ms(0), up: true, check: 'c' },
    { at: ms(10), up: false, check: 'a' },
    { at: ms(20), up: false, check: 'b' },
    { at: ms(30), up: false, check: 'c' },
    { at: ms(40), up: true, check: 'a' },
    { at: ms(50), up: true, check: 'b' },
    { at: ms(60), up: true, check: 'c' },
  ];
  test('any (default): down while any check is down', () => {
    assert.equal(run({ samples: three }).downtimeMs, 50 * M);
  });
  test('majority: down while more than half are down', () => {
    const r = run({ samples: three }, { checks: 'majority' });
    assert.equal(r.downtimeMs, 30 * M);
    assert.deepEqual(
      r.outages.map((o) => [o.start, o.end, o.evidence]),
      [[ms(20), ms(50), ['a@2026-01-01T00:10:00.000Z', 'b@2026-01-01T00:20:00.000Z', 'c@2026-01-01T00:30:00.000Z']]],
    );
  });
  test('all: down only while every check is down', () => {
    assert.equal(run({ samples: three }, { checks: 'all' }).downtimeMs, 10 * M);
  });
  test('samples combine with explicit outages and the minimum length', () => {
    const r = run(
      {
        samples: [
          { at: ms(0), up: false },
          { at: ms(1), up: true },
        ],
        outages: [{ id: 'o', start: ms(1), end: ms(3) }],
      },
      { minOutageMs: 3 * M },
    );
    assert.equal(r.downtimeMs, 3 * M);
  });
});

describe('availability: bad input is reported, never thrown', () => {
  test('end before start, weight out of range, unknown cause', () => {
    const r = run({
      outages: [
        { id: 'back', start: at(3), end: at(2) },
        { id: 'heavy', start: at(1), end: at(2), weight: 1.5 },
        { id: 'none', start: at(1), end: at(2), weight: 0 },
        { id: 'typo', start: at(1), end: at(2), cause: 'custmer' as never },
        { id: 'good', start: at(5), end: at(6) },
      ],
    });
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['outages[0].end', 'outages[1].weight', 'outages[2].weight', 'outages[3].cause'],
    );
    assert.match(r.issues[3]!.message, /did you mean customer\?/);
    assert.equal(r.downtimeMs, H);
    assert.deepEqual(reasons(r), { back: 'invalid', heavy: 'invalid', none: 'invalid', typo: 'invalid' });
    assert.equal(r.ignored[0]!.detail, 'see issues at outages[0]');
  });

  test('missing fields and non-objects', () => {
    const r = availability(
      {
        outages: [null as never, { id: '', start: 'x', end: 1 } as never],
        maintenance: [{ id: 'm', start: at(1), end: at(2) } as never],
        samples: [{ at: 1 } as never],
      },
      DAY,
    );
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['samples[0].up', 'outages[0]', 'outages[1].id', 'outages[1].start', 'maintenance[0].announcedAt'],
    );
    assert.equal(r.availability, 1);
  });

  test('a window that ends before it starts', () => {
    const r = availability({ outages: [out('a', 1, 2)] }, { from: T0 + D, to: T0 });
    assert.equal(r.availability, null);
    assert.equal(r.issues[0]!.path, 'window.to');
  });

  test('bad options fall back to defaults with an issue', () => {
    const r = availability({ outages: [out('a', 1, 2)] }, DAY, {
      minOutageMs: -1,
      excludedTime: 'sometimes' as never,
      checks: 'most' as never,
    });
    assert.deepEqual(r.issues.map((i) => i.path).sort(), ['options.checks', 'options.excludedTime', 'options.minOutageMs']);
    assert.equal(r.downtimeMs, H);
  });

  test('lists that are not lists', () => {
    const r = availability({ outages: 'all of them' as never }, DAY);
    assert.equal(r.issues[0]!.path, 'outages');
    assert.equal(r.availability, 1);
  });
});

describe('availability: the worked example in docs/availability.md', () => {
  const input = {
    outages: [
      { id: 'O1', start: t('2026-03-10T02:00:00Z'), end: t('2026-03-10T03:00:00Z') },
      { id: 'O2', start: t('2026-03-10T02:30:00Z'), end: t('2026-03-10T04:30:00Z'), weight: 0.5 },
      { id: 'O3', start: t('2026-03-10T10:00:00Z'), end: t('2026-03-10T11:00:00Z'), cause: 'customer' as const },
      { id: 'O5', start: t('2026-03-10T12:00:00Z'), end: t('2026-03-10T12:00:40Z') },
      { id: 'O4', start: t('2026-03-10T21:00:00Z'), end: t('2026-03-10T21:30:00Z') },
    ],
    maintenance: [
      { id: 'M2', start: t('2026-03-10T06:00:00Z'), end: t('2026-03-10T06:30:00Z'), announcedAt: t('2026-03-09T06:00:00Z') },
      { id: 'M1', start: t('2026-03-10T20:00:00Z'), end: t('2026-03-10T22:00:00Z'), announcedAt: t('2026-03-05T09:00:00Z') },
    ],
  };
  const window = { from: t('2026-03-10T00:00:00Z'), to: t('2026-03-11T00:00:00Z') };
  const options = { maintenanceNoticeMs: 48 * H, exclude: { customerCaused: true }, minOutageMs: M };

  test('removed', () => {
    const r = run(input, options, window);
    assert.equal(r.excludedMs, 3 * H);
    assert.equal(r.downtimeMs, 2 * H + 15 * M);
    assert.equal(r.eligibleMs, 21 * H);
    assert.equal(r.availability, 18.75 / 21);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.countedMs / M, o.downtimeMs / M]),
      [
        ['O1', 60, 60],
        ['O2', 120, 45],
        ['M2', 30, 30],
      ],
    );
    assert.equal(r.outages[2]!.note, 'announced 1d before it started; 2d notice required');
    assert.deepEqual(
      r.excluded.map((e) => [e.id, e.reason, e.excludedMs / M]),
      [
        ['O3', 'customer_caused', 60],
        ['M1', 'announced_maintenance', 120],
      ],
    );
    assert.deepEqual(reasons(r), { O5: 'too_short', O4: 'covered_by_exclusion' });
  });

  test('counted as up', () => {
    const r = run(input, { ...options, excludedTime: 'counted_as_up' }, window);
    assert.equal(r.eligibleMs, 24 * H);
    assert.equal(r.uptimeMs, 21 * H + 45 * M);
    assert.equal(r.availability, 0.90625);
  });
});
