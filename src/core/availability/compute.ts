/**
 * The availability engine: outages, maintenance windows and check samples in; availability,
 * downtime and the ids behind every figure out.
 *
 * The accounting, in order (docs/availability.md has a worked example of each step):
 * 1. Service time S: the window, cut to the calendar's working intervals (24x7 without calendar),
 *    less the stretches nobody watched (`unmonitored`: no data, neither up nor down).
 * 2. Excluded time E: maintenance windows announced at least `maintenanceNoticeMs` before they
 *    start, and outages of excluded causes (customer, force majeure, third party, as configured).
 *    Any instant covered by an excluded item is excluded, whatever else happens then: exclusion
 *    takes precedence over downtime.
 * 3. Counted items: outages of non-excluded causes, check-derived down runs, and maintenance
 *    windows that are not excluded (the service is taken to be down during any maintenance).
 *    Items that overlap or touch form stretches; a stretch shorter than `minOutageMs`, measured
 *    on the wall clock and before any clipping, is ignored with all its items. Shortness is a
 *    property of the incident, so the same blip is ignored in every window that sees a part of it.
 * 4. Downtime: over S minus E, the integral of the heaviest counted weight at each instant
 *    (full outage 1, partial its weight); overlapping outages therefore never count twice.
 * 5. Denominator: `removed` takes excluded time out (eligible = S - E); `counted_as_up` keeps it
 *    and counts it as up (eligible = S). Availability = (eligible - downtime) / eligible.
 *
 * Performance: the items are copied once into typed arrays, sorted with a stable radix argsort
 * and swept once with a binary heap of indices (lazy deletion); the only per-item objects are the
 * result entries, built after the sweep.
 */
import { compactMs } from '../time/duration.ts';
import { describeValue, didYouMean, type Issue } from '../validation/issues.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import { argsort } from './sort.ts';
import { fromSortedPairs, measureBetween, MeasureCursor, subtract, unionOfSorted, type IntervalSet } from './intervals.ts';
import { outagesFromSamples } from './samples.ts';
import {
  OUTAGE_CAUSES,
  type AvailabilityInput,
  type AvailabilityOptions,
  type AvailabilityResult,
  type CheckRule,
  type CountedItem,
  type ExcludedItem,
  type ExclusionReason,
  type IgnoredItem,
  type IgnoreReason,
  type ItemKind,
  type MaintenanceWindow,
  type OutageInterval,
  type ResolvedSettings,
  type TimeWindow,
} from './types.ts';

// Item classes (0: not classified, because invalid).
const COUNTED = 1;
const EXCLUDED = 2;

// Ignore reasons (0 = not ignored), in the order they take precedence.
const IGNORE_REASONS: readonly IgnoreReason[] = [
  'invalid',
  'outside_window',
  'empty',
  'too_short',
  'outside_service_hours',
  'covered_by_exclusion',
];
const IG_NONE = 0;
const IG_INVALID = 1;
const IG_OUTSIDE_WINDOW = 2;
const IG_EMPTY = 3;
const IG_TOO_SHORT = 4;
const IG_OUTSIDE_HOURS = 5;
const IG_COVERED = 6;

// Index k + 1 is stored per excluded item; causeCode(customer) = 1 lines up with customer_caused.
const EXCLUSION_REASONS: readonly ExclusionReason[] = ['announced_maintenance', 'customer_caused', 'force_majeure', 'third_party'];
const CHECK_RULES: readonly CheckRule[] = ['any', 'majority', 'all'];

