/**
 * Gaps (monitoring.gap): time Pledge's monitors did not watch is not measured, neither up nor down,
 * so the state known before a gap (a check that was down) does not carry across it; an outage
 * report covering part of a gap was watched by its reporter, so that part is measured, and down. Table tests
 * from events (parsed as they are ingested) to coverage and figures, as the agreement evaluation
 * chains them: monitoringEvidence -> monitoringCoverage -> availability with `unmonitored`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';
import { agreementFromText } from '../agreements/load.ts';
import { evaluateAgreement } from '../agreements/evaluate.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { resolveWindow } from '../metrics/window.ts';
import { sayWhy } from '../i18n/settlement.ts';
import { unwrap } from '../validation/issues.ts';
import { availability } from './compute.ts';
import { intervalsFromEvents } from './events.ts';
import { monitoringCoverage, monitoringEvidence } from './monitoring.ts';

const H = 3_600_000;
const t = (s: string) => Date.parse(s);
let n = 0;
const ev = (body: Record<string, unknown>): Timed => unwrap(parseEvent({ id: `g${++n}`, service: 'pbx', ...body })) as Timed;
const started = (at: string) => ev({ type: 'monitoring.started', at, monitor: 'pledge:pbx' });
const check = (at: string, up: boolean) => ev({ type: 'check.result', at, up, check: 'pbx' });
const gap = (from: string, to: string) => ev({ type: 'monitoring.gap', at: to, from, to, monitor: 'pledge:pbx' });
const outage = (id: string, from: string, to: string) => [
  ev({ type: 'outage.started', at: from, outage: id }),
  ev({ type: 'outage.ended', at: to, outage: id }),
];

/** The figures of a window, as evaluate.ts measures it. */
function measure(events: Timed[], from: string, to: string, zone = 'UTC') {
  const w = { from: t(from), to: t(to) };
  const iv = intervalsFromEvents(events, w.to);
  const cov = monitoringCoverage(monitoringEvidence(events, iv), w, zone);
  if (cov.from === null) return { cov, downtimeH: null, serviceH: null, availability: null };
  const r = availability(iv, { from: cov.from, to: w.to }, cov.gaps.length ? { unmonitored: cov.gaps } : {});
  assert.deepEqual(r.issues, []);
  return {
    cov,
    downtimeH: r.downtimeMs / H,
    serviceH: r.serviceMs / H,
    availability: r.availability,
    unmonitoredH: (r.unmonitoredMs ?? 0) / H,
  };
}

