/**
 * Penalties, credits and settlement: the public API of src/core/penalties.
 * See docs/penalties.md for the rules, the money representation and worked examples.
 */
export { settlePeriod } from './settle.ts';
export { resultFromEvaluation } from './results.ts';
export { checkPenaltyDirections } from './check.ts';
export { worstBand, exclusionClass, EXCLUSION_CLASSES, type ExclusionClass } from './rules.ts';
export {
  currencyExponent,
  isCurrencyCode,
  parseAmount,
  percentOf,
  mulRatio,
  multiplyMinor,
  addMinor,
  toMinor,
  roundHalfUp,
  decimalRatio,
  toDecimalString,
  formatMoney,
  ratioText,
  type Minor,
  type Money,
  type MoneyStyle,
  type Ratio,
} from './money.ts';
export {
  contractYearOf,
  calendarYearOf,
  graceWindow,
  dueDate,
  monthsCovered,
  prorateFee,
  yearlyFee,
  localDate,
  lastDay,
  type ContractYear,
  type DueDate,
  type FeePer,
  type GraceWindow,
  type ProratedFee,
} from './periods.ts';
export { penaltiesSpec, penaltyRule, creditTiersRule, fineRule, perUnitRule, type PenaltiesSpec, type PenaltyRule } from './schema.ts';
export type {
  SettlementInput,
  Settlement,
  SettlementLine,
  SettlementHistory,
  TargetPeriodResult,
  EvaluationLike,
  PastPeriod,
  BillingPeriod,
  PricingInput,
  TermInput,
  TerminationRightInput,
  PenaltiesInput,
  NothingOwedBecause,
  ComplianceSummary,
  CapEffect,
  CapReport,
  CurrencyTotal,
  TerminationOutcome,
  FeeFigure,
  LineForm,
} from './types.ts';
