/**
 * Business-time arithmetic: Pledge's compiled calendar against moment-business-time (the most used
 * npm library for working-hours arithmetic), like for like: the same calendar, the same inputs, the
 * same number of them, and every answer compared.
 *
 * - Calendar: Europe/Berlin, Mon-Fri 09:00-17:00, the ten public holidays of Berlin in 2026, given
 *   to both. (moment-business-time tests every holiday of its list for every day it crosses, so its
 *   cost grows with the list; a list of ten years of holidays, as this benchmark once used, made
 *   the peer slower than it need be.)
 * - Inputs: OPS (1,000,000) random instants in 2026 on whole minutes (moment-business-time works in
 *   minutes), each with a random duration of its own, none reused: deadlines add 1 minute to 8
 *   working hours (the range of usual response and resolution targets); elapsed measures up to 3
 *   calendar days after the start. Generated before timing, from a fixed seed. (The peer's cost
 *   grows with the duration, as it walks the time day by day; Pledge's does not.)
 * - Timing: both warmed up on separate inputs first; Pledge's figure is the median of 5 passes over
 *   all the inputs (one pass takes tens of milliseconds), the peer's one pass (it takes minutes).
 *   Answers are stored during the timed loops and compared afterwards, all of them.
 *
 * Sizes (environment): PLEDGE_BENCH_CALENDAR_OPS (1,000,000).
 */
import moment from 'moment-timezone';
import 'moment-business-time';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import type { BusinessCalendar } from '../src/core/calendar/types.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { prng } from '../src/demo/generate.ts';
import type { BenchResult } from './types.ts';

const ZONE = 'Europe/Berlin';
/**
 * Berlin's public holidays in 2026: New Year, Women's Day, Good Friday, Easter Monday, Labour Day, Ascension, Whit Monday,
 * German Unity, Christmas (two days).
 */
const HOLIDAYS = [
  '2026-01-01',
  '2026-03-08',
  '2026-04-03',
  '2026-04-06',
  '2026-05-01',
  '2026-05-14',
  '2026-05-25',
  '2026-10-03',
  '2026-12-25',
  '2026-12-26',
];
const HOURS = { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] };
const MINUTE = 60_000;
const PASSES = 5;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Inputs {
  starts: Float64Array;
  /** Deadlines: working milliseconds to add. */
  work: Float64Array;
  /** Elapsed: the end of each interval. */
  ends: Float64Array;
}

function inputs(n: number, seed: number): Inputs {
  const rnd = prng(seed);
  const from = Date.UTC(2026, 0, 1);
  const minutes = (Date.UTC(2027, 0, 1) - from) / MINUTE;
  const starts = new Float64Array(n);
  const work = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = from + Math.floor(rnd() * minutes) * MINUTE;
    work[i] = (1 + Math.floor(rnd() * 480)) * MINUTE;
    ends[i] = starts[i]! + Math.floor(rnd() * 3 * 1_440) * MINUTE;
  }
  return { starts, work, ends };
}

function pledgeDue(cal: BusinessCalendar, x: Inputs, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = cal.addWorking(x.starts[i]!, x.work[i]!);
}
function pledgeElapsed(cal: BusinessCalendar, x: Inputs, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = cal.elapsed(x.starts[i]!, x.ends[i]!);
}
function peerDue(x: Inputs, out: Float64Array): void {
  for (let i = 0; i < out.length; i++)
    out[i] = moment
      .tz(x.starts[i]!, ZONE)
      .addWorkingTime(x.work[i]! / MINUTE, 'minutes')
      .valueOf();
}
function peerElapsed(x: Inputs, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = moment.tz(x.ends[i]!, ZONE).workingDiff(moment.tz(x.starts[i]!, ZONE), 'minutes') * MINUTE;
}

