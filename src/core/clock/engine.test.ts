/**
 * Table-driven behaviour of the clock engine on real compiled calendars. Every expected instant
 * and duration below was worked out by hand from the calendar (Europe/Berlin, Mon-Fri
 * 09:00-17:00, 2026-04-03 a holiday; or Berlin 24x7) and the rules in engine.ts.
 * 2026-03-02 is a Monday; Berlin switches from +01:00 to +02:00 on Sunday 2026-03-29.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTicket, computeClocks } from './engine.ts';
import type { ClockResult, ClockTarget } from './types.ts';
import { at, berlinAlways, berlinOffice, H, hours, M, minutes, target, ticketEvents, type Row } from './testkit.ts';

const office = berlinOffice();
const always = berlinAlways();

/** Expected fields of one clock; instants as ISO strings, null where null. */
interface Expect {
  cycle?: number;
  priority?: string | null;
  start?: string;
  stop?: string | null;
  elapsedMs: number;
  pausedMs?: number;
  targetMs?: number;
  deadline: string;
  state: ClockResult['state'];
  breachAt: string | null;
  consumed?: number;
  eventIds?: string[];
}

interface Case {
  name: string;
  rows: Row[];
  target: ClockTarget;
  now: string;
  expect: Expect[];
}

const RESOLUTION_4H = target('resolution', { calendar: office, duration: hours(4) });
const RESPONSE_1H = target('response', { calendar: office, duration: hours(1) });
const PAUSING_8H = target('resolution', { calendar: office, duration: hours(8), pauseOn: ['waiting_on_customer', 'pending_vendor'] });
const PAUSING_4H = target('resolution', { calendar: office, duration: hours(4), pauseOn: ['waiting_on_customer'] });
const BY_PRIORITY = { P1: hours(2), P3: hours(8) };
const KEEP = target('resolution', { calendar: office, byPriority: BY_PRIORITY });
const RESTART = target('resolution', {
  calendar: office,
  byPriority: BY_PRIORITY,
  onPriorityChange: 'restart',
  pauseOn: ['waiting_on_customer'],
});
const NEW_CYCLE = target('resolution', { calendar: office, duration: hours(4), onReopen: 'new_cycle' });
const RESPONSE_NEW_CYCLE = target('response', { calendar: office, duration: hours(1), onReopen: 'new_cycle' });

const MON = '2026-03-02';
const TUE = '2026-03-03';
const mon = (hm: string): string => `${MON}T${hm}:00+01:00`;
const tue = (hm: string): string => `${TUE}T${hm}:00+01:00`;

