import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';
import { unwrap } from '../validation/issues.ts';
import { parseInstant } from '../time/instant.ts';
import { availability, intervalsFromEvents } from './index.ts';

const t = (s: string) => unwrap(parseInstant(s));
const H = 3_600_000;
const END = t('2026-01-02T00:00:00Z');

let seq = 0;
function ev(fields: Record<string, unknown>): Timed {
  return unwrap(parseEvent({ id: `e${++seq}`, ...fields }));
}
const started = (outage: string, at: string, extra: Record<string, unknown> = {}) => ev({ type: 'outage.started', outage, at, ...extra });
const ended = (outage: string, at: string) => ev({ type: 'outage.ended', outage, at });

describe('intervalsFromEvents: outages', () => {
  test('a started/ended pair is one interval with its impact and cause', () => {
    const r = intervalsFromEvents(
      [
        started('db', '2026-01-01T10:00:00Z', { impact: 'partial', weight: 0.3, cause: 'third_party' }),
        ended('db', '2026-01-01T11:00:00Z'),
      ],
      END,
    );
    assert.deepEqual(r.issues, []);
    assert.equal(r.outages.length, 1);
    const o = r.outages[0]!;
    assert.deepEqual(
      [o.id, o.start, o.end, o.weight, o.cause],
      ['db', t('2026-01-01T10:00:00Z'), t('2026-01-01T11:00:00Z'), 0.3, 'third_party'],
    );
    assert.equal(o.evidence!.length, 2);
  });

  test('an outage still open lasts until the window end', () => {
    const r = intervalsFromEvents([started('db', '2026-01-01T22:00:00Z')], END);
    assert.equal(r.outages[0]!.end, END);
  });

  test('an ended without a started is an issue, not an exception', () => {
    const e = ended('ghost', '2026-01-01T10:00:00Z');
    const r = intervalsFromEvents([started('db', '2026-01-01T09:00:00Z'), e, ended('db', '2026-01-01T09:30:00Z')], END);
    assert.equal(r.outages.length, 1);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]!.path, 'events[1]');
    assert.match(r.issues[0]!.message, /outage "ghost" with no open outage.started/);
    assert.equal(r.issues[0]!.received, e.id);
  });

  test('a second end is reported too', () => {
    const r = intervalsFromEvents(
      [started('db', '2026-01-01T09:00:00Z'), ended('db', '2026-01-01T09:30:00Z'), ended('db', '2026-01-01T09:40:00Z')],
      END,
    );
    assert.equal(r.outages[0]!.end, t('2026-01-01T09:30:00Z'));
    assert.equal(r.issues.length, 1);
  });

  test('an impact change mid-outage splits it; a repeated start with the same impact does not', () => {
    const r = intervalsFromEvents(
      [
        started('api', '2026-01-01T10:00:00Z', { impact: 'partial', weight: 0.5 }),
        started('api', '2026-01-01T10:30:00Z', { impact: 'partial', weight: 0.5 }),
        started('api', '2026-01-01T11:00:00Z', { impact: 'full' }),
        ended('api', '2026-01-01T12:00:00Z'),
      ],
      END,
    );
    assert.deepEqual(
      r.outages.map((o) => [o.start, o.end, o.weight]),
      [
        [t('2026-01-01T10:00:00Z'), t('2026-01-01T11:00:00Z'), 0.5],
        [t('2026-01-01T11:00:00Z'), t('2026-01-01T12:00:00Z'), 1],
      ],
    );
    const a = availability(r, { from: t('2026-01-01T00:00:00Z'), to: END });
    assert.equal(a.downtimeMs, 1.5 * H);
  });

  test('end and restart at one instant reopen; start and end at one instant are a blip', () => {
    const r = intervalsFromEvents(
      [
        started('x', '2026-01-01T10:00:00Z'),
        ended('x', '2026-01-01T11:00:00Z'),
        started('x', '2026-01-01T11:00:00Z'),
        ended('x', '2026-01-01T12:00:00Z'),
        started('y', '2026-01-01T13:00:00Z'),
        ended('y', '2026-01-01T13:00:00Z'),
      ],
      END,
    );
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.outages.map((o) => [o.id, o.start, o.end]),
      [
        ['x', t('2026-01-01T10:00:00Z'), t('2026-01-01T11:00:00Z')],
        ['x', t('2026-01-01T11:00:00Z'), t('2026-01-01T12:00:00Z')],
        ['y', t('2026-01-01T13:00:00Z'), t('2026-01-01T13:00:00Z')],
      ],
    );
  });

  test('a partial outage without a weight uses the default partial weight', () => {
    assert.equal(intervalsFromEvents([started('a', '2026-01-01T10:00:00Z', { impact: 'partial' })], END).outages[0]!.weight, 0.5);
    assert.equal(
      intervalsFromEvents([started('a', '2026-01-01T10:00:00Z', { impact: 'partial' })], END, { defaultPartialWeight: 0.3 }).outages[0]!
        .weight,
      0.3,
    );
  });

  test('order of arrival and duplicates do not matter', () => {
    const events = [
      started('a', '2026-01-01T10:00:00Z'),
      started('b', '2026-01-01T10:30:00Z', { cause: 'customer' }),
      ended('a', '2026-01-01T11:00:00Z'),
      ended('b', '2026-01-01T12:00:00Z'),
      started('a', '2026-01-01T14:00:00Z', { impact: 'partial', weight: 0.25 }),
    ];
    const forward = intervalsFromEvents(events, END);
    const shuffled = intervalsFromEvents([events[4]!, events[2]!, events[0]!, events[3]!, events[1]!, events[2]!, events[0]!], END);
    assert.deepEqual(shuffled, forward);
  });
});