test('a gap is measured as neither up nor down: a table', () => {
  const day = ['2026-07-10T00:00:00Z', '2026-07-11T00:00:00Z'] as const;
  const mon = started('2026-07-01T00:00:00Z');
  // Each row: what, events, window, expected downtime and service time (hours), availability.
  const rows: Array<[string, Timed[], readonly [string, string], number, number, number]> = [
    [
      'a gap while down: only the watched hours around it count',
      [mon, check('2026-07-10T10:00:00Z', false), gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z'), check('2026-07-10T14:00:00Z', true)],
      day,
      2,
      22,
      20 / 22,
    ],
    [
      'the same without the gap: down throughout (the last known state carries)',
      [mon, check('2026-07-10T10:00:00Z', false), check('2026-07-10T14:00:00Z', true)],
      day,
      4,
      24,
      20 / 24,
    ],
    [
      'a gap while up: the gap leaves the denominator, nothing is down',
      [mon, check('2026-07-10T10:00:00Z', true), gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z')],
      day,
      0,
      22,
      1,
    ],
    [
      'an outage report across the gap is counted through it: its reporter watched',
      [mon, ...outage('o1', '2026-07-10T10:00:00Z', '2026-07-10T15:00:00Z'), gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z')],
      day,
      5,
      24,
      19 / 24,
    ],
    [
      'an outage reported inside a gap while the checks were up: that hour is measured, and down',
      [
        mon,
        check('2026-07-10T10:00:00Z', true),
        gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z'),
        ...outage('o2', '2026-07-10T11:30:00Z', '2026-07-10T12:30:00Z'),
      ],
      day,
      1,
      23,
      22 / 23,
    ],
    [
      'a failed check before the gap does not carry through it, but a report inside it counts',
      [
        mon,
        check('2026-07-10T10:00:00Z', false),
        gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z'),
        ...outage('o3', '2026-07-10T12:00:00Z', '2026-07-10T12:15:00Z'),
        check('2026-07-10T14:00:00Z', true),
      ],
      day,
      2.25,
      22.25,
      20 / 22.25,
    ],
    [
      'overlapping and repeated gaps count once',
      [
        mon,
        check('2026-07-10T10:00:00Z', false),
        gap('2026-07-10T11:00:00Z', '2026-07-10T13:00:00Z'),
        gap('2026-07-10T12:00:00Z', '2026-07-10T14:00:00Z'),
        gap('2026-07-10T12:00:00Z', '2026-07-10T14:00:00Z'),
      ],
      day,
      1 + 10,
      21,
      10 / 21,
    ],
  ];
  for (const [what, events, [from, to], downtimeH, serviceH, av] of rows) {
    const m = measure(events, from, to);
    assert.equal(m.downtimeH, downtimeH, what);
    assert.equal(m.serviceH, serviceH, what);
    assert.ok(m.availability !== null && Math.abs(m.availability - av) < 1e-12, `${what}: ${m.availability}`);
  }
});

test('a gap across a window boundary is cut to each window; a window entirely in a gap is not monitored', () => {
  const events = [
    started('2026-07-01T00:00:00Z'),
    check('2026-07-10T22:00:00Z', false),
    gap('2026-07-10T23:00:00Z', '2026-07-13T02:00:00Z'),
    check('2026-07-13T03:00:00Z', true),
  ];
  const first = measure(events, '2026-07-10T00:00:00Z', '2026-07-11T00:00:00Z');
  assert.deepEqual([first.downtimeH, first.serviceH, first.unmonitoredH], [1, 23, 1]);
  assert.deepEqual(first.cov.gaps, [{ start: t('2026-07-10T23:00:00Z'), end: t('2026-07-11T00:00:00Z') }]);
  assert.match(first.cov.text, /not monitored from 2026-07-10T23:00:00Z to 2026-07-11T00:00:00Z \(monitoring\.gap\)/);
  const last = measure(events, '2026-07-13T00:00:00Z', '2026-07-14T00:00:00Z');
  assert.deepEqual([last.downtimeH, last.serviceH, last.unmonitoredH], [1, 22, 2]);
  // 11 and 12 July: nobody watched at all, so no data (never 100%, never 0%).
  const inside = measure(events, '2026-07-11T00:00:00Z', '2026-07-12T00:00:00Z');
  assert.equal(inside.cov.from, null);
  assert.equal(inside.availability, null);
  assert.match(inside.cov.text, /^not monitored: nobody watched from 2026-07-11T00:00:00Z to 2026-07-12T00:00:00Z/);
  // The month holding all of it: down 22:00-23:00 on the 10th and 02:00-03:00 on the 13th only.
  const month = measure(events, '2026-07-01T00:00:00Z', '2026-08-01T00:00:00Z');
  assert.deepEqual([month.downtimeH, month.unmonitoredH], [2, 51]);
});

test('a gap on a DST day (Europe/Berlin, 29 March 2026: a 23-hour day) is cut by instants, in local words', () => {
  // Down from 00:30 local (+01:00); Pledge away 01:30+01:00 to 03:30+02:00 (one hour of real
  // time across the jump); up at 04:00+02:00. Watched down: 00:30-01:30 and 03:30-04:00 local.
  const events = [
    started('2026-03-01T00:00:00+01:00'),
    check('2026-03-29T00:30:00+01:00', false),
    gap('2026-03-29T01:30:00+01:00', '2026-03-29T03:30:00+02:00'),
    check('2026-03-29T04:00:00+02:00', true),
  ];
  const m = measure(events, '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 'Europe/Berlin');
  assert.deepEqual([m.downtimeH, m.serviceH, m.unmonitoredH], [1.5, 22, 1]);
  assert.ok(m.availability !== null && Math.abs(m.availability - 20.5 / 22) < 1e-12);
  assert.match(m.cov.text, /not monitored from 2026-03-29T01:30:00\+01:00 to 2026-03-29T03:30:00\+02:00/);
});

test('bad gaps are refused with the field by path, never thrown', () => {
  const back = parseEvent({
    id: 'x',
    type: 'monitoring.gap',
    at: '2026-07-10T12:00:00Z',
    service: 'pbx',
    from: '2026-07-10T12:00:00Z',
    to: '2026-07-10T11:00:00Z',
  });
  assert.ok(!back.ok);
  assert.equal(back.issues[0]?.path, 'to');
  assert.match(back.issues[0]!.message, /at or after from/);
  const noFrom = parseEvent({ id: 'x', type: 'monitoring.gap', at: '2026-07-10T12:00:00Z', service: 'pbx', to: '2026-07-10T11:00:00Z' });
  assert.ok(!noFrom.ok && noFrom.issues.some((i) => i.path === 'from'));
  // The engine's option: a bad stretch is reported by its path and left out.
  const r = availability({}, { from: 0, to: H }, { unmonitored: [{ start: 0, end: H / 2 }, { start: H, end: 0 }, null as never] });
  assert.deepEqual(
    r.issues.map((i) => i.path),
    ['options.unmonitored[1]', 'options.unmonitored[2]'],
  );
  assert.equal(r.serviceMs, H / 2);
  assert.equal(r.unmonitoredMs, H / 2);
});

test('an agreement measures a month with a gap as the engine does: the gap is in no figure, and its reason says so', () => {
  const terms = unwrap(
    agreementFromText(
      'id: a\nname: A\nkind: sla\nparties:\n  provider: { id: p, name: P }\nservices: [pbx]\ntargets:\n  - { id: up, metric: availability, value: 99.9, window: month }\n',
      'a.yaml',
    ),
  ).spec;
  const always = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
  const events = [
    started('2026-07-01T00:00:00Z'),
    check('2026-07-10T10:00:00Z', false),
    gap('2026-07-10T10:30:00Z', '2026-07-12T10:30:00Z'),
    check('2026-07-12T11:00:00Z', true),
  ];
  const window = unwrap(resolveWindow({ kind: 'month', year: 2026, index: 7 }, 'UTC'));
  const r = evaluateAgreement({ terms, calendars: new Map([['24x7', always]]), events, window, now: t('2026-08-02T00:00:00Z') });
  const up = r.targets[0]!;
  // Down 10:00-10:30 on the 10th and 10:30-11:00 on the 12th: one hour, not two days and an hour.
  assert.equal(up.availability?.downtimeMs, H);
  assert.equal(up.availability?.unmonitoredMs, 48 * H);
  assert.equal(up.availability?.eligibleMs, (31 * 24 - 48) * H);
  assert.match(
    up.evaluation?.note ?? '',
    /^only part of the window is measured: .*not monitored from 2026-07-10T10:30:00Z to 2026-07-12T10:30:00Z/,
  );
  // The note's clauses say the gap in any language.
  const gapClause = up.evaluation?.noteWhy?.find((w) => w.code === 'monitoring.gap');
  assert.ok(gapClause, JSON.stringify(up.evaluation?.noteWhy));
  assert.match(sayWhy(gapClause, 'ar') ?? '', /^غير مراقَبة من .* إلى .*\(monitoring\.gap\)$/);
  // While the month is open, its downtime budget is 0.1% of the most it can still measure: the
  // month less the gap (never to be measured).
  const open = evaluateAgreement({ terms, calendars: new Map([['24x7', always]]), events, window, now: t('2026-07-20T00:00:00Z') });
  assert.equal(open.targets[0]!.evaluation?.budget?.allowedMs, (31 * 24 - 48) * H * 0.001);
});

test('a fixed allowance gets no share of the time nobody watched, as a percentage target gets none', () => {
  const terms = unwrap(
    agreementFromText(
      'id: a\nname: A\nkind: sla\nparties:\n  provider: { id: p, name: P }\nservices: [pbx]\ntargets:\n  - { id: up, metric: availability, value: 99.9, allowance: 44m38.4s, window: month }\n',
      'a.yaml',
    ),
  ).spec;
  const always = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
  const window = unwrap(resolveWindow({ kind: 'month', year: 2026, index: 7 }, 'UTC'));
  const month = 31 * 24 * H;
  const allowed = (events: Timed[]) =>
    evaluateAgreement({ terms, calendars: new Map([['24x7', always]]), events, window, now: t('2026-08-02T00:00:00Z') }).targets[0]!
      .evaluation?.budget?.allowedMs;
  const base = [started('2026-07-01T00:00:00Z'), check('2026-07-01T00:00:00Z', true)];
  // 44m 38.4s is 0.1% of July: the whole allowance without a gap.
  assert.equal(allowed(base), 0.001 * month);
  // Two days nobody watched: the allowance of the 29 days measured, as 99.9% of them would allow.
  assert.equal(allowed([...base, gap('2026-07-10T00:00:00Z', '2026-07-12T00:00:00Z')]), Math.round(0.001 * (month - 48 * H)));
  // A gap partly covered by an outage report: only the unwatched part leaves the allowance.
  assert.equal(
    allowed([
      ...base,
      gap('2026-07-10T00:00:00Z', '2026-07-12T00:00:00Z'),
      ...outage('o9', '2026-07-11T00:00:00Z', '2026-07-11T00:30:00Z'),
    ]),
    Math.round(0.001 * (month - 47.5 * H)),
  );
});
