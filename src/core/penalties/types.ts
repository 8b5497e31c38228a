/**
 * The shapes of a settlement: what `settlePeriod` takes and what it returns. docs/penalties.md
 * explains every field for finance readers and service managers.
 */
import type { z } from 'zod';
import type { Why } from '../i18n/settlement.ts';
import type { MetricUnit } from '../metrics/catalogue.ts';
import type { Comparator, TargetState } from '../metrics/compliance.ts';
import type { Minor, Money, MoneyStyle } from './money.ts';
import type { ContractYear, DueDate, FeePer, GraceWindow } from './periods.ts';
import type { PenaltiesSpec, penaltiesSpec } from './schema.ts';

export type { Comparator, TargetState };

/**
 * What settlement needs of a compliance result. `TargetEvaluation` (src/core/metrics) has this
 * shape and can be passed as it is.
 */
export interface EvaluationLike {
  value: number | null;
  state: TargetState;
  comparator: Comparator;
  target: number;
  unit: MetricUnit;
  /** Availability: the downtime budget of the window. */
  budget?: { allowedMs: number; usedMs: number };
  /** The window the target was measured over; the billing period when absent. */
  window?: { from: number; to: number; label?: string };
  /** Why this state, in words (echoed in the settlement). */
  reason?: string;
  /** `reason` as clauses (src/core/i18n/compliance.ts), echoed in the settlement's clauses. */
  reasonWhy?: Why[];
  /** Whether the window had closed when it was evaluated. */
  windowClosed?: boolean;
}

/** One target's compliance result for the billing period. */
export interface TargetPeriodResult {
  targetId: string;
  evaluation: EvaluationLike;
  /** Tickets whose clock breached in the window (for per-ticket penalties). */
  breachedTickets?: string[];
  /** When the target was first breached in the window, epoch ms (for fines due after the breach). */
  firstBreachAt?: number | null;
  /** Items the measurement left out, with why (announced_maintenance, customer_caused, ...). */
  excludedItems?: Array<{ id: string; reason: string }>;
}

/** The state of one earlier window of a target, for termination rights. */
export interface PastPeriod {
  targetId: string;
  from: number;
  to: number;
  label?: string;
  state: TargetState;
}

export interface SettlementHistory {
  /** Earlier windows per target (any order; entries at or after this period's windows are ignored). */
  periods?: PastPeriod[];
  /**
   * What earlier periods of the same contract year already owe after caps (see `contractYearOf`),
   * counted against the yearly cap. Only amounts in the cap's currency count.
   */
  owedEarlierInYear?: Money[];
}

/** A billing period [from, to) in epoch ms, with its label (e.g. 2026-10). */
export interface BillingPeriod {
  from: number;
  to: number;
  label: string;
}

export interface PricingInput {
  currency: string;
  fee: { amount: string | number; per: FeePer };
}

export interface TerminationRightInput {
  id: string;
  target: string;
  consecutiveBreaches?: number;
  breachesInYear?: number;
  description?: string;
}

export interface TermInput {
  /** YYYY-MM-DD, the first day of the term (local midnight in the zone). */
  start: string;
  terminationRights?: TerminationRightInput[];
}

export type PenaltiesInput = z.input<typeof penaltiesSpec>;

export interface SettlementInput {
  /** The agreement's penalties section, parsed or as written. */
  penalties: PenaltiesSpec | PenaltiesInput;
  pricing?: PricingInput;
  term?: TermInput;
  period: BillingPeriod;
  /** IANA zone of the agreement: civil dates, months, contract years and due dates are read in it. */
  zone: string;
  targets: TargetPeriodResult[];
  history?: SettlementHistory;
  /** Echoed in the settlement for reports across a portfolio. */
  agreementId?: string;
  customerId?: string;
  /** How amounts are written in reasons: `code` ("USD 1,250.00", default) or `symbol` ("$1,250.00"). */
  moneyStyle?: MoneyStyle;
}

/** Why a line owes nothing. */
export type NothingOwedBecause =
  | 'met'
  | 'at_risk'
  | 'no_data'
  | 'no_result'
  | 'not_in_band'
  | 'within_budget'
  | 'no_breached_tickets'
  | 'excluded'
  | 'grace_period'
  | 'before_term'
  | 'other_period'
  | 'cap_reached'
  /** The rule applied but yields nothing: a 0% band, a zero amount, or a share that rounds to 0. */
  | 'zero_amount';

export interface ComplianceSummary {
  state: TargetState;
  value: number | null;
  target: number;
  comparator: Comparator;
  unit: MetricUnit;
  window: { from: number; to: number; label: string };
  /** The measured value against the target, in words ("98.7% against >= 99.99%"). */
  text: string;
  reason?: string;
}

