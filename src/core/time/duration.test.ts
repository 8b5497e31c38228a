import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, workingMs, durationText, exactDuration, humanSeconds, type WorkDuration } from './duration.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { formatIssue, unwrap } from '../validation/issues.ts';
import { formatInstant, parseInstant } from './instant.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

test('plain units, combinations, decimals and ISO 8601', () => {
  const cases: Array<[string, WorkDuration]> = [
    ['90s', { kind: 'fixed', ms: 90 * S }],
    ['45m', { kind: 'fixed', ms: 45 * M }],
    ['4h', { kind: 'fixed', ms: 4 * H }],
    ['1h30m', { kind: 'fixed', ms: 90 * M }],
    ['1h 30m', { kind: 'fixed', ms: 90 * M }],
    ['1.5h', { kind: 'fixed', ms: 90 * M }],
    ['250ms', { kind: 'fixed', ms: 250 }],
    ['2d', { kind: 'fixed', ms: 48 * H }],
    ['1w', { kind: 'fixed', ms: 168 * H }],
    ['PT4H', { kind: 'fixed', ms: 4 * H }],
    ['PT1H30M', { kind: 'fixed', ms: 90 * M }],
    ['P1DT2H', { kind: 'fixed', ms: 26 * H }],
    ['PT0.5S', { kind: 'fixed', ms: 500 }],
    ['1wd', { kind: 'workdays', days: 1 }],
    ['0.5wd', { kind: 'workdays', days: 0.5 }],
    ['0eod', { kind: 'eod', days: 0 }],
    ['2eod', { kind: 'eod', days: 2 }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(unwrap(parseDuration(text)), expected, text);
  assert.equal(durationText(unwrap(parseDuration('PT1H30M'))), '1h30m');
  assert.equal(humanSeconds(3155.76), '52m 36s');
  assert.equal(humanSeconds(90061), '1d 1h 1m 1s');
  // Exact: the 365-day year's 52m 33.6s is not the allowance of 52m 36s, nor 52m 35s.
  for (const [ms, text] of [
    [3_153_600, '52m 33.6s'],
    [3_156_000, '52m 36s'],
    [3_155_001, '52m 35.001s'],
    [0, '0s'],
    [-1500, '-1.5s'],
    [90_061_000, '1d 1h 1m 1s'],
  ] as const) {
    assert.equal(exactDuration(ms), text);
  }
});

test('bad durations name the field and say what was expected', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['4x', /^target: unknown unit "x" \(expected a duration such as 90s, .*, got "4x"\)$/],
    ['4', /^target: not a duration/],
    ['', /^target: not a duration/],
    ['-4h', /^target: not a duration/],
    ['4h30', /^target: not a duration/],
    ['1.5eod', /^target: eod counts whole working days/],
    ['1h1h', /^target: each unit at most once, the largest first \(expected e\.g\. 1h30m or 2d4h, got "1h1h"\)$/],
    ['1h30h', /^target: each unit at most once, the largest first/],
    ['30m1h', /^target: each unit at most once, the largest first/],
    [null, /^target: expected a duration/],
  ];
  for (const [text, re] of cases) {
    const r = parseDuration(text, 'target');
    assert.equal(r.ok, false, String(text));
    if (!r.ok) assert.match(formatIssue(r.issues[0]!), re);
  }
});

test('the three meanings of a working day, on a 09:00-17:00 calendar from Tuesday 10:00', () => {
  const cal = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  const from = unwrap(parseInstant('2026-03-24T10:00:00+01:00'));
  const due = (text: string) => formatInstant(cal.addWorking(from, workingMs(unwrap(parseDuration(text)), cal, from)), cal.zone);
  // d: 24 hours of working time (three 8-hour days).
  assert.equal(due('1d'), '2026-03-27T10:00:00+01:00');
  // wd: the calendar's working-day length, 8h.
  assert.equal(cal.dayLengthMs, 8 * H);
  assert.equal(due('1wd'), '2026-03-25T10:00:00+01:00');
  // eod: the close of the working day in progress (0) or of the next one (1).
  assert.equal(due('0eod'), '2026-03-24T17:00:00+01:00');
  assert.equal(due('1eod'), '2026-03-25T17:00:00+01:00');
  // After hours, day 0 is the next working day (Friday evening: Monday).
  const friday = unwrap(parseInstant('2026-03-27T18:00:00+01:00'));
  assert.equal(
    formatInstant(cal.addWorking(friday, workingMs({ kind: 'eod', days: 0 }, cal, friday)), cal.zone),
    '2026-03-30T17:00:00+02:00',
  );
});
