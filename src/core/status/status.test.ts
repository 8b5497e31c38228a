/**
 * The status page's pure core: daily bars by the agreement's rules (civil days of 23 and 25 hours,
 * a leap day, maintenance announced in time or late, days before any data) and the current status.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';
import { parseInstant } from '../time/instant.ts';
import { unwrap } from '../validation/issues.ts';
import { currentStatus, dailyBars, worst } from './index.ts';

const t = (s: string) => unwrap(parseInstant(s));
const H = 3_600_000;
let seq = 0;
const ev = (fields: Record<string, unknown>): Timed => unwrap(parseEvent({ id: `e${++seq}`, service: 'web', ...fields }));
const monitored = (at: string) => ev({ type: 'monitoring.started', at });
const outage = (id: string, from: string, to: string, extra: Record<string, unknown> = {}) => [
  ev({ type: 'outage.started', outage: id, at: from, ...extra }),
  ev({ type: 'outage.ended', outage: id, at: to }),
];

describe('dailyBars', () => {
  test('days are civil days of the zone: 23 hours on the spring change, 25 on the autumn one', () => {
    // Europe/Berlin: clocks go forward on 29 March 2026 and back on 25 October 2026.
    const zone = 'Europe/Berlin';
    const events = [monitored('2026-03-01T00:00:00+01:00'), ...outage('o1', '2026-03-29T10:00:00+02:00', '2026-03-29T11:00:00+02:00')];
    const r = dailyBars({ events, now: t('2026-03-31T12:00:00+02:00'), zone, options: {}, targetPercent: 99, days: 3 });
    assert.deepEqual(
      r.bars.map((b) => [b.date, b.to - b.from]),
      [
        ['2026-03-29', 23 * H],
        ['2026-03-30', 24 * H],
        ['2026-03-31', 12 * H],
      ],
    );
    const spring = r.bars[0]!;
    assert.equal(spring.downtimeMs, H);
    assert.equal(spring.availability, 22 / 23);
    assert.equal(spring.state, 'down', '95.65% is below a 99% target');
    const autumn = dailyBars({
      events: [monitored('2026-10-01T00:00:00+02:00'), ...outage('o2', '2026-10-25T02:30:00+01:00', '2026-10-25T02:45:00+01:00')],
      now: t('2026-10-26T00:00:00+01:00'),
      zone,
      options: {},
      targetPercent: 98,
      days: 2,
    });
    assert.equal(autumn.bars[0]!.date, '2026-10-25');
    assert.equal(autumn.bars[0]!.to - autumn.bars[0]!.from, 25 * H);
    assert.equal(autumn.bars[0]!.availability, 1 - 0.25 / 25);
    assert.equal(autumn.bars[0]!.state, 'degraded', 'downtime, but 99% is still above a 98% target');
  });

  test('a leap day is a day of its own, and 90 days back from 1 March 2028 start on 3 December 2027', () => {
    const events = [monitored('2027-01-01T00:00:00Z'), ...outage('o1', '2028-02-29T23:00:00Z', '2028-03-01T01:00:00Z')];
    const r = dailyBars({ events, now: t('2028-03-01T06:00:00Z'), zone: 'UTC', options: {}, targetPercent: 99 });
    assert.equal(r.bars.length, 90);
    assert.equal(r.bars[0]!.date, '2027-12-03');
    const leap = r.bars.find((b) => b.date === '2028-02-29')!;
    assert.equal(leap.downtimeMs, H);
    assert.equal(r.bars.at(-1)!.date, '2028-03-01');
    assert.equal(r.bars.at(-1)!.downtimeMs, H, 'an outage across midnight counts on each day for its part');
    assert.equal(r.bars.at(-1)!.to, t('2028-03-01T06:00:00Z'), 'today is measured up to now');
  });

  test('maintenance announced with the notice the agreement requires is excluded; announced late it is downtime', () => {
    const base = [monitored('2026-06-01T00:00:00Z')];
    const maint = (id: string, day: string, announcedAt: string) =>
      ev({
        type: 'maintenance.scheduled',
        maintenance: id,
        at: announcedAt,
        start: `${day}T02:00:00Z`,
        end: `${day}T04:00:00Z`,
        announcedAt,
      });
    const events = [
      ...base,
      maint('in-time', '2026-06-10', '2026-06-07T02:00:00Z'), // exactly 72 h before
      maint('late', '2026-06-11', '2026-06-10T02:00:00Z'), // 24 h before
    ];
    const options = { maintenanceNoticeMs: 72 * H, exclude: { maintenance: true } };
    const r = dailyBars({ events, now: t('2026-06-12T00:00:00Z'), zone: 'UTC', options, targetPercent: 99.9, days: 3 });
    const [inTime, late] = r.bars;
    assert.equal(inTime!.date, '2026-06-10');
    assert.deepEqual([inTime!.state, inTime!.downtimeMs, inTime!.excludedMs, inTime!.availability], ['up', 0, 2 * H, 1]);
    assert.deepEqual([late!.state, late!.downtimeMs, late!.excludedMs], ['down', 2 * H, 0]);
    assert.equal(r.uptime, (22 * H + 22 * H) / (22 * H + 24 * H));
  });

  test('days before the service had any data are no_data, not 100%; a day wholly in announced maintenance is not_measured', () => {
    const events = [
      monitored('2026-06-03T12:00:00Z'),
      ev({
        type: 'maintenance.scheduled',
        maintenance: 'm',
        at: '2026-06-01T00:00:00Z',
        start: '2026-06-04T00:00:00Z',
        end: '2026-06-05T00:00:00Z',
      }),
    ];
    const r = dailyBars({ events, now: t('2026-06-05T12:00:00Z'), zone: 'UTC', options: {}, targetPercent: 99, days: 5 });
    assert.deepEqual(
      r.bars.map((b) => [b.date, b.state]),
      [
        ['2026-06-01', 'no_data'],
        ['2026-06-02', 'no_data'],
        ['2026-06-03', 'up'],
        ['2026-06-04', 'not_measured'],
        ['2026-06-05', 'up'],
      ],
    );
    assert.equal(r.bars[2]!.eligibleMs, 12 * H, 'measured from when monitoring started');
    assert.equal(dailyBars({ events: [], now: t('2026-06-05T12:00:00Z'), zone: 'UTC', options: {}, targetPercent: 99 }).uptime, null);
  });

  test('events after now are not seen', () => {
    const events = [monitored('2026-06-01T00:00:00Z'), ...outage('o', '2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z')];
    const r = dailyBars({ events, now: t('2026-06-02T09:00:00Z'), zone: 'UTC', options: {}, targetPercent: 99, days: 1 });
    assert.equal(r.bars[0]!.downtimeMs, 0);
  });
});

describe('dailyBars: properties', () => {
  test('90 contiguous civil days ending with today, each 23 to 25 hours (today up to now), in any zone', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Riyadh', 'Pacific/Chatham'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: t('2024-01-01T00:00:00Z'), max: t('2030-01-01T00:00:00Z') }),
        (zone, now) => {
          const { bars } = dailyBars({ events: [monitored('2020-01-01T00:00:00Z')], now, zone, options: {}, targetPercent: 99 });
          assert.equal(bars.length, 90);
          for (let i = 0; i < bars.length - 1; i++) {
            assert.equal(bars[i]!.to, bars[i + 1]!.from);
            assert.ok(bars[i]!.to - bars[i]!.from >= 23 * H && bars[i]!.to - bars[i]!.from <= 25 * H);
            assert.ok(bars[i]!.date < bars[i + 1]!.date);
          }
          const today = bars.at(-1)!;
          assert.ok(today.from <= now && today.to === now);
          assert.ok(bars.every((b) => b.state === 'up' || b.state === 'not_measured'));
        },
      ),
      { numRuns: 60 },
    );
  });
});

test('dailyBars at midnight: today has no time yet and is not measured (neither up nor no data)', () => {
  const now = t('2024-01-01T00:00:00Z');
  const { bars } = dailyBars({ events: [monitored('2020-01-01T00:00:00Z')], now, zone: 'UTC', options: {}, targetPercent: 99 });
  const today = bars.at(-1)!;
  assert.deepEqual([today.date, today.from, today.to, today.state], ['2024-01-01', now, now, 'not_measured']);
  assert.equal(bars.at(-2)!.state, 'up');
});

describe('currentStatus', () => {
  const now = t('2026-06-02T10:30:00Z');
  const iv = (start: string, end: string, weight?: number) => ({
    id: 'x',
    start: t(start),
    end: t(end),
    ...(weight !== undefined ? { weight } : {}),
  });
  const table: Array<[string, Parameters<typeof currentStatus>[0], string]> = [
    ['nothing open', { now, incidents: [], outages: [], maintenance: [] }, 'operational'],
    [
      'an outage that ended',
      { now, incidents: [], outages: [iv('2026-06-02T09:00:00Z', '2026-06-02T10:00:00Z')], maintenance: [] },
      'operational',
    ],
    [
      'a full outage open now',
      { now, incidents: [], outages: [iv('2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z')], maintenance: [] },
      'major_outage',
    ],
    [
      'a partial outage open now',
      { now, incidents: [], outages: [iv('2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z', 0.4)], maintenance: [] },
      'partial_outage',
    ],
    [
      'maintenance in progress, with the outage it causes',
      {
        now,
        incidents: [],
        outages: [iv('2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z')],
        maintenance: [{ ...iv('2026-06-02T10:00:00Z', '2026-06-02T12:00:00Z'), announcedAt: 0 }],
      },
      'under_maintenance',
    ],
    [
      'maintenance not yet started',
      { now, incidents: [], outages: [], maintenance: [{ ...iv('2026-06-02T11:00:00Z', '2026-06-02T12:00:00Z'), announcedAt: 0 }] },
      'operational',
    ],
    ['an open incident, degraded', { now, incidents: [{ level: 'degraded' }], outages: [], maintenance: [] }, 'degraded'],
    [
      'the worst of an incident and an outage',
      { now, incidents: [{ level: 'degraded' }], outages: [iv('2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z', 0.5)], maintenance: [] },
      'partial_outage',
    ],
  ];
  for (const [name, input, level] of table) test(name, () => assert.equal(currentStatus(input).level, level));
  test('the worst level wins', () => {
    assert.equal(worst(['degraded', 'under_maintenance', 'operational']), 'degraded');
    assert.equal(worst([]), 'operational');
  });
});