function differing(a: Float64Array, b: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

export async function run(opts: { ops?: number } = {}): Promise<BenchResult[]> {
  const OPS = opts.ops ?? Number(process.env.PLEDGE_BENCH_CALENDAR_OPS ?? 1_000_000);
  const spec = { timezone: ZONE, hours: HOURS, holidays: HOLIDAYS };
  const x = inputs(OPS, 42);
  const warm = inputs(Math.min(OPS, 100_000), 7);
  const peerWarm = inputs(Math.min(OPS, 2_000), 7);

  // Pledge: the one-off cost of compiling the calendar's table (timed on a second compile, the
  // first one also loads the time-zone rules), then the arithmetic.
  const cal = unwrap(compileCalendar(spec));
  cal.elapsed(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
  const compileSeconds = time(() => unwrap(compileCalendar(spec)).elapsed(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)));
  pledgeDue(cal, warm, new Float64Array(warm.starts.length));
  pledgeElapsed(cal, warm, new Float64Array(warm.starts.length));
  const due = new Float64Array(OPS);
  const elapsed = new Float64Array(OPS);
  const dueSeconds = median(Array.from({ length: PASSES }, () => time(() => pledgeDue(cal, x, due))));
  const elapsedSeconds = median(Array.from({ length: PASSES }, () => time(() => pledgeElapsed(cal, x, elapsed))));

  // The peer, with the same hours and holidays in the same zone.
  moment.updateLocale('en', {
    workinghours: {
      0: null,
      1: ['09:00:00', '17:00:00'],
      2: ['09:00:00', '17:00:00'],
      3: ['09:00:00', '17:00:00'],
      4: ['09:00:00', '17:00:00'],
      5: ['09:00:00', '17:00:00'],
      6: null,
    },
    holidays: HOLIDAYS,
  } as moment.LocaleSpecification);
  peerDue(peerWarm, new Float64Array(peerWarm.starts.length));
  peerElapsed(peerWarm, new Float64Array(peerWarm.starts.length));
  const peerDueOut = new Float64Array(OPS);
  const peerElapsedOut = new Float64Array(OPS);
  const peerDueSeconds = time(() => peerDue(x, peerDueOut));
  const peerElapsedSeconds = time(() => peerElapsed(x, peerElapsedOut));

  const n = OPS.toLocaleString('en-US');
  const dueDiff = differing(due, peerDueOut);
  const elapsedDiff = differing(elapsed, peerElapsedOut);
  const differ = (d: number) => `answers differing from Pledge: ${d} of ${n}`;
  const same = (d: number) => (d === 0 ? 'the same inputs, identical answers' : `the same inputs; ${d} answers differ`);
  const what = `${n} random starts in 2026, each with its own random duration; Berlin 09-17, ${HOLIDAYS.length} holidays`;
  return [
    {
      name: 'calendar: deadline computations (Pledge)',
      value: OPS / dueSeconds,
      unit: 'ops/s',
      note: `${what}; median of ${PASSES} passes, ${dueSeconds.toFixed(3)} s each`,
    },
    {
      name: 'calendar: deadline computations (moment-business-time 2.0)',
      value: OPS / peerDueSeconds,
      unit: 'ops/s',
      note: `the same ${n} inputs, same calendar; one pass, ${peerDueSeconds.toFixed(1)} s; ${differ(dueDiff)}`,
    },
    {
      name: 'calendar: deadline, Pledge against moment-business-time',
      value: peerDueSeconds / dueSeconds,
      unit: 'x',
      note: `times as fast; ${same(dueDiff)}`,
    },
    {
      name: 'calendar: elapsed computations (Pledge)',
      value: OPS / elapsedSeconds,
      unit: 'ops/s',
      note: `${n} random intervals of up to 3 days starting in 2026; median of ${PASSES} passes, ${elapsedSeconds.toFixed(3)} s each`,
    },
    {
      name: 'calendar: elapsed computations (moment-business-time 2.0)',
      value: OPS / peerElapsedSeconds,
      unit: 'ops/s',
      note: `the same ${n} inputs, same calendar; one pass, ${peerElapsedSeconds.toFixed(1)} s; ${differ(elapsedDiff)}`,
    },
    {
      name: 'calendar: elapsed, Pledge against moment-business-time',
      value: peerElapsedSeconds / elapsedSeconds,
      unit: 'x',
      note: `times as fast; ${same(elapsedDiff)}`,
    },
    {
      name: 'calendar: compile the calendar (one-off, before the first answer)',
      value: compileSeconds * 1000,
      unit: 'ms',
      note: `${HOLIDAYS.length} holidays, the table for 2026`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run())
    console.log(`${r.name}: ${r.value.toFixed(r.unit === 'ops/s' ? 0 : 2)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