function resolveSettings(options: AvailabilityOptions, issues: Issue[]): ResolvedSettings {
  const o = options !== null && typeof options === 'object' ? options : {};
  if (o !== options) issues.push({ path: 'options', message: 'expected an object of options', received: describeValue(options) });
  const nonNegative = (v: unknown, name: string): number => {
    if (v === undefined) return 0;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    issues.push({ path: `options.${name}`, message: 'expected a duration in milliseconds, 0 or more; 0 used', received: describeValue(v) });
    return 0;
  };
  const flag = (v: unknown, name: string, dflt: boolean): boolean => {
    if (v === undefined) return dflt;
    if (typeof v === 'boolean') return v;
    issues.push({ path: `options.exclude.${name}`, message: `expected true or false; ${dflt} used`, received: describeValue(v) });
    return dflt;
  };
  let excludedTime = o.excludedTime ?? 'removed';
  if (excludedTime !== 'removed' && excludedTime !== 'counted_as_up') {
    issues.push({
      path: 'options.excludedTime',
      message: 'expected removed or counted_as_up; removed used',
      received: describeValue(excludedTime),
    });
    excludedTime = 'removed';
  }
  let checks = o.checks ?? 'any';
  if (!CHECK_RULES.includes(checks)) {
    issues.push({ path: 'options.checks', message: 'expected any, majority or all; any used', received: describeValue(checks) });
    checks = 'any';
  }
  const ex = o.exclude !== null && typeof o.exclude === 'object' ? o.exclude : {};
  if (o.exclude !== undefined && ex !== o.exclude)
    issues.push({ path: 'options.exclude', message: 'expected an object of exclusion classes', received: describeValue(o.exclude) });
  const cal = o.calendar;
  return {
    serviceHours: cal && !cal.alwaysOpen ? `calendar (${cal.zone})` : '24x7',
    maintenanceNoticeMs: nonNegative(o.maintenanceNoticeMs, 'maintenanceNoticeMs'),
    exclude: {
      customerCaused: flag(ex.customerCaused, 'customerCaused', false),
      forceMajeure: flag(ex.forceMajeure, 'forceMajeure', false),
      thirdParty: flag(ex.thirdParty, 'thirdParty', false),
      maintenance: flag(ex.maintenance, 'maintenance', true),
    },
    excludedTime,
    minOutageMs: nonNegative(o.minOutageMs, 'minOutageMs'),
    checks,
  };
}

function listOf<T>(v: readonly T[] | undefined, path: string, issues: Issue[]): readonly T[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  issues.push({ path, message: 'expected a list', received: describeValue(v) });
  return [];
}

const isInstant = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The unmonitored stretches as a set (invalid ones reported and left out); undefined when none were given. */
function unmonitoredTime(list: AvailabilityOptions['unmonitored'], issues: Issue[]): IntervalSet | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) {
    issues.push({ path: 'options.unmonitored', message: 'expected a list of { start, end } stretches', received: describeValue(list) });
    return undefined;
  }
  const ok: Array<{ start: number; end: number }> = [];
  list.forEach((g: unknown, k) => {
    const r = g as { start?: unknown; end?: unknown } | null;
    if (
      r &&
      typeof r.start === 'number' &&
      typeof r.end === 'number' &&
      Number.isFinite(r.start) &&
      Number.isFinite(r.end) &&
      r.end >= r.start
    )
      ok.push({ start: r.start, end: r.end });
    else
      issues.push({
        path: `options.unmonitored[${k}]`,
        message: 'expected { start, end } in epoch milliseconds with end at or after start; ignored',
        received: describeValue(g),
      });
  });
  ok.sort((a, b) => a.start - b.start);
  return unionOfSorted(
    Float64Array.from(ok, (g) => g.start),
    Float64Array.from(ok, (g) => g.end),
    null,
    ok.length,
  );
}

/** The service-time set: the window, cut to working intervals when a calendar limits it. */
function serviceTime(from: number, to: number, calendar: BusinessCalendar | undefined): IntervalSet {
  if (!calendar || calendar.alwaysOpen) return fromSortedPairs([from, to]);
  const pairs = calendar.workingIntervals(from, to);
  const flat: number[] = [];
  for (const [a, b] of pairs) flat.push(Math.max(a, from), Math.min(b, to));
  return fromSortedPairs(flat);
}

/**
 * One sweep over intervals sorted by start (index order = start order = priority tie-break).
 * Between consecutive boundaries, the heaviest active interval (ties: lowest index) receives the
 * measure of `over` in that stretch, times its weight when `weighted`. Returns the total.
 */
