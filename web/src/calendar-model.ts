/**
 * A stored calendar read for people (docs/calendars.md): the weekly hours, the holidays, closures
 * and openings of a year (yearly holidays moved off weekends as the server's compiler moves them,
 * src/core/calendar/compile.ts), and what a day of a month is. The server validated the calendar
 * when it was stored; this reads it without judging it, and skips what it cannot read.
 *
 * Adding a holiday or closure edits the source text: YAML through the yaml library's document
 * model, so comments and the writer's layout survive the round trip; JSON as JSON.
 */
import type { StoredCalendar } from './api-admin';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** [start, end) in minutes from local midnight; end may pass 1440 (a shift into the next day). */
export type Range = [number, number];

export interface DayHours {
  /** As written ("09:00-17:00"), or null for a closed day. */
  ranges: Range[];
  always: boolean;
}

export interface DatedEntry {
  date: string;
  name?: string;
  /** The calendar (of the extends chain) that lists it. */
  from: string;
}
export interface YearlyEntry {
  yearly: string;
  name?: string;
  first?: number;
  last?: number;
  observed: 'none' | 'nearest_weekday' | 'next_weekday';
  from: string;
}
export interface PartEntry {
  date: string;
  name?: string;
  ranges: Range[];
  always?: boolean;
  from: string;
}

export interface CalendarView {
  name: string;
  title?: string;
  description?: string;
  zone?: string;
  /** The chain of calendars this one extends, nearest first (names of stored calendars). */
  parents: string[];
  /** A parent that is not stored, when the chain breaks. */
  missingParent?: string;
  /** Index 0..6 = mon..sun. */
  week: DayHours[];
  alwaysOpen: boolean;
  dayLength?: string;
  holidays: DatedEntry[];
  yearly: YearlyEntry[];
  closures: PartEntry[];
  openings: PartEntry[];
  /** iCalendar files named by the calendar (or a parent): their days are not shown here. */
  ics: string[];
  /** Whether this calendar's own source names iCalendar files (the API refuses to store those). */
  ownIcs: boolean;
}

/** The stored name a reference points to (company.yaml, ../calendars/company.yaml: company). */
export const calendarNameOf = (ref: string) => (ref.split('/').pop() ?? ref).replace(/\.(ya?ml|json)$/i, '');

const RANGE = /^(\d{2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{2}):(\d{2})(?::(\d{2}))?$/;

export function parseRange(text: string): Range | null {
  const m = RANGE.exec(text.trim());
  if (!m) return null;
  const s = Number(m[1]) * 60 + Number(m[2]) + Number(m[3] ?? 0) / 60;
  let e = Number(m[4]) * 60 + Number(m[5]) + Number(m[6] ?? 0) / 60;
  if (e <= s) e += 1440;
  return [s, e];
}

const rangesOf = (v: unknown): Range[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? parseRange(x) : null)).filter((r): r is Range => r !== null) : [];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

async function parseText(cal: StoredCalendar): Promise<Obj> {
  if (cal.format === 'json') {
    const v: unknown = JSON.parse(cal.source);
    return isObj(v) ? v : {};
  }
  const { parse } = await import('yaml');
  const v: unknown = parse(cal.source);
  return isObj(v) ? v : {};
}

function weekOf(hours: unknown): { week: DayHours[]; alwaysOpen: boolean } {
  if (hours === 'always') return { week: WEEKDAYS.map(() => ({ ranges: [[0, 1440]], always: true })), alwaysOpen: true };
  const h = isObj(hours) ? hours : {};
  return {
    week: WEEKDAYS.map((d) => {
      const v = h[d];
      if (v === 'always') return { ranges: [[0, 1440]], always: true };
      return { ranges: rangesOf(v), always: false };
    }),
    alwaysOpen: false,
  };
}

/**
 * Reads a calendar and the chain it extends. `load` fetches another stored calendar by name
 * (null when there is none).
 */
