import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  label,
  next,
  parseWindow,
  previous,
  resolveWindow,
  windowContaining,
  windowsBetween,
  windowsCovering,
  type CalendarWindow,
  type Window,
} from './window.ts';

const H = 3_600_000;
const iso = (s: string) => Date.parse(s);

test('calendar windows resolve to local midnights, across DST and leap years', () => {
  const rows: Array<{ w: Window; zone: string; from: string; to: string; hours: number }> = [
    // DST ends 2026-10-25 in Berlin: one hour more.
    {
      w: { kind: 'month', year: 2026, index: 10 },
      zone: 'Europe/Berlin',
      from: '2026-09-30T22:00:00Z',
      to: '2026-10-31T23:00:00Z',
      hours: 745,
    },
    // DST starts 2026-03-29 in Berlin: one hour less.
    {
      w: { kind: 'month', year: 2026, index: 3 },
      zone: 'Europe/Berlin',
      from: '2026-02-28T23:00:00Z',
      to: '2026-03-31T22:00:00Z',
      hours: 743,
    },
    {
      w: { kind: 'month', year: 2026, index: 6 },
      zone: 'Europe/Berlin',
      from: '2026-05-31T22:00:00Z',
      to: '2026-06-30T22:00:00Z',
      hours: 720,
    },
    // Leap year February.
    { w: { kind: 'month', year: 2028, index: 2 }, zone: 'UTC', from: '2028-02-01T00:00:00Z', to: '2028-03-01T00:00:00Z', hours: 29 * 24 },
    { w: { kind: 'month', year: 2027, index: 2 }, zone: 'UTC', from: '2027-02-01T00:00:00Z', to: '2027-03-01T00:00:00Z', hours: 28 * 24 },
    {
      w: { kind: 'month', year: 2028, index: 2 },
      zone: 'Europe/Berlin',
      from: '2028-01-31T23:00:00Z',
      to: '2028-02-29T23:00:00Z',
      hours: 29 * 24,
    },
    { w: { kind: 'month', year: 2026, index: 12 }, zone: 'UTC', from: '2026-12-01T00:00:00Z', to: '2027-01-01T00:00:00Z', hours: 31 * 24 },
    // Quarters in New York: Q1 contains the spring change (EST -> EDT), Q4 the autumn one.
    {
      w: { kind: 'quarter', year: 2026, index: 1 },
      zone: 'America/New_York',
      from: '2026-01-01T05:00:00Z',
      to: '2026-04-01T04:00:00Z',
      hours: 90 * 24 - 1,
    },
    {
      w: { kind: 'quarter', year: 2026, index: 2 },
      zone: 'America/New_York',
      from: '2026-04-01T04:00:00Z',
      to: '2026-07-01T04:00:00Z',
      hours: 91 * 24,
    },
    {
      w: { kind: 'quarter', year: 2026, index: 4 },
      zone: 'America/New_York',
      from: '2026-10-01T04:00:00Z',
      to: '2027-01-01T05:00:00Z',
      hours: 92 * 24 + 1,
    },
    // Chatham: +12:45 standard, +13:45 daylight (ends first Sunday of April, starts last Sunday of September).
    {
      w: { kind: 'quarter', year: 2026, index: 2 },
      zone: 'Pacific/Chatham',
      from: '2026-03-31T10:15:00Z',
      to: '2026-06-30T11:15:00Z',
      hours: 91 * 24 + 1,
    },
    {
      w: { kind: 'quarter', year: 2026, index: 3 },
      zone: 'Pacific/Chatham',
      from: '2026-06-30T11:15:00Z',
      to: '2026-09-30T10:15:00Z',
      hours: 92 * 24 - 1,
    },
    {
      w: { kind: 'quarter', year: 2026, index: 4 },
      zone: 'Pacific/Chatham',
      from: '2026-09-30T10:15:00Z',
      to: '2026-12-31T10:15:00Z',
      hours: 92 * 24,
    },
    { w: { kind: 'year', year: 2026 }, zone: 'Europe/Berlin', from: '2025-12-31T23:00:00Z', to: '2026-12-31T23:00:00Z', hours: 365 * 24 },
    { w: { kind: 'year', year: 2028 }, zone: 'UTC', from: '2028-01-01T00:00:00Z', to: '2029-01-01T00:00:00Z', hours: 366 * 24 },
    // Rolling: 30 local days before local midnight of 1 November (Berlin), so 721 hours.
    {
      w: { kind: 'rolling', days: 30, end: iso('2026-10-31T23:00:00Z') },
      zone: 'Europe/Berlin',
      from: '2026-10-01T22:00:00Z',
      to: '2026-10-31T23:00:00Z',
      hours: 721,
    },
    {
      w: { kind: 'rolling', days: 7, end: iso('2026-03-10T12:34:00Z') },
      zone: 'UTC',
      from: '2026-03-03T12:34:00Z',
      to: '2026-03-10T12:34:00Z',
      hours: 168,
    },
    {
      w: { kind: 'range', from: iso('2026-01-01T00:00:00Z'), to: iso('2026-01-02T06:00:00Z') },
      zone: 'UTC',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T06:00:00Z',
      hours: 30,
    },
  ];
  for (const r of rows) {
    const got = resolveWindow(r.w, r.zone);
    assert.ok(got.ok, JSON.stringify(r.w));
    assert.equal(got.value.from, iso(r.from), `${label(r.w)} ${r.zone} from`);
    assert.equal(got.value.to, iso(r.to), `${label(r.w)} ${r.zone} to`);
    assert.equal((got.value.to - got.value.from) / H, r.hours, `${label(r.w)} ${r.zone} hours`);
  }
});

