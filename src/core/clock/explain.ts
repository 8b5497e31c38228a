/**
 * Explanations of a clock: the segments of its timeline and a readable rendering of them.
 *
 * Invariants of a clock's `segments` (checked by the tests):
 * - contiguous: segments[i].to === segments[i+1].from, none empty;
 * - they cover [start, stop] for a stopped clock and [start, now] for a running or paused one;
 * - the countedMs of the counted segments add up to the clock's elapsedMs, and only counted
 *   segments have countedMs > 0;
 * - neighbours never share both kind and reason (they are merged), so a segment is a maximal run.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import { formatInstant } from '../time/instant.ts';
import { compactMs } from '../time/duration.ts';
import type { ClockResult, ClockSegment, SegmentKind } from './types.ts';

export const REASON_WORKING = 'working time';
export const REASON_CLOSED_HOURS = 'outside working hours';

/** Appends [from, to) to the timeline, merging it into the last segment when kind and reason match. */
export function pushSegment(segs: ClockSegment[], from: number, to: number, kind: SegmentKind, countedMs: number, reason: string): void {
  if (to <= from) return;
  const last = segs[segs.length - 1];
  if (last && last.kind === kind && last.reason === reason && last.to === from) {
    last.to = to;
    last.countedMs += countedMs;
    return;
  }
  segs.push({ from, to, kind, countedMs, reason });
}

/** Appends a running stretch [from, to): counted working intervals, outside_hours between them. */
export function pushRunning(segs: ClockSegment[], cal: BusinessCalendar, from: number, to: number): void {
  let cursor = from;
  for (const [s, e] of cal.workingIntervals(from, to)) {
    if (s > cursor) pushSegment(segs, cursor, s, 'outside_hours', 0, REASON_CLOSED_HOURS);
    pushSegment(segs, s, e, 'counted', e - s, REASON_WORKING);
    cursor = e;
  }
  if (cursor < to) pushSegment(segs, cursor, to, 'outside_hours', 0, REASON_CLOSED_HOURS);
}

function pct(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return `${Math.round(x * 1000) / 10}%`;
}

function dur(ms: number): string {
  return Number.isFinite(ms) ? compactMs(Math.round(ms)) : 'unlimited';
}

/**
 * A multi-line, plain-text account of one clock: what it measured, against which target, and
 * (when the result was computed with explain) every stretch of its timeline with the running
 * total of counted time. Instants are printed in `zone` (ISO 8601 with that zone's offset).
 */
export function renderTimeline(r: ClockResult, zone = 'UTC'): string {
  const at = (ms: number): string => formatInstant(ms, zone);
  const lines: string[] = [];
  lines.push(`Ticket ${r.ticket}, target "${r.target}" (${r.kind}), cycle ${r.cycle}, priority ${r.priority ?? '(none)'}`);
  lines.push(
    `Target ${dur(r.targetMs)} of working time; elapsed ${dur(r.elapsedMs)} (${pct(r.consumed)}); paused ${dur(r.pausedMs)} of working time`,
  );
  lines.push(`Started ${at(r.start)}; ${r.stop === null ? 'not stopped' : `stopped ${at(r.stop)}`}; deadline ${at(r.deadline)}`);
  lines.push(`State: ${r.state}${r.breachAt !== null ? `, breached at ${at(r.breachAt)}` : ''}`);
  if (!r.segments) {
    lines.push('(no timeline: evaluate with explain to see each stretch)');
    return lines.join('\n');
  }
  const kindWidth = 13;
  let total = 0;
  let breachShown = r.breachAt === null;
  for (const s of r.segments) {
    total += s.countedMs;
    const what = s.kind === 'counted' ? `+${dur(s.countedMs)}, total ${dur(total)}` : `${dur(s.to - s.from)} not counted: ${s.reason}`;
    lines.push(`  ${at(s.from)} .. ${at(s.to)}  ${s.kind.padEnd(kindWidth)} ${what}`);
    if (!breachShown && r.breachAt !== null && r.breachAt <= s.to) {
      lines.push(`  ${at(r.breachAt)}  target of ${dur(r.targetMs)} used up: breached`);
      breachShown = true;
    }
  }
  if (!breachShown && r.breachAt !== null) lines.push(`  ${at(r.breachAt)}  target used up: breached`);
  return lines.join('\n');
}
