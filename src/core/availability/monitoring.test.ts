import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../events/parse.ts';
import { LANGS, sayClauses } from '../i18n/settlement.ts';
import type { Timed } from '../events/schema.ts';
import { unwrap } from '../validation/issues.ts';
import { intervalsFromEvents } from './events.ts';
import { monitoringCoverage, monitoringEvidence, type MonitoringBasis } from './monitoring.ts';

const t = (s: string) => Date.parse(s);
/** An instant in 2026 written short: `07-10` is 10 July 00:00Z, `07-10T12` is noon. */
const d = (s: string) => `2026-${s.length === 5 ? `${s}T00` : s}:00:00Z`;
const month = (m: number) => ({ from: t(d(`${String(m).padStart(2, '0')}-01`)), to: t(d(`${String(m + 1).padStart(2, '0')}-01`)) });
let n = 0;
const ev = (body: Record<string, unknown>): Timed => unwrap(parseEvent({ id: `e${++n}`, service: 'pbx', ...body })) as Timed;
const check = (at: string, up = true) => ev({ type: 'check.result', at: d(at), up });
const started = (at: string) => ev({ type: 'monitoring.started', at: d(at), monitor: 'probe-eu' });
const outage = (id: string, from: string, to: string) => [
  ev({ type: 'outage.started', at: d(from), outage: id }),
  ev({ type: 'outage.ended', at: d(to), outage: id }),
];
const maintenance = (id: string, from: string, to: string, announced: string) =>
  ev({ type: 'maintenance.scheduled', at: d(announced), maintenance: id, start: d(from), end: d(to) });

function coverage(events: Timed[], m: number, declared?: string) {
  const iv = intervalsFromEvents(events, t('2027-01-01T00:00:00Z'));
  const c = monitoringCoverage(monitoringEvidence(events, iv, declared === undefined ? undefined : t(d(declared))), month(m));
  // The evidence in words is also one clause that can be said in every language (src/core/i18n/compliance.ts).
  assert.equal(c.textWhy.length, 1, c.text);
  for (const lang of LANGS) assert.ok(sayClauses(c.textWhy, lang) !== null, `${c.text} (${lang}): ${JSON.stringify(c.textWhy)}`);
  return c;
}

test('which windows were monitored, and from when: a table of evidence', () => {
  // Each row: what, events, declared start, month asked about, expected start (null: not monitored), basis.
  const rows: Array<[string, Timed[], string | undefined, number, string | null, MonitoringBasis]> = [
    ['nothing at all', [], undefined, 5, null, 'none'],
    // A declaration is the contract's word: from then on, continuously; nothing before it counts.
    ['declared start, a month before it', [], '07-01', 6, null, 'none'],
    ['declared start, mid-month', [], '07-10', 7, '07-10', 'declared'],
    ['declared start, a later quiet month', [], '07-10', 9, '09-01', 'declared'],
    ['declared start wins over an earlier check', [check('06-15')], '07-01', 6, null, 'none'],
    // monitoring.started: the same, from an event.
    ['monitoring.started mid-month', [started('07-10T12')], undefined, 7, '07-10T12', 'monitoring_started'],
    ['monitoring.started, a later quiet month', [started('07-10T12')], undefined, 11, '11-01', 'monitoring_started'],
    ['monitoring.started, the month before', [started('07-10T12')], undefined, 6, null, 'none'],
    // Checks: known from the first sample; later windows need a sample of their own.
    ['first check mid-month', [check('07-10'), check('08-03')], undefined, 7, '07-10', 'checks'],
    ['a later month with a check', [check('07-10'), check('08-03')], undefined, 8, '08-01', 'checks'],
    ['a later month where the probe was silent', [check('07-10'), check('08-03')], undefined, 9, null, 'none'],
    ['the month before the first check', [check('07-10')], undefined, 6, null, 'none'],
    // Outage and maintenance reports: the whole window they touch.
    ['an outage mid-month', outage('o1', '07-20T10', '07-20T11'), undefined, 7, '07-01', 'reports'],
    ['an outage running into the next month', outage('o2', '07-31T23', '08-01T01'), undefined, 8, '08-01', 'reports'],
    ['a month with no report', outage('o3', '07-20T10', '07-20T11'), undefined, 8, null, 'none'],
    ['maintenance in the month, announced before', [maintenance('m1', '09-06T02', '09-06T04', '08-30')], undefined, 9, '09-01', 'reports'],
    ['an announcement alone is no report for its month', [maintenance('m1', '09-06T02', '09-06T04', '08-30')], undefined, 8, null, 'none'],
    // Several kinds: the earliest start wins.
    ['a check before monitoring.started, same month', [check('07-05'), started('07-10')], undefined, 7, '07-05', 'checks'],
    // A monitoring.started inside the window overrides the presumption that a report covers its
    // whole window; a report before it still proves earlier watching. A first check result does not.
    [
      'an outage after the first check, same month',
      [check('07-10'), ...outage('o4', '07-20T10', '07-20T11')],
      undefined,
      7,
      '07-01',
      'reports',
    ],
    [
      'an outage before monitoring.started',
      [started('07-10'), ...outage('o5', '07-04T10', '07-04T11')],
      undefined,
      7,
      '07-04T10',
      'reports',
    ],
    [
      'an outage after monitoring.started',
      [started('07-10'), ...outage('o6', '07-20T10', '07-20T11')],
      undefined,
      7,
      '07-10',
      'monitoring_started',
    ],
    [
      'a report a month before a later start',
      [started('08-10'), ...outage('o7', '07-20T10', '07-20T11')],
      undefined,
      7,
      '07-01',
      'reports',
    ],
  ];
  for (const [what, events, declared, m, from, basis] of rows) {
    const c = coverage(events, m, declared);
    assert.equal(c.from, from === null ? null : t(d(from)), what);
    assert.equal(c.basis, basis, what);
    if (from === null) assert.match(c.text, /^not monitored: /, what);
  }
});

test('the reasons say what evidence was found, or that none was', () => {
  const none =
    'not monitored: no check result, outage, maintenance or monitoring.started event in this window, and no monitoring start declared';
  assert.equal(coverage([], 5).text, `${none} (monitoring.since)`);
  assert.equal(coverage([], 6, '07-01').text, 'not monitored: monitoring is declared to start 2026-07-01T00:00:00Z, after this window');
  assert.equal(coverage([], 7, '07-10').text, 'monitored from 2026-07-10T00:00:00Z (monitoring declared from 2026-07-10T00:00:00Z)');
  assert.equal(coverage([], 8, '07-10').text, 'monitored throughout (monitoring declared from 2026-07-10T00:00:00Z)');
  assert.equal(coverage([started('07-10T12')], 7).text, 'monitored from 2026-07-10T12:00:00Z (monitoring.started 2026-07-10T12:00:00Z)');
  assert.equal(coverage([check('07-10')], 7).text, 'monitored from 2026-07-10T00:00:00Z (the first check result)');
  assert.equal(
    coverage(outage('o9', '07-20T10', '07-20T11'), 7).text,
    'monitored throughout (outage or maintenance reports in the window)',
  );
});