const cases: Case[] = [
  // ---- basic business-hours measurement -------------------------------------------------------
  {
    name: 'resolution met across a night: 1h on Monday + 2h on Tuesday',
    rows: [
      [mon('16:00'), 'created'],
      [tue('11:00'), 'resolved'],
    ],
    target: RESOLUTION_4H,
    now: '2026-03-04T00:00:00+01:00',
    expect: [
      {
        start: mon('16:00'),
        stop: tue('11:00'),
        elapsedMs: 3 * H,
        pausedMs: 0,
        targetMs: 4 * H,
        deadline: tue('12:00'),
        state: 'met',
        breachAt: null,
        consumed: 0.75,
        eventIds: ['T-0', 'T-1'],
      },
    ],
  },
  {
    name: 'response breached overnight: the hour ran out at 09:30 the next morning',
    rows: [
      [mon('16:30'), 'created'],
      [tue('10:00'), 'responded'],
    ],
    target: RESPONSE_1H,
    now: tue('12:00'),
    expect: [{ stop: tue('10:00'), elapsedMs: 90 * M, deadline: tue('09:30'), state: 'breached', breachAt: tue('09:30'), consumed: 1.5 }],
  },
  {
    name: 'running, below the warning share',
    rows: [[mon('09:00'), 'created']],
    target: RESOLUTION_4H,
    now: mon('11:00'),
    expect: [{ stop: null, elapsedMs: 2 * H, deadline: mon('13:00'), state: 'running', breachAt: null, consumed: 0.5 }],
  },
  {
    name: 'at_risk at exactly 75% of the target',
    rows: [[mon('09:00'), 'created']],
    target: RESOLUTION_4H,
    now: mon('12:00'),
    expect: [{ stop: null, elapsedMs: 3 * H, deadline: mon('13:00'), state: 'at_risk', breachAt: null, consumed: 0.75 }],
  },
  {
    name: 'the lowest warnAt share sets at_risk',
    rows: [[mon('09:00'), 'created']],
    target: target('resolution', { calendar: office, duration: hours(4), warnAt: [0.9, 0.5] }),
    now: mon('11:00'),
    expect: [{ elapsedMs: 2 * H, deadline: mon('13:00'), state: 'at_risk', breachAt: null }],
  },
  {
    name: 'an empty warnAt list never warns',
    rows: [[mon('09:00'), 'created']],
    target: target('resolution', { calendar: office, duration: hours(4), warnAt: [] }),
    now: mon('12:59'),
    expect: [{ elapsedMs: 3 * H + 59 * M, deadline: mon('13:00'), state: 'running', breachAt: null }],
  },
  {
    name: 'elapsed exactly equal to the target while running is not yet a breach',
    rows: [[mon('09:00'), 'created']],
    target: RESOLUTION_4H,
    now: mon('13:00'),
    expect: [{ elapsedMs: 4 * H, deadline: mon('13:00'), state: 'at_risk', breachAt: null, consumed: 1 }],
  },
  {
    name: 'running past the target is breached at the instant it ran out',
    rows: [[mon('09:00'), 'created']],
    target: RESOLUTION_4H,
    now: mon('13:30'),
    expect: [{ elapsedMs: 4.5 * H, deadline: mon('13:00'), state: 'breached', breachAt: mon('13:00') }],
  },
  {
    name: 'time used up exactly at closing time: the deadline is the closing time, not the next opening',
    rows: [[mon('13:00'), 'created']],
    target: RESOLUTION_4H,
    now: tue('08:00'),
    expect: [{ elapsedMs: 4 * H, deadline: mon('17:00'), state: 'at_risk', breachAt: null }],
  },
  {
    name: 'breached from the next opening on, breachAt stays the closing time it ran out at (even with a pause in between)',
    rows: [
      [mon('13:00'), 'created'],
      [mon('18:00'), 'status', { status: 'waiting_on_customer' }],
      [mon('19:00'), 'status', { status: 'in_progress' }],
    ],
    target: PAUSING_4H,
    now: tue('09:01'),
    expect: [{ elapsedMs: 4 * H + M, deadline: mon('17:00'), state: 'breached', breachAt: mon('17:00') }],
  },
  {
    name: 'a ticket created on Saturday starts counting on Monday 09:00',
    rows: [['2026-03-07T10:00:00+01:00', 'created']],
    target: RESOLUTION_4H,
    now: '2026-03-09T09:30:00+01:00',
    expect: [{ elapsedMs: 30 * M, deadline: '2026-03-09T13:00:00+01:00', state: 'running', breachAt: null }],
  },

  // ---- pauses ------------------------------------------------------------------------------------
  {
    name: 'pause while waiting on the customer: paused working time is not counted',
    rows: [
      [mon('09:00'), 'created', { status: 'new' }],
      [mon('10:00'), 'status', { status: 'waiting_on_customer' }],
      [tue('10:00'), 'status', { status: 'in_progress' }],
      [tue('12:00'), 'resolved'],
    ],
    target: PAUSING_8H,
    now: '2026-03-04T00:00:00+01:00',
    expect: [
      {
        stop: tue('12:00'),
        elapsedMs: 3 * H,
        pausedMs: 8 * H,
        deadline: tue('17:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-0', 'T-1', 'T-2', 'T-3'],
      },
    ],
  },
  {
    name: 'paused now: the deadline is computed as if the pause ended now',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'status', { status: 'waiting_on_customer' }],
    ],
    target: PAUSING_4H,
    now: mon('15:00'),
    expect: [{ stop: null, elapsedMs: 1 * H, pausedMs: 5 * H, deadline: tue('10:00'), state: 'paused', breachAt: null, consumed: 0.25 }],
  },
  {
    name: 'a paused clock that is nearly used up is at_risk',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'status', { status: 'waiting_on_customer' }],
    ],
    target: target('resolution', { calendar: office, duration: minutes(80), pauseOn: ['waiting_on_customer'] }),
    now: mon('15:00'),
    expect: [{ elapsedMs: 1 * H, pausedMs: 5 * H, deadline: mon('15:20'), state: 'at_risk', breachAt: null, consumed: 0.75 }],
  },
  {
    name: 'paused from creation',
    rows: [
      [mon('09:00'), 'created', { status: 'waiting_on_customer' }],
      [mon('11:00'), 'status', { status: 'in_progress' }],
      [mon('12:00'), 'resolved'],
    ],
    target: PAUSING_4H,
    now: mon('18:00'),
    expect: [{ elapsedMs: 1 * H, pausedMs: 2 * H, deadline: mon('15:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'one pause status to another keeps the clock paused; a status outside pauseOn resumes it',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'status', { status: 'waiting_on_customer' }],
      [mon('11:00'), 'status', { status: 'pending_vendor' }],
      [mon('12:00'), 'status', { status: 'in_progress' }],
      [mon('12:30'), 'status', { status: 'some_status_nobody_configured' }],
      [mon('13:00'), 'resolved'],
    ],
    target: PAUSING_8H,
    now: mon('18:00'),
    expect: [
      {
        elapsedMs: 2 * H,
        pausedMs: 2 * H,
        deadline: tue('11:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-0', 'T-1', 'T-2', 'T-3', 'T-5'],
      },
    ],
  },
  {
    name: 'pausing exactly when the time runs out: breachAt is when it ran out, not when counting resumed',
    rows: [
      [mon('09:00'), 'created'],
      [mon('13:00'), 'status', { status: 'waiting_on_customer' }],
      [mon('15:00'), 'status', { status: 'in_progress' }],
    ],
    target: PAUSING_4H,
    now: mon('15:10'),
    expect: [{ elapsedMs: 4 * H + 10 * M, pausedMs: 2 * H, deadline: mon('13:00'), state: 'breached', breachAt: mon('13:00') }],
  },

  // ---- calendars: DST, holidays, eod and wd units --------------------------------------------
  {
    name: '24x7 across the 2026-03-29 DST change: the night is 23 hours long',
    rows: [
      ['2026-03-28T12:00:00+01:00', 'created'],
      ['2026-03-29T12:00:00+02:00', 'resolved'],
    ],
    target: target('resolution', { calendar: always, duration: { kind: 'fixed', ms: 24 * H } }),
    now: '2026-03-30T00:00:00+02:00',
    expect: [{ elapsedMs: 23 * H, deadline: '2026-03-29T13:00:00+02:00', state: 'met', breachAt: null }],
  },
  {
    name: '24x7 running across the DST change, exactly at the target',
    rows: [['2026-03-28T12:00:00+01:00', 'created']],
    target: target('resolution', { calendar: always, duration: { kind: 'fixed', ms: 24 * H } }),
    now: '2026-03-29T13:00:00+02:00',
    expect: [{ elapsedMs: 24 * H, deadline: '2026-03-29T13:00:00+02:00', state: 'at_risk', breachAt: null, consumed: 1 }],
  },
  {
    name: 'office hours across the DST weekend: Friday 16:00 to Monday 10:00 is 2 working hours',
    rows: [
      ['2026-03-27T16:00:00+01:00', 'created'],
      ['2026-03-30T10:00:00+02:00', 'resolved'],
    ],
    target: target('resolution', { calendar: office, duration: { kind: 'workdays', days: 1 } }),
    now: '2026-03-31T00:00:00+02:00',
    expect: [{ elapsedMs: 2 * H, targetMs: 8 * H, deadline: '2026-03-30T16:00:00+02:00', state: 'met', breachAt: null }],
  },
  {
    name: '0eod: by the close of the working day in progress (a budget of 1h from Friday 16:00)',
    rows: [
      ['2026-03-27T16:00:00+01:00', 'created'],
      ['2026-03-30T10:00:00+02:00', 'resolved'],
    ],
    target: target('resolution', { calendar: office, duration: { kind: 'eod', days: 0 } }),
    now: '2026-03-31T00:00:00+02:00',
    expect: [
      {
        elapsedMs: 2 * H,
        targetMs: 1 * H,
        deadline: '2026-03-27T17:00:00+01:00',
        state: 'breached',
        breachAt: '2026-03-27T17:00:00+01:00',
      },
    ],
  },
  {
    name: 'holiday: Good Friday is skipped, the deadline moves to Monday',
    rows: [['2026-04-02T16:00:00+02:00', 'created']],
    target: RESOLUTION_4H,
    now: '2026-04-06T11:00:00+02:00',
    expect: [{ elapsedMs: 3 * H, deadline: '2026-04-06T12:00:00+02:00', state: 'at_risk', breachAt: null }],
  },

  // ---- priority changes -------------------------------------------------------------------------
  {
    name: 'keep_elapsed: raised to P1 within its target, P1 duration from the start',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('10:00'), 'priority', { priority: 'P1' }],
      [mon('10:30'), 'resolved'],
    ],
    target: KEEP,
    now: mon('18:00'),
    expect: [
      {
        priority: 'P1',
        elapsedMs: 90 * M,
        targetMs: 2 * H,
        deadline: mon('11:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-0', 'T-1', 'T-2'],
      },
    ],
  },
  {
    name: 'keep_elapsed: raised to P1 after 3h, breached at the change instant',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('12:00'), 'priority', { priority: 'P1' }],
      [mon('12:30'), 'resolved'],
    ],
    target: KEEP,
    now: mon('18:00'),
    expect: [{ priority: 'P1', elapsedMs: 3.5 * H, targetMs: 2 * H, deadline: mon('12:00'), state: 'breached', breachAt: mon('12:00') }],
  },
  {
    name: 'keep_elapsed: raised when elapsed equals the new target, resolved at that instant: met',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('11:00'), 'priority', { priority: 'P1' }],
      [mon('11:00'), 'resolved'],
    ],
    target: KEEP,
    now: mon('18:00'),
    expect: [{ priority: 'P1', elapsedMs: 2 * H, deadline: mon('11:00'), state: 'met', breachAt: null, consumed: 1 }],
  },
  {
    name: 'keep_elapsed: raised when elapsed equals the new target, then more time: breached at the change',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('11:00'), 'priority', { priority: 'P1' }],
      [mon('11:30'), 'resolved'],
    ],
    target: KEEP,
    now: mon('18:00'),
    expect: [{ priority: 'P1', elapsedMs: 2.5 * H, deadline: mon('11:00'), state: 'breached', breachAt: mon('11:00') }],
  },
  {
    name: 'keep_elapsed: lowering the priority after a breach does not undo it',
    rows: [
      [mon('09:00'), 'created', { priority: 'P1' }],
      [mon('12:00'), 'priority', { priority: 'P3' }],
      [mon('13:00'), 'resolved'],
    ],
    target: KEEP,
    now: mon('18:00'),
    expect: [
      {
        priority: 'P3',
        elapsedMs: 4 * H,
        targetMs: 8 * H,
        deadline: mon('11:00'),
        state: 'breached',
        breachAt: mon('11:00'),
        consumed: 0.5,
      },
    ],
  },
  {
    name: 'keep_elapsed with eod: the new budget is taken at the cycle start (Mon 15:00 to close = 2h)',
    rows: [
      [mon('15:00'), 'created', { priority: 'P3' }],
      [mon('16:30'), 'priority', { priority: 'P1' }],
      [tue('10:00'), 'resolved'],
    ],
    target: target('resolution', { calendar: office, byPriority: { P1: { kind: 'eod', days: 0 }, P3: { kind: 'eod', days: 1 } } }),
    now: tue('18:00'),
    expect: [{ priority: 'P1', elapsedMs: 3 * H, targetMs: 2 * H, deadline: mon('17:00'), state: 'breached', breachAt: mon('17:00') }],
  },
  {
    name: 'a change to the same priority changes nothing',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('10:00'), 'priority', { priority: 'P3' }],
      [mon('11:00'), 'resolved'],
    ],
    target: RESTART,
    now: mon('18:00'),
    expect: [{ priority: 'P3', elapsedMs: 2 * H, deadline: mon('17:00'), state: 'met', breachAt: null, eventIds: ['T-0', 'T-2'] }],
  },
  {
    name: 'restart: raised to P1 at 12:00, measured from zero with the P1 duration',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('12:00'), 'priority', { priority: 'P1' }],
      [mon('13:30'), 'resolved'],
    ],
    target: RESTART,
    now: mon('18:00'),
    expect: [
      { priority: 'P1', start: mon('09:00'), elapsedMs: 90 * M, targetMs: 2 * H, deadline: mon('14:00'), state: 'met', breachAt: null },
    ],
  },
  {
    name: 'restart: the pause before the restart is not carried over',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('10:00'), 'status', { status: 'waiting_on_customer' }],
      [mon('11:00'), 'status', { status: 'in_progress' }],
      [mon('12:00'), 'priority', { priority: 'P1' }],
      [mon('12:30'), 'resolved'],
    ],
    target: RESTART,
    now: mon('18:00'),
    expect: [{ priority: 'P1', elapsedMs: 30 * M, pausedMs: 0, deadline: mon('14:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'restart: a breach before the restart stands',
    rows: [
      [mon('09:00'), 'created', { priority: 'P1' }],
      [mon('12:00'), 'priority', { priority: 'P3' }],
      [mon('13:00'), 'resolved'],
    ],
    target: RESTART,
    now: mon('18:00'),
    expect: [{ priority: 'P3', elapsedMs: 1 * H, targetMs: 8 * H, deadline: mon('11:00'), state: 'breached', breachAt: mon('11:00') }],
  },
  {
    name: 'no priority at creation: the target applies once a priority with a duration is set',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'priority', { priority: 'P1' }],
    ],
    target: KEEP,
    now: mon('10:00'),
    expect: [{ priority: 'P1', elapsedMs: 1 * H, targetMs: 2 * H, deadline: mon('11:00'), state: 'running', breachAt: null }],
  },
  {
    name: 'a priority change while resolved takes effect at the reopen (continue, keep_elapsed)',
    rows: [
      [mon('09:00'), 'created', { priority: 'P3' }],
      [mon('10:00'), 'resolved'],
      [mon('11:00'), 'priority', { priority: 'P1' }],
      [mon('12:00'), 'reopened'],
    ],
    target: KEEP,
    now: mon('13:30'),
    expect: [
      {
        priority: 'P1',
        stop: null,
        elapsedMs: 2.5 * H,
        deadline: mon('13:00'),
        state: 'breached',
        breachAt: mon('13:00'),
        eventIds: ['T-0', 'T-1', 'T-3', 'T-2'],
      },
    ],
  },

  // ---- reopen --------------------------------------------------------------------------------
  {
    name: 'continue: the same cycle resumes at the reopen; resolved-to-reopened is not counted',
    rows: [
      [mon('09:00'), 'created'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
      [mon('15:00'), 'resolved'],
    ],
    target: RESOLUTION_4H,
    now: mon('18:00'),
    expect: [
      {
        cycle: 1,
        start: mon('09:00'),
        stop: mon('15:00'),
        elapsedMs: 3 * H,
        deadline: mon('16:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-0', 'T-1', 'T-2', 'T-3'],
      },
    ],
  },
  {
    name: 'continue: reopened and still open',
    rows: [
      [mon('09:00'), 'created'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
    ],
    target: RESOLUTION_4H,
    now: mon('15:30'),
    expect: [{ cycle: 1, stop: null, elapsedMs: 3.5 * H, deadline: mon('16:00'), state: 'at_risk', breachAt: null }],
  },
  {
    name: 'continue: a closed ticket that is reopened resumes too',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
      [mon('11:00'), 'closed'],
      [mon('12:00'), 'reopened'],
      [mon('13:00'), 'resolved'],
    ],
    target: RESOLUTION_4H,
    now: mon('18:00'),
    expect: [{ cycle: 1, stop: mon('13:00'), elapsedMs: 2 * H, deadline: mon('15:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'continue: a response clock is not resumed by a reopen',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'responded'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
    ],
    target: RESPONSE_1H,
    now: mon('18:00'),
    expect: [{ cycle: 1, stop: mon('09:30'), elapsedMs: 30 * M, deadline: mon('10:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'new_cycle: cycle 1 is final at the resolution, cycle 2 starts at the reopen',
    rows: [
      [mon('09:00'), 'created'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
      [mon('15:00'), 'resolved'],
    ],
    target: NEW_CYCLE,
    now: mon('18:00'),
    expect: [
      {
        cycle: 1,
        start: mon('09:00'),
        stop: mon('11:00'),
        elapsedMs: 2 * H,
        deadline: mon('13:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-0', 'T-1'],
      },
      {
        cycle: 2,
        start: mon('14:00'),
        stop: mon('15:00'),
        elapsedMs: 1 * H,
        deadline: tue('10:00'),
        state: 'met',
        breachAt: null,
        eventIds: ['T-2', 'T-3'],
      },
    ],
  },
  {
    name: 'new_cycle: the new cycle runs until now',
    rows: [
      [mon('09:00'), 'created'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
    ],
    target: NEW_CYCLE,
    now: tue('10:00'),
    expect: [
      { cycle: 1, stop: mon('11:00'), elapsedMs: 2 * H, deadline: mon('13:00'), state: 'met', breachAt: null },
      { cycle: 2, start: mon('14:00'), stop: null, elapsedMs: 4 * H, deadline: tue('10:00'), state: 'at_risk', breachAt: null },
    ],
  },
  {
    name: 'new_cycle response clock: a new cycle per reopen, stopped by the next response',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'responded'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
      [mon('14:45'), 'responded'],
      [mon('15:00'), 'resolved'],
    ],
    target: RESPONSE_NEW_CYCLE,
    now: mon('18:00'),
    expect: [
      { cycle: 1, start: mon('09:00'), stop: mon('09:30'), elapsedMs: 30 * M, state: 'met', breachAt: null, deadline: mon('10:00') },
      { cycle: 2, start: mon('14:00'), stop: mon('14:45'), elapsedMs: 45 * M, state: 'met', breachAt: null, deadline: mon('15:00') },
    ],
  },
  {
    name: 'new_cycle response clock: no response after the reopen, stopped by the resolution, breached',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'responded'],
      [mon('11:00'), 'resolved'],
      [mon('14:00'), 'reopened'],
      [mon('16:30'), 'resolved'],
    ],
    target: RESPONSE_NEW_CYCLE,
    now: mon('18:00'),
    expect: [
      { cycle: 1, stop: mon('09:30'), elapsedMs: 30 * M, state: 'met', breachAt: null, deadline: mon('10:00') },
      { cycle: 2, stop: mon('16:30'), elapsedMs: 150 * M, state: 'breached', breachAt: mon('15:00'), deadline: mon('15:00') },
    ],
  },

  // ---- response and resolution interplay, closing, as-of -------------------------------------
  {
    name: 'a resolution before any response stops the response clock; a later response does not move it',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:20'), 'resolved', { by: 'customer' }],
      [mon('09:40'), 'responded'],
    ],
    target: RESPONSE_1H,
    now: mon('18:00'),
    expect: [{ stop: mon('09:20'), elapsedMs: 20 * M, deadline: mon('10:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'a response stops only the response clock',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:20'), 'responded'],
    ],
    target: RESOLUTION_4H,
    now: mon('10:00'),
    expect: [{ stop: null, elapsedMs: 1 * H, deadline: mon('13:00'), state: 'running', breachAt: null }],
  },
  {
    name: 'closing without a resolution stops the resolution clock',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'closed'],
    ],
    target: RESOLUTION_4H,
    now: mon('18:00'),
    expect: [{ stop: mon('10:00'), elapsedMs: 1 * H, deadline: mon('13:00'), state: 'met', breachAt: null }],
  },
  {
    name: 'closing a resolved ticket changes nothing',
    rows: [
      [mon('09:00'), 'created'],
      [mon('10:00'), 'resolved'],
      [mon('12:00'), 'closed'],
    ],
    target: RESOLUTION_4H,
    now: mon('18:00'),
    expect: [{ stop: mon('10:00'), elapsedMs: 1 * H, deadline: mon('13:00'), state: 'met', breachAt: null, eventIds: ['T-0', 'T-1'] }],
  },
  {
    name: 'a response and a resolution at the same instant count as a response',
    rows: [
      [mon('09:00'), 'created'],
      [mon('09:30'), 'resolved'],
      [mon('09:30'), 'responded'],
    ],
    target: RESPONSE_1H,
    now: mon('18:00'),
    expect: [{ stop: mon('09:30'), elapsedMs: 30 * M, deadline: mon('10:00'), state: 'met', breachAt: null, eventIds: ['T-0', 'T-2'] }],
  },
  {
    name: 'as of now: events stamped after now are left out',
    rows: [
      [mon('09:00'), 'created'],
      [mon('12:00'), 'resolved'],
    ],
    target: RESOLUTION_4H,
    now: mon('11:00'),
    expect: [{ stop: null, elapsedMs: 2 * H, deadline: mon('13:00'), state: 'running', breachAt: null, eventIds: ['T-0'] }],
  },
  {
    name: 'an event stamped before the creation takes effect at the creation',
    rows: [
      [mon('09:00'), 'created'],
      [mon('08:50'), 'status', { status: 'waiting_on_customer' }],
      [mon('10:00'), 'status', { status: 'in_progress' }],
    ],
    target: PAUSING_4H,
    now: mon('11:00'),
    expect: [{ start: mon('09:00'), elapsedMs: 1 * H, pausedMs: 1 * H, deadline: mon('14:00'), state: 'running', breachAt: null }],
  },
];

function check(c: Case): void {
  const events = ticketEvents('T', c.rows);
  const r = evaluateTicket(events, [c.target], at(c.now));
  assert.deepEqual(r.skipped, [], 'no clock skipped');
  assert.equal(r.clocks.length, c.expect.length, 'number of cycles');
  c.expect.forEach((x, i) => {
    const got = r.clocks[i]!;
    const iso = (v: string | null): number | null => (v === null ? null : at(v));
    const picked: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      picked[k] = got[k as keyof ClockResult];
      want[k] = ['start', 'stop', 'deadline', 'breachAt'].includes(k) ? iso(v as string | null) : v;
    }
    assert.deepEqual(picked, want, `cycle ${i + 1}`);
    assert.equal(got.ticket, 'T');
    assert.equal(got.target, c.target.name);
    assert.equal(got.consumed, got.elapsedMs / got.targetMs);
  });
  // The same clocks come out of computeClocks, and explain changes nothing but adds segments.
  assert.deepEqual(computeClocks(events, [c.target], at(c.now)), r.clocks);
  const explained = computeClocks(events, [c.target], at(c.now), { explain: true });
  assert.deepEqual(
    explained.map(({ segments: _s, ...rest }) => rest),
    r.clocks,
  );
  for (const clock of explained) {
    const counted = clock.segments!.reduce((sum, s) => sum + s.countedMs, 0);
    assert.equal(counted, clock.elapsedMs, 'counted segments add up to elapsed');
  }
}

