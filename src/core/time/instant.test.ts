import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Temporal } from 'temporal-polyfill';
import { LEAP_SECOND_DAYS, formatInstant, parseInstant } from './instant.ts';

test('UTC instants are written as Temporal writes them (the fast path by Date), in and beyond years 0000-9999', () => {
  const temporal = (ms: number) =>
    Temporal.Instant.fromEpochMilliseconds(Math.round(ms))
      .toZonedDateTimeISO('UTC')
      .toString({ timeZoneName: 'never', fractionalSecondDigits: 'auto' })
      .replace('+00:00', 'Z');
  const edges = [0, 1, 10, 100, 999, 1000, 1500, 1_780_000_000_120, -1, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999];
  edges.push(253_402_300_800_000, 8.64e15, -8.64e15, 1234.5);
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    edges.push(Math.round(((seed / 2 ** 31) * 2 - 1) * 8.64e15), (seed % 4_000_000_000_000) + (i % 3 === 0 ? 0 : i % 1000));
  }
  for (const ms of edges) assert.equal(formatInstant(ms), temporal(ms), String(ms));
  assert.equal(formatInstant(Number.POSITIVE_INFINITY), 'never');
  assert.equal(formatInstant(1_780_000_000_000), '2026-05-28T20:26:40Z');
  assert.equal(formatInstant(1_780_000_000_120), '2026-05-28T20:26:40.12Z');
});

test('a 60th second: the last millisecond of a day that had a leap second, refused on any other', () => {
  assert.equal(LEAP_SECOND_DAYS.size, 27);
  const ok = (s: string) => {
    const r = parseInstant(s);
    assert.ok(r.ok, s);
    return new Date(r.value).toISOString();
  };
  assert.equal(ok('2016-12-31T23:59:60Z'), '2016-12-31T23:59:59.999Z');
  assert.equal(ok('2016-12-31T23:59:60.75Z'), '2016-12-31T23:59:59.999Z');
  assert.equal(ok('2015-06-30T23:59:60+00:00'), '2015-06-30T23:59:59.999Z');
  // The same leap second written in another offset.
  assert.equal(ok('2017-01-01T00:59:60+01:00'), '2016-12-31T23:59:59.999Z');
  assert.equal(ok('2016-12-31T18:59:60-05:00'), '2016-12-31T23:59:59.999Z');
  // It sorts after everything earlier that day and before midnight.
  assert.ok(
    parseInstant('2016-12-31T23:59:59.998Z').ok &&
      (parseInstant('2016-12-31T23:59:59.998Z') as { value: number }).value < Date.parse(ok('2016-12-31T23:59:60Z')),
  );
  for (const s of [
    '2026-06-30T23:59:60Z',
    '2016-12-31T22:59:60Z',
    '2016-12-30T23:59:60Z',
    '2016-12-31T23:59:60+01:00',
    '2026-10-01T12:00:60Z',
  ]) {
    const r = parseInstant(s, 'at');
    assert.equal(r.ok, false, s);
    if (!r.ok) assert.match(r.issues[0]!.message, /no leap second at this instant/, s);
  }
  // Impossible dates stay impossible with a 60th second.
  assert.equal(parseInstant('2016-02-30T23:59:60Z').ok, false);
});