function sweep(
  starts: Float64Array,
  ends: Float64Array,
  weights: Float64Array,
  n: number,
  over: IntervalSet,
  weighted: boolean,
  attr: Float64Array,
): number {
  if (n === 0) return 0;
  const endOrder = argsort(ends, n);
  const heap = new Int32Array(n);
  const ended = new Uint8Array(n);
  let size = 0;
  const better = (a: number, b: number): boolean => weights[a]! > weights[b]! || (weights[a] === weights[b] && a < b);
  const push = (x: number): void => {
    let k = size++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      const px = heap[p]!;
      if (!better(x, px)) break;
      heap[k] = px;
      k = p;
    }
    heap[k] = x;
  };
  const pop = (): void => {
    const x = heap[--size]!;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && better(heap[r]!, heap[l]!) ? r : l;
      if (!better(heap[c]!, x)) break;
      heap[k] = heap[c]!;
      k = c;
    }
    if (size > 0) heap[k] = x;
  };

  const cursor = new MeasureCursor(over);
  let total = 0;
  let prevMeasure = 0;
  let i = 0;
  let j = 0;
  while (j < n) {
    const ts = i < n ? starts[i]! : Infinity;
    const te = ends[endOrder[j]!]!;
    const t = Math.min(ts, te);
    const m = cursor.at(t);
    if (m > prevMeasure) {
      while (size > 0 && ended[heap[0]!]) pop();
      if (size > 0) {
        const top = heap[0]!;
        const len = m - prevMeasure;
        const c = weighted ? weights[top]! * len : len;
        total += c;
        attr[top] = attr[top]! + c;
      }
    }
    prevMeasure = m;
    while (j < n && ends[endOrder[j]!] === t) ended[endOrder[j++]!] = 1;
    while (i < n && starts[i] === t) push(i++);
  }
  return total;
}

function causeCode(c: unknown): number {
  switch (c) {
    case undefined:
    case 'provider':
      return 0;
    case 'customer':
      return 1;
    case 'force_majeure':
      return 2;
    case 'third_party':
      return 3;
    default:
      return -1;
  }
}

/** Fast check of a well-formed outage; the detailed issues are only built when it fails. */
function outageOk(o: unknown): o is OutageInterval {
  if (o === null || typeof o !== 'object') return false;
  const x = o as OutageInterval;
  const w = x.weight === undefined ? 1 : x.weight;
  return (
    typeof x.id === 'string' &&
    x.id !== '' &&
    isInstant(x.start) &&
    isInstant(x.end) &&
    x.end >= x.start &&
    typeof w === 'number' &&
    w > 0 &&
    w <= 1 &&
    causeCode(x.cause) >= 0
  );
}

function outageIssues(o: unknown, p: string, issues: Issue[]): void {
  if (o === null || typeof o !== 'object') {
    issues.push({ path: p, message: 'expected an outage { id, start, end, weight?, cause? }', received: describeValue(o) });
    return;
  }
  const x = o as OutageInterval;
  if (typeof x.id !== 'string' || x.id === '')
    issues.push({ path: `${p}.id`, message: 'expected a non-empty id', received: describeValue(x.id) });
  if (!isInstant(x.start))
    issues.push({ path: `${p}.start`, message: 'expected an instant in epoch milliseconds', received: describeValue(x.start) });
  if (!isInstant(x.end))
    issues.push({ path: `${p}.end`, message: 'expected an instant in epoch milliseconds', received: describeValue(x.end) });
  else if (isInstant(x.start) && x.end < x.start)
    issues.push({
      path: `${p}.end`,
      message: 'must not be before start',
      expected: `an instant at or after ${x.start}`,
      received: String(x.end),
    });
  const w = x.weight ?? 1;
  if (typeof w !== 'number' || !(w > 0 && w <= 1))
    issues.push({
      path: `${p}.weight`,
      message: 'expected a weight more than 0 and at most 1 (1 = full outage)',
      received: describeValue(x.weight),
    });
  if (causeCode(x.cause) < 0) {
    const hint = typeof x.cause === 'string' ? didYouMean(x.cause, OUTAGE_CAUSES) : undefined;
    issues.push({
      path: `${p}.cause`,
      message: `unknown cause${hint ? `; did you mean ${hint}?` : ''}`,
      expected: OUTAGE_CAUSES.join(', '),
      received: describeValue(x.cause),
    });
  }
}

