/**
 * Threshold instants of ticket clocks: when each warning level, the breach and each "breached for"
 * reminder of a clock falls due, on the clock's business calendar, and whether a level is still
 * due against the live clock.
 *
 * The clock engine (src/core/clock/engine.ts) says where a clock stands at an instant `asOf`: its
 * elapsed working time, its target, whether it is running, paused or stopped. A level lies at an
 * elapsed working time (levels.ts, levelElapsedMs). So:
 * - a running clock reaches a level it has not reached yet at addWorking(asOf, level - elapsed) on
 *   its calendar: the exact business-calendar instant, never during closed hours (a 4 h target
 *   opened Friday 16:00 on Mon-Fri 09-17 reaches 75% on Monday 11:00). Like the engine's deadline,
 *   this assumes no further event: a pause, a priority change or a resolution reschedules it (the
 *   caller computes the clock again and asks again);
 * - a paused clock reaches nothing until an event resumes it: it has no next instant;
 * - a stopped clock reaches nothing any more.
 * Just before a warning is sent, `isClockLevelDue` re-checks it against the live clock (computed
 * at that instant): a clock paused at 74% is not due for its 75% warning. Both functions read the
 * level through the same levelElapsedMs, so a level scheduled at instant t is due at t and not at
 * t - 1 ms (a property test holds them to it).
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { ClockPhase, ClockResult } from '../clock/types.ts';
import { levelElapsedMs } from './levels.ts';
import type { ClockLevel, ClockRule } from './types.ts';

/** The fields of a clock result the threshold functions read. */
export type ClockView = Pick<ClockResult, 'start' | 'stop' | 'elapsedMs' | 'targetMs' | 'breachAt' | 'state' | 'phase' | 'segments'>;

/**
 * - due: reached as of asOf (and, for warnings and reminders, the clock still open);
 * - scheduled: not reached; a running clock reaches it at `at`;
 * - paused: not reached; the clock is paused, so no instant is known;
 * - stopped: not reached, and the clock stopped: it never will be;
 * - never: not reached, and the calendar has no working time left to reach it.
 */
export type InstantStatus = 'due' | 'scheduled' | 'paused' | 'stopped' | 'never';

export interface ClockInstant {
  level: ClockLevel;
  /** Elapsed working time at which the level is reached. */
  elapsedMs: number;
  status: InstantStatus;
  /**
   * scheduled: the instant it falls due. due: the instant it was reached when known (the breach:
   * the engine's breachAt; others: from the clock's segments when it was computed with explain),
   * else null. Otherwise null.
   */
  at: number | null;
}

/** The clock's phase; for results stored before the engine gave it, read from stop and state. */
export function phaseOf(clock: Pick<ClockResult, 'stop' | 'state' | 'phase'>): ClockPhase {
  if (clock.phase !== undefined) return clock.phase;
  if (clock.stop !== null) return 'stopped';
  return clock.state === 'paused' ? 'paused' : 'running';
}

/**
 * Whether a level is due on the live clock (the clock computed at the instant of asking):
 * - the breach: the engine found a breach (also on a stopped clock: a breach is reported even when
 *   it is first seen after the ticket was resolved);
 * - every other level: the clock is not stopped (a warning or a reminder about a ticket already
 *   responded to or resolved has nothing left to warn about) and its elapsed time has reached the
 *   level; a "breached for" reminder also needs the breach.
 */
export function isClockLevelDue(rule: ClockRule, clock: ClockView): boolean {
  if (rule.kind === 'at_breach') return clock.breachAt !== null;
  if (phaseOf(clock) === 'stopped') return false;
  if (rule.kind === 'after_breach' && clock.breachAt === null) return false;
  return clock.elapsedMs >= levelElapsedMs(rule, clock.targetMs);
}

/** The instant elapsed working time reached `x`, from the clock's counted segments (explain), or null. */
function reachedAt(clock: ClockView, x: number, calendar: BusinessCalendar): number | null {
  const segs = clock.segments;
  if (!segs) return null;
  if (x <= 0) return segs.find((s) => s.kind === 'counted')?.from ?? clock.start;
  let cum = 0;
  for (const s of segs) {
    if (s.kind !== 'counted' || s.countedMs <= 0) continue;
    if (cum + s.countedMs >= x) return calendar.addWorking(s.from, x - cum);
    cum += s.countedMs;
  }
  return null;
}

/**
 * Each level's instant for a clock computed as of `asOf`, in the order of `levels`. `calendar` is
 * the clock target's calendar.
 */
export function clockInstants(clock: ClockView, levels: readonly ClockLevel[], calendar: BusinessCalendar, asOf: number): ClockInstant[] {
  const phase = phaseOf(clock);
  return levels.map((level) => {
    const x = levelElapsedMs(level.rule, clock.targetMs);
    if (isClockLevelDue(level.rule, clock)) {
      const at = level.rule.kind === 'at_breach' ? clock.breachAt : reachedAt(clock, x, calendar);
      return { level, elapsedMs: x, status: 'due', at };
    }
    if (phase === 'stopped') return { level, elapsedMs: x, status: 'stopped', at: null };
    if (phase === 'paused') return { level, elapsedMs: x, status: 'paused', at: null };
    // Running and not reached: x > elapsed (a reached warning would be due; the breach and the
    // reminders lie beyond the target, which an unbreached clock has not exceeded).
    const at = calendar.addWorking(asOf, x - clock.elapsedMs);
    return Number.isFinite(at) ? { level, elapsedMs: x, status: 'scheduled', at } : { level, elapsedMs: x, status: 'never', at: null };
  });
}

/** The earliest scheduled level of a clock, or null (paused, stopped, everything due or never). */
export function nextClockInstant(
  clock: ClockView,
  levels: readonly ClockLevel[],
  calendar: BusinessCalendar,
  asOf: number,
): { level: ClockLevel; at: number } | null {
  let best: { level: ClockLevel; at: number } | null = null;
  for (const i of clockInstants(clock, levels, calendar, asOf)) {
    if (i.status === 'scheduled' && i.at !== null && (best === null || i.at < best.at)) best = { level: i.level, at: i.at };
  }
  return best;
}
