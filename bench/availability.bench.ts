/**
 * Availability engine throughput: a year of 1,000,000 synthetic outage intervals (overlapping,
 * some partial, some customer-caused or force majeure) plus weekly maintenance windows, measured
 * 24x7 and against a Europe/Berlin 09:00-17:00 working-week calendar.
 *
 * Run standalone: node --import tsx bench/availability.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import type { BusinessCalendar } from '../src/core/calendar/types.ts';
import {
  availability,
  type AvailabilityOptions,
  type CheckSample,
  type MaintenanceWindow,
  type OutageCause,
  type OutageInterval,
} from '../src/core/availability/index.ts';
import type { BenchResult } from './types.ts';
import { prng } from '../src/demo/generate.ts';

const N = 1_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2027, 0, 1);

function synthetic(seed = 20260101): { outages: OutageInterval[]; maintenance: MaintenanceWindow[] } {
  const rnd = prng(seed);
  const outages: OutageInterval[] = new Array(N);
  const span = TO - FROM;
  // Incidents of 1 to 99 overlapping intervals each (several monitors and services reporting the
  // same failure), about 20,000 incidents with an exponential length of mean 30 s, starting
  // anywhere in the year and a day either side of it (to exercise clipping). The cause belongs to
  // the incident; 30% of intervals are partial.
  let i = 0;
  let incident = 0;
  while (i < N) {
    const size = Math.min(N - i, 1 + Math.floor(rnd() * 99));
    const start = FROM - DAY + Math.floor(rnd() * (span + 2 * DAY));
    const len = 5000 + Math.floor(-Math.log(1 - rnd()) * 30_000);
    const r = rnd();
    const cause: OutageCause = r < 0.1 ? 'customer' : r < 0.12 ? 'force_majeure' : r < 0.15 ? 'third_party' : 'provider';
    for (let k = 0; k < size; k++, i++) {
      const a = start + Math.floor(rnd() * len);
      const b = a + Math.floor(rnd() * (start + len + 10_000 - a));
      const weight = rnd() < 0.3 ? [0.25, 0.5, 0.75][Math.floor(rnd() * 3)]! : 1;
      outages[i] = { id: `i${incident}-${k}`, start: a, end: b, weight, cause };
    }
    incident++;
  }
  // A two-hour window every Sunday night; one in five announced too late.
  const maintenance: MaintenanceWindow[] = [];
  for (let k = 0, t = FROM + 3 * DAY + 2 * HOUR; t < TO; k++, t += 7 * DAY) {
    maintenance.push({ id: `m${k}`, start: t, end: t + 2 * HOUR, announcedAt: t - (k % 5 === 0 ? HOUR : 7 * DAY) });
  }
  return { outages, maintenance };
}

/** Three probes checking every minute for a year; each fails now and then for a few minutes. */
function probeSamples(seed = 7): CheckSample[] {
  const rnd = prng(seed);
  const samples: CheckSample[] = [];
  for (const check of ['fra', 'iad', 'sin']) {
    let downUntil = -Infinity;
    for (let t = FROM; t < TO; t += MIN) {
      if (t >= downUntil && rnd() < 0.0005) downUntil = t + (1 + Math.floor(rnd() * 10)) * MIN;
      samples.push({ at: t, up: t >= downUntil, check });
    }
  }
  return samples;
}

function time(fn: () => void, runs = 3): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

export async function run(): Promise<BenchResult[]> {
  const input = synthetic();
  const base: AvailabilityOptions = {
    maintenanceNoticeMs: 5 * DAY,
    exclude: { customerCaused: true, forceMajeure: true },
    minOutageMs: MIN,
  };
  const window = { from: FROM, to: TO };
  const results: BenchResult[] = [];

  let last = availability(input, window, base);
  const s24 = time(() => {
    last = availability(input, window, base);
  });
  results.push({
    name: 'availability 1M outages, 24x7',
    value: s24,
    unit: 's',
    note: `median of 3; availability ${(100 * last.availability!).toFixed(4)}%, ${last.outages.length} counted, ${last.excluded.length} excluded, ${last.ignored.length} ignored`,
  });
  results.push({ name: 'availability 1M outages, 24x7 throughput', value: Math.round(N / s24), unit: 'intervals/s' });
  // The floor any sweep pays: sorting the interval starts and merging the union once, nothing else.
  const sFloor = time(() => {
    const starts = new Float64Array(input.outages.length);
    const ends = new Float64Array(input.outages.length);
    input.outages.forEach((o, i) => {
      starts[i] = o.start;
      ends[i] = o.end;
    });
    const order = Uint32Array.from(starts.keys()).sort((a, b) => starts[a]! - starts[b]!);
    let covered = 0;
    let curEnd = -Infinity;
    for (const i of order) {
      const a = Math.max(starts[i]!, curEnd);
      if (ends[i]! > a) covered += ends[i]! - a;
      curEnd = Math.max(curEnd, ends[i]!);
    }
    if (covered < 0) console.log(covered);
  });
  results.push({
    name: 'floor: copy, sort and merge the same 1M intervals (no accounting)',
    value: Math.round(N / sFloor),
    unit: 'intervals/s',
    note: `the ceiling the engine is compared with (${sFloor.toFixed(3)} s)`,
  });

  const compiled = compileCalendar({
    timezone: 'Europe/Berlin',
    hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    holidays: ['2026-01-01', '2026-12-25', '2026-12-26'],
  });
  if (compiled.ok) {
    const calendar: BusinessCalendar = compiled.value;
    const opts = { ...base, calendar };
    last = availability(input, window, opts);
    const sCal = time(() => {
      last = availability(input, window, opts);
    });
    results.push({
      name: 'availability 1M outages, Berlin 09-17 calendar',
      value: sCal,
      unit: 's',
      note: `median of 3; service ${Math.round(last.serviceMs / HOUR)}h, availability ${(100 * last.availability!).toFixed(4)}%`,
    });
    results.push({ name: 'availability 1M outages, Berlin 09-17 calendar throughput', value: Math.round(N / sCal), unit: 'intervals/s' });
  } else {
    results.push({
      name: 'availability 1M outages, Berlin 09-17 calendar',
      value: NaN,
      unit: 's',
      note: `calendar did not compile: ${compiled.issues.map((i) => i.message).join('; ')}`,
    });
  }

  const samples = probeSamples();
  for (const checks of ['any', 'majority'] as const) {
    const opts: AvailabilityOptions = { checks, minOutageMs: 2 * MIN };
    last = availability({ samples }, window, opts);
    const sS = time(() => {
      last = availability({ samples }, window, opts);
    });
    results.push({
      name: `availability from ${samples.length} check samples (3 probes, 1/min, rule ${checks})`,
      value: sS,
      unit: 's',
      note: `median of 3; availability ${(100 * last.availability!).toFixed(4)}%, ${last.outages.length} counted runs`,
    });
    results.push({ name: `check samples throughput (rule ${checks})`, value: Math.round(samples.length / sS), unit: 'samples/s' });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