function maintenanceOk(m: unknown): m is MaintenanceWindow {
  if (m === null || typeof m !== 'object') return false;
  const x = m as MaintenanceWindow;
  return typeof x.id === 'string' && x.id !== '' && isInstant(x.start) && isInstant(x.end) && x.end >= x.start && isInstant(x.announcedAt);
}

function maintenanceIssues(m: unknown, p: string, issues: Issue[]): void {
  if (m === null || typeof m !== 'object') {
    issues.push({ path: p, message: 'expected a maintenance window { id, start, end, announcedAt }', received: describeValue(m) });
    return;
  }
  const x = m as MaintenanceWindow;
  if (typeof x.id !== 'string' || x.id === '')
    issues.push({ path: `${p}.id`, message: 'expected a non-empty id', received: describeValue(x.id) });
  if (!isInstant(x.start))
    issues.push({ path: `${p}.start`, message: 'expected an instant in epoch milliseconds', received: describeValue(x.start) });
  if (!isInstant(x.end))
    issues.push({ path: `${p}.end`, message: 'expected an instant in epoch milliseconds', received: describeValue(x.end) });
  else if (isInstant(x.start) && x.end < x.start)
    issues.push({
      path: `${p}.end`,
      message: 'must not be before start',
      expected: `an instant at or after ${x.start}`,
      received: String(x.end),
    });
  if (!isInstant(x.announcedAt))
    issues.push({
      path: `${p}.announcedAt`,
      message: 'expected the instant it was announced, in epoch milliseconds',
      received: describeValue(x.announcedAt),
    });
}

/** Items chosen by `idx[0..n)`, copied into arrays ordered by start (ties: input order). */
interface Compact {
  n: number;
  s: Float64Array;
  e: Float64Array;
  w: Float64Array;
  /** Item index of each entry. */
  orig: Uint32Array;
}

function compact(idx: Uint32Array, n: number, start: Float64Array, end: Float64Array, weight: Float64Array): Compact {
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = start[idx[k]!]!;
  const order = argsort(keys);
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const w = new Float64Array(n);
  const orig = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[order[k]!]!;
    s[k] = start[i]!;
    e[k] = end[i]!;
    w[k] = weight[i]!;
    orig[k] = i;
  }
  return { n, s, e, w, orig };
}

/** The entries of `c` whose item is not yet ignored, in the same (start) order. */
function stillLive(c: Compact, ignore: Uint8Array): Compact {
  let n = 0;
  for (let k = 0; k < c.n; k++) if (ignore[c.orig[k]!] === IG_NONE) n++;
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const w = new Float64Array(n);
  const orig = new Uint32Array(n);
  for (let k = 0, q = 0; k < c.n; k++) {
    const i = c.orig[k]!;
    if (ignore[i] !== IG_NONE) continue;
    s[q] = c.s[k]!;
    e[q] = c.e[k]!;
    w[q] = c.w[k]!;
    orig[q++] = i;
  }
  return { n, s, e, w, orig };
}

/**
 * Marks the items of every stretch (a maximal run of counted items that overlap or touch)
 * shorter than `min` as too short. `c` holds all non-empty counted items, wherever they lie, so
 * that a stretch straddling the window edge keeps its full length.
 */
function markShortStretches(c: Compact, min: number, ignore: Uint8Array, stretchMs: Float64Array): void {
  for (let k = 0; k < c.n; ) {
    const a = c.s[k]!;
    let b = c.e[k]!;
    let j = k + 1;
    while (j < c.n && c.s[j]! <= b) {
      if (c.e[j]! > b) b = c.e[j]!;
      j++;
    }
    if (b - a < min) {
      for (let q = k; q < j; q++) {
        const i = c.orig[q]!;
        if (ignore[i] !== IG_NONE) continue;
        ignore[i] = IG_TOO_SHORT;
        stretchMs[i] = b - a;
      }
    }
    k = j;
  }
}

