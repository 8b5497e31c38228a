import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEAP_SECOND_DAYS, parseInstant } from './instant.ts';

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
