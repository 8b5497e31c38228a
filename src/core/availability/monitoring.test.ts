import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';
import { unwrap } from '../validation/issues.ts';
import { intervalsFromEvents } from './events.ts';
import { monitoringCoverage, monitoringEvidence, type MonitoringBasis } from './monitoring.ts';

const t = (s: string) => Date.parse(s);
const month = (m: number) => ({ from: t(`2026-${String(m).padStart(2, '0')}-01T00:00:00Z`), to: t(`2026-${String(m + 1).padStart(2, '0')}-01T00:00:00Z`) });
let n = 0;
const ev = (body: Record<string, unknown>): Timed => unwrap(parseEvent({ id: `e${++n}`, service: 'pbx', ...body })) as Timed;
const check = (at: string, up = true) => ev({ type: 'check.result', at, up });
const started = (at: string) => ev({ type: 'monitoring.started', at, monitor: 'probe-eu' });
const outage = (id: string, from: string, to: string) => [ev({ type: 'outage.started', at: from, outage: id }), ev({ type: 'outage.ended', at: to, outage: id })];
const maintenance = (id: string, from: string, to: string, announced: string) => ev({ type: 'maintenance.scheduled', at: announced, maintenance: id, start: from, end: to });

function coverage(events: Timed[], m: number, declared?: string) {
  const iv = intervalsFromEvents(events, t('2027-01-01T00:00:00Z'));
  return monitoringCoverage(monitoringEvidence(events, iv, declared === undefined ? undefined : t(declared)), month(m));
}

test('which windows were monitored, and from when: a table of evidence', () => {
  // Each row: events, declared start, month asked about, expected start (null: not monitored), basis.
  const rows: Array<[string, Timed[], string | undefined, number, string | null, MonitoringBasis]> = [
    ['nothing at all', [], undefined, 5, null, 'none'],
    // A declaration is the contract's word: from then on, continuously; nothing before it counts.
    ['declared start, a month before it', [], '2026-07-01T00:00:00Z', 6, null, 'none'],
    ['declared start, mid-month', [], '2026-07-10T00:00:00Z', 7, '2026-07-10T00:00:00Z', 'declared'],
    ['declared start, a later quiet month', [], '2026-07-10T00:00:00Z', 9, '2026-09-01T00:00:00Z', 'declared'],
    ['declared start wins over an earlier check', [check('2026-06-15T00:00:00Z')], '2026-07-01T00:00:00Z', 6, null, 'none'],
    // monitoring.started: the same, from an event.
    ['monitoring.started mid-month', [started('2026-07-10T12:00:00Z')], undefined, 7, '2026-07-10T12:00:00Z', 'monitoring_started'],
    ['monitoring.started, a later quiet month', [started('2026-07-10T12:00:00Z')], undefined, 11, '2026-11-01T00:00:00Z', 'monitoring_started'],
    ['monitoring.started, the month before', [started('2026-07-10T12:00:00Z')], undefined, 6, null, 'none'],
    // Checks: known from the first sample; later windows need a sample of their own.
    ['first check mid-month', [check('2026-07-10T00:00:00Z'), check('2026-08-03T00:00:00Z')], undefined, 7, '2026-07-10T00:00:00Z', 'checks'],
    ['a later month with a check', [check('2026-07-10T00:00:00Z'), check('2026-08-03T00:00:00Z')], undefined, 8, '2026-08-01T00:00:00Z', 'checks'],
    ['a later month where the probe was silent', [check('2026-07-10T00:00:00Z'), check('2026-08-03T00:00:00Z')], undefined, 9, null, 'none'],
    ['the month before the first check', [check('2026-07-10T00:00:00Z')], undefined, 6, null, 'none'],
    // Outage and maintenance reports: the whole window they touch.
    ['an outage mid-month', outage('o1', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z'), undefined, 7, '2026-07-01T00:00:00Z', 'reports'],
    ['an outage running into the next month', outage('o2', '2026-07-31T23:00:00Z', '2026-08-01T01:00:00Z'), undefined, 8, '2026-08-01T00:00:00Z', 'reports'],
    ['a month with no report', outage('o3', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z'), undefined, 8, null, 'none'],
    ['maintenance in the month (announced the month before)', [maintenance('m1', '2026-09-06T02:00:00Z', '2026-09-06T04:00:00Z', '2026-08-30T00:00:00Z')], undefined, 9, '2026-09-01T00:00:00Z', 'reports'],
    ['an announcement alone is no report for its own month', [maintenance('m1', '2026-09-06T02:00:00Z', '2026-09-06T04:00:00Z', '2026-08-30T00:00:00Z')], undefined, 8, null, 'none'],
    // Several kinds: the earliest start wins.
    ['a check before monitoring.started, same month', [check('2026-07-05T00:00:00Z'), started('2026-07-10T00:00:00Z')], undefined, 7, '2026-07-05T00:00:00Z', 'checks'],
    // A monitoring.started inside the window overrides the presumption that a report covers its whole
    // window; a report before it still proves earlier watching. A first check result does not.
    ['an outage after the first check, same month', [check('2026-07-10T00:00:00Z'), ...outage('o4', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z')], undefined, 7, '2026-07-01T00:00:00Z', 'reports'],
    ['an outage before monitoring.started, same month', [started('2026-07-10T00:00:00Z'), ...outage('o5', '2026-07-04T10:00:00Z', '2026-07-04T11:00:00Z')], undefined, 7, '2026-07-04T10:00:00Z', 'reports'],
    ['an outage after monitoring.started, same month', [started('2026-07-10T00:00:00Z'), ...outage('o6', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z')], undefined, 7, '2026-07-10T00:00:00Z', 'monitoring_started'],
    ['a report in a month before a later known start covers that month', [started('2026-08-10T00:00:00Z'), ...outage('o7', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z')], undefined, 7, '2026-07-01T00:00:00Z', 'reports'],
  ];
  for (const [what, events, declared, m, from, basis] of rows) {
    const c = coverage(events, m, declared);
    assert.equal(c.from, from === null ? null : t(from), what);
    assert.equal(c.basis, basis, what);
    if (from === null) assert.match(c.text, /^not monitored: /, what);
  }
});

test('the reasons say what evidence was found, or that none was', () => {
  assert.equal(coverage([], 5).text, 'not monitored: no check result, outage, maintenance or monitoring.started event in this window, and no monitoring start declared (monitoring.since)');
  assert.equal(coverage([], 6, '2026-07-01T00:00:00Z').text, 'not monitored: monitoring is declared to start 2026-07-01T00:00:00Z, after this window');
  assert.equal(coverage([], 7, '2026-07-10T00:00:00Z').text, 'monitored from 2026-07-10T00:00:00Z (monitoring declared from 2026-07-10T00:00:00Z)');
  assert.equal(coverage([], 8, '2026-07-10T00:00:00Z').text, 'monitored throughout (monitoring declared from 2026-07-10T00:00:00Z)');
  assert.equal(coverage([started('2026-07-10T12:00:00Z')], 7).text, 'monitored from 2026-07-10T12:00:00Z (monitoring.started 2026-07-10T12:00:00Z)');
  assert.equal(coverage([check('2026-07-10T00:00:00Z')], 7).text, 'monitored from 2026-07-10T00:00:00Z (the first check result)');
  assert.equal(coverage(outage('o9', '2026-07-20T10:00:00Z', '2026-07-20T11:00:00Z'), 7).text, 'monitored throughout (outage or maintenance reports in the window)');
});
