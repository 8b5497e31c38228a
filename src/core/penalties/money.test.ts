import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  currencyExponent,
  decimalRatio,
  formatMoney,
  multiplyMinor,
  parseAmount,
  percentOf,
  roundHalfUp,
  toDecimalString,
} from './money.ts';

const parsed = (text: unknown, currency: string) => {
  const r = parseAmount(text, currency);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.value;
};

test('ISO 4217 exponents: 2 by default, 0 for JPY and KRW, 3 for the Gulf dinars and TND', () => {
  const rows: Array<[string, number]> = [
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['CHF', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['CLF', 4],
    ['XYZ', 2],
  ];
  for (const [c, e] of rows) assert.equal(currencyExponent(c), e, c);
});

test('decimal amounts parse exactly into minor units', () => {
  const rows: Array<[unknown, string, number]> = [
    ['499.99', 'USD', 49_999],
    ['1250', 'USD', 125_000],
    ['1250.5', 'USD', 125_050],
    ['0.01', 'USD', 1],
    ['500.000', 'USD', 50_000], // extra zeros are harmless
    [499.99, 'USD', 49_999], // a number is read through its decimal spelling, not its binary value
    [500, 'USD', 50_000],
    ['125000', 'JPY', 125_000],
    ['500.00', 'JPY', 500],
    ['1.250', 'KWD', 1_250],
    ['0.005', 'KWD', 5],
    ['12', 'KWD', 12_000],
    ['90071992547409.91', 'USD', 9_007_199_254_740_991], // the largest safe integer
  ];
  for (const [text, cur, minor] of rows) assert.equal(parsed(text, cur), minor, `${String(text)} ${cur}`);
});

test('amounts that cannot be held exactly are refused with an issue, never rounded', () => {
  const rows: Array<[unknown, string, RegExp]> = [
    ['499.999', 'USD', /USD has 2 decimals/],
    ['500.5', 'JPY', /JPY has 0 decimals/],
    ['1.2345', 'KWD', /KWD has 3 decimals/],
    [0.1 + 0.2, 'USD', /more/], // 0.30000000000000004: not an amount anyone wrote
    ['90071992547409.92', 'USD', /too large/],
    ['-5', 'USD', /non-negative/],
    ['1e3', 'USD', /non-negative decimal/],
    ['', 'USD', /non-negative decimal/],
    [null, 'USD', /expected an amount/],
    ['10', 'usd', /unknown currency/],
  ];
  for (const [text, cur, re] of rows) {
    const r = parseAmount(text, cur, 'penalties.rules[0].amount');
    assert.equal(r.ok, false, `${String(text)} ${cur}`);
    if (!r.ok) {
      assert.equal(r.issues[0]!.path, 'penalties.rules[0].amount');
      assert.match(r.issues[0]!.message, re, `${String(text)} ${cur}: ${r.issues[0]!.message}`);
    }
  }
});

test('formatting: thousands separators, the currency exponent, code or symbol', () => {
  assert.equal(formatMoney(125_000, 'USD'), 'USD 1,250.00');
  assert.equal(formatMoney(125_000, 'USD', 'symbol'), '$1,250.00');
  assert.equal(formatMoney(100_000_000, 'EUR', 'symbol'), '€1,000,000.00');
  assert.equal(formatMoney(125_000, 'JPY'), 'JPY 125,000');
  assert.equal(formatMoney(125_000, 'JPY', 'symbol'), '¥125,000');
  assert.equal(formatMoney(1_250, 'KWD'), 'KWD 1.250');
  assert.equal(formatMoney(5, 'KWD', 'symbol'), 'KWD 0.005'); // no unambiguous symbol: the code
  assert.equal(formatMoney(0, 'USD'), 'USD 0.00');
  assert.equal(formatMoney(7, 'USD'), 'USD 0.07');
  assert.equal(formatMoney(-500, 'USD', 'symbol'), '-$5.00');
  assert.equal(toDecimalString(9_007_199_254_740_991, 'USD'), '90071992547409.91');
});

test('percentages: exact decimals, rounded half up once to the minor unit', () => {
  const rows: Array<[number, number, string, number]> = [
    // [minor, percent, currency, expected]
    [100_000, 10, 'USD', 10_000], // 10% of $1,000.00
    [8_333, 10, 'USD', 833], // 833.3 -> 833
    [8_335, 10, 'USD', 834], // 833.5 -> 834: half up (the customer gets the extra cent)
    [1, 50, 'USD', 1], // 0.5 cent -> 1 cent
    [1, 49.99, 'USD', 0],
    [100_005, 10, 'JPY', 10_001], // ¥10,000.5 -> ¥10,001
    [1_005, 10, 'KWD', 101], // 100.5 fils -> 101 fils (KWD 0.101)
    [1_000, 33.333, 'KWD', 333], // 333.33 fils
    [10_000, 12.5, 'USD', 1_250], // 12.5 is exactly 125/1000
    [9_999, 0.01, 'USD', 1], // 0.9999 -> 1
    [100_000, 100, 'USD', 100_000],
    [100_000, 0, 'USD', 0],
  ];
  for (const [minor, p, cur, want] of rows) {
    const r = percentOf(minor, p);
    assert.ok(r.ok);
    assert.equal(r.value, want, `${p}% of ${minor} ${cur}`);
  }
  assert.deepEqual(decimalRatio(99.99), { ok: true, value: { num: 9999n, den: 100n } });
  assert.deepEqual(decimalRatio(1e-7), { ok: true, value: { num: 1n, den: 10_000_000n } });
  assert.equal(decimalRatio(-1).ok, false);
  assert.equal(percentOf(Number.MAX_SAFE_INTEGER, 100).ok, true);
  assert.equal(multiplyMinor(Number.MAX_SAFE_INTEGER, 2).ok, false);
});

test('property: rounding half up is within half a minor unit of the exact value, and exact halves go up', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (num, den) => {
      const r = roundHalfUp(num, den);
      // |r - num/den| <= 1/2  <=>  |2 r den - 2 num| <= den, and at exactly 1/2 the result is above.
      const diff = 2n * r * den - 2n * num;
      assert.ok(diff <= den && diff > -den, `${num}/${den} -> ${r}`);
    }),
  );
});

test('property: amounts round-trip through their decimal text, and percentages never use floats', () => {
  fc.assert(
    fc.property(fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'BHD'), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cur, minor) => {
      assert.equal(parsed(toDecimalString(minor, cur), cur), minor);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 0, max: 100_000 }), (minor, bp) => {
      // bp/1000 percent, written as a decimal with up to three places.
      const p = bp / 1000;
      const r = percentOf(minor, p);
      assert.ok(r.ok);
      assert.ok(Number.isSafeInteger(r.value));
      assert.equal(BigInt(r.value), (2n * BigInt(minor) * BigInt(bp) + 100_000n) / 200_000n);
    }),
  );
});