export interface CapEffect {
  cap: 'per_period' | 'per_year';
  /** What the cap took off this line. */
  reducedByMinor: Minor;
  /** What the cap still allowed when this line was reached (caps are filled in rule order). */
  remainingBeforeMinor: Minor;
  limitMinor: Minor;
}

export type LineForm = 'service_credit' | 'refund' | 'fee_waiver' | 'fine' | 'penalty';

export interface SettlementLine {
  rule: { index: number; id: string | null; type: 'credit_tiers' | 'fine' | 'per_unit'; path: string };
  targetId: string;
  /** The compliance result the line is based on; null when none was given for the target. */
  compliance: ComplianceSummary | null;
  /** The rule applied, in words ("band 2: below 99% earns 30% of the fee"). */
  applied: string;
  /** credit_tiers: the band that applied (index into the rule's tiers), null when none did. */
  band: { index: number; below?: number; above?: number; credit?: number; amount?: string } | null;
  /** per_unit: the units counted. */
  units: { unit: 'hour_over_budget' | 'breached_ticket'; count: number; overMs?: number; tickets?: string[] } | null;
  form: LineForm;
  currency: string;
  /** What the rule yields from the measurement, before the grace period and caps. */
  computedMinor: Minor;
  /** What is owed. */
  amountMinor: Minor;
  /** amountMinor, formatted. */
  amount: string;
  /** Set when a cap reduced this line. */
  cap: CapEffect | null;
  /** Null when nothing is owed, or when the agreement sets no due date (settled with the next invoice). */
  due: DueDate | null;
  /** Set when nothing is owed, saying why. */
  nothingOwed: NothingOwedBecause | null;
  /** Items the measurement excluded, as given. */
  excluded: Array<{ id: string; reason: string }>;
  /** The whole line in words. */
  reason: string;
  /** `reason` as clauses (code and params) to say in any language: src/core/i18n/settlement.ts. */
  reasonWhy: Why[];
  /** Points a reader should check (e.g. an exclusion the agreement does not list). */
  notes: string[];
  /** `notes` as clauses, one per note, in the same order. */
  notesWhy: Why[];
}

export interface CurrencyTotal {
  currency: string;
  amountMinor: Minor;
  amount: string;
  /** Sum of computedMinor of the lines that were not waived by the grace period or the term. */
  beforeCapsMinor: Minor;
  reducedByCapsMinor: Minor;
  /** Lines in this currency that owe something. */
  owingLines: number;
}

export interface CapReport {
  cap: 'per_period' | 'per_year';
  currency: string;
  limitMinor: Minor;
  limit: string;
  /** How the limit was set, in words ("25% of the period fee USD 1,000.00"). */
  basis: string;
  /** per_year: owed earlier in the same contract year (or calendar year without a term). */
  earlierMinor: Minor;
  /** Owed in this period under the cap. */
  usedMinor: Minor;
  reducedByMinor: Minor;
  reached: boolean;
  year: ContractYear | null;
}

export interface TerminationOutcome {
  rightId: string;
  target: string;
  description: string | null;
  rule: 'consecutive' | 'in_year';
  threshold: number;
  /** Breached windows counted (consecutive run ending now, or within the 12 months ending now). */
  count: number;
  triggered: boolean;
  /** Labels of the breached windows counted. */
  periods: string[];
  reason: string;
  /** `reason` as clauses. */
  reasonWhy: Why[];
}

export interface FeeFigure {
  minor: Minor;
  currency: string;
  amount: string;
  basis: string;
}

export interface Settlement {
  agreementId: string | null;
  customerId: string | null;
  period: BillingPeriod & { zone: string; firstDay: string; lastDay: string };
  /** The fee for this billing period and for a whole year, when pricing was given. */
  fee: { period: FeeFigure | null; year: FeeFigure | null };
  grace: (GraceWindow & { applies: 'whole_period' | 'partly' | 'no'; reason: string; reasonWhy: Why[] }) | null;
  /** The contract year the period ends in (for the yearly cap); null without a term. */
  contractYear: ContractYear | null;
  lines: SettlementLine[];
  totals: CurrencyTotal[];
  caps: CapReport[];
  termination: TerminationOutcome[];
  /** One paragraph in words. */
  summary: string;
  /** `summary` as clauses (code and params) to say in any language: src/core/i18n/settlement.ts. */
  summaryWhy: Why[];
  /** Points about the whole period a reader should know (a term starting inside it, ...). */
  notes: string[];
  /** `notes` as clauses, one per note, in the same order. */
  notesWhy: Why[];
}
