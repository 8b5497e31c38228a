/**
 * Parsing events from values and from NDJSON text, with every problem named by line and field.
 *
 * Rules beyond the schema, the same wherever events come from (the API, `pledge ingest`, CSV
 * exports, files given to `settle` and `backtest`):
 * - `attributes` nest at most MAX_ATTRIBUTE_DEPTH levels (docs/events.md). JSON text is measured
 *   before it is parsed (core/json.ts), so a deeper event costs a linear scan, not a parse.
 * - No string, and no field name, contains U+0000 or an unpaired surrogate (validation/text.ts).
 * - A satisfaction score lies on its scale: 0 <= score <= scale.
 * - Instants are real: a 60th second only on a day that had a leap second (time/instant.ts).
 * When an event may have happened (not before 2000, not beyond the clock's skew) depends on a
 * clock, so it is `checkEventTime`, applied by ingestion only: files of past events given to
 * `settle` or `backtest` are not judged against today.
 */
import { validate } from '../validation/zod.ts';
import { textProblem } from '../validation/text.ts';
import { describeValue, joinPath, type Issue, type Result } from '../validation/issues.ts';
import { formatInstant, parseInstant } from '../time/instant.ts';
import { scanJsonDepth } from '../json.ts';
import { pledgeEvent, type PledgeEvent, type Timed } from './schema.ts';

/** How deep `attributes` may nest: `{"a": 1}` is one level, `{"a": {"b": 1}}` two. */
export const MAX_ATTRIBUTE_DEPTH = 32;
/** How deep an event may nest in all: itself, its attributes and their levels. */
export const MAX_EVENT_DEPTH = MAX_ATTRIBUTE_DEPTH + 1;

/** The issue for an event nesting deeper than allowed, `inner` being the path inside the event. */
export function tooDeepIssue(inner: ReadonlyArray<string | number>, path: string): Issue {
  const at = joinPath([path, ...inner].filter((s) => s !== ''));
  return inner[0] === 'attributes'
    ? {
        path: at,
        message: `nested too deep: attributes may nest at most ${MAX_ATTRIBUTE_DEPTH} levels`,
        expected: `at most ${MAX_ATTRIBUTE_DEPTH} levels`,
        received: 'deeper',
      }
    : {
        path: at,
        message: `nested too deep: an event may nest at most ${MAX_EVENT_DEPTH} levels (only attributes may nest)`,
        expected: `at most ${MAX_EVENT_DEPTH} levels`,
        received: 'deeper',
      };
}

/**
 * The depth and text rules on a raw event, before the schema. The schema allows nesting only in
 * `attributes` (other fields are scalars, or the event is refused anyway), so only the field names,
 * the strings at the top and `attributes` are walked; the walk keeps its own stack and stops at the
 * first level too deep (which also ends a cycle).
 */
function precheck(value: unknown, path: string): Issue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const issues: Issue[] = [];
  // Called for every string: the path is built only for a problem.
  const text = (segments: () => Array<string | number>, s: string, key: boolean) => {
    const p = textProblem(s);
    if (p)
      issues.push({
        path: joinPath([path, ...segments()].filter((x) => x !== '')),
        message: key ? `the field name ${p}` : p,
        received: describeValue(s),
      });
  };
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    text(() => [k], k, true);
    if (typeof v === 'string') text(() => [k], v, false);
    else if (k === 'attributes' && v !== null && typeof v === 'object') {
      const stack: Array<{ v: unknown; depth: number; at: Array<string | number> }> = [{ v, depth: 1, at: ['attributes'] }];
      while (stack.length > 0 && issues.length < 20) {
        const top = stack.pop()!;
        if (typeof top.v === 'string') {
          text(() => top.at, top.v, false);
          continue;
        }
        if (top.v === null || typeof top.v !== 'object') continue;
        if (top.depth > MAX_ATTRIBUTE_DEPTH) {
          issues.push(tooDeepIssue(top.at, path));
          break;
        }
        const entries: Array<[string | number, unknown]> = Array.isArray(top.v) ? top.v.map((x, i) => [i, x]) : Object.entries(top.v);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, child] = entries[i]!;
          if (typeof key === 'string') text(() => [...top.at, key], key, true);
          stack.push({ v: child, depth: top.depth + 1, at: [...top.at, key] });
        }
      }
    }
  }
  return issues;
}