test('a rolling window starts where the clocks jump when its start falls in a skipped hour', () => {
  // 2026-03-29 02:30 does not exist in Berlin; one day before 2026-03-30T02:30+02:00 starts at 03:00+02:00.
  const r = resolveWindow({ kind: 'rolling', days: 1, end: iso('2026-03-30T00:30:00Z') }, 'Europe/Berlin');
  assert.ok(r.ok);
  assert.equal(r.value.from, iso('2026-03-29T01:00:00Z'));
});

test('resolveWindow refuses bad windows and zones with field paths', () => {
  const rows: Array<{ w: unknown; zone: string; path: string }> = [
    { w: { kind: 'month', year: 2026, index: 13 }, zone: 'UTC', path: 'window.index' },
    { w: { kind: 'month', year: 2026, index: 0 }, zone: 'UTC', path: 'window.index' },
    { w: { kind: 'quarter', year: 2026, index: 5 }, zone: 'UTC', path: 'window.index' },
    { w: { kind: 'quarter', year: 2026.5, index: 1 }, zone: 'UTC', path: 'window.year' },
    { w: { kind: 'year' }, zone: 'UTC', path: 'window.year' },
    { w: { kind: 'rolling', days: 0, end: 0 }, zone: 'UTC', path: 'window.days' },
    { w: { kind: 'rolling', days: 30, end: Number.NaN }, zone: 'UTC', path: 'window.end' },
    { w: { kind: 'range', from: 10, to: 10 }, zone: 'UTC', path: 'window.to' },
    { w: { kind: 'week', year: 2026 }, zone: 'UTC', path: 'window.kind' },
    { w: null, zone: 'UTC', path: 'window' },
    { w: { kind: 'month', year: 2026, index: 1 }, zone: 'Mars/Olympus', path: 'zone' },
  ];
  for (const r of rows) {
    const got = resolveWindow(r.w as Window, r.zone);
    assert.equal(got.ok, false, JSON.stringify(r.w));
    if (!got.ok) assert.equal(got.issues[0]!.path, r.path, JSON.stringify(r.w));
  }
});

test('parseWindow reads every text form', () => {
  const now = iso('2026-11-15T10:00:00Z');
  const rows: Array<[string, Window]> = [
    ['2026-10', { kind: 'month', year: 2026, index: 10 }],
    ['2026-01', { kind: 'month', year: 2026, index: 1 }],
    ['2026-Q4', { kind: 'quarter', year: 2026, index: 4 }],
    ['2026-q1', { kind: 'quarter', year: 2026, index: 1 }],
    ['2026', { kind: 'year', year: 2026 }],
    [' 2026-10 ', { kind: 'month', year: 2026, index: 10 }],
    ['rolling:30d', { kind: 'rolling', days: 30, end: now }],
    ['30d', { kind: 'rolling', days: 30, end: now }],
    ['0030d', { kind: 'rolling', days: 30, end: now }],
    ['rolling:7d@2026-11-01T00:00:00+01:00', { kind: 'rolling', days: 7, end: iso('2026-10-31T23:00:00Z') }],
    [
      '2026-10-01T00:00:00+02:00/2026-11-01T00:00:00+01:00',
      { kind: 'range', from: iso('2026-09-30T22:00:00Z'), to: iso('2026-10-31T23:00:00Z') },
    ],
  ];
  for (const [text, want] of rows) {
    const got = parseWindow(text, 'window', { now });
    assert.ok(got.ok, text);
    assert.deepEqual(got.value, want, text);
  }
});

