/** Explain: exact timelines for typical tickets, and the text rendering. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { computeClocks } from './engine.ts';
import { renderTimeline } from './explain.ts';
import type { ClockSegment, ClockTarget } from './types.ts';
import { at, berlinOffice, H, hours, target, ticketEvents, type Row } from './testkit.ts';

const office = berlinOffice();
const mon = (hm: string): string => `2026-03-02T${hm}:00+01:00`;
const tue = (hm: string): string => `2026-03-03T${hm}:00+01:00`;

type Seg = [from: string, to: string, kind: ClockSegment['kind'], countedMs: number, reason: string];

function timeline(rows: Row[], t: ClockTarget, now: string): Seg[][] {
  return computeClocks(ticketEvents('T', rows), [t], at(now), { explain: true }).map((c) =>
    c.segments!.map((s) => [new Date(s.from).toISOString(), new Date(s.to).toISOString(), s.kind, s.countedMs, s.reason]),
  );
}
const utc = (iso: string): string => new Date(at(iso)).toISOString();
const seg = (from: string, to: string, kind: ClockSegment['kind'], countedMs: number, reason: string): Seg => [
  utc(from),
  utc(to),
  kind,
  countedMs,
  reason,
];

describe('explain segments', () => {
  test('working time, closed hours and a pause, merged into maximal runs', () => {
    const rows: Row[] = [
      [mon('16:00'), 'created'],
      [mon('16:30'), 'assigned', { group: 'L2' }],
      [tue('10:00'), 'status', { status: 'waiting_on_customer' }],
      [tue('11:00'), 'status', { status: 'in_progress' }],
      [tue('12:00'), 'resolved'],
    ];
    const t = target('resolution', { calendar: office, duration: hours(8), pauseOn: ['waiting_on_customer'] });
    assert.deepEqual(timeline(rows, t, tue('18:00')), [
      [
        seg(mon('16:00'), mon('17:00'), 'counted', 1 * H, 'working time'),
        seg(mon('17:00'), tue('09:00'), 'outside_hours', 0, 'outside working hours'),
        seg(tue('09:00'), tue('10:00'), 'counted', 1 * H, 'working time'),
        seg(tue('10:00'), tue('11:00'), 'paused', 0, 'waiting_on_customer'),
        seg(tue('11:00'), tue('12:00'), 'counted', 1 * H, 'working time'),
      ],
    ]);
  });

  test('a running clock is explained up to now', () => {
    const t = target('resolution', { calendar: office, duration: hours(8) });
    assert.deepEqual(timeline([[mon('08:00'), 'created']], t, mon('09:30')), [
      [
        seg(mon('08:00'), mon('09:00'), 'outside_hours', 0, 'outside working hours'),
        seg(mon('09:00'), mon('09:30'), 'counted', 30 * 60_000, 'working time'),
      ],
    ]);
  });

  test('reopen, continue: the resolved stretch is a stopped segment', () => {
    const t = target('resolution', { calendar: office, duration: hours(8) });
    const rows: Row[] = [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
      [mon('12:00'), 'closed'],
      [mon('13:00'), 'reopened'],
      [mon('14:00'), 'resolved'],
    ];
    assert.deepEqual(timeline(rows, t, tue('18:00')), [
      [
        seg(mon('09:00'), mon('10:00'), 'counted', 1 * H, 'working time'),
        seg(mon('10:00'), mon('13:00'), 'stopped', 0, 'resolved'),
        seg(mon('13:00'), mon('14:00'), 'counted', 1 * H, 'working time'),
      ],
    ]);
  });

  test('reopen, new_cycle: one timeline per cycle', () => {
    const t = target('resolution', { calendar: office, duration: hours(8), onReopen: 'new_cycle' });
    const rows: Row[] = [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
      [mon('13:00'), 'reopened'],
      [mon('14:00'), 'resolved'],
    ];
    assert.deepEqual(timeline(rows, t, tue('18:00')), [
      [seg(mon('09:00'), mon('10:00'), 'counted', 1 * H, 'working time')],
      [seg(mon('13:00'), mon('14:00'), 'counted', 1 * H, 'working time')],
    ]);
  });

  test('restart: the time before the restart is one stopped segment', () => {
    const t = target('resolution', { calendar: office, byPriority: { P1: hours(2), P3: hours(8) }, onPriorityChange: 'restart' });
    const rows: Row[] = [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('12:00'), 'priority', { priority: 'P1' }],
      [mon('13:30'), 'resolved'],
    ];
    assert.deepEqual(timeline(rows, t, tue('18:00')), [
      [
        seg(mon('09:00'), mon('12:00'), 'stopped', 0, 'restarted: priority P3 -> P1'),
        seg(mon('12:00'), mon('13:30'), 'counted', 1.5 * H, 'working time'),
      ],
    ]);
  });
});

describe('renderTimeline', () => {
  test('a breached response clock, in Berlin time', () => {
    const t = target('response', { calendar: office, duration: hours(1) });
    const [c] = computeClocks(
      ticketEvents('T-7', [
        [mon('16:30'), 'created', { priority: 'P2' }],
        [tue('10:00'), 'responded'],
      ]),
      [t],
      at(tue('12:00')),
      { explain: true },
    );
    assert.equal(
      renderTimeline(c!, 'Europe/Berlin'),
      [
        'Ticket T-7, target "response" (response), cycle 1, priority P2',
        'Target 1h of working time; elapsed 1h30m (150%); paused 0s of working time',
        'Started 2026-03-02T16:30:00+01:00; stopped 2026-03-03T10:00:00+01:00; deadline 2026-03-03T09:30:00+01:00',
        'State: breached, breached at 2026-03-03T09:30:00+01:00',
        '  2026-03-02T16:30:00+01:00 .. 2026-03-02T17:00:00+01:00  counted       +30m, total 30m',
        '  2026-03-02T17:00:00+01:00 .. 2026-03-03T09:00:00+01:00  outside_hours 16h not counted: outside working hours',
        '  2026-03-03T09:00:00+01:00 .. 2026-03-03T10:00:00+01:00  counted       +1h, total 1h30m',
        '  2026-03-03T09:30:00+01:00  target of 1h used up: breached',
      ].join('\n'),
    );
  });

  test('without explain it says how to get the timeline', () => {
    const t = target('resolution', { calendar: office, duration: hours(4) });
    const [c] = computeClocks(ticketEvents('T', [[mon('09:00'), 'created']]), [t], at(mon('10:00')));
    assert.equal(
      renderTimeline(c!, 'UTC'),
      [
        'Ticket T, target "resolution" (resolution), cycle 1, priority (none)',
        'Target 4h of working time; elapsed 1h (25%); paused 0s of working time',
        'Started 2026-03-02T08:00:00Z; not stopped; deadline 2026-03-02T12:00:00Z',
        'State: running',
        '(no timeline: evaluate with explain to see each stretch)',
      ].join('\n'),
    );
  });
});
