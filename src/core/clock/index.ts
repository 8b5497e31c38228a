/** Ticket clocks: response and resolution clocks measured in business time, with explanations. */
export type { ClockKind, ClockTarget, ClockState, ClockPhase, SegmentKind, ClockSegment, ClockResult, TicketSummary } from './types.ts';
export {
  evaluateTicket,
  computeClocks,
  summarizeTicket,
  clocksOf,
  type EvaluateOptions,
  type SkipReason,
  type SkippedClock,
  type TicketEvaluation,
} from './engine.ts';
export { prepareTicket, compareEvents, typeRank, type PreparedTicket, type TicketIssue, type TicketIssueCode } from './order.ts';
export { summarizePrepared } from './summary.ts';
export { renderTimeline } from './explain.ts';
export { groupByTicket, ticketKey, ticketRef, ticketScope, type Grouped, type TicketGroup, type TicketScope } from './tickets.ts';