test('parseWindow explains bad input', () => {
  const rows: Array<[unknown, string, string, { now?: number }?]> = [
    ['2026-13', 'window', 'no month 13'],
    ['2026-00', 'window', 'no month 00'],
    ['2026-Q5', 'window', 'no quarter Q5'],
    ['2026-Q0', 'window', 'no quarter Q0'],
    ['0999', 'window', 'year out of range'],
    ['30d', 'window', 'a rolling window needs an end'],
    ['rolling:0d', 'window', 'rolling window length out of range', { now: 0 }],
    ['rolling:30x', 'window', 'unknown unit "x" in a rolling window', { now: 0 }],
    ['4w', 'window', 'unknown unit "w" in a rolling window', { now: 0 }],
    ['rolling:30d@2026-11-01', 'window', 'not an ISO 8601 date-time with offset'],
    ['2026-11-01T00:00:00Z/2026-10-01T00:00:00Z', 'window.to', 'must be after from'],
    [
      '2026-10-01T00:00:00/2026-11-01T00:00:00Z',
      'window.from',
      'not an ISO 8601 date-time with offset (the offset is missing: add Z or +01:00)',
    ],
    ['October', 'window', 'not a window'],
    ['', 'window', 'not a window'],
    [2026, 'window', 'expected a window'],
  ];
  for (const [text, path, message, opts] of rows) {
    const got = parseWindow(text, 'window', opts ?? {});
    assert.equal(got.ok, false, String(text));
    if (!got.ok) {
      assert.equal(got.issues[0]!.path, path, String(text));
      assert.equal(got.issues[0]!.message, message, String(text));
    }
  }
});

test('labels are canonical and read back to the same window', () => {
  assert.equal(label({ kind: 'month', year: 2026, index: 3 }), '2026-03');
  assert.equal(label({ kind: 'quarter', year: 2026, index: 4 }), '2026-Q4');
  assert.equal(label({ kind: 'year', year: 2026 }), '2026');
  assert.equal(
    label({ kind: 'rolling', days: 30, end: iso('2026-10-31T23:00:00Z') }, 'Europe/Berlin'),
    'rolling:30d@2026-11-01T00:00:00+01:00',
  );
  assert.equal(
    label({ kind: 'range', from: iso('2026-01-01T00:00:00Z'), to: iso('2026-02-01T00:00:00Z') }),
    '2026-01-01T00:00:00Z/2026-02-01T00:00:00Z',
  );
  const windows = fc.oneof(
    fc.record({ kind: fc.constant('month' as const), year: fc.integer({ min: 1000, max: 9999 }), index: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ kind: fc.constant('quarter' as const), year: fc.integer({ min: 1000, max: 9999 }), index: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('year' as const), year: fc.integer({ min: 1000, max: 9999 }) }),
    fc.record({
      kind: fc.constant('rolling' as const),
      days: fc.integer({ min: 1, max: 3660 }),
      end: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    }),
  );
  fc.assert(
    fc.property(windows, fc.constantFrom('UTC', 'Europe/Berlin', 'Pacific/Chatham'), (w, zone) => {
      const back = parseWindow(label(w, zone));
      assert.ok(back.ok);
      assert.deepEqual(back.value, { ...w });
    }),
  );
});

test('previous and next step by one window of the same kind', () => {
  const rows: Array<[Window, Window]> = [
    [
      { kind: 'month', year: 2026, index: 1 },
      { kind: 'month', year: 2025, index: 12 },
    ],
    [
      { kind: 'month', year: 2026, index: 10 },
      { kind: 'month', year: 2026, index: 9 },
    ],
    [
      { kind: 'quarter', year: 2026, index: 1 },
      { kind: 'quarter', year: 2025, index: 4 },
    ],
    [
      { kind: 'quarter', year: 2026, index: 3 },
      { kind: 'quarter', year: 2026, index: 2 },
    ],
    [
      { kind: 'year', year: 2026 },
      { kind: 'year', year: 2025 },
    ],
    [
      { kind: 'range', from: 100, to: 150 },
      { kind: 'range', from: 50, to: 100 },
    ],
  ];
  for (const [w, prev] of rows) {
    const p = previous(w);
    assert.ok(p.ok);
    assert.deepEqual(p.value, prev);
    const n = next(prev);
    assert.ok(n.ok);
    assert.deepEqual(n.value, w);
  }
  // Rolling in Berlin: the 30 days before the one ending at local midnight 1 November.
  const p = previous({ kind: 'rolling', days: 30, end: iso('2026-10-31T23:00:00Z') }, 'Europe/Berlin');
  assert.ok(p.ok);
  assert.deepEqual(p.value, { kind: 'rolling', days: 30, end: iso('2026-10-01T22:00:00Z') });
  const n = next(p.value, 'Europe/Berlin');
  assert.ok(n.ok);
  assert.deepEqual(n.value, { kind: 'rolling', days: 30, end: iso('2026-10-31T23:00:00Z') });
  assert.equal(previous({ kind: 'year', year: 1000 }).ok, false);
  assert.equal(next({ kind: 'month', year: 9999, index: 12 }).ok, false);
});

