/**
 * A compiled business calendar: answers business-time questions about UTC instants.
 *
 * All instants are epoch milliseconds (UTC). All durations are milliseconds.
 * Working time is a set of half-open intervals [start, end) of instants. An instant is
 * working time when its local wall-clock time (in the calendar's IANA zone) falls inside that
 * local date's working hours, minus holidays and closures.
 *
 * Every method is pure from the caller's point of view. Internally the compiled interval table
 * grows on demand (a year block at a time) when a query falls outside the years compiled so far;
 * that is the only allocation, and it is amortised away after the first query in a year.
 */
export interface BusinessCalendar {
  /** IANA time zone the wall-clock rules are written in. */
  readonly zone: string;
  /** True when every instant is working time (24x7): elapsed time equals wall-clock time. */
  readonly alwaysOpen: boolean;
  /** Nominal length of one working day in ms (the `wd` duration unit). */
  readonly dayLengthMs: number;
  /** Working time in [from, to), in ms. 0 when to <= from. */
  elapsed(from: number, to: number): number;
  /**
   * The instant at which `work` ms of working time have passed after `from` (a deadline).
   * A deadline that uses up the working time exactly at a closing time is that closing time.
   * `work` = 0 returns `from`. Returns Infinity when the calendar has no working time left.
   */
  addWorking(from: number, work: number): number;
  /** Whether the instant t is working time. */
  isWorking(t: number): boolean;
  /** t when t is working time, else the next instant that is; Infinity if there is none. */
  nextWorking(t: number): number;
  /** The working intervals that intersect [from, to), clipped to it, in order. For explanations. */
  workingIntervals(from: number, to: number): Array<[number, number]>;
  /**
   * End of the n-th working day counted from `from`: day 0 is the working day in progress at
   * `from` (or the next one if `from` is after the day's last working instant or on a closed day).
   * The `eod` duration unit.
   */
  endOfWorkingDay(from: number, n: number): number;
}
