import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Temporal } from 'temporal-polyfill';
import fc from 'fast-check';
import { compileCalendar } from './compile.ts';
import { calendarFromText, type RefReader } from './source.ts';
import type { BusinessCalendar } from './types.ts';
import { unwrap, formatIssue } from '../validation/issues.ts';
import { formatInstant, parseInstant } from '../time/instant.ts';

const H = 3_600_000;
const M = 60_000;
const t = (s: string) => unwrap(parseInstant(s));
const cal = (spec: unknown): BusinessCalendar => unwrap(compileCalendar(spec));
const WEEK_9_17 = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
const berlin = cal({ timezone: 'Europe/Berlin', hours: WEEK_9_17 });
const fmt = (c: BusinessCalendar, ms: number) => formatInstant(ms, c.zone);

const ISSUE_EXAMPLE = `timezone: Europe/Berlin
hours:                      # local wall-clock [start, end); a weekday not listed is closed
  mon: ["09:00-17:00"]
  tue: ["09:00-12:00", "13:00-17:00"]
  sat: ["00:00-24:00"]
holidays:                   # whole days closed
  - 2026-12-25
  - { date: 2026-12-26, name: Boxing Day }
closures:                   # parts of a day closed
  - { date: 2026-12-24, hours: ["12:00-17:00"] }
`;
const noFiles: RefReader = (ref) => ({ error: `no such file: ${ref}` });

