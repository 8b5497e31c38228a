/** Ticket clock vocabulary shared by the clock engine, metrics and reports. */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { WorkDuration } from '../time/duration.ts';

/** What a target measures: time to first response, or time to resolution. */
export type ClockKind = 'response' | 'resolution';

export interface ClockTarget {
  /** Name of the target, e.g. "response", "resolution", "p1-resolution". */
  name: string;
  kind: ClockKind;
  /** Duration when no per-priority value applies. */
  duration?: WorkDuration;
  /** Duration per priority name (e.g. P1: 1h, P2: 4h); wins over `duration`. */
  byPriority?: Record<string, WorkDuration>;
  calendar: BusinessCalendar;
  /** Ticket statuses in which the clock pauses (e.g. waiting_on_customer). */
  pauseOn?: string[];
  /** Shares of the target at which a running clock is "at risk" (default [0.75]); the lowest one sets the state. */
  warnAt?: number[];
  /**
   * keep_elapsed (default): the new priority's target applies from the ticket's start, keeping the
   * working time already elapsed. restart: the clock starts again from zero at the change.
   */
  onPriorityChange?: 'keep_elapsed' | 'restart';
  /**
   * continue (default): a reopened ticket continues the same cycle; the time between resolution and
   * reopening is not counted. new_cycle: each reopening starts a new, separately measured cycle.
   */
  onReopen?: 'continue' | 'new_cycle';
}

export type ClockState = 'running' | 'paused' | 'at_risk' | 'met' | 'breached';

/**
 * What the clock is doing at `now`: counting (running, also outside working hours), paused in a
 * pause status, or stopped (responded, resolved, closed). Unlike `state`, which says how the clock
 * stands against its target (a paused clock that is nearly used up is at_risk), this says whether
 * time can still move it: only a running clock reaches its next threshold without a new event.
 */
export type ClockPhase = 'running' | 'paused' | 'stopped';

export type SegmentKind = 'counted' | 'paused' | 'outside_hours' | 'stopped';

export interface ClockSegment {
  from: number;
  to: number;
  kind: SegmentKind;
  /** Working ms counted in this segment (0 unless kind is counted). */
  countedMs: number;
  /** Why: the status that paused it, "closed hours", "resolved" ... */
  reason: string;
}

export interface ClockResult {
  ticket: string;
  /** The ticket's source, when its events name one: a ticket is its source and its id (tickets.ts). */
  source?: string;
  target: string;
  kind: ClockKind;
  /** 1 for the first cycle; reopening with onReopen=new_cycle adds cycles. */
  cycle: number;
  /** Priority whose duration applies (the latest known at stop or now). */
  priority: string | null;
  start: number;
  /** Instant the clock stopped (response given or ticket resolved), null while running. */
  stop: number | null;
  /** Working time counted up to stop, or up to `now` while running. */
  elapsedMs: number;
  /** Working time paused (working time that fell in pause statuses). */
  pausedMs: number;
  targetMs: number;
  /** Instant the target is (or was) used up, given the pauses known so far; Infinity if never. */
  deadline: number;
  state: ClockState;
  /**
   * Running, paused or stopped at `now` (see ClockPhase). The engine always sets it; it is optional
   * so results stored before it existed still read: without it, a clock with a stop is stopped, one
   * whose state is paused is paused, and any other is taken as running (an at_risk clock that was
   * paused then reads as running until it is derived again).
   */
  phase?: ClockPhase;
  /** elapsedMs / targetMs. */
  consumed: number;
  /** Instant the target was breached, null if not breached. */
  breachAt: number | null;
  /** Ids of the events that shaped this clock, for tracing. */
  eventIds: string[];
  /** Timeline, only when asked for (explain). */
  segments?: ClockSegment[];
}

/** Facts about one ticket that metrics other than clocks need. */
export interface TicketSummary {
  ticket: string;
  /** The ticket's source, when its events name one (see ClockResult.source). */
  source?: string;
  createdAt: number;
  service: string | null;
  customer: string | null;
  region: string | null;
  channel: string | null;
  kind: 'incident' | 'request';
  requestType: string | null;
  /** Priority at creation and the latest known. */
  initialPriority: string | null;
  priority: string | null;
  status: string | null;
  firstResponseAt: number | null;
  /** Latest resolution (null if open or reopened after it). */
  resolvedAt: number | null;
  resolvedBy: 'customer' | 'provider' | null;
  closedAt: number | null;
  reopenCount: number;
  escalationCount: number;
  /** Number of assignment changes to a different group after creation. */
  groupChanges: number;
  contactsIn: number;
  contactsOut: number;
  /** Satisfaction ratings normalised to 0..1 (score / scale), with when they were given. */
  satisfaction: Array<{ at: number; score: number; scale: number }>;
  eventIds: string[];
}
