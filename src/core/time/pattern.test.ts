/** Date-time formats of other systems (used by CSV imports): patterns, ISO, zones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileTimeFormat, wallToInstant, type TimeFormat } from './pattern.ts';

function format(p: string): TimeFormat {
  const r = compileTimeFormat(p);
  if (!r.ok) throw new Error(r.issues[0]!.message);
  return r.value;
}
/** The instant a text names in a format (and zone), as ISO in UTC, or the reason it names none. */
function read(p: string, text: string, zone?: string): string {
  const r = format(p).parse(text);
  if (!r.ok) return r.reason;
  const i = wallToInstant(r.value, zone);
  return i.ok ? new Date(i.value).toISOString() : i.reason;
}

test('formats as the desks export them', () => {
  const cases: Array<[string, string, string | undefined, string]> = [
    ['iso', '2026-03-12T10:15:00+01:00', undefined, '2026-03-12T09:15:00.000Z'],
    ['iso', '2026-03-12 10:15:00.25Z', undefined, '2026-03-12T10:15:00.250Z'],
    ['iso', '2026-03-12T10:15', 'Europe/Berlin', '2026-03-12T09:15:00.000Z'],
    ['iso', '2026-03-12T10:15', undefined, 'no_zone'],
    ['yyyy-MM-dd HH:mm:ss', '2026-03-12 10:15:07', 'America/New_York', '2026-03-12T14:15:07.000Z'], // ServiceNow
    ['dd/MMM/yy h:mm a', '12/Mar/26 3:05 PM', 'UTC', '2026-03-12T15:05:00.000Z'], // Jira
    ['dd/MMM/yy h:mm a', '12/mar/26 12:05 am', 'UTC', '2026-03-12T00:05:00.000Z'],
    ['MM/dd/yyyy hh:mm a', '03/12/2026 12:30 PM', 'UTC', '2026-03-12T12:30:00.000Z'],
    ['d.M.yyyy H:mm', '2.3.2026 9:05', 'Europe/Berlin', '2026-03-02T08:05:00.000Z'], // GLPI in German
    ['EEE, dd MMM yyyy HH:mm:ss Z', 'Thu, 12 Mar 2026 10:15:00 +0100', undefined, '2026-03-12T09:15:00.000Z'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '2026-03-12T10:15:00.123-05:00', undefined, '2026-03-12T15:15:00.123Z'],
    ['dd MMMM yyyy HH:mm', '12 September 2026 10:00', 'UTC', '2026-09-12T10:00:00.000Z'],
    ['yyyy-MM-dd', '2026-03-12', 'UTC', '2026-03-12T00:00:00.000Z'],
    // Impossible dates and times, and texts in another shape.
    ['yyyy-MM-dd HH:mm', '2026-02-29 10:00', 'UTC', 'impossible'],
    ['yyyy-MM-dd HH:mm', '2028-02-29 10:00', 'UTC', '2028-02-29T10:00:00.000Z'],
    ['yyyy-MM-dd HH:mm', '2026-04-31 10:00', 'UTC', 'impossible'],
    ['yyyy-MM-dd HH:mm', '2026-04-01 10:60', 'UTC', 'impossible'],
    ['dd/MMM/yy h:mm a', '12/Mar/26 13:05 PM', 'UTC', 'impossible'],
    ['dd/MMM/yy h:mm a', '12/Mrz/26 1:05 PM', 'UTC', 'no_match'],
    ['yyyy-MM-dd HH:mm', '2026-03-12T10:15', 'UTC', 'no_match'],
    ['yyyy-MM-dd HH:mm', ' 2026-03-12 10:15', 'UTC', 'no_match'],
    ['iso', '2026-13-12T10:15Z', undefined, 'impossible'],
    // Berlin skips 02:00-03:00 on 2026-03-29 and repeats 02:00-03:00 on 2026-10-25.
    ['yyyy-MM-dd HH:mm', '2026-03-29 02:30', 'Europe/Berlin', 'skipped'],
    ['yyyy-MM-dd HH:mm', '2026-03-29 03:00', 'Europe/Berlin', '2026-03-29T01:00:00.000Z'],
    ['yyyy-MM-dd HH:mm', '2026-10-25 02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
  ];
  for (const [p, text, zone, want] of cases) assert.equal(read(p, text, zone), want, `${p} ${JSON.stringify(text)} ${zone ?? ''}`);
});

test('the repeated hour: earlier, later or refused, as chosen', () => {
  const w = format('yyyy-MM-dd HH:mm').parse('2026-10-25 02:30');
  assert.ok(w.ok);
  assert.deepEqual(
    [
      wallToInstant(w.value, 'Europe/Berlin', 'earlier'),
      wallToInstant(w.value, 'Europe/Berlin', 'later'),
      wallToInstant(w.value, 'Europe/Berlin', 'reject'),
    ],
    [
      { ok: true, value: Date.parse('2026-10-25T00:30:00Z') },
      { ok: true, value: Date.parse('2026-10-25T01:30:00Z') },
      { ok: false, reason: 'ambiguous' },
    ],
  );
});

test('pattern mistakes are explained', () => {
  const cases: Array<[string, RegExp]> = [
    ['YYYY-MM-dd', /"YYYY" is not a pattern letter Pledge knows; did you mean yyyy \(Y is the week-based year\)\?/],
    ['yyyy-MM-DD', /did you mean dd \(D is the day of the year\)/],
    ['yyyy-MM-dd hh:mm', /a 12-hour clock \(h\) needs the AM\/PM marker \(a\)/],
    ['yyyy-MM-dd HH:mm a', /the AM\/PM marker \(a\) goes with a 12-hour clock/],
    ['HH:mm', /the pattern has no year \(yyyy\), month \(MM\), day \(dd\)/],
    ["yyyy-MM-dd'T", /a quote in the pattern is not closed/],
    ['yyyy-MM-dd HH:mm HH', /names the hour twice/],
  ];
  for (const [p, re] of cases) {
    const r = compileTimeFormat(p);
    assert.ok(!r.ok && re.test(r.issues[0]!.message), `${p}: ${r.ok ? 'accepted' : r.issues[0]!.message}`);
  }
});

test('a pattern reads back every instant it can write (ISO with an offset, any zone offset)', () => {
  const f = format("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 0, 1) }),
      fc.integer({ min: -14 * 4, max: 14 * 4 }),
      (ms, quarterHours) => {
        const off = quarterHours * 15;
        const d = new Date(ms + off * 60_000);
        const p = (n: number, w = 2) => String(n).padStart(w, '0');
        const text = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
        const r = f.parse(text);
        assert.ok(r.ok, text);
        assert.deepEqual(wallToInstant(r.value, undefined), { ok: true, value: ms });
      },
    ),
  );
});