export async function readCalendar(cal: StoredCalendar, load: (name: string) => Promise<StoredCalendar | null>): Promise<CalendarView> {
  const chain: { name: string; spec: Obj }[] = [{ name: cal.name, spec: await parseText(cal) }];
  let missingParent: string | undefined;
  const seen = new Set([cal.name]);
  for (let ref = str(chain[0]?.spec.extends); ref !== undefined && chain.length < 10; ) {
    const name = calendarNameOf(ref);
    if (seen.has(name)) break;
    seen.add(name);
    const parent = await load(name);
    if (!parent) {
      missingParent = name;
      break;
    }
    const spec = await parseText(parent);
    chain.push({ name, spec });
    ref = str(spec.extends);
  }
  const own = chain[0]!.spec;
  const nearest = (k: string) => chain.find((c) => c.spec[k] !== undefined)?.spec[k];
  const { week, alwaysOpen } = weekOf(nearest('hours'));
  const view: CalendarView = {
    name: cal.name,
    parents: chain.slice(1).map((c) => c.name),
    week,
    alwaysOpen,
    holidays: [],
    yearly: [],
    closures: [],
    openings: [],
    ics: [],
    ownIcs: Array.isArray(own.ics) && own.ics.length > 0,
  };
  const title = str(own.name);
  if (title) view.title = title;
  const description = str(own.description);
  if (description) view.description = description;
  const zone = str(nearest('timezone'));
  if (zone) view.zone = zone;
  const dayLength = str(nearest('dayLength'));
  if (dayLength) view.dayLength = dayLength;
  if (missingParent) view.missingParent = missingParent;
  // Parents first: the child adds to what it inherits.
  for (const { name: from, spec } of [...chain].reverse()) {
    for (const h of Array.isArray(spec.holidays) ? spec.holidays : []) {
      if (typeof h === 'string') view.holidays.push({ date: h, from });
      else if (isObj(h) && typeof h.date === 'string') view.holidays.push({ date: h.date, ...opt('name', str(h.name)), from });
      else if (isObj(h) && typeof h.yearly === 'string') {
        const observed = h.observed === 'nearest_weekday' || h.observed === 'next_weekday' ? h.observed : 'none';
        view.yearly.push({
          yearly: h.yearly,
          observed,
          from,
          ...opt('name', str(h.name)),
          ...opt('first', typeof h.from === 'number' ? h.from : undefined),
          ...opt('last', typeof h.until === 'number' ? h.until : undefined),
        });
      }
    }
    for (const [list, key] of [
      [view.closures, 'closures'],
      [view.openings, 'openings'],
    ] as const) {
      for (const c of Array.isArray(spec[key]) ? spec[key] : []) {
        if (!isObj(c) || typeof c.date !== 'string') continue;
        list.push({
          date: c.date,
          ranges: c.hours === 'always' ? [[0, 1440]] : rangesOf(c.hours),
          ...(c.hours === 'always' ? { always: true } : {}),
          ...opt('name', str(c.name)),
          from,
        });
      }
    }
    for (const f of Array.isArray(spec.ics) ? spec.ics : []) if (typeof f === 'string') view.ics.push(f);
  }
  return view;
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

// ---- Civil dates (UTC arithmetic on day numbers: no time zone of the browser involved) ----

const DAY = 86_400_000;
export const dayOf = (date: string) => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY;
export const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
/** 0 = Monday ... 6 = Sunday. */
export const weekdayOf = (day: number) => (new Date(day * DAY).getUTCDay() + 6) % 7;
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Working minutes of a day's ranges, overlaps counted once. */
export function minutesOf(ranges: Range[]): number {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

/** The days a yearly holiday closes in year `y` (observed shifts may cross into the next or last year). */
function yearlyDay(h: YearlyEntry, y: number): number | null {
  if ((h.first !== undefined && y < h.first) || (h.last !== undefined && y > h.last)) return null;
  const [mm, dd] = h.yearly.split('-').map(Number) as [number, number];
  if (mm === 2 && dd === 29 && !isLeap(y)) return null;
  let d = Date.UTC(y, mm - 1, dd) / DAY;
  const wd = weekdayOf(d);
  if (h.observed === 'nearest_weekday') d += wd === 5 ? -1 : wd === 6 ? 1 : 0;
  else if (h.observed === 'next_weekday') d += wd === 5 ? 2 : wd === 6 ? 1 : 0;
  return d;
}

export interface Closed {
  date: string;
  name?: string;
  from: string;
  /** The yearly rule it comes from ("12-25"), if any. */
  yearly?: string;
  /** The date the rule names, when it was moved off a weekend. */
  movedFrom?: string;
}

/** Whole days closed in year `y`, in date order. */
export function holidaysIn(view: CalendarView, y: number): Closed[] {
  const out: Closed[] = view.holidays.filter((h) => h.date.startsWith(`${y}-`)).map((h) => ({ ...h }));
  for (const h of view.yearly) {
    for (const yy of [y - 1, y, y + 1]) {
      const d = yearlyDay(h, yy);
      if (d === null || !dateOf(d).startsWith(`${y}-`)) continue;
      const named = `${yy}-${h.yearly}`;
      out.push({
        date: dateOf(d),
        from: h.from,
        yearly: h.yearly,
        ...opt('name', h.name),
        ...(named !== dateOf(d) ? { movedFrom: named } : {}),
      });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

/** The years the calendar lists dated entries for, and `also`, in order. */
export function yearsOf(view: CalendarView, also: number[]): number[] {
  const ys = new Set(also);
  for (const e of [...view.holidays, ...view.closures, ...view.openings]) ys.add(Number(e.date.slice(0, 4)));
  return [...ys].filter((y) => Number.isFinite(y)).sort((a, b) => a - b);
}

export type DayKind = 'working' | 'closed' | 'holiday' | 'closure' | 'opening';

export interface DayInfo {
  date: string;
  kind: DayKind;
  /** Working minutes that day (shifts counted on the day they start). */
  minutes: number;
  /** The holiday's, closure's or opening's name. */
  name?: string;
}

/** Every day of a month (1-12), as the calendar has it. */
export function monthDays(view: CalendarView, y: number, m: number): DayInfo[] {
  const hol = new Map(holidaysIn(view, y).map((h) => [h.date, h]));
  const clo = new Map<string, PartEntry[]>();
  for (const c of view.closures) clo.set(c.date, [...(clo.get(c.date) ?? []), c]);
  const ope = new Map(view.openings.map((o) => [o.date, o]));
  const first = Date.UTC(y, m - 1, 1) / DAY;
  const last = Date.UTC(y, m, 1) / DAY;
  const out: DayInfo[] = [];
  for (let d = first; d < last; d++) {
    const date = dateOf(d);
    const opening = ope.get(date);
    const ranges = opening ? opening.ranges : (view.week[weekdayOf(d)]?.ranges ?? []);
    const h = hol.get(date);
    if (h) {
      out.push({ date, kind: 'holiday', minutes: 0, ...opt('name', h.name) });
      continue;
    }
    const closures = clo.get(date) ?? [];
    const open = minutesOf(ranges);
    if (closures.length > 0) {
      const closedRanges = closures.flatMap((c) => c.ranges);
      out.push({ date, kind: 'closure', minutes: Math.max(0, open - overlap(ranges, closedRanges)), ...opt('name', closures[0]?.name) });
    } else if (opening) out.push({ date, kind: 'opening', minutes: open, ...opt('name', opening.name) });
    else out.push({ date, kind: open > 0 ? 'working' : 'closed', minutes: open });
  }
  return out;
}

/** Minutes of `a` that `b` covers. */
function overlap(a: Range[], b: Range[]): number {
  let n = 0;
  for (const [s, e] of a) {
    const cut: Range[] = [];
    for (const [bs, be] of b) {
      const lo = Math.max(s, bs);
      const hi = Math.min(e, be);
      if (hi > lo) cut.push([lo, hi]);
    }
    n += minutesOf(cut);
  }
  return n;
}

// ---- Editing ----

export type NewEntry = { kind: 'holiday'; date: string; name?: string } | { kind: 'closure'; date: string; name?: string; hours: string[] };

/**
 * The calendar's source with the entry appended to its own `holidays` or `closures`, and the
 * entry's index there (the server names a bad field as `holidays[9].date`).
 */
export async function withEntry(cal: StoredCalendar, entry: NewEntry): Promise<{ source: string; index: number }> {
  const key = entry.kind === 'holiday' ? 'holidays' : 'closures';
  const item: Obj = { date: entry.date };
  if (entry.kind === 'closure') item.hours = entry.hours;
  if (entry.name) item.name = entry.name;
  if (cal.format === 'json') {
    const v: unknown = JSON.parse(cal.source);
    const doc: Obj = isObj(v) ? v : {};
    const list = Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [];
    doc[key] = [...list, item];
    return { source: `${JSON.stringify(doc, null, 2)}\n`, index: list.length };
  }
  const { parseDocument, isSeq, YAMLSeq } = await import('yaml');
  const doc = parseDocument(cal.source);
  const node = doc.createNode(item, { flow: true });
  const seq = doc.get(key, true);
  if (isSeq(seq)) {
    seq.items.push(node);
    return { source: doc.toString(), index: seq.items.length - 1 };
  }
  const fresh = new YAMLSeq();
  fresh.items.push(node);
  doc.set(key, fresh);
  return { source: doc.toString(), index: 0 };
}
