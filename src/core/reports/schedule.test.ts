import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatIssue } from '../validation/issues.ts';
import { nextOccurrence, parseReportScheduleSpec, periodOfOccurrence } from './schedule.ts';

const base = { agreement: 'gold', day: 3, channel: 'email', recipients: ['cto@example.com'] };

describe('report schedule spec', () => {
  test('defaults: monthly, 06:00, English, PDF, enabled', () => {
    const r = parseReportScheduleSpec(base);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { ...base, every: 'month', time: '06:00', language: 'en', formats: ['pdf'], enabled: true });
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['neither agreement nor customer', { ...base, agreement: undefined }, 'agreement', /exactly one/],
    ['both agreement and customer', { ...base, customer: 'acme' }, 'customer', /exactly one/],
    ['day 29 (not in every month)', { ...base, day: 29 }, 'day', /28/],
    ['a time without minutes', { ...base, time: '6' }, 'time', /HH:MM/],
    ['an unknown zone', { ...base, zone: 'Europe/Berlln' }, 'zone', /unknown time zone/],
    ['an address that is not one', { ...base, recipients: ['cto at example.com'] }, 'recipients[0]', /e-mail address/],
    ['no recipient', { ...base, recipients: [] }, 'recipients', /./],
    ['the same address twice', { ...base, recipients: ['a@x.org', 'A@x.org'] }, 'recipients', /twice/],
    ['an unknown format', { ...base, formats: ['docx'] }, 'formats[0]', /./],
    ['an unknown language', { ...base, language: 'fr' }, 'language', /./],
    ['an unknown field', { ...base, weekday: 'mon' }, 'weekday', /unknown field/],
  ];
  for (const [name, input, path, message] of bad)
    test(`refused, naming the field: ${name}`, () => {
      const r = parseReportScheduleSpec(input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const issue = r.issues.find((i) => i.path === path) ?? r.issues[0]!;
      assert.equal(issue.path, path, r.issues.map(formatIssue).join('; '));
      assert.match(formatIssue(issue), message);
    });
});

describe('occurrences', () => {
  const monthly = { every: 'month' as const, day: 3, time: '06:30' };
  const table: Array<[string, typeof monthly | { every: 'quarter' | 'year'; day: number; time: string }, string, string, string, string]> =
    [
      ['monthly, before the day', monthly, 'UTC', '2026-11-01T00:00:00Z', '2026-11-03T06:30:00.000Z', '2026-10'],
      ['monthly, exactly at the instant: the next one', monthly, 'UTC', '2026-11-03T06:30:00Z', '2026-12-03T06:30:00.000Z', '2026-11'],
      ['monthly in January reports December', monthly, 'UTC', '2026-12-31T00:00:00Z', '2027-01-03T06:30:00.000Z', '2026-12'],
      ['in a zone east of UTC', monthly, 'Asia/Riyadh', '2026-11-01T00:00:00Z', '2026-11-03T03:30:00.000Z', '2026-10'],
      [
        'in a zone where it is already the next month',
        monthly,
        'Pacific/Auckland',
        '2026-10-31T20:00:00Z',
        '2026-11-02T17:30:00.000Z',
        '2026-10',
      ],
      [
        'quarterly: fires in the month after a quarter',
        { every: 'quarter', day: 5, time: '08:00' },
        'UTC',
        '2026-11-10T00:00:00Z',
        '2027-01-05T08:00:00.000Z',
        '2026-Q4',
      ],
      [
        'yearly: fires in January',
        { every: 'year', day: 2, time: '00:00' },
        'UTC',
        '2026-03-01T00:00:00Z',
        '2027-01-02T00:00:00.000Z',
        '2026',
      ],
      [
        'a wall time skipped by daylight saving fires after the gap',
        { every: 'month', day: 29 - 1, time: '02:30' },
        'Europe/Berlin',
        '2027-03-01T00:00:00Z',
        '2027-03-28T01:00:00.000Z',
        '2027-02',
      ],
    ];
  for (const [name, spec, zone, after, at, period] of table)
    test(name, () => {
      const o = nextOccurrence(spec, zone, Date.parse(after));
      assert.equal(new Date(o.at).toISOString(), at);
      assert.equal(o.period, period);
    });

  test('periods of occurrence months', () => {
    assert.equal(periodOfOccurrence('month', 2026, 1), '2025-12');
    assert.equal(periodOfOccurrence('quarter', 2026, 4), '2026-Q1');
    assert.equal(periodOfOccurrence('quarter', 2026, 5), null);
    assert.equal(periodOfOccurrence('year', 2026, 1), '2025');
    assert.equal(periodOfOccurrence('year', 2026, 2), null);
  });

  test('property: strictly after, and chaining from an occurrence never repeats a period', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Riyadh', 'Pacific/Auckland', 'Australia/Lord_Howe'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.constantFrom(...zones),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom('month' as const, 'quarter' as const, 'year' as const),
        (after, zone, day, hour, every) => {
          const spec = { every, day, time: `${String(hour).padStart(2, '0')}:00` };
          const a = nextOccurrence(spec, zone, after);
          const b = nextOccurrence(spec, zone, a.at);
          assert.ok(a.at > after);
          assert.ok(b.at > a.at);
          assert.notEqual(a.period, b.period);
          // Nothing between: asking just before the second gives the second.
          assert.equal(nextOccurrence(spec, zone, b.at - 1).at, b.at);
        },
      ),
      { numRuns: 300 },
    );
  });
});