test('consecutive calendar windows tile time with no gap or overlap', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('month' as const, 'quarter' as const, 'year' as const),
      fc.integer({ min: 1971, max: 2098 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom(
        'UTC',
        'Europe/Berlin',
        'America/New_York',
        'Pacific/Chatham',
        'Australia/Lord_Howe',
        'America/Sao_Paulo',
        'Asia/Kathmandu',
      ),
      (kind, year, m, zone) => {
        const w: CalendarWindow = kind === 'year' ? { kind, year } : { kind, year, index: kind === 'month' ? m : ((m - 1) % 4) + 1 };
        const a = resolveWindow(w, zone);
        const nx = next(w);
        assert.ok(a.ok && nx.ok);
        const b = resolveWindow(nx.value, zone);
        assert.ok(b.ok);
        assert.equal(a.value.to, b.value.from);
        // Every instant in the window is contained by it, by windowContaining's reckoning.
        for (const t of [a.value.from, a.value.to - 1, Math.floor((a.value.from + a.value.to) / 2)]) {
          const c = windowContaining(kind, t, zone);
          assert.ok(c.ok);
          assert.deepEqual(c.value, w);
        }
      },
    ),
  );
});

test('windowsBetween lists calendar windows inclusively', () => {
  const r = windowsBetween({ kind: 'month', year: 2026, index: 11 }, { kind: 'month', year: 2027, index: 2 });
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((w) => label(w)),
    ['2026-11', '2026-12', '2027-01', '2027-02'],
  );
  const q = windowsBetween({ kind: 'quarter', year: 2026, index: 3 }, { kind: 'quarter', year: 2027, index: 1 });
  assert.ok(q.ok);
  assert.deepEqual(
    q.value.map((w) => label(w)),
    ['2026-Q3', '2026-Q4', '2027-Q1'],
  );
  const one = windowsBetween({ kind: 'year', year: 2026 }, { kind: 'year', year: 2026 });
  assert.ok(one.ok);
  assert.deepEqual(one.value, [{ kind: 'year', year: 2026 }]);
  const mixed = windowsBetween({ kind: 'month', year: 2026, index: 1 }, { kind: 'quarter', year: 2026, index: 4 });
  assert.equal(mixed.ok, false);
  if (!mixed.ok) assert.equal(mixed.issues[0]!.path, 'last.kind');
  const reversed = windowsBetween({ kind: 'month', year: 2026, index: 5 }, { kind: 'month', year: 2026, index: 4 });
  assert.equal(reversed.ok, false);
  if (!reversed.ok) assert.equal(reversed.issues[0]!.path, 'last');
  const huge = windowsBetween({ kind: 'month', year: 1000, index: 1 }, { kind: 'month', year: 9999, index: 12 });
  assert.equal(huge.ok, false);
});

test('windowsCovering and windowContaining use local dates', () => {
  // 2026-09-30T22:00Z is local midnight of 1 October in Berlin: October, not September.
  const c = windowContaining('month', iso('2026-09-30T22:00:00Z'), 'Europe/Berlin');
  assert.ok(c.ok);
  assert.deepEqual(c.value, { kind: 'month', year: 2026, index: 10 });
  const c2 = windowContaining('month', iso('2026-09-30T21:59:59.999Z'), 'Europe/Berlin');
  assert.ok(c2.ok);
  assert.deepEqual(c2.value, { kind: 'month', year: 2026, index: 9 });
  const q = windowContaining('quarter', iso('2026-12-31T10:15:00Z'), 'Pacific/Chatham');
  assert.ok(q.ok);
  assert.deepEqual(q.value, { kind: 'quarter', year: 2027, index: 1 });
  const cov = windowsCovering('month', iso('2026-09-30T22:00:00Z'), iso('2026-12-31T23:00:00Z'), 'Europe/Berlin');
  assert.ok(cov.ok);
  assert.deepEqual(
    cov.value.map((w) => label(w)),
    ['2026-10', '2026-11', '2026-12'],
  );
  assert.equal(windowContaining('month', Number.NaN, 'UTC').ok, false);
  assert.equal(windowContaining('month', 0, 'Nowhere/Else').ok, false);
  assert.equal(windowsCovering('month', 10, 10, 'UTC').ok, false);
});
