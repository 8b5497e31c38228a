/**
 * Money: integer minor units of an ISO 4217 currency, never floating point.
 *
 * Representation. An amount is a JavaScript number that is a SAFE INTEGER count of the currency's
 * minor unit (cents for USD, yen for JPY, fils for KWD). Safe integers rather than bigint because
 * amounts travel through JSON, SQLite and PostgreSQL as plain numbers, and 2^53 - 1 minor units
 * (about 90 trillion dollars) is far beyond any service fee. Products and quotients are computed
 * in bigint, so no intermediate can lose a digit; a result that does not fit a safe integer is
 * refused with an issue instead of being rounded by the machine.
 *
 * Rounding. Exactly one rule everywhere: ROUND HALF UP to the minor unit (for the non-negative
 * amounts of a settlement, "half away from zero"; negative values are rounded symmetrically).
 * - It is the rule a finance reader applies by hand or with a calculator, and the one invoicing
 *   and VAT rules usually prescribe per line ("commercial rounding"), so anyone can re-check a
 *   line from the figures printed beside it.
 * - Each amount is rounded once, from exact figures (the fee and a percentage written in the
 *   agreement). Banker's rounding (half even) only pays off when many already-rounded figures
 *   are summed; a settlement never re-rounds a rounded figure, so that bias does not arise.
 * - At an exact half the customer receives the extra minor unit, which is the side a service
 *   credit is meant to favour.
 * Percentages are read as the decimal the agreement wrote ("12.5%" is exactly 125/1000), never
 * as the nearest binary fraction.
 */
import { describeValue, fail, ok, type Result } from '../validation/issues.ts';

/** Amounts in minor units: a safe integer. */
export type Minor = number;

export interface Money {
  currency: string;
  minor: Minor;
}

/** An exact non-negative rational num/den (den > 0). */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/**
 * ISO 4217 minor-unit exponents that differ from 2. Source: the ISO 4217 list (SIX), current
 * codes. Any other well-formed code has 2 decimals (USD, EUR, GBP, CHF, ...).
 */
const EXPONENTS: Record<string, number> = {
  // 0 decimals
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // 3 decimals
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // 4 decimals
  CLF: 4,
  UYW: 4,
};

const CURRENCY_RE = /^[A-Z]{3}$/;

export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_RE.test(code);
}

/** Number of decimals of the currency's minor unit (2 unless ISO 4217 says otherwise). */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

function tooLarge(path: string, what: string): Result<never> {
  return fail({ path, message: `${what} is too large to hold exactly`, expected: `at most ${Number.MAX_SAFE_INTEGER} minor units` });
}

/** A bigint as a safe-integer Minor, or an issue. */
export function toMinor(v: bigint, path = 'amount', what = 'the amount'): Result<Minor> {
  if (v > MAX || v < -MAX) return tooLarge(path, what);
  return ok(Number(v));
}

/**
 * Parses an amount in major units ("499.99", "1250", 500) into minor units of `currency`.
 * Extra decimals are accepted only when they are zeros ("500.000" USD): a contract amount with
 * more precision than its currency has no exact meaning, so it is refused rather than rounded.
 * Numbers are read through their shortest decimal spelling (499.99 stays 499.99).
 */
export function parseAmount(text: unknown, currency: string, path = 'amount'): Result<Minor> {
  if (!isCurrencyCode(currency))
    return fail({
      path,
      message: 'unknown currency for the amount',
      expected: 'an ISO 4217 code such as USD',
      received: describeValue(currency),
    });
  const s = typeof text === 'number' && Number.isFinite(text) ? String(text) : text;
  if (typeof s !== 'string')
    return fail({ path, message: 'expected an amount', expected: 'a decimal such as 500 or 499.99', received: describeValue(text) });
  const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(s);
  if (!m)
    return fail({ path, message: 'expected a non-negative decimal amount', expected: 'e.g. 500 or 499.99', received: describeValue(text) });
  const exp = currencyExponent(currency);
  const intPart = m[1]!;
  let frac = m[2] ?? '';
  if (frac.length > exp) {
    if (/[^0]/.test(frac.slice(exp))) {
      return fail({
        path,
        message: `${currency} has ${exp} decimal${exp === 1 ? '' : 's'}; the amount has more`,
        expected: `at most ${exp} decimals for ${currency}`,
        received: describeValue(text),
      });
    }
    frac = frac.slice(0, exp);
  }
  const v = BigInt(intPart + frac.padEnd(exp, '0'));
  return toMinor(v, path);
}