export function availability(input: AvailabilityInput, window: TimeWindow, options: AvailabilityOptions = {}): AvailabilityResult {
  const issues: Issue[] = [];
  const settings = resolveSettings(options, issues);
  let calendar = options?.calendar;
  if (calendar !== undefined && (calendar === null || typeof calendar.workingIntervals !== 'function')) {
    issues.push({
      path: 'options.calendar',
      message: 'expected a compiled business calendar; 24x7 used',
      received: describeValue(calendar),
    });
    calendar = undefined;
    settings.serviceHours = '24x7';
  }

  const from = window?.from;
  const to = window?.to;
  const empty = (w: TimeWindow): AvailabilityResult => ({
    window: w,
    windowMs: 0,
    serviceMs: 0,
    excludedMs: 0,
    eligibleMs: 0,
    downtimeMs: 0,
    uptimeMs: 0,
    availability: null,
    outages: [],
    excluded: [],
    ignored: [],
    settings,
    issues,
  });
  if (!isInstant(from))
    issues.push({ path: 'window.from', message: 'expected an instant in epoch milliseconds', received: describeValue(from) });
  if (!isInstant(to)) issues.push({ path: 'window.to', message: 'expected an instant in epoch milliseconds', received: describeValue(to) });
  if (!isInstant(from) || !isInstant(to)) return empty({ from: NaN, to: NaN });
  if (to < from) {
    issues.push({
      path: 'window.to',
      message: 'must not be before window.from',
      expected: `an instant at or after ${from}`,
      received: String(to),
    });
    return empty({ from, to });
  }

  const inp = input !== null && typeof input === 'object' ? input : {};
  if (inp !== input) issues.push({ path: '', message: 'expected { outages?, maintenance?, samples? }', received: describeValue(input) });
  const outages = listOf(inp.outages, 'outages', issues);
  const maintenance = listOf(inp.maintenance, 'maintenance', issues);
  let derived: OutageInterval[] = [];
  if (inp.samples !== undefined) {
    const r = outagesFromSamples(inp.samples, to, settings.checks);
    derived = r.outages;
    issues.push(...r.issues);
  }

  // Items are numbered outages first, then maintenance windows, then check-derived runs.
  const nO = outages.length;
  const nM = maintenance.length;
  const N = nO + nM + derived.length;
  const kindOf = (i: number): ItemKind => (i < nO ? 'outage' : i < nO + nM ? 'maintenance' : 'check');
  const idOf = (i: number): string => (i < nO ? outages[i]! : i < nO + nM ? maintenance[i - nO]! : derived[i - nO - nM]!).id;
  const start = new Float64Array(N);
  const end = new Float64Array(N);
  const weight = new Float64Array(N);
  const cls = new Uint8Array(N);
  const ignore = new Uint8Array(N);
  // Exclusion reason (1 + index into EXCLUSION_REASONS) of excluded items.
  const whyExcluded = new Uint8Array(N);
  const maintenanceNote: string[] = new Array<string>(nM).fill('');
  const ex = settings.exclude;
  const excludeCause = [false, ex.customerCaused, ex.forceMajeure, ex.thirdParty];

  // 1. Validate and classify. Bad items are reported and skipped, never thrown.
  for (let i = 0; i < nO; i++) {
    const o = outages[i];
    if (!outageOk(o)) {
      outageIssues(o, `outages[${i}]`, issues);
      ignore[i] = IG_INVALID;
      continue;
    }
    start[i] = o.start;
    end[i] = o.end;
    weight[i] = o.weight === undefined ? 1 : o.weight;
    const cause = causeCode(o.cause);
    if (excludeCause[cause]) {
      cls[i] = EXCLUDED;
      whyExcluded[i] = cause + 1; // customer -> customer_caused, and so on
    } else cls[i] = COUNTED;
  }
  const notice = settings.maintenanceNoticeMs;
  for (let k = 0; k < nM; k++) {
    const i = nO + k;
    const m = maintenance[k];
    if (!maintenanceOk(m)) {
      maintenanceIssues(m, `maintenance[${k}]`, issues);
      ignore[i] = IG_INVALID;
      continue;
    }
    start[i] = m.start;
    end[i] = m.end;
    weight[i] = 1;
    // Exactly `notice` before the start counts as announced in time.
    if (ex.maintenance && m.announcedAt <= m.start - notice) {
      cls[i] = EXCLUDED;
      whyExcluded[i] = 1;
    } else {
      cls[i] = COUNTED;
      maintenanceNote[k] = !ex.maintenance
        ? 'maintenance is not excluded by the agreement'
        : m.announcedAt > m.start
          ? 'not announced before it started'
          : `announced ${compactMs(m.start - m.announcedAt)} before it started; ${compactMs(notice)} notice required`;
    }
  }
  for (let k = 0; k < derived.length; k++) {
    const i = nO + nM + k;
    start[i] = derived[k]!.start;
    end[i] = derived[k]!.end;
    weight[i] = 1;
    cls[i] = COUNTED;
  }

  // 2. Window and emptiness. Counted items are kept wherever they lie, for stretch lengths.
  const countedIdx = new Uint32Array(N);
  const excludedIdx = new Uint32Array(N);
  let nCounted = 0;
  let nExcluded = 0;
  for (let i = 0; i < N; i++) {
    if (ignore[i] === IG_INVALID) continue;
    const s = start[i]!;
    const e = end[i]!;
    if (cls[i] === COUNTED && e > s) countedIdx[nCounted++] = i;
    if (!(s < to && e > from)) ignore[i] = IG_OUTSIDE_WINDOW;
    else if (e === s) ignore[i] = IG_EMPTY;
    else if (cls[i] === EXCLUDED) excludedIdx[nExcluded++] = i;
  }

  // 3. Stretches shorter than the minimum.
  const C = compact(countedIdx, nCounted, start, end, weight);
  // Only too-short items read it, so it stays empty (and costs nothing) without a minimum.
  const stretchMs = new Float64Array(settings.minOutageMs > 0 ? N : 0);
  if (settings.minOutageMs > 0) markShortStretches(C, settings.minOutageMs, ignore, stretchMs);

  // 4. Service time S, excluded time E, and the eligible scope S - E where downtime can fall.
  const hours = serviceTime(from, to, calendar);
  const U = unmonitoredTime(options?.unmonitored, issues);
  const S = U ? subtract(hours, U) : hours;
  const X = compact(excludedIdx, nExcluded, start, end, weight);
  // Excluded time goes first to announced maintenance (priority 2), then to excluded outages.
  const xPriority = new Float64Array(X.n);
  for (let k = 0; k < X.n; k++) xPriority[k] = kindOf(X.orig[k]!) === 'maintenance' ? 2 : 1;
  const E = unionOfSorted(X.s, X.e, null, X.n);
  const scope = subtract(S, E);
  const xAttr = new Float64Array(X.n);
  sweep(X.s, X.e, xPriority, X.n, S, false, xAttr);

  // 5. Downtime: the heaviest counted weight at each eligible instant.
  const L = stillLive(C, ignore);
  const dAttr = new Float64Array(L.n);
  let downtimeMs = sweep(L.s, L.e, L.w, L.n, scope, true, dAttr);
  // Weights are at most 1, so this only trims floating-point dust on fractional inputs.
  if (downtimeMs > scope.total) downtimeMs = scope.total;

  // 6. Result lists: every input item lands in exactly one of outages, excluded, ignored.
  const counted: CountedItem[] = [];
  for (let q = 0; q < L.n; q++) {
    const i = L.orig[q]!;
    const countedMs = measureBetween(scope, start[i]!, end[i]!);
    if (countedMs === 0) {
      ignore[i] = measureBetween(S, start[i]!, end[i]!) === 0 ? IG_OUTSIDE_HOURS : IG_COVERED;
      continue;
    }
    const kind = kindOf(i);
    // One literal per variant keeps every entry of a variant in one hidden class.
    if (kind === 'maintenance') {
      counted.push({
        id: idOf(i),
        kind,
        start: start[i]!,
        end: end[i]!,
        weight: 1,
        cause: 'provider',
        countedMs,
        downtimeMs: dAttr[q]!,
        note: maintenanceNote[i - nO]!,
      });
      continue;
    }
    const src = (i < nO ? outages[i] : derived[i - nO - nM])!;
    const cause = src.cause ?? 'provider';
    if (Array.isArray(src.evidence)) {
      counted.push({
        id: src.id,
        kind,
        start: start[i]!,
        end: end[i]!,
        weight: weight[i]!,
        cause,
        countedMs,
        downtimeMs: dAttr[q]!,
        evidence: src.evidence,
      });
    } else {
      counted.push({ id: src.id, kind, start: start[i]!, end: end[i]!, weight: weight[i]!, cause, countedMs, downtimeMs: dAttr[q]! });
    }
  }
  const excluded: ExcludedItem[] = [];
  for (let k = 0; k < X.n; k++) {
    const i = X.orig[k]!;
    if (measureBetween(S, start[i]!, end[i]!) === 0) {
      ignore[i] = IG_OUTSIDE_HOURS;
      continue;
    }
    excluded.push({
      id: idOf(i),
      kind: kindOf(i),
      start: start[i]!,
      end: end[i]!,
      reason: EXCLUSION_REASONS[whyExcluded[i]! - 1]!,
      excludedMs: xAttr[k]!,
    });
  }
  // Sized up front: growing an array of several hundred thousand entries by push costs copies.
  let nIgnored = 0;
  for (let i = 0; i < N; i++) if (ignore[i] !== IG_NONE) nIgnored++;
  const ignored: IgnoredItem[] = new Array<IgnoredItem>(nIgnored);
  nIgnored = 0;
  for (let i = 0; i < N; i++) {
    const code = ignore[i]!;
    if (code === IG_NONE) continue;
    const kind = kindOf(i);
    const reason = IGNORE_REASONS[code - 1]!;
    // One literal per variant keeps every entry of a variant in one hidden class.
    if (code === IG_INVALID) {
      const src = (i < nO ? outages[i] : maintenance[i - nO]) as Partial<OutageInterval> | null | undefined;
      const path = kind === 'outage' ? `outages[${i}]` : `maintenance[${i - nO}]`;
      const id = typeof src?.id === 'string' && src.id !== '' ? src.id : path;
      ignored[nIgnored++] = {
        id,
        kind,
        start: isInstant(src?.start) ? src.start : NaN,
        end: isInstant(src?.end) ? src.end : NaN,
        reason,
        detail: `see issues at ${path}`,
      };
    } else if (code === IG_TOO_SHORT) {
      // A number, not a sentence: a noisy year can hold hundreds of thousands of these.
      ignored[nIgnored++] = { id: idOf(i), kind, start: start[i]!, end: end[i]!, reason, stretchMs: stretchMs[i]! };
    } else if (code === IG_COVERED) {
      ignored[nIgnored++] = { id: idOf(i), kind, start: start[i]!, end: end[i]!, reason, detail: 'all of its service time was excluded' };
    } else {
      ignored[nIgnored++] = { id: idOf(i), kind, start: start[i]!, end: end[i]!, reason };
    }
  }

  const serviceMs = S.total;
  const excludedMs = S.total - scope.total;
  const eligibleMs = settings.excludedTime === 'removed' ? scope.total : serviceMs;
  const uptimeMs = eligibleMs - downtimeMs;
  return {
    window: { from, to },
    windowMs: to - from,
    serviceMs,
    ...(U ? { unmonitoredMs: hours.total - S.total } : {}),
    excludedMs,
    eligibleMs,
    downtimeMs,
    uptimeMs,
    availability: eligibleMs > 0 ? uptimeMs / eligibleMs : null,
    outages: counted,
    excluded,
    ignored,
    settings,
    issues,
  };
}