describe('clock engine: table', () => {
  for (const c of cases) test(c.name, () => check(c));
});

describe('clock engine: targets without a duration', () => {
  const t = target('resolution', { calendar: office, byPriority: { P1: hours(1), P2: hours(4) } });

  test('a priority with no duration and no default: skipped with the reason', () => {
    const r = evaluateTicket(ticketEvents('T', [[mon('09:00'), 'created', { priority: 'P4' }]]), [t], at(mon('10:00')));
    assert.deepEqual(r.clocks, []);
    assert.deepEqual(r.skipped, [
      {
        ticket: 'T',
        target: 'resolution',
        kind: 'resolution',
        cycle: 1,
        priority: 'P4',
        reason: 'no_target_for_priority',
        message: 'no duration for priority "P4" and no default duration',
      },
    ]);
  });

  test('no priority and no default: skipped', () => {
    const r = evaluateTicket(ticketEvents('T', [[mon('09:00'), 'created']]), [t], at(mon('10:00')));
    assert.equal(r.skipped[0]?.reason, 'no_target_for_priority');
    assert.equal(r.skipped[0]?.message, 'the ticket has no priority and the target has no default duration');
  });

  test('a priority named like an Object.prototype member finds no duration', () => {
    const r = evaluateTicket(ticketEvents('T', [[mon('09:00'), 'created', { priority: 'constructor' }]]), [t], at(mon('10:00')));
    assert.equal(r.skipped[0]?.reason, 'no_target_for_priority');
  });

  test('the default duration applies to priorities without their own', () => {
    const withDefault = { ...t, duration: hours(8) };
    const [c] = computeClocks(ticketEvents('T', [[mon('09:00'), 'created', { priority: 'P4' }]]), [withDefault], at(mon('10:00')));
    assert.equal(c?.targetMs, 8 * H);
  });

  test('a negative duration is reported as invalid, not computed', () => {
    const bad = target('resolution', { calendar: office, duration: { kind: 'fixed', ms: -5 } });
    const r = evaluateTicket(ticketEvents('T', [[mon('09:00'), 'created']]), [bad], at(mon('10:00')));
    assert.equal(r.skipped[0]?.reason, 'invalid_target');
  });

  test('a ticket without a created event gets no clocks, with the reason and an issue', () => {
    const r = evaluateTicket(ticketEvents('T', [[mon('09:30'), 'responded']]), [RESPONSE_1H, RESOLUTION_4H], at(mon('10:00')));
    assert.deepEqual(r.clocks, []);
    assert.deepEqual(
      r.skipped.map((s) => [s.target, s.reason]),
      [
        ['response', 'no_created_event'],
        ['resolution', 'no_created_event'],
      ],
    );
    assert.deepEqual(
      r.issues.map((i) => i.code),
      ['no_created_event'],
    );
  });

  test('a ticket created after now has no clocks yet, and that is not an issue', () => {
    const r = evaluateTicket(
      ticketEvents('T', [
        [mon('09:00'), 'created'],
        [mon('08:00'), 'contact', { direction: 'in' }],
      ]),
      [RESPONSE_1H],
      at(mon('08:30')),
    );
    assert.deepEqual(r.clocks, []);
    assert.deepEqual(
      r.skipped.map((s) => [s.reason, s.message]),
      [['no_created_event', 'the ticket is created after now']],
    );
    assert.deepEqual(r.issues, []);
  });

  test('now not a finite instant: skipped, no exception', () => {
    const r = evaluateTicket(ticketEvents('T', [[mon('09:00'), 'created']]), [RESPONSE_1H], Number.NaN);
    assert.deepEqual(r.clocks, []);
    assert.equal(r.skipped[0]?.reason, 'invalid_now');
  });

  test('several targets come out in the order given', () => {
    const r = computeClocks(
      ticketEvents('T', [
        [mon('09:00'), 'created'],
        [mon('09:10'), 'responded'],
      ]),
      [RESOLUTION_4H, RESPONSE_1H],
      at(mon('10:00')),
    );
    assert.deepEqual(
      r.map((c) => [c.target, c.elapsedMs, c.state]),
      [
        ['resolution', H, 'running'],
        ['response', 10 * M, 'met'],
      ],
    );
  });

  test('phase: running, paused (also when at_risk) or stopped, beside the state', () => {
    const events = ticketEvents('T', [
      [mon('09:00'), 'created'],
      [mon('12:30'), 'status', { status: 'waiting_on_customer' }],
    ]);
    const [paused] = computeClocks(events, [PAUSING_4H], at(mon('13:00')));
    assert.deepEqual([paused?.state, paused?.phase], ['at_risk', 'paused']);
    const [early] = computeClocks(events, [PAUSING_4H], at(mon('10:00')));
    assert.deepEqual([early?.state, early?.phase], ['running', 'running']);
    const [night] = computeClocks(events.slice(0, 1), [PAUSING_4H], at(mon('20:00')));
    assert.deepEqual([night?.state, night?.phase], ['breached', 'running']);
    const done = [...events, ...ticketEvents('T', [[mon('14:00'), 'resolved', { id: 'T-r' }]])];
    const [stopped] = computeClocks(done, [PAUSING_4H], at(mon('15:00')));
    assert.deepEqual([stopped?.state, stopped?.phase], ['met', 'stopped']);
  });
});
