/**
 * Business-time arithmetic: Pledge's compiled calendar against moment-business-time (the most used
 * npm library for working-hours arithmetic) on the same inputs, with the answers compared.
 *
 * Calendar: Europe/Berlin, Mon-Fri 09:00-17:00, about 12 holidays a year, queries spread over ten
 * years (2026-2035). Deadlines: start + 4 working hours; elapsed: working time over ~3 days.
 */
import moment from 'moment-timezone';
import 'moment-business-time';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { dayFromCivil, formatCivil } from '../src/core/time/zone.ts';
import { prng } from '../src/demo/generate.ts';
import type { BenchResult } from './types.ts';


const ZONE = 'Europe/Berlin';
const YEARS = [2026, 2027, 2028, 2029, 2030, 2031, 2032, 2033, 2034, 2035];
const FIXED = ['01-01', '05-01', '10-03', '12-25', '12-26', '12-24', '12-31'];
// Movable feasts by year (Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi).
const EASTER: Record<number, string> = { 2026: '04-05', 2027: '03-28', 2028: '04-16', 2029: '04-01', 2030: '04-21', 2031: '04-13', 2032: '03-28', 2033: '04-17', 2034: '04-09', 2035: '03-25' };

function holidays(): string[] {
  const out: string[] = [];
  for (const y of YEARS) {
    for (const md of FIXED) out.push(`${y}-${md}`);
    const [m, d] = EASTER[y]!.split('-').map(Number) as [number, number];
    const e = dayFromCivil(y, m, d);
    for (const off of [-2, 1, 39, 50, 60]) out.push(formatCivil(e + off));
  }
  return out;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function run(opts: { ops?: number; peerOps?: number } = {}): Promise<BenchResult[]> {
  const OPS = opts.ops ?? 5_000_000;
  const PEER_OPS = opts.peerOps ?? 20_000;
  const hol = holidays();
  const cal = unwrap(compileCalendar({ timezone: ZONE, hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] }, holidays: hol }));

  // Inputs: starts on whole minutes spread over ten years (moment-business-time works in minutes).
  const rnd = prng(42);
  const from = Date.UTC(2026, 0, 1);
  const span = Date.UTC(2035, 11, 20) - from;
  const N = 1 << 16;
  const starts = new Float64Array(N);
  const ends = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    starts[i] = from + Math.floor((rnd() * span) / 60_000) * 60_000;
    ends[i] = starts[i]! + Math.floor((rnd() * 3 * 86_400_000) / 60_000) * 60_000;
  }
  const WORK = 4 * 3_600_000;
  cal.addWorking(starts[0]!, WORK); // compile the table before timing (one-off cost, reported below)
  const compileSeconds = time(() => unwrap(compileCalendar({ timezone: ZONE, hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] }, holidays: hol })).elapsed(from, from + span));

  let sink = 0;
  const dueSeconds = time(() => {
    for (let i = 0; i < OPS; i++) sink += cal.addWorking(starts[i & (N - 1)]!, WORK);
  });
  const elapsedSeconds = time(() => {
    for (let i = 0; i < OPS; i++) sink += cal.elapsed(starts[i & (N - 1)]!, ends[i & (N - 1)]!);
  });

  // The peer: moment-business-time with the same hours and holidays, in the same zone.
  moment.updateLocale('en', {
    workinghours: { 0: null, 1: ['09:00:00', '17:00:00'], 2: ['09:00:00', '17:00:00'], 3: ['09:00:00', '17:00:00'], 4: ['09:00:00', '17:00:00'], 5: ['09:00:00', '17:00:00'], 6: null },
    holidays: hol,
  } as moment.LocaleSpecification);
  let disagreeDue = 0;
  let disagreeElapsed = 0;
  const peerDueSeconds = time(() => {
    for (let i = 0; i < PEER_OPS; i++) {
      const m = moment.tz(starts[i]!, ZONE).addWorkingTime(4, 'hours');
      if (m.valueOf() !== cal.addWorking(starts[i]!, WORK)) disagreeDue++;
    }
  });
  const peerElapsedSeconds = time(() => {
    for (let i = 0; i < PEER_OPS; i++) {
      const minutes = moment.tz(ends[i]!, ZONE).workingDiff(moment.tz(starts[i]!, ZONE), 'minutes');
      if (minutes * 60_000 !== cal.elapsed(starts[i]!, ends[i]!)) disagreeElapsed++;
    }
  });
  if (sink === 42) console.log(''); // keep the loops from being optimised away

  return [
    { name: 'calendar: deadline computations (Pledge)', value: OPS / dueSeconds, unit: 'ops/s', note: `${OPS} ops in ${dueSeconds.toFixed(3)} s` },
    { name: 'calendar: deadline computations (moment-business-time 2.0)', value: PEER_OPS / peerDueSeconds, unit: 'ops/s', note: `${PEER_OPS} ops; answers differing from Pledge: ${disagreeDue}` },
    { name: 'calendar: elapsed computations (Pledge)', value: OPS / elapsedSeconds, unit: 'ops/s', note: `${OPS} ops in ${elapsedSeconds.toFixed(3)} s` },
    { name: 'calendar: elapsed computations (moment-business-time 2.0)', value: PEER_OPS / peerElapsedSeconds, unit: 'ops/s', note: `${PEER_OPS} ops; answers differing from Pledge: ${disagreeElapsed}` },
    { name: 'calendar: compile ten years (one-off)', value: compileSeconds * 1000, unit: 'ms', note: `${hol.length} holidays` },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value.toFixed(r.unit === 'ms' ? 2 : 0)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