export function parseEvent(value: unknown, path = ''): Result<Timed> {
  const prefix = (p: string) => (p ? (path ? `${path}.${p}` : p) : path);
  const pre = precheck(value, path);
  const r = validate(pledgeEvent, value);
  if (!r.ok) return { ok: false, issues: [...pre, ...r.issues.map((i) => ({ ...i, path: prefix(i.path) }))] };
  if (pre.length > 0) return { ok: false, issues: pre };
  const at = parseInstant(r.value.at, path ? `${path}.at` : 'at');
  if (!at.ok) return at;
  const ev = r.value as PledgeEvent;
  if (ev.type === 'maintenance.scheduled') {
    const s = parseInstant(ev.start, joinPath([path, 'start'].filter(Boolean)));
    const e = parseInstant(ev.end, joinPath([path, 'end'].filter(Boolean)));
    if (!s.ok) return s;
    if (!e.ok) return e;
    if (e.value <= s.value)
      return { ok: false, issues: [{ path: joinPath([path, 'end'].filter(Boolean)), message: 'must be after start', received: ev.end }] };
    if (ev.announcedAt !== undefined) {
      const a = parseInstant(ev.announcedAt, joinPath([path, 'announcedAt'].filter(Boolean)));
      if (!a.ok) return a;
    }
  }
  if (ev.type === 'ticket.satisfaction' && !(ev.score >= 0 && ev.score <= ev.scale)) {
    return {
      ok: false,
      issues: [
        {
          path: prefix('score'),
          message: `outside its scale: a score from 0 to ${ev.scale} (the scale)`,
          expected: `0 to ${ev.scale}`,
          received: describeValue(ev.score),
        },
      ],
    };
  }
  return { ok: true, value: { ...ev, atMs: at.value } };
}

/** The earliest instant an event may have (docs/events.md). */
export const EARLIEST_EVENT = Date.UTC(2000, 0, 1);

/**
 * When an event may have happened, judged against a clock: not before 2000-01-01 and not more than
 * `maxSkewMs` after `now` (a sender's clock may run a little ahead; a year typed wrong should not
 * become a fact). For ingestion only (see the header).
 */
export function checkEventTime(event: Timed, now: number, maxSkewMs: number, path = ''): Issue | undefined {
  const at = joinPath([path, 'at'].filter(Boolean));
  if (event.atMs < EARLIEST_EVENT)
    return {
      path: at,
      message: 'before 2000-01-01: events before then are refused as mistakes',
      expected: 'an instant from 2000-01-01T00:00:00Z',
      received: describeValue(event.at),
    };
  if (event.atMs > now + maxSkewMs) {
    return {
      path: at,
      message: `in the future: more than ${skewText(maxSkewMs)} after the receiving clock (${formatInstant(now)})`,
      expected: `an instant up to ${formatInstant(now + maxSkewMs)}`,
      received: describeValue(event.at),
    };
  }
  return undefined;
}

function skewText(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  return `${ms} ms`;
}

/**
 * One event as JSON text (an NDJSON line), measured before it is parsed. `notAnEvent`: the text
 * nests too deep and is not even an object, so it is no event at all (the ingestion refuses such a
 * body whole).
 */
export function readEventJson(text: string, path = ''): { ok: true; value: unknown } | { ok: false; issues: Issue[]; notAnEvent: boolean } {
  const scan = scanJsonDepth(text, { limit: MAX_EVENT_DEPTH, stop: 'tooDeep' });
  if (scan.tooDeep) {
    const opener = text.trimStart()[0];
    return { ok: false, issues: [tooDeepIssue(scan.tooDeep.path, path)], notAnEvent: opener !== '{' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, issues: [{ path, message: `not valid JSON: ${(e as Error).message}` }], notAnEvent: false };
  }
}

/** Parses NDJSON (one JSON event per line; blank lines and lines starting with # are skipped). */
export function parseNdjson(text: string, source?: string): { events: Timed[]; issues: Issue[] } {
  const events: Timed[] = [];
  const issues: Issue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const read = readEventJson(line);
    if (!read.ok) {
      for (const is of read.issues) issues.push({ ...is, line: i + 1, ...(source ? { source } : {}) });
      continue;
    }
    const r = parseEvent(read.value);
    if (r.ok) events.push(r.value);
    else for (const is of r.issues) issues.push({ ...is, line: i + 1, ...(source ? { source } : {}) });
  }
  return { events, issues };
}