/**
 * The exact decimal value of a JavaScript number as people wrote it: its shortest round-trip
 * spelling. 12.5 -> 125/10, 99.99 -> 9999/100, 1e-7 -> 1/10000000. Negative and non-finite
 * numbers are refused.
 */
export function decimalRatio(value: unknown, path = 'value'): Result<Ratio> {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return fail({ path, message: 'expected a non-negative number', received: describeValue(value) });
  }
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(value));
  if (!m) return fail({ path, message: 'expected a decimal number', received: describeValue(value) });
  const frac = m[2] ?? '';
  const e = Number(m[3] ?? 0) - frac.length;
  let num = BigInt(m[1]! + frac);
  let den = 1n;
  if (e >= 0) num *= 10n ** BigInt(e);
  else den = 10n ** BigInt(-e);
  return ok(reduce({ num, den }));
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function reduce(r: Ratio): Ratio {
  const g = gcd(r.num, r.den);
  return g > 1n ? { num: r.num / g, den: r.den / g } : r;
}

export function addRatio(a: Ratio, b: Ratio): Ratio {
  return reduce({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
}

/**
 * num / den rounded half up (half away from zero for negatives): the one rounding rule of this
 * module. den must be positive.
 */
export function roundHalfUp(num: bigint, den: bigint): bigint {
  if (num < 0n) return -roundHalfUp(-num, den);
  return (2n * num + den) / (2n * den);
}

/** minor * r, rounded half up to the minor unit. */
export function mulRatio(minor: Minor, r: Ratio, path = 'amount'): Result<Minor> {
  return toMinor(roundHalfUp(BigInt(minor) * r.num, r.den), path);
}

/**
 * `percent`% of an amount, rounded half up to the minor unit: round(minor * p / 100), with p read
 * as the decimal the agreement wrote.
 */
export function percentOf(minor: Minor, percent: number, path = 'percent'): Result<Minor> {
  const p = decimalRatio(percent, path);
  if (!p.ok) return p;
  return mulRatio(minor, { num: p.value.num, den: p.value.den * 100n }, path);
}

/** minor * count, exactly (a per-unit penalty times the number of units). */
export function multiplyMinor(minor: Minor, count: number, path = 'amount'): Result<Minor> {
  if (!Number.isSafeInteger(count) || count < 0)
    return fail({ path, message: 'expected a whole number of units', received: describeValue(count) });
  return toMinor(BigInt(minor) * BigInt(count), path);
}

/** a + b, exactly. */
export function addMinor(a: Minor, b: Minor, path = 'amount'): Result<Minor> {
  return toMinor(BigInt(a) + BigInt(b), path, 'the total');
}

/** Plain decimal text in major units: 125000 USD -> "1250.00"; 5000 JPY -> "5000"; 1250 KWD -> "1.250". */
export function toDecimalString(minor: Minor, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  const int = digits.slice(0, digits.length - exp);
  const frac = digits.slice(digits.length - exp);
  return `${neg ? '-' : ''}${int}${exp > 0 ? `.${frac}` : ''}`;
}

/**
 * Symbols are used only where they are unambiguous among the currencies people commonly settle
 * in; "$" alone would not tell USD from CAD or AUD, so only USD gets it.
 */
const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

export type MoneyStyle = 'code' | 'symbol';

/**
 * Human text with thousands separators: "USD 1,250.00" (style `code`, the default, unambiguous in
 * any report) or "$1,250.00" (style `symbol`, for USD, EUR, GBP and JPY; others fall back to the
 * code). Negative amounts get a leading minus: "-USD 5.00".
 */
export function formatMoney(minor: Minor, currency: string, style: MoneyStyle = 'code'): string {
  const text = toDecimalString(minor, currency);
  const neg = text.startsWith('-');
  const [int, frac] = (neg ? text.slice(1) : text).split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = frac !== undefined ? `${grouped}.${frac}` : grouped;
  const sym = style === 'symbol' ? SYMBOLS[currency] : undefined;
  return `${neg ? '-' : ''}${sym !== undefined ? sym : `${currency} `}${body}`;
}

/** A Ratio as people read it: "1", "3", "24/31", "1/12". */
export function ratioText(r: Ratio): string {
  const x = reduce(r);
  return x.den === 1n ? String(x.num) : `${x.num}/${x.den}`;
}