describe('calendar format', () => {
  test('the documented example works as written', () => {
    const c = unwrap(calendarFromText(ISSUE_EXAMPLE, 'cal.yaml', noFiles));
    assert.equal(c.zone, 'Europe/Berlin');
    // Tuesday 2026-12-01 has a lunch break: 09-12 and 13-17 = 7h.
    assert.equal(c.elapsed(t('2026-12-01T00:00:00+01:00'), t('2026-12-02T00:00:00+01:00')), 7 * H);
    // Saturday 00:00-24:00 is a full day; Wednesday is not listed, so closed.
    assert.equal(c.elapsed(t('2026-12-05T00:00:00+01:00'), t('2026-12-06T00:00:00+01:00')), 24 * H);
    assert.equal(c.elapsed(t('2026-12-02T00:00:00+01:00'), t('2026-12-03T00:00:00+01:00')), 0);
    // Holidays: the 25th (a Friday, not listed anyway) and the 26th (a Saturday, normally 24h).
    assert.equal(c.elapsed(t('2026-12-26T00:00:00+01:00'), t('2026-12-27T00:00:00+01:00')), 0);
    assert.equal(c.elapsed(t('2026-12-19T00:00:00+01:00'), t('2026-12-20T00:00:00+01:00')), 24 * H);
  });

  test('hours: always is 24x7 and elapsed time equals wall-clock time', () => {
    const c = cal({ timezone: 'America/New_York', hours: 'always' });
    assert.equal(c.alwaysOpen, true);
    assert.equal(c.elapsed(t('2026-03-07T12:00:00-05:00'), t('2026-03-09T12:00:00-04:00')), 47 * H);
    assert.equal(fmt(c, c.addWorking(t('2026-03-07T12:00:00-05:00'), 48 * H)), '2026-03-09T13:00:00-04:00');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['unknown zone', 'timezone: Europe/Berlinn\nhours: always\n', /cal\.yaml:1:11: timezone: unknown time zone.*Europe\/Berlinn/],
    ['impossible date', 'timezone: UTC\nhours: always\nholidays:\n  - 2026-02-30\n', /cal\.yaml:4:5: holidays\[0\]: impossible date/],
    ['bad range', 'timezone: UTC\nhours:\n  mon: ["9-17"]\n', /cal\.yaml:3:9: hours\.mon\[0\]: .*HH:MM-HH:MM.*"9-17"/],
    ['unknown field with suggestion', 'timezone: UTC\nhours: always\nholidayz: []\n', /holidayz: unknown field; did you mean "holidays"\?/],
    ['unknown weekday', 'timezone: UTC\nhours:\n  mondy: ["09:00-17:00"]\n', /hours\.mondy: unknown field; did you mean "mon"\?/],
    ['missing zone', 'hours: always\n', /timezone: required field is missing/],
    ['not YAML', 'timezone: [UTC\n', /not valid YAML or JSON/],
    ['bad yearly date', 'timezone: UTC\nhours: always\nholidays:\n  - { yearly: "02-30" }\n', /holidays\[0\]\.yearly: impossible date/],
    ['bad dayLength', 'timezone: UTC\nhours: always\ndayLength: 8 hours\n', /dayLength: unknown unit|dayLength: not a duration/],
    ['an empty file', '', /^cal\.yaml: the calendar is empty \(expected at least timezone and hours/],
    ['a file of comments only', '# nothing yet\n', /^cal\.yaml: the calendar is empty/],
    [
      '24:00 as a start',
      'timezone: UTC\nhours:\n  mon: ["24:00-02:00"]\n',
      /cal\.yaml:3:9: hours\.mon\[0\]: .*24:00 allowed as an end only.*"24:00-02:00"/,
    ],
    [
      'a weekday given one range instead of a list',
      'timezone: UTC\nhours:\n  mon: "09:00-17:00"\n',
      /cal\.yaml:3:8: hours\.mon: not an allowed value \(expected a list, "closed" or "always", got "09:00-17:00"\)/,
    ],
    [
      'a holiday name of the wrong type',
      'timezone: UTC\nhours: always\nholidays:\n  - { date: 2026-12-25, name: 5 }\n',
      /cal\.yaml:4:31: holidays\[0\]\.name: expected string \(got 5\)/,
    ],
  ];
  for (const [name, text, re] of bad) {
    test(`refuses ${name} with a message naming the field`, () => {
      const r = calendarFromText(text, 'cal.yaml', noFiles);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const msg = r.issues.map(formatIssue).join('\n');
      assert.match(msg, re);
    });
  }

  test('reports every problem at once', () => {
    const r = calendarFromText('timezone: Nowhere/City\nhours:\n  mon: ["25:00-26:00"]\nholidays: [2026-13-01]\n', 'c.yaml', noFiles);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.issues.length >= 2, r.issues.map(formatIssue).join('\n'));
  });
});

describe('deadlines and elapsed time', () => {
  const cases: Array<[string, BusinessCalendar, string, number, string]> = [
    ['within a day', berlin, '2026-03-24T10:00:00+01:00', 4 * H, '2026-03-24T14:00:00+01:00'],
    ['exactly at closing time is that closing time', berlin, '2026-03-24T13:00:00+01:00', 4 * H, '2026-03-24T17:00:00+01:00'],
    ['over the night', berlin, '2026-03-24T16:00:00+01:00', 4 * H, '2026-03-25T12:00:00+01:00'],
    ['over the weekend and the spring DST change', berlin, '2026-03-27T16:00:00+01:00', 4 * H, '2026-03-30T12:00:00+02:00'],
    ['starting before opening', berlin, '2026-03-24T06:00:00+01:00', 1 * H, '2026-03-24T10:00:00+01:00'],
    ['starting after closing', berlin, '2026-03-24T20:00:00+01:00', 8 * H, '2026-03-25T17:00:00+01:00'],
    ['over the autumn DST change', berlin, '2026-10-23T15:00:00+02:00', 4 * H, '2026-10-26T11:00:00+01:00'],
    [
      'a start inside the skipped hour (given with its offset)',
      cal({ timezone: 'Europe/Berlin', hours: 'always' }),
      '2026-03-29T02:30:00+01:00',
      30 * M,
      '2026-03-29T04:00:00+02:00',
    ],
    [
      'a start inside the repeated hour, first pass: an hour later is the second pass',
      cal({ timezone: 'Europe/Berlin', hours: 'always' }),
      '2026-10-25T02:30:00+02:00',
      1 * H,
      '2026-10-25T02:30:00+01:00',
    ],
    [
      'a start inside the repeated hour, first pass, in hours that include both passes',
      cal({ timezone: 'Europe/Berlin', hours: { sun: ['01:00-04:00'] } }),
      '2026-10-25T02:30:00+02:00',
      2.5 * H,
      '2026-10-25T04:00:00+01:00',
    ],
    [
      'a start inside the repeated hour, second pass',
      cal({ timezone: 'Europe/Berlin', hours: { sun: ['01:00-04:00'] } }),
      '2026-10-25T02:30:00+01:00',
      1.5 * H,
      '2026-10-25T04:00:00+01:00',
    ],
    [
      'a start inside the skipped hour, in hours that span it',
      cal({ timezone: 'Europe/Berlin', hours: { sun: ['01:00-04:00'] } }),
      '2026-03-29T02:30:00+01:00',
      30 * M,
      '2026-03-29T04:00:00+02:00',
    ],
    [
      'New York fall back',
      cal({ timezone: 'America/New_York', hours: { sun: ['00:00-24:00'] } }),
      '2026-11-01T00:00:00-04:00',
      25 * H,
      '2026-11-02T00:00:00-05:00',
    ],
    [
      'across years',
      cal({ timezone: 'Europe/Berlin', hours: WEEK_9_17, holidays: [{ yearly: '01-01' }] }),
      '2026-12-31T16:00:00+01:00',
      8 * H,
      '2027-01-04T16:00:00+01:00',
    ],
    [
      'New York spring forward',
      cal({ timezone: 'America/New_York', hours: { sun: ['00:00-24:00'] } }),
      '2026-03-08T00:00:00-05:00',
      23 * H,
      '2026-03-09T00:00:00-04:00',
    ],
    ['zero duration is the start itself', berlin, '2026-03-28T10:00:00+01:00', 0, '2026-03-28T10:00:00+01:00'],
  ];
  for (const [name, c, start, dur, due] of cases) {
    test(name, () => {
      const from = t(start);
      const d = c.addWorking(from, dur);
      assert.equal(fmt(c, d), due);
      assert.equal(c.elapsed(from, d), dur);
    });
  }

  test('Europe/Berlin: the spring day has 23 hours and the autumn day 25', () => {
    const sundays = cal({ timezone: 'Europe/Berlin', hours: { sun: ['00:00-24:00'] } });
    assert.equal(sundays.elapsed(t('2026-03-28T12:00:00Z'), t('2026-03-30T12:00:00Z')), 23 * H);
    assert.equal(sundays.elapsed(t('2026-10-24T12:00:00Z'), t('2026-10-26T12:00:00Z')), 25 * H);
  });

  test('working hours inside the skipped and the repeated hour count only instants that exist', () => {
    const c = cal({ timezone: 'Europe/Berlin', hours: { sun: ['01:00-04:00'] } });
    // 29 March: 02:00-03:00 does not exist, so 01:00-04:00 is two real hours.
    assert.equal(c.elapsed(t('2026-03-29T00:00:00+01:00'), t('2026-03-29T12:00:00+02:00')), 2 * H);
    // 25 October: 02:00-03:00 happens twice, so 01:00-04:00 is four real hours.
    assert.equal(c.elapsed(t('2026-10-25T00:00:00+02:00'), t('2026-10-25T12:00:00+01:00')), 4 * H);
    assert.equal(c.isWorking(t('2026-10-25T02:30:00+01:00')), true);
    assert.equal(c.isWorking(t('2026-10-25T02:30:00+02:00')), true);
  });

  test('Australia/Lord_Howe shifts by 30 minutes', () => {
    const c = cal({ timezone: 'Australia/Lord_Howe', hours: { sun: ['00:00-24:00'] } });
    // 2026-04-05: clocks go back from 02:00 to 01:30 -> 24.5h; 2026-10-04: forward 02:00 -> 02:30 -> 23.5h.
    assert.equal(c.elapsed(t('2026-04-04T00:00:00Z'), t('2026-04-07T00:00:00Z')), 24.5 * H);
    assert.equal(c.elapsed(t('2026-10-03T00:00:00Z'), t('2026-10-06T00:00:00Z')), 23.5 * H);
    assert.equal(fmt(c, c.addWorking(t('2026-10-04T00:00:00+10:30'), 3 * H)), '2026-10-04T03:30:00+11:00');
  });

  test('leap days: 29 February exists in 2028 and a yearly 02-29 holiday only then', () => {
    const every = cal({ timezone: 'UTC', hours: 'always' });
    assert.equal(every.elapsed(t('2028-02-01T00:00:00Z'), t('2028-03-01T00:00:00Z')), 29 * 24 * H);
    const c = cal({
      timezone: 'UTC',
      hours: {
        mon: ['00:00-24:00'],
        tue: ['00:00-24:00'],
        wed: ['00:00-24:00'],
        thu: ['00:00-24:00'],
        fri: ['00:00-24:00'],
        sat: ['00:00-24:00'],
        sun: ['00:00-24:00'],
      },
      holidays: [{ yearly: '02-29', name: 'Leap day off' }],
    });
    assert.equal(c.elapsed(t('2028-02-28T00:00:00Z'), t('2028-03-01T00:00:00Z')), 24 * H);
    assert.equal(c.elapsed(t('2027-02-28T00:00:00Z'), t('2027-03-01T00:00:00Z')), 24 * H);
    assert.equal(c.elapsed(t('2024-01-01T00:00:00Z'), t('2025-01-01T00:00:00Z')), 365 * 24 * H);
  });

  test('a year-spanning window sums every working day (2026 in Berlin, 9-17, no holidays)', () => {
    // 2026 has 261 weekdays.
    assert.equal(berlin.elapsed(t('2026-01-01T00:00:00+01:00'), t('2027-01-01T00:00:00+01:00')), 261 * 8 * H);
    // Ten years at once, 2026-2035: 2608 weekdays.
    assert.equal(berlin.elapsed(t('2026-01-01T00:00:00+01:00'), t('2036-01-01T00:00:00+01:00')), 2608 * 8 * H);
  });

  test('night shifts cross midnight and belong to the day they start', () => {
    const c = cal({ timezone: 'Europe/Berlin', hours: { mon: ['22:00-06:00'] }, holidays: ['2026-03-24'] });
    assert.equal(fmt(c, c.addWorking(t('2026-03-23T23:00:00+01:00'), 3 * H)), '2026-03-24T02:00:00+01:00');
    assert.equal(c.elapsed(t('2026-03-23T00:00:00+01:00'), t('2026-03-25T00:00:00+01:00')), 8 * H);
    // Intervals ending at 24:00 and the next day's 00:00 start are continuous.
    const c2 = cal({ timezone: 'UTC', hours: { mon: ['20:00-24:00'], tue: ['00:00-02:00'] } });
    assert.equal(fmt(c2, c2.addWorking(t('2026-03-23T22:00:00Z'), 3 * H)), '2026-03-24T01:00:00Z');
  });

  test('holidays, partial closures, yearly holidays with observed days, special openings', () => {
    const c = cal({
      timezone: 'Europe/London',
      hours: WEEK_9_17,
      holidays: ['2026-05-04', { yearly: '12-25', observed: 'next_weekday' }, { yearly: '01-01', observed: 'nearest_weekday', from: 2027 }],
      closures: [{ date: '2026-05-05', hours: ['12:00-14:00', '16:00-17:00'] }],
      openings: [{ date: '2026-05-09', hours: ['10:00-12:00'] }],
    });
    assert.equal(c.elapsed(t('2026-05-04T00:00:00+01:00'), t('2026-05-05T00:00:00+01:00')), 0);
    assert.equal(c.elapsed(t('2026-05-05T00:00:00+01:00'), t('2026-05-06T00:00:00+01:00')), 5 * H);
    assert.equal(c.elapsed(t('2026-05-09T00:00:00+01:00'), t('2026-05-10T00:00:00+01:00')), 2 * H); // a working Saturday
    // 25 Dec 2027 is a Saturday: observed on Monday the 27th.
    assert.equal(c.elapsed(t('2027-12-27T00:00:00Z'), t('2027-12-28T00:00:00Z')), 0);
    // 1 Jan 2028 is a Saturday: nearest weekday is Friday 31 Dec 2027.
    assert.equal(c.elapsed(t('2027-12-31T00:00:00Z'), t('2028-01-01T00:00:00Z')), 0);
    // from: 2027 -> 1 Jan 2026 (a Thursday) is a working day.
    assert.equal(c.elapsed(t('2026-01-01T00:00:00Z'), t('2026-01-02T00:00:00Z')), 8 * H);
  });

  test('hours: always with a special opening: that date has only the opening hours', () => {
    const c = cal({ timezone: 'UTC', hours: 'always', openings: [{ date: '2026-05-09', hours: ['10:00-12:00'] }] });
    assert.equal(c.alwaysOpen, false);
    assert.equal(c.elapsed(t('2026-05-09T00:00:00Z'), t('2026-05-10T00:00:00Z')), 2 * H);
    assert.equal(c.elapsed(t('2026-05-08T00:00:00Z'), t('2026-05-09T00:00:00Z')), 24 * H);
    // Inherited through extends too: the child is not 24x7 either.
    const files: Record<string, string> = {
      '/c/parent.yaml': 'timezone: UTC\nhours: always\nopenings:\n  - { date: 2026-05-09, hours: ["10:00-12:00"] }\n',
    };
    const child = unwrap(
      calendarFromText('extends: parent.yaml\n', '/c/child.yaml', (ref) => ({ source: `/c/${ref}`, text: files[`/c/${ref}`]! })),
    );
    assert.equal(child.elapsed(t('2026-05-09T00:00:00Z'), t('2026-05-10T00:00:00Z')), 2 * H);
  });

  test('a closure that crosses midnight closes the next date early hours too', () => {
    const c = cal({ timezone: 'Europe/Berlin', hours: 'always', closures: [{ date: '2026-12-24', hours: ['22:00-06:00'] }] });
    assert.equal(c.elapsed(t('2026-12-24T00:00:00+01:00'), t('2026-12-25T00:00:00+01:00')), 22 * H);
    assert.equal(c.elapsed(t('2026-12-25T00:00:00+01:00'), t('2026-12-26T00:00:00+01:00')), 18 * H);
    assert.equal(fmt(c, c.nextWorking(t('2026-12-24T23:00:00+01:00'))), '2026-12-25T06:00:00+01:00');
    // With a night shift of the 24th and an early shift of the 25th: both closed inside it.
    const n = cal({
      timezone: 'UTC',
      hours: { thu: ['20:00-02:00'], fri: ['04:00-08:00'] },
      closures: [{ date: '2026-12-24', hours: ['23:00-05:00'] }],
    });
    assert.equal(n.elapsed(t('2026-12-24T00:00:00Z'), t('2026-12-26T00:00:00Z')), (3 + 3) * H);
  });

  test('isWorking and nextWorking', () => {
    assert.equal(berlin.isWorking(t('2026-03-24T09:00:00+01:00')), true);
    assert.equal(berlin.isWorking(t('2026-03-24T17:00:00+01:00')), false); // [start, end)
    assert.equal(fmt(berlin, berlin.nextWorking(t('2026-03-27T17:00:00+01:00'))), '2026-03-30T09:00:00+02:00');
    assert.equal(fmt(berlin, berlin.nextWorking(t('2026-03-24T10:00:00+01:00'))), '2026-03-24T10:00:00+01:00');
  });

  test('a calendar with no working time gives no deadline', () => {
    const c = cal({ timezone: 'UTC', hours: {} });
    assert.equal(c.addWorking(t('2026-01-01T00:00:00Z'), H), Infinity);
    assert.equal(c.nextWorking(t('2026-01-01T00:00:00Z')), Infinity);
    assert.equal(c.elapsed(t('2026-01-01T00:00:00Z'), t('2027-01-01T00:00:00Z')), 0);
  });

  test('queries far apart in time grow the table in both directions', () => {
    const c = cal({ timezone: 'Europe/Berlin', hours: WEEK_9_17 });
    assert.equal(c.elapsed(t('2030-01-07T09:00:00+01:00'), t('2030-01-07T17:00:00+01:00')), 8 * H);
    assert.equal(c.elapsed(t('2001-01-08T09:00:00+01:00'), t('2001-01-08T17:00:00+01:00')), 8 * H);
    // 2000 working days from a Monday morning are 400 weeks: the Friday of the 400th week at
    // closing time (no holidays in this calendar), summer time by then.
    assert.equal(fmt(c, c.addWorking(t('2030-01-07T09:00:00+01:00'), 8 * H * 2000)), '2037-09-04T17:00:00+02:00');
    assert.equal(c.elapsed(t('2030-01-07T09:00:00+01:00'), c.addWorking(t('2030-01-07T09:00:00+01:00'), 8 * H * 5000)), 8 * H * 5000);
  });

  test('checkSupportedInstant: the years the table covers, with a day of margin', async () => {
    const { checkSupportedInstant } = await import('./compile.ts');
    assert.equal(checkSupportedInstant(t('1900-01-02T00:00:00Z'), 'at').ok, true);
    assert.equal(checkSupportedInstant(t('2399-12-30T23:59:59Z'), 'at').ok, true);
    for (const bad of ['1900-01-01T23:59:59Z', '2399-12-31T00:00:00Z', '1066-10-14T09:00:00Z']) {
      const r = checkSupportedInstant(t(bad), 'start', bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok)
        assert.equal(
          formatIssue(r.issues[0]!),
          `start: outside the years business calendars cover (expected an instant from 1900-01-02 to 2399-12-30, got ${bad})`,
        );
    }
    // Inside the range, the far ends are real working time, in every zone. (A calendar for each
    // end: one table from 1900 to 2399 takes seconds to build, and would test nothing more.)
    const kiritimati = () => cal({ timezone: 'Pacific/Kiritimati', hours: 'always', holidays: ['2000-01-01'] });
    assert.equal(kiritimati().elapsed(t('1900-01-02T00:00:00Z'), t('1900-01-03T00:00:00Z')), 24 * H);
    assert.equal(kiritimati().elapsed(t('2399-12-29T00:00:00Z'), t('2399-12-30T00:00:00Z')), 24 * H);
  });

  test('workingIntervals lists the counted stretches', () => {
    const iv = berlin.workingIntervals(t('2026-03-27T16:00:00+01:00'), t('2026-03-30T10:00:00+02:00'));
    assert.deepEqual(
      iv.map(([a, b]) => [fmt(berlin, a), fmt(berlin, b)]),
      [
        ['2026-03-27T16:00:00+01:00', '2026-03-27T17:00:00+01:00'],
        ['2026-03-30T09:00:00+02:00', '2026-03-30T10:00:00+02:00'],
      ],
    );
  });

  test('endOfWorkingDay: day 0 is the working day in progress or the next one', () => {
    assert.equal(fmt(berlin, berlin.endOfWorkingDay(t('2026-03-24T10:00:00+01:00'), 0)), '2026-03-24T17:00:00+01:00');
    assert.equal(fmt(berlin, berlin.endOfWorkingDay(t('2026-03-24T10:00:00+01:00'), 1)), '2026-03-25T17:00:00+01:00');
    assert.equal(fmt(berlin, berlin.endOfWorkingDay(t('2026-03-27T18:00:00+01:00'), 0)), '2026-03-30T17:00:00+02:00');
    assert.equal(fmt(berlin, berlin.endOfWorkingDay(t('2026-03-27T12:00:00+01:00'), 1)), '2026-03-30T17:00:00+02:00');
    const always = cal({ timezone: 'Europe/Berlin', hours: 'always' });
    assert.equal(fmt(always, always.endOfWorkingDay(t('2026-03-28T10:00:00+01:00'), 1)), '2026-03-30T00:00:00+02:00');
  });
});

describe('extends and .ics', () => {
  const files: Record<string, string> = {
    '/cal/company.yaml':
      'timezone: Europe/Berlin\nhours:\n  mon: ["09:00-17:00"]\n  tue: ["09:00-17:00"]\n  wed: ["09:00-17:00"]\n  thu: ["09:00-17:00"]\n  fri: ["09:00-17:00"]\nholidays: [2026-12-25]\n',
    '/cal/bavaria.yaml': 'extends: company.yaml\nholidays:\n  - { date: 2026-01-06, name: Epiphany }\nics: [public.ics]\n',
    '/cal/public.ics': [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'BEGIN:VEVENT',
      'UID:1',
      'DTSTART;VALUE=DATE:20260501',
      'DTEND;VALUE=DATE:20260502',
      'SUMMARY:Labour Day',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:2',
      'DTSTART;VALUE=DATE:20261003',
      'RRULE:FREQ=YEARLY',
      'SUMMARY:German Unity Day',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:3',
      'DTSTART;VALUE=DATE:20260720',
      'DTEND;VALUE=DATE:20260722',
      'SUMMARY:Two-day closure',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:4',
      'DTSTART:20260722T120000Z',
      'DTEND:20260722T140000Z',
      'SUMMARY:Staff meeting',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:5',
      'DTSTART;VALUE=DATE:20260723',
      'STATUS:CANCELLED',
      'SUMMARY:Cancelled',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    '/cal/loop-a.yaml': 'extends: loop-b.yaml\n',
    '/cal/loop-b.yaml': 'extends: loop-a.yaml\ntimezone: UTC\nhours: always\n',
  };
  const read: RefReader = (ref, from) => {
    const path = ref.startsWith('/') ? ref : from.replace(/[^/]*$/, '') + ref;
    const text = files[path];
    return text === undefined ? { error: `no such file: ${path}` } : { source: path, text };
  };
  const day = (c: BusinessCalendar, d: string) => c.elapsed(t(`${d}T00:00:00+02:00`), t(`${d}T23:59:00+02:00`)) / H;

  test('a regional calendar is the company calendar plus local holidays', () => {
    const c = unwrap(calendarFromText(files['/cal/bavaria.yaml']!, '/cal/bavaria.yaml', read));
    assert.equal(c.zone, 'Europe/Berlin');
    assert.equal(c.elapsed(t('2026-01-06T00:00:00+01:00'), t('2026-01-07T00:00:00+01:00')), 0); // own holiday
    assert.equal(c.elapsed(t('2026-12-25T00:00:00+01:00'), t('2026-12-26T00:00:00+01:00')), 0); // inherited
    assert.equal(c.elapsed(t('2026-01-07T00:00:00+01:00'), t('2026-01-08T00:00:00+01:00')), 8 * H);
  });

  test('.ics: all-day, multi-day, recurring and timed events; cancelled ones ignored', () => {
    const c = unwrap(calendarFromText(files['/cal/bavaria.yaml']!, '/cal/bavaria.yaml', read));
    assert.equal(day(c, '2026-05-01'), 0);
    assert.equal(day(c, '2027-10-04'), 8); // 2027-10-03 is a Sunday; 10-04 is a normal Monday
    assert.equal(c.elapsed(t('2028-10-03T00:00:00+02:00'), t('2028-10-04T00:00:00+02:00')), 0); // recurring
    assert.equal(day(c, '2026-07-20'), 0);
    assert.equal(day(c, '2026-07-21'), 0);
    assert.equal(day(c, '2026-07-22'), 6); // 12:00-14:00Z = 14:00-16:00 local closed
    assert.equal(day(c, '2026-07-23'), 8);
  });

  test('.ics: times without a zone the file defines are wall-clock times, not UTC', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      // Floating: read in the calendar's zone (Berlin), 12:00-14:00 local.
      'BEGIN:VEVENT',
      'UID:f',
      'DTSTART:20260722T120000',
      'DTEND:20260722T140000',
      'SUMMARY:Floating',
      'END:VEVENT',
      // A TZID without its VTIMEZONE: read in that IANA zone, 09:00-10:00 New York = 15:00-16:00 Berlin.
      'BEGIN:VEVENT',
      'UID:n',
      'DTSTART;TZID=America/New_York:20260723T090000',
      'DTEND;TZID=America/New_York:20260723T100000',
      'SUMMARY:NY call',
      'END:VEVENT',
      // Recurring weekly at 10:00-11:00 Berlin time, before and after the change to winter time.
      'BEGIN:VEVENT',
      'UID:r',
      'DTSTART;TZID=Europe/Berlin:20261020T100000',
      'DTEND;TZID=Europe/Berlin:20261020T110000',
      'RRULE:FREQ=WEEKLY;COUNT=2',
      'SUMMARY:Weekly',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const own: Record<string, string> = {
      '/w/office.yaml':
        'timezone: Europe/Berlin\nhours:\n  mon: ["09:00-17:00"]\n  tue: ["09:00-17:00"]\n  wed: ["09:00-17:00"]\n  thu: ["09:00-17:00"]\n  fri: ["09:00-17:00"]\nics: [meetings.ics]\n',
      '/w/meetings.ics': ics,
    };
    const c = unwrap(
      calendarFromText(own['/w/office.yaml']!, '/w/office.yaml', (ref) => ({ source: `/w/${ref}`, text: own[`/w/${ref}`]! })),
    );
    const closedBetween = (a: string, b: string) => c.elapsed(t(a), t(b)) === 0;
    assert.equal(day(c, '2026-07-22'), 6);
    assert.ok(closedBetween('2026-07-22T12:00:00+02:00', '2026-07-22T14:00:00+02:00'));
    assert.equal(day(c, '2026-07-23'), 7);
    assert.ok(closedBetween('2026-07-23T15:00:00+02:00', '2026-07-23T16:00:00+02:00'));
    assert.ok(closedBetween('2026-10-20T10:00:00+02:00', '2026-10-20T11:00:00+02:00'));
    assert.ok(closedBetween('2026-10-27T10:00:00+01:00', '2026-10-27T11:00:00+01:00'));
    assert.equal(c.elapsed(t('2026-10-27T00:00:00+01:00'), t('2026-10-28T00:00:00+01:00')), 7 * H);
  });

  test('a cycle of extends and a missing file are clear errors', () => {
    const r = calendarFromText(files['/cal/loop-a.yaml']!, '/cal/loop-a.yaml', read);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(formatIssue(r.issues[0]!), /cycle/);
    const m = calendarFromText('extends: nope.yaml\n', '/cal/x.yaml', read);
    assert.equal(m.ok, false);
    if (!m.ok) assert.match(formatIssue(m.issues[0]!), /x\.yaml:1:10: extends: cannot read the calendar it extends: no such file/);
  });
});

describe('properties', () => {
  const START = t('2024-01-01T00:00:00Z');
  const SPAN = 3 * 365 * 24 * H;
  const calendars: Array<[string, BusinessCalendar]> = [
    ['Berlin 9-17', berlin],
    [
      'New York split shifts with holidays',
      cal({
        timezone: 'America/New_York',
        hours: { mon: ['08:00-12:00', '13:00-18:30'], wed: ['22:00-06:00'], sat: ['00:00-24:00'] },
        holidays: [{ yearly: '07-04' }, '2025-11-27'],
      }),
    ],
    ['Lord Howe Sundays', cal({ timezone: 'Australia/Lord_Howe', hours: { sun: ['01:00-03:00'] } })],
  ];
  const instant = fc.integer({ min: START, max: START + SPAN });
  const duration = fc.integer({ min: 0, max: 400 * H });

  for (const [name, c] of calendars) {
    test(`${name}: elapsed is additive over any split`, () => {
      fc.assert(
        fc.property(instant, instant, instant, (a, b, x) => {
          const [p, q, r] = [a, b, x].sort((u, v) => u - v) as [number, number, number];
          assert.equal(c.elapsed(p, r), c.elapsed(p, q) + c.elapsed(q, r));
        }),
        { numRuns: 300 },
      );
    });
    test(`${name}: elapsed(from, deadline(from, d)) == d and the deadline is the earliest such instant`, () => {
      fc.assert(
        fc.property(instant, duration, (from, d) => {
          const due = c.addWorking(from, d);
          assert.equal(c.elapsed(from, due), d);
          if (d > 0) assert.ok(c.elapsed(from, due - 1) < d);
        }),
        { numRuns: 300 },
      );
    });
    test(`${name}: monotone`, () => {
      fc.assert(
        fc.property(instant, duration, duration, (from, d1, d2) => {
          const [a, b] = d1 <= d2 ? [d1, d2] : [d2, d1];
          assert.ok(c.addWorking(from, a) <= c.addWorking(from, b));
          assert.ok(c.elapsed(from, from + a) <= c.elapsed(from, from + b));
        }),
        { numRuns: 300 },
      );
    });
  }

  test('a 24x7 calendar gives wall-clock time', () => {
    const always = cal({ timezone: 'Australia/Lord_Howe', hours: 'always' });
    const full = cal({
      timezone: 'Australia/Lord_Howe',
      hours: {
        mon: ['00:00-24:00'],
        tue: ['00:00-24:00'],
        wed: ['00:00-24:00'],
        thu: ['00:00-24:00'],
        fri: ['00:00-24:00'],
        sat: ['00:00-24:00'],
        sun: ['00:00-24:00'],
      },
    });
    fc.assert(
      fc.property(instant, duration, (from, d) => {
        assert.equal(always.elapsed(from, from + d), d);
        assert.equal(full.elapsed(from, from + d), d);
        assert.equal(full.addWorking(from, d), from + d);
      }),
      { numRuns: 300 },
    );
  });

  test('agrees with a minute-by-minute reference that reads wall-clock time from the IANA database', () => {
    const c = calendars[1]![1];
    const isOpen = (ms: number) => {
      const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('America/New_York');
      const mins = z.hour * 60 + z.minute;
      const md = `${String(z.month).padStart(2, '0')}-${String(z.day).padStart(2, '0')}`;
      const hol = (d: Temporal.ZonedDateTime) =>
        d.toPlainDate().toString() === '2025-11-27' || `${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` === '07-04';
      const prev = z.subtract({ days: 1 });
      // Wednesday's 22:00-06:00 shift: open Wed >= 22:00 and Thu < 06:00 (when Wed was no holiday).
      if (z.dayOfWeek === 3 && mins >= 22 * 60 && !hol(z)) return true;
      if (z.dayOfWeek === 4 && mins < 6 * 60 && !hol(prev)) return true;
      if (hol(z)) return false;
      void md;
      if (z.dayOfWeek === 1) return (mins >= 480 && mins < 720) || (mins >= 780 && mins < 1110);
      if (z.dayOfWeek === 6) return true;
      return false;
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }), fc.integer({ min: 0, max: 3 * 24 * 60 }), (startMin, lenMin) => {
        const from = START + startMin * M;
        let expected = 0;
        for (let k = 0; k < lenMin; k++) if (isOpen(from + k * M)) expected += M;
        assert.equal(c.elapsed(from, from + lenMin * M), expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('pauses', async () => {
  const { addWorkingWithPauses, elapsedWithPauses, mergeIntervals } = await import('./pauses.ts');
  test('paused working time does not count, and the deadline moves by it', () => {
    const from = t('2026-03-24T09:00:00+01:00');
    const pauses = mergeIntervals([
      [t('2026-03-24T10:00:00+01:00'), t('2026-03-24T11:30:00+01:00')],
      [t('2026-03-24T11:00:00+01:00'), t('2026-03-24T12:00:00+01:00')], // overlaps: merged
      [t('2026-03-24T18:00:00+01:00'), t('2026-03-25T08:00:00+01:00')], // outside hours: no effect
    ]);
    assert.equal(pauses.length, 2);
    assert.equal(fmt(berlin, addWorkingWithPauses(berlin, from, 4 * H, pauses)), '2026-03-24T15:00:00+01:00');
    assert.equal(elapsedWithPauses(berlin, from, t('2026-03-24T15:00:00+01:00'), pauses), 4 * H);
    // A deadline exactly where a pause starts is that instant.
    assert.equal(fmt(berlin, addWorkingWithPauses(berlin, from, 1 * H, pauses)), '2026-03-24T10:00:00+01:00');
  });
  test('property: elapsedWithPauses inverts addWorkingWithPauses', () => {
    const base = t('2026-01-05T00:00:00Z');
    const iv = fc
      .tuple(fc.integer({ min: 0, max: 60 * 24 * 60 }), fc.integer({ min: 1, max: 3 * 24 * 60 }))
      .map(([s, l]) => [base + s * M, base + (s + l) * M] as const);
    fc.assert(
      fc.property(
        fc.array(iv, { maxLength: 6 }),
        fc.integer({ min: 0, max: 20 * 24 * 60 }),
        fc.integer({ min: 0, max: 200 * 60 }),
        (ps, s, d) => {
          const pauses = mergeIntervals(ps);
          const from = base + s * M;
          const due = addWorkingWithPauses(berlin, from, d * M, pauses);
          assert.equal(elapsedWithPauses(berlin, from, due, pauses), d * M);
        },
      ),
      { numRuns: 200 },
    );
  });
});

test('instants: the fast parser agrees with Temporal on every form', async () => {
  const { Temporal: T } = await import('temporal-polyfill');
  const digits = (n: number, w: number) => String(n).padStart(w, '0');
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 2999 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      fc.option(fc.integer({ min: 0, max: 999_999_999 })),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
      fc.boolean(),
      (y, mo, d, h, mi, s, frac, off, zulu) => {
        const sign = off < 0 ? '-' : '+';
        const o = Math.abs(off);
        const text = `${digits(y, 4)}-${digits(mo, 2)}-${digits(d, 2)}T${digits(h, 2)}:${digits(mi, 2)}:${digits(s, 2)}${frac === null ? '' : `.${digits(frac, 9)}`}${zulu ? 'Z' : `${sign}${digits(Math.floor(o / 60), 2)}:${digits(o % 60, 2)}`}`;
        let expected: number | null;
        try {
          expected = T.Instant.from(text).epochMilliseconds;
        } catch {
          expected = null;
        }
        const got = parseInstant(text);
        assert.equal(got.ok ? got.value : null, expected, text);
      },
    ),
    { numRuns: 2000 },
  );
});