describe('intervalsFromEvents: maintenance and checks', () => {
  const sched = (maintenance: string, at: string, start: string, end: string, announcedAt?: string) =>
    ev({ type: 'maintenance.scheduled', maintenance, at, start, end, ...(announcedAt ? { announcedAt } : {}) });
  const cancel = (maintenance: string, at: string) => ev({ type: 'maintenance.cancelled', maintenance, at });

  test('announcedAt defaults to the event instant; the latest schedule wins', () => {
    const r = intervalsFromEvents(
      [
        sched('m', '2025-12-30T12:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T04:00:00Z'),
        sched('m', '2025-12-31T23:00:00Z', '2026-01-01T03:00:00Z', '2026-01-01T05:00:00Z'),
      ],
      END,
    );
    assert.deepEqual(r.maintenance, [
      { id: 'm', start: t('2026-01-01T03:00:00Z'), end: t('2026-01-01T05:00:00Z'), announcedAt: t('2025-12-31T23:00:00Z') },
    ]);
  });

  test('cancelled maintenance is removed; rescheduling after the cancellation restores it', () => {
    const a = sched('m', '2025-12-30T12:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T04:00:00Z');
    const c = cancel('m', '2025-12-31T00:00:00Z');
    assert.deepEqual(intervalsFromEvents([a, c], END).maintenance, []);
    const again = sched('m', '2025-12-31T06:00:00Z', '2026-01-01T06:00:00Z', '2026-01-01T07:00:00Z', '2025-12-31T05:00:00Z');
    assert.deepEqual(
      intervalsFromEvents([again, c, a], END).maintenance.map((m) => [m.start, m.announcedAt]),
      [[t('2026-01-01T06:00:00Z'), t('2025-12-31T05:00:00Z')]],
    );
  });

  test('a cancellation at the same instant as a schedule wins', () => {
    const a = sched('m', '2025-12-30T12:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T04:00:00Z');
    const c = cancel('m', '2025-12-30T12:00:00Z');
    assert.deepEqual(intervalsFromEvents([c, a], END).maintenance, []);
  });

  test('check results become samples', () => {
    const r = intervalsFromEvents(
      [
        ev({ type: 'check.result', at: '2026-01-01T10:01:00Z', up: true, check: 'http' }),
        ev({ type: 'check.result', at: '2026-01-01T10:00:00Z', up: false, check: 'http' }),
      ],
      END,
    );
    assert.deepEqual(
      r.samples.map((s) => [s.at, s.up, s.check]),
      [
        [t('2026-01-01T10:00:00Z'), false, 'http'],
        [t('2026-01-01T10:01:00Z'), true, 'http'],
      ],
    );
    const a = availability(r, { from: t('2026-01-01T00:00:00Z'), to: END });
    assert.equal(a.downtimeMs, 60_000);
  });

  test('other events are ignored; bad arguments are issues', () => {
    const r = intervalsFromEvents([ev({ type: 'ticket.created', ticket: 't1', at: '2026-01-01T10:00:00Z' })], END);
    assert.deepEqual(r, { outages: [], maintenance: [], samples: [], issues: [] });
    assert.equal(intervalsFromEvents('nope' as never, END).issues[0]!.path, 'events');
    assert.equal(intervalsFromEvents([], NaN).issues[0]!.path, 'windowEnd');
  });
});
