/**
 * Vocabulary of the availability engine: what goes in (outages, maintenance windows, check
 * samples), how it is counted (options), and what comes out (figures plus the ids behind them).
 *
 * All instants are epoch milliseconds (UTC); all durations are milliseconds. Intervals are
 * half-open, [start, end): an outage that ends at 10:00 and one that starts at 10:00 touch but do
 * not overlap.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { Issue } from '../validation/issues.ts';

/** Who caused an outage; the agreement decides which causes are excluded. */
export type OutageCause = 'provider' | 'customer' | 'force_majeure' | 'third_party';
export const OUTAGE_CAUSES: readonly OutageCause[] = ['provider', 'customer', 'force_majeure', 'third_party'];

export interface OutageInterval {
  /** The outage (incident) id; several intervals may share it (e.g. an impact change mid-outage). */
  id: string;
  start: number;
  end: number;
  /** Share of the service lost: 1 = full outage (default), 0 < weight < 1 = partial. */
  weight?: number;
  /** Default `provider`. */
  cause?: OutageCause;
  /** Ids of the events or samples this interval was built from, for tracing. */
  evidence?: string[];
}

export interface MaintenanceWindow {
  id: string;
  start: number;
  end: number;
  /** When customers were told about it. */
  announcedAt: number;
}

export interface CheckSample {
  at: number;
  up: boolean;
  /** Check name; samples without one form a single unnamed check. */
  check?: string;
  /** Event id, used to name the downtime the sample starts. */
  id?: string;
}

/**
 * How samples of several checks combine into the service's state at an instant:
 * - `any` (default): the service is down while at least one check is down;
 * - `majority`: down while more than half of the checks that have reported so far are down;
 * - `all`: down only while every check that has reported so far is down.
 */
export type CheckRule = 'any' | 'majority' | 'all';

export interface AvailabilityInput {
  outages?: readonly OutageInterval[];
  maintenance?: readonly MaintenanceWindow[];
  samples?: readonly CheckSample[];
}

export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * `removed` (default): excluded time leaves the denominator; availability = up / (service - excluded).
 * `counted_as_up`: excluded time stays in the denominator and counts as up time.
 */
export type ExcludedTimePolicy = 'removed' | 'counted_as_up';

export interface ExclusionClasses {
  /** Exclude outages caused by the customer. Default false. */
  customerCaused?: boolean;
  /** Exclude force-majeure outages. Default false. */
  forceMajeure?: boolean;
  /** Exclude outages caused by a third party (a supplier). Default false. */
  thirdParty?: boolean;
  /** Exclude maintenance windows announced with enough notice. Default true. */
  maintenance?: boolean;
}

export interface AvailabilityOptions {
  /** Service hours: only time inside the calendar's working intervals is measured. Default 24x7. */
  calendar?: BusinessCalendar;
  /** A maintenance window is excluded only when announcedAt <= start - notice. Default 0. */
  maintenanceNoticeMs?: number;
  exclude?: ExclusionClasses;
  excludedTime?: ExcludedTimePolicy;
  /** Merged downtime stretches shorter than this (wall-clock) are ignored. Default 0. */
  minOutageMs?: number;
  /** How several checks combine; default `any`. */
  checks?: CheckRule;
  /**
   * Stretches nobody watched ([start, end), e.g. monitoring.gap events, see monitoring.ts): not
   * measured at all, neither up nor down, as if outside service hours. Default none.
   */
  unmonitored?: ReadonlyArray<{ start: number; end: number }>;
}

/** The options actually applied, echoed in every result so a figure can be explained. */
export interface ResolvedSettings {
  serviceHours: '24x7' | string;
  maintenanceNoticeMs: number;
  exclude: Required<ExclusionClasses>;
  excludedTime: ExcludedTimePolicy;
  minOutageMs: number;
  checks: CheckRule;
}

export type ItemKind = 'outage' | 'maintenance' | 'check';

/** An outage, a maintenance window taken as downtime, or a check-derived down run that counted. */
export interface CountedItem {
  id: string;
  kind: ItemKind;
  start: number;
  end: number;
  weight: number;
  cause: OutageCause;
  /** Eligible time (inside window and service hours, outside excluded time) this item covered. */
  countedMs: number;
  /**
   * Weighted downtime attributed to this item. Where items overlap, each instant is attributed to
   * the heaviest one (ties: the earliest start, then input order), so these sum to downtimeMs.
   */
  downtimeMs: number;
  /** Why a maintenance window counted as downtime. */
  note?: string;
  evidence?: string[];
}

export type ExclusionReason = 'announced_maintenance' | 'customer_caused' | 'force_majeure' | 'third_party';

export interface ExcludedItem {
  id: string;
  kind: ItemKind;
  start: number;
  end: number;
  reason: ExclusionReason;
  /**
   * Excluded service time attributed to this item: announced maintenance first, then the earliest
   * excluded outage; these sum to excludedMs.
   */
  excludedMs: number;
}

/**
 * Why an item played no part, in order of precedence: invalid (see issues), outside_window,
 * empty (zero length), too_short (its downtime stretch is below minOutageMs),
 * outside_service_hours (in the window but not in working time), covered_by_exclusion (all of its
 * service time was excluded).
 */
export type IgnoreReason = 'invalid' | 'outside_window' | 'empty' | 'too_short' | 'outside_service_hours' | 'covered_by_exclusion';

export interface IgnoredItem {
  id: string;
  kind: ItemKind;
  start: number;
  end: number;
  reason: IgnoreReason;
  /** For too_short: wall-clock length of the downtime stretch the item belonged to. */
  stretchMs?: number;
  /** For invalid: where the issues are; for covered_by_exclusion: a short explanation. */
  detail?: string;
}

export interface AvailabilityResult {
  window: TimeWindow;
  /** to - from. */
  windowMs: number;
  /** Service-hours time inside the window (less the unmonitored time). */
  serviceMs: number;
  /** Service-hours time inside the window that nobody watched (options.unmonitored); present when some was given. */
  unmonitoredMs?: number;
  /** Service-hours time inside the window covered by excluded items. */
  excludedMs: number;
  /** The denominator: serviceMs - excludedMs (`removed`) or serviceMs (`counted_as_up`). */
  eligibleMs: number;
  /** Weighted downtime in eligible, non-excluded time. */
  downtimeMs: number;
  /** eligibleMs - downtimeMs. */
  uptimeMs: number;
  /** uptimeMs / eligibleMs, or null when eligibleMs is 0 (nothing to measure). */
  availability: number | null;
  /** Items that counted as downtime (ordered by start). */
  outages: CountedItem[];
  /** Items whose time was excluded (ordered by start). */
  excluded: ExcludedItem[];
  /** Items that played no part, with the reason (in input order: outages, maintenance, checks). */
  ignored: IgnoredItem[];
  settings: ResolvedSettings;
  /** Problems with the input; the items concerned are listed in `ignored` as `invalid`. */
  issues: Issue[];
}
