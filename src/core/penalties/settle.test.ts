import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTarget } from '../metrics/compliance.ts';
import { resultFromEvaluation, settlePeriod } from './index.ts';
import { H, issuesOf, judged, month, settle, windowOf } from './testkit.ts';
import type { PenaltiesInput, SettlementInput } from './types.ts';

const iso = (s: string) => Date.parse(s);
const USD_1000_MONTH = { currency: 'USD', fee: { amount: '1000', per: 'month' as const } };
/** PRODUCT.md: "below 99.99% monthly: 10% credit; below 99%: 30%; below 95%: 100%". */
const PRODUCT_TIERS = {
  type: 'credit_tiers' as const,
  target: 'uptime',
  tiers: [
    { below: 99.99, credit: '10%' },
    { below: 99, credit: '30%' },
    { below: 95, credit: '100%' },
  ],
};

function input(over: Partial<SettlementInput> & { penalties: PenaltiesInput }): SettlementInput {
  return { pricing: USD_1000_MONTH, term: { start: '2025-01-01' }, period: month(2026, 10), zone: 'UTC', targets: [], ...over };
}

test('PRODUCT.md tiers on a $1,000 monthly fee: the worst band that applies, never the sum', () => {
  const rows: Array<[number | null, number, number | null, string | null]> = [
    // [measured %, owed in cents, band index, why nothing]
    [100, 0, null, 'met'],
    [99.995, 0, null, 'met'],
    [99.99, 0, null, 'met'], // exactly the target: met, and not below 99.99
    [99.98, 10_000, 0, null],
    [99.0, 10_000, 0, null], // 99.0 is not below 99
    [98.99, 30_000, 1, null],
    [95, 30_000, 1, null],
    [94.99, 100_000, 2, null],
    [0, 100_000, 2, null],
    [null, 0, null, 'no_data'],
  ];
  for (const [value, owed, band, why] of rows) {
    const s = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [judged('uptime', value)] }));
    const line = s.lines[0]!;
    assert.equal(line.amountMinor, owed, `value ${value}`);
    assert.equal(line.band?.index ?? null, band, `value ${value}`);
    assert.equal(line.nothingOwed, why, `value ${value}`);
    assert.equal(s.totals[0]!.amountMinor, owed);
    assert.equal(line.form, 'service_credit');
    assert.equal(line.due, null); // a service credit without a due date goes on the next invoice
  }
  const s = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [judged('uptime', 98.5)] }));
  assert.equal(
    s.lines[0]!.reason,
    'uptime in 2026-10: measured 98.5% against a target of >= 99.99% (breached); band 2 applies (below 99%): 30% of the fee for 2026-10, USD 1,000.00 (USD 1,000.00 a month × 1 month) = USD 300.00; applied as a credit on the next invoice (the agreement sets no due date)',
  );
  assert.equal(s.summary, '2026-10: USD 300.00 owed on 1 of 1 line (1 rule).');
  // At risk (an open window that can still recover) owes nothing: only a breach owes.
  const risk = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [judged('uptime', 99.5, { state: 'at_risk' })] }));
  assert.equal(risk.lines[0]!.amountMinor, 0);
  assert.equal(risk.lines[0]!.nothingOwed, 'at_risk');
  assert.match(risk.lines[0]!.reason, /only a breach owes/);
  const none = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [judged('uptime', null)] }));
  assert.match(none.lines[0]!.reason, /no data for the window, which is neither met nor breached/);
});

test('AWS-style tiers on an underpinning contract: $25,000 a month', () => {
  const penalties: PenaltiesInput = {
    exclusions: ['announced_maintenance', 'customer_caused', 'force_majeure'],
    rules: [
      {
        type: 'credit_tiers',
        target: 'uptime',
        tiers: [
          { below: 99.99, credit: '10%' },
          { below: 99.0, credit: '30%' },
          { below: 95.0, credit: '100%' },
        ],
        form: 'service_credit',
      },
    ],
  };
  const pricing = { currency: 'USD', fee: { amount: 25000, per: 'month' as const } };
  const rows: Array<[number, string]> = [
    [99.995, 'USD 0.00'],
    [99.95, 'USD 2,500.00'],
    [99.5, 'USD 2,500.00'],
    [97, 'USD 7,500.00'],
    [94, 'USD 25,000.00'],
  ];
  for (const [v, owed] of rows) {
    const s = settle(input({ penalties, pricing, term: { start: '2025-07-01' }, targets: [judged('uptime', v)] }));
    assert.equal(s.totals[0]!.amount, owed, `value ${v}`);
  }
  // A bound that reads "less is better": resolution time bands use `above`.
  const slow = settle(
    input({
      penalties: {
        rules: [
          {
            type: 'credit_tiers',
            target: 'resolution',
            tiers: [
              { above: 14_400, credit: 5 },
              { above: 28_800, credit: 15 },
            ],
          },
        ],
      },
      pricing,
      targets: [judged('resolution', 30_000, { comparator: '<=', target: 14_400, unit: 'seconds' })],
    }),
  );
  assert.equal(slow.lines[0]!.amountMinor, 375_000);
  assert.match(slow.lines[0]!.reason, /measured 8h 20m against a target of <= 4h/);
  assert.match(slow.lines[0]!.reason, /band 2 applies \(above 8h\)/);
});

test('PRODUCT.md fine: 99.99% a year; if downtime exceeds the budget, $500 due within 15 days', () => {
  const zone = 'Europe/Berlin';
  const year = windowOf({ kind: 'year', year: 2026 }, zone);
  const penalties: PenaltiesInput = {
    exclusions: ['announced_maintenance', 'customer_caused', 'force_majeure'],
    rules: [{ id: 'yearly-fine', type: 'fine', target: 'uptime', amount: 500, due: { days: 15, after: 'breach' } }],
  };
  const pricing = { currency: 'USD', fee: { amount: 12000, per: 'year' as const } };
  // 99.99% of 2026 allows 52m 33.6s; the year's downtime passed it on 3 March at 14:00 Berlin.
  const breachAt = iso('2026-03-03T13:00:00Z');
  const ev = judged('uptime', 99.985, { window: year, budget: { allowedMs: 3_153_600, usedMs: 4_730_400 }, firstBreachAt: breachAt });
  const base = { penalties, pricing, term: { start: '2026-01-01' }, zone, targets: [ev] };
  const march = settle({ ...base, period: month(2026, 3, zone) });
  const line = march.lines[0]!;
  assert.equal(line.amountMinor, 50_000);
  assert.equal(line.amount, 'USD 500.00');
  assert.equal(line.form, 'fine');
  assert.deepEqual(line.due, { date: '2026-03-18', from: breachAt, days: 15, basis: 'breach' });
  assert.match(line.reason, /fine of USD 500.00; due 2026-03-18 \(15 days after the breach on 2026-03-03\)/);
  // Owed once: later months of the same year, and the year's end, do not owe it again.
  for (const m of [4, 12]) {
    const later = settle({ ...base, period: month(2026, m, zone) });
    assert.equal(later.lines[0]!.amountMinor, 0);
    assert.equal(later.lines[0]!.nothingOwed, 'other_period');
    assert.match(later.lines[0]!.reason, /the breach on 2026-03-03 falls in another billing period/);
  }
  // Without the breach instant, the fine is owed when the year's window ends, due 15 days after it.
  const { firstBreachAt: _b, ...noInstant } = ev;
  const exampleFile: PenaltiesInput = { rules: [{ type: 'fine', target: 'uptime', amount: 500, due: { days: 15, after: 'period_end' } }] };
  const dec = settle({ ...base, penalties: exampleFile, targets: [noInstant], period: month(2026, 12, zone) });
  assert.equal(dec.lines[0]!.amountMinor, 50_000);
  assert.equal(dec.lines[0]!.due!.date, '2027-01-15');
  const mar = settle({ ...base, penalties: exampleFile, targets: [noInstant], period: month(2026, 3, zone) });
  assert.equal(mar.lines[0]!.nothingOwed, 'other_period');
  assert.match(mar.lines[0]!.reason, /ends after this period \(its last day is 2026-12-31\)/);
  // A fine due "after the breach" without a known instant counts from the period end, and says so.
  const fallback = settle({ ...base, targets: [noInstant], period: month(2026, 12, zone) });
  assert.equal(fallback.lines[0]!.due!.basis, 'period_end');
  assert.ok(fallback.lines[0]!.notes.some((n) => /breach instant is not known/.test(n)));
});

test('per breached ticket: excluded causes are not charged, causes the agreement does not exclude are', () => {
  const penalties: PenaltiesInput = {
    exclusions: ['announced_maintenance', 'customer_caused'],
    rules: [{ type: 'per_unit', target: 'p1-response', unit: 'breached_ticket', amount: 50, due: { days: 30, after: 'period_end' } }],
  };
  const tickets = {
    comparator: '>=' as const,
    target: 95,
    breachedTickets: ['T-1', 'T-2', 'T-3', 'T-4', 'T-2'],
    excludedItems: [
      { id: 'T-3', reason: 'customer_caused' },
      { id: 'T-4', reason: 'third_party' },
    ],
  };
  const s = settle(input({ penalties, targets: [judged('p1-response', 90, tickets)] }));
  const line = s.lines[0]!;
  assert.equal(line.amountMinor, 15_000);
  assert.deepEqual(line.units, { unit: 'breached_ticket', count: 3, tickets: ['T-1', 'T-2', 'T-4'] });
  assert.match(line.reason, /3 breached tickets \(T-1, T-2, T-4\) × USD 50.00 = USD 150.00; not counted: T-3 \(customer_caused\)/);
  assert.ok(line.notes.some((n) => /T-4 is marked third_party, which this agreement does not exclude/.test(n)));
  assert.equal(line.due!.date, '2026-11-30');
  // Met over the period: individual late tickets are within the allowance and owe nothing.
  const met = settle(input({ penalties, targets: [judged('p1-response', 96, tickets)] }));
  assert.equal(met.lines[0]!.amountMinor, 0);
  assert.equal(met.lines[0]!.nothingOwed, 'met');
  // Every breached ticket excluded: nothing owed, because of the exclusion.
  const all = settle(input({ penalties, targets: [judged('p1-response', 90, { ...tickets, breachedTickets: ['T-3'] })] }));
  assert.equal(all.lines[0]!.nothingOwed, 'excluded');
});

test('per started hour of downtime beyond the budget', () => {
  // September 2026 (UTC) has 720 h; 99.9% allows 2,592,000 ms (43m 12s).
  const allowedMs = 2_592_000;
  const penalties: PenaltiesInput = { rules: [{ type: 'per_unit', target: 'uptime', unit: 'hour_over_budget', amount: 100 }] };
  const rows: Array<[number, number, number]> = [
    [allowedMs, 0, 0],
    [allowedMs + 1, 1, 10_000],
    [allowedMs + H, 1, 10_000],
    [allowedMs + H + 1, 2, 20_000],
    [allowedMs + 10 * H, 10, 100_000],
  ];
  for (const [usedMs, hours, owed] of rows) {
    const value = ((720 * H - usedMs) / (720 * H)) * 100;
    const r = judged('uptime', value, { target: 99.9, state: usedMs > allowedMs ? 'breached' : 'at_risk', budget: { allowedMs, usedMs } });
    const s = settle(input({ penalties, period: month(2026, 9), targets: [r] }));
    assert.equal(s.lines[0]!.amountMinor, owed, `used ${usedMs}`);
    if (usedMs > allowedMs) assert.equal(s.lines[0]!.units!.count, hours);
  }
  const s = settle(
    input({
      penalties,
      period: month(2026, 9),
      targets: [judged('uptime', 99.5, { target: 99.9, budget: { allowedMs, usedMs: allowedMs + 2 * H + 90_000 } })],
    }),
  );
  assert.match(
    s.lines[0]!.reason,
    /downtime 2h 44m 42s against an allowance of 43m 12s: 2h 1m 30s over, 3 started hours × USD 100.00 = USD 300.00/,
  );
});

test('caps: per period and per year, as an amount or a share of the fee, filled in rule order', () => {
  // Per period, an amount.
  let s = settle(input({ penalties: { rules: [PRODUCT_TIERS], caps: { perPeriod: { amount: 250 } } }, targets: [judged('uptime', 98)] }));
  assert.equal(s.lines[0]!.computedMinor, 30_000);
  assert.equal(s.lines[0]!.amountMinor, 25_000);
  assert.deepEqual(s.lines[0]!.cap, { cap: 'per_period', reducedByMinor: 5_000, remainingBeforeMinor: 25_000, limitMinor: 25_000 });
  assert.match(s.lines[0]!.reason, /reduced by USD 50.00 to USD 250.00 by the per-period cap of USD 250.00/);
  assert.deepEqual(
    { used: s.caps[0]!.usedMinor, reduced: s.caps[0]!.reducedByMinor, reached: s.caps[0]!.reached, basis: s.caps[0]!.basis },
    { used: 25_000, reduced: 5_000, reached: true, basis: 'USD 250.00' },
  );
  assert.deepEqual([s.totals[0]!.amountMinor, s.totals[0]!.beforeCapsMinor, s.totals[0]!.reducedByCapsMinor], [25_000, 30_000, 5_000]);

  // Per year, 10% of the yearly fee ($12,000 -> $1,200), with $1,000 already owed this contract year.
  s = settle(
    input({
      penalties: { rules: [PRODUCT_TIERS], caps: { perYear: { percentOfFee: '10%' } } },
      targets: [judged('uptime', 98)],
      history: {
        owedEarlierInYear: [
          { currency: 'USD', minor: 100_000 },
          { currency: 'EUR', minor: 999_999 },
        ],
      },
    }),
  );
  assert.equal(s.lines[0]!.amountMinor, 20_000);
  assert.equal(s.lines[0]!.cap!.cap, 'per_year');
  assert.equal(s.caps[0]!.basis, '10% of the yearly fee USD 12,000.00 = USD 1,200.00');
  assert.equal(s.caps[0]!.earlierMinor, 100_000);
  assert.equal(s.contractYear!.firstDay, '2026-01-01');

  // Both caps; the fine comes first in the agreement, so it takes what is left; the per-unit line gets nothing.
  s = settle(
    input({
      penalties: {
        rules: [
          { type: 'fine', target: 'uptime', amount: 500 },
          { type: 'per_unit', target: 'uptime', unit: 'hour_over_budget', amount: 100 },
        ],
        caps: { perPeriod: { percentOfFee: 50 }, perYear: { amount: 1200 } },
      },
      targets: [judged('uptime', 99.5, { budget: { allowedMs: 267_840, usedMs: 267_840 + 3 * H } })],
      history: { owedEarlierInYear: [{ currency: 'USD', minor: 110_000 }] },
    }),
  );
  assert.deepEqual(
    s.lines.map((l) => [l.computedMinor, l.amountMinor, l.cap?.cap, l.nothingOwed]),
    [
      [50_000, 10_000, 'per_year', null],
      [30_000, 0, 'per_year', 'cap_reached'],
    ],
  );
  assert.equal(s.totals[0]!.amountMinor, 10_000);

  // A fine in another currency is not capped by a USD cap, and says so.
  s = settle(
    input({
      penalties: { rules: [{ type: 'fine', target: 'uptime', amount: 500, currency: 'EUR' }], caps: { perPeriod: { amount: 100 } } },
      targets: [judged('uptime', 99)],
    }),
  );
  assert.equal(s.lines[0]!.amountMinor, 50_000);
  assert.equal(s.lines[0]!.currency, 'EUR');
  assert.ok(s.lines[0]!.notes.some((n) => /not capped: the caps are in USD/.test(n)));
});

test('grace period of 90 days: nothing owed for what falls within it, in a period it ends inside too', () => {
  const penalties: PenaltiesInput = { gracePeriod: '90d', rules: [PRODUCT_TIERS, { type: 'fine', target: 'uptime', amount: 500 }] };
  const bad = [judged('uptime', 98)];
  // Term from 1 January 2026: the grace period runs through 31 March.
  const march = settle(input({ penalties, term: { start: '2026-01-01' }, period: month(2026, 3), targets: bad }));
  assert.equal(march.totals[0]!.amountMinor, 0);
  assert.deepEqual(
    march.lines.map((l) => [l.nothingOwed, l.computedMinor, l.amountMinor]),
    [
      ['grace_period', 30_000, 0],
      ['grace_period', 50_000, 0],
    ],
  );
  assert.equal(march.grace!.lastDay, '2026-03-31');
  assert.equal(march.grace!.applies, 'whole_period');
  assert.match(
    march.lines[0]!.reason,
    /nothing owed: the period ends within the grace period \(90d from 2026-01-01, through 2026-03-31\); without it USD 300.00 would be owed/,
  );
  assert.match(march.summary, /nothing owed; the grace period runs through 2026-03-31/);
  const april = settle(input({ penalties, term: { start: '2026-01-01' }, period: month(2026, 4), targets: bad }));
  assert.equal(april.totals[0]!.amountMinor, 80_000);
  assert.equal(april.grace!.applies, 'no');
  // Term from 15 January: grace through 14 April. Only what falls after it is charged: a result
  // measured over the whole of April (14 days of it inside the grace period) owes nothing, and says
  // which part to measure; a result measured from 15 April owes on that part (its share of the fee).
  const mid = settle(input({ penalties, term: { start: '2026-01-15' }, period: month(2026, 4), targets: bad }));
  assert.equal(mid.totals[0]!.amountMinor, 0);
  assert.equal(mid.grace!.applies, 'partly');
  assert.equal(mid.grace!.lastDay, '2026-04-14');
  assert.ok(
    mid.notes.includes(
      'the grace period ended inside this period (its last day was 2026-04-14); only what falls after it is charged: ' +
        'each target is settled on its measurement from 2026-04-15',
    ),
  );
  assert.deepEqual(
    mid.lines.map((l) => [l.nothingOwed, l.computedMinor]),
    [
      ['grace_period', 30_000],
      ['grace_period', 50_000],
    ],
  );
  assert.match(
    mid.lines[0]!.reason,
    /nothing owed: the window 2026-04 begins inside the grace period \(90d from 2026-01-15, through 2026-04-14\), /,
  );
  assert.match(
    mid.lines[0]!.reason,
    /only what falls after it may be charged; measure the part from 2026-04-15 on its own to settle it; without it USD 300.00 would be owed/,
  );
  const rest = { from: iso('2026-04-15T00:00:00Z'), to: iso('2026-05-01T00:00:00Z'), label: '2026-04 from 2026-04-15' };
  const after = settle(
    input({ penalties, term: { start: '2026-01-15' }, period: month(2026, 4), targets: [judged('uptime', 98, { window: rest })] }),
  );
  // 30% of the fee for 16 of April's 30 days (USD 533.33), and the fine.
  assert.deepEqual(
    after.lines.map((l) => [l.nothingOwed, l.amountMinor]),
    [
      [null, 16_000],
      [null, 50_000],
    ],
  );
  assert.match(after.lines[0]!.reason, /^uptime in 2026-04 from 2026-04-15: measured 98% against a target of >= 99.99% \(breached\); /);
  assert.match(after.lines[0]!.reason, /band 2 applies \(below 99%\): 30% of the fee for 2026-04 from 2026-04-15, USD 533.33/);
  for (const l of after.lines)
    assert.ok(l.notes.includes('measured from 2026-04-15, after the grace period (its last day was 2026-04-14)'), l.notes.join('|'));
  // A window that ends within the grace period owes nothing, even in a period that reaches past it.
  const firstHalf = { from: iso('2026-04-01T00:00:00Z'), to: iso('2026-04-15T00:00:00Z'), label: 'first half of April' };
  const early = settle(
    input({
      penalties: { gracePeriod: '90d', rules: [PRODUCT_TIERS] },
      term: { start: '2026-01-15' },
      period: month(2026, 4),
      targets: [judged('uptime', 98, { window: firstHalf })],
    }),
  );
  assert.equal(early.lines[0]!.nothingOwed, 'grace_period');
  assert.match(early.lines[0]!.reason, /nothing owed: the window first half of April ends within the grace period/);
  // A met month inside the grace period still says the grace period first.
  const fine = settle(input({ penalties, term: { start: '2026-01-01' }, period: month(2026, 2), targets: [judged('uptime', 100)] }));
  assert.equal(fine.lines[0]!.nothingOwed, 'met');
  assert.match(fine.lines[0]!.reason, /grace period .* \(and the target is met\)/);
  // Before the term starts, nothing is owed either.
  const before = settle(input({ penalties, term: { start: '2026-01-01' }, period: month(2025, 12), targets: bad }));
  assert.equal(before.lines[0]!.nothingOwed, 'before_term');
});

test('termination after 3 consecutive monthly availability breaches, or 3 in a year', () => {
  const term = {
    start: '2025-01-01',
    terminationRights: [
      { id: 'three-strikes', target: 'uptime', consecutiveBreaches: 3, description: 'terminate without fee' },
      { id: 'three-a-year', target: 'uptime', breachesInYear: 3 },
    ],
  };
  const hist = (...rows: Array<[number, number, 'met' | 'breached' | 'no_data' | 'at_risk']>) => ({
    periods: rows.map(([y, m, state]) => ({ targetId: 'uptime', ...month(y, m), state })),
  });
  const run = (history: ReturnType<typeof hist>, value: number) =>
    settle(input({ penalties: { rules: [PRODUCT_TIERS] }, term, history, targets: [judged('uptime', value)] })).termination;

  let t = run(hist([2026, 8, 'breached'], [2026, 9, 'breached']), 98);
  assert.equal(t[0]!.triggered, true);
  assert.equal(t[0]!.count, 3);
  assert.deepEqual(t[0]!.periods, ['2026-08', '2026-09', '2026-10']);
  assert.match(t[0]!.reason, /^triggered: 3 consecutive breached periods \(2026-08, 2026-09, 2026-10\)/);
  // Met this month: no right, whatever came before.
  t = run(hist([2026, 8, 'breached'], [2026, 9, 'breached']), 100);
  assert.equal(t[0]!.triggered, false);
  assert.match(t[0]!.reason, /not breached in 2026-10/);
  // A gap in the history, or a month without data, ends the run.
  t = run(hist([2026, 7, 'breached'], [2026, 9, 'breached']), 98);
  assert.deepEqual([t[0]!.count, t[0]!.triggered], [2, false]);
  t = run(hist([2026, 7, 'breached'], [2026, 8, 'no_data'], [2026, 9, 'breached']), 98);
  assert.deepEqual([t[0]!.count, t[0]!.triggered], [2, false]);
  // Three in the twelve months ending with October 2026 (rolling year), not consecutive.
  t = run(hist([2025, 11, 'breached'], [2026, 3, 'breached'], [2026, 9, 'met']), 98);
  assert.deepEqual([t[1]!.rule, t[1]!.count, t[1]!.triggered], ['in_year', 3, true]);
  t = run(hist([2025, 10, 'breached'], [2026, 3, 'breached']), 98);
  assert.deepEqual([t[1]!.count, t[1]!.triggered], [2, false]);
  // Breaches inside the grace period do not count.
  const graced = settle(
    input({
      penalties: { gracePeriod: '90d', rules: [PRODUCT_TIERS] },
      term: { ...term, start: '2026-01-01' },
      period: month(2026, 4),
      history: hist([2026, 1, 'breached'], [2026, 2, 'breached'], [2026, 3, 'breached']),
      targets: [judged('uptime', 98)],
    }),
  ).termination;
  assert.deepEqual([graced[0]!.count, graced[0]!.triggered], [1, false]);
  const inGrace = settle(
    input({
      penalties: { gracePeriod: '90d', rules: [PRODUCT_TIERS] },
      term: { ...term, start: '2026-01-01' },
      period: month(2026, 3),
      targets: [judged('uptime', 98)],
    }),
  ).termination;
  assert.match(inGrace[0]!.reason, /ends within the grace period/);
  const s = settle(
    input({
      penalties: { rules: [PRODUCT_TIERS] },
      term,
      history: hist([2026, 8, 'breached'], [2026, 9, 'breached']),
      targets: [judged('uptime', 98)],
    }),
  );
  assert.match(s.summary, /termination rights triggered: three-strikes after 3 consecutive breached periods \(2026-08, 2026-09, 2026-10\)/);
});

test('JPY (no decimals) and KWD (three decimals) round half up to their own minor unit', () => {
  const tiers: PenaltiesInput = { rules: [{ type: 'credit_tiers', target: 'uptime', tiers: [{ below: 99.9, credit: 10 }] }] };
  const jpy = settle(
    input({ penalties: tiers, pricing: { currency: 'JPY', fee: { amount: '100005', per: 'month' } }, targets: [judged('uptime', 99)] }),
  );
  assert.equal(jpy.lines[0]!.amountMinor, 10_001); // ¥10,000.5 -> ¥10,001
  assert.equal(jpy.lines[0]!.amount, 'JPY 10,001');
  const jpyYear = settle(
    input({ penalties: tiers, pricing: { currency: 'JPY', fee: { amount: 1_000_000, per: 'year' } }, targets: [judged('uptime', 99)] }),
  );
  assert.equal(jpyYear.fee.period!.minor, 83_333); // ¥83,333.33 for a month
  assert.equal(jpyYear.lines[0]!.amountMinor, 8_333); // 10% of the period fee as billed
  const kwd = settle(
    input({ penalties: tiers, pricing: { currency: 'KWD', fee: { amount: '1.005', per: 'month' } }, targets: [judged('uptime', 99)] }),
  );
  assert.equal(kwd.lines[0]!.amountMinor, 101); // 100.5 fils -> 101 fils
  assert.equal(kwd.lines[0]!.amount, 'KWD 0.101');
  const kwdFine = settle(
    input({
      penalties: { currency: 'KWD', rules: [{ type: 'fine', target: 'uptime', amount: '12.345' }] },
      pricing: undefined,
      targets: [judged('uptime', 99)],
    }),
  );
  assert.equal(kwdFine.totals[0]!.amount, 'KWD 12.345');
  const tooFine = issuesOf(
    input({ penalties: { currency: 'JPY', rules: [{ type: 'fine', target: 'uptime', amount: '12.5' }] }, pricing: undefined, targets: [] }),
  );
  assert.equal(tooFine[0]!.path, 'penalties.rules[0].amount');
});

test('the fee is prorated to the billing period: per month, quarter or year, whole months exact', () => {
  const fee = (amount: string, per: 'month' | 'quarter' | 'year', period = month(2026, 10), zone = 'UTC') =>
    settle(input({ penalties: { rules: [] }, pricing: { currency: 'USD', fee: { amount, per } }, period, zone })).fee.period!;
  assert.equal(fee('12000', 'year').minor, 100_000);
  assert.equal(fee('12000', 'year').basis, 'USD 12,000.00 a year × 1 month / 12');
  assert.equal(fee('1000', 'year').minor, 8_333); // 83.333... -> 83.33
  assert.equal(fee('1000.06', 'year').minor, 8_334); // 83.338... -> 83.34
  assert.equal(fee('3000', 'quarter').minor, 100_000);
  assert.equal(fee('1000', 'month', windowOf({ kind: 'quarter', year: 2026, index: 4 })).minor, 300_000);
  assert.equal(fee('1000', 'month', windowOf({ kind: 'year', year: 2026 })).minor, 1_200_000);
  // October in Berlin has 745 hours: still exactly one month.
  assert.equal(fee('1000', 'month', month(2026, 10, 'Europe/Berlin'), 'Europe/Berlin').minor, 100_000);
  // 1 to 25 October: 24 of 31 days.
  const part = fee('1000', 'month', { from: iso('2026-10-01T00:00:00Z'), to: iso('2026-10-25T00:00:00Z'), label: 'part' });
  assert.equal(part.minor, 77_419);
  assert.equal(part.basis, 'USD 1,000.00 a month × 24/31 months');
  // 16 January to 15 February: 16/31 + 14/28 of a month.
  assert.equal(fee('1000', 'month', { from: iso('2026-01-16T00:00:00Z'), to: iso('2026-02-15T00:00:00Z'), label: 'x' }).minor, 101_613);
  const s = settle(input({ penalties: { rules: [] } }));
  assert.equal(s.fee.year!.minor, 1_200_000);
});

test('a target measured over a longer window than the billing period is settled once, when the window ends', () => {
  const year = windowOf({ kind: 'year', year: 2026 });
  const r = judged('uptime', 98, { window: year });
  const nov = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, period: month(2026, 11), targets: [r] }));
  assert.equal(nov.lines[0]!.nothingOwed, 'other_period');
  const dec = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, period: month(2026, 12), targets: [r] }));
  // 30% of the fee for the window measured: twelve months of $1,000.
  assert.equal(dec.lines[0]!.amountMinor, 360_000);
  assert.match(dec.lines[0]!.reason, /30% of the fee for 2026, USD 12,000.00 \(USD 1,000.00 a month × 12 months\)/);
  // Two monthly results in a quarterly billing period: one line each, each on its month's fee.
  const q = windowOf({ kind: 'quarter', year: 2026, index: 4 });
  const two = settle(
    input({
      penalties: { rules: [PRODUCT_TIERS] },
      period: q,
      targets: [judged('uptime', 98, { window: month(2026, 10) }), judged('uptime', 99.5, { window: month(2026, 11) })],
    }),
  );
  assert.deepEqual(
    two.lines.map((l) => l.amountMinor),
    [30_000, 10_000],
  );
});

test('due dates are civil dates in the zone: N days after the period ends, or after the breach', () => {
  const zone = 'Europe/Berlin';
  const at = (days: number, after: 'period_end' | 'breach', breach?: number) =>
    settle(
      input({
        penalties: { rules: [{ type: 'fine', target: 'uptime', amount: 1, due: { days, after } }] },
        zone,
        period: month(2026, 10, zone),
        targets: [judged('uptime', 99, breach ? { firstBreachAt: breach } : {})],
      }),
    ).lines[0]!.due;
  assert.equal(at(0, 'period_end')!.date, '2026-10-31');
  assert.equal(at(15, 'period_end')!.date, '2026-11-15');
  assert.equal(at(30, 'period_end')!.date, '2026-11-30');
  // 23:30 UTC on 24 October is 01:30 on 25 October in Berlin.
  assert.equal(at(0, 'breach', iso('2026-10-24T23:30:00Z'))!.date, '2026-10-25');
  assert.equal(at(7, 'breach', iso('2026-10-24T23:30:00Z'))!.date, '2026-11-01');
  // The default of a fine: 30 days after the period ends.
  const d = settle(input({ penalties: { rules: [{ type: 'fine', target: 'uptime', amount: 1 }] }, targets: [judged('uptime', 99)] }));
  assert.deepEqual([d.lines[0]!.due!.date, d.lines[0]!.due!.basis], ['2026-11-30', 'period_end']);
});

test('exclusions: listed on the line; one the agreement does not list is flagged', () => {
  const s = settle(
    input({
      penalties: { exclusions: ['announced_maintenance'], rules: [PRODUCT_TIERS] },
      targets: [
        judged('uptime', 99.995, {
          excludedItems: [
            { id: 'M-1', reason: 'announced_maintenance' },
            { id: 'O-7', reason: 'force majeure' },
          ],
        }),
      ],
    }),
  );
  const line = s.lines[0]!;
  assert.equal(line.nothingOwed, 'met');
  assert.match(
    line.reason,
    /nothing owed: the target is met; excluded from the measurement: M-1 \(announced_maintenance\), O-7 \(force majeure\)/,
  );
  assert.deepEqual(line.notes, [
    "O-7 was excluded from the measurement as force_majeure, which penalties.exclusions does not list; check the target's settings",
  ]);
});

test('a rule whose target has no result owes nothing and says so', () => {
  const s = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [] }));
  assert.equal(s.lines[0]!.nothingOwed, 'no_result');
  assert.equal(s.lines[0]!.amount, 'USD 0.00');
  assert.match(s.lines[0]!.reason, /no compliance result was given/);
  // Before the term starts there is nothing to measure: that is the reason, and no note asks for one.
  const early = settle(input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [], term: { start: '2027-01-01' } }));
  assert.equal(early.lines[0]!.nothingOwed, 'before_term');
  assert.match(early.lines[0]!.reason, /nothing owed: the period ends before the term starts on 2027-01-01/);
  assert.deepEqual(early.lines[0]!.notes, []);
});

test('from the measurement engine: evaluateTarget results settle as they are', () => {
  const zone = 'Europe/Berlin';
  const ev = evaluateTarget({
    metric: 'availability',
    comparator: '>=',
    target: 99.9,
    window: { kind: 'month', year: 2026, index: 10 },
    zone,
    now: iso('2026-11-05T00:00:00Z'),
    // 745 h in October (Berlin); 1% down.
    inputs: { availability: { availability: 0.99, downtimeMs: 7.45 * H, eligibleMs: 745 * H, excludedMs: 0, outages: ['O-1'] } },
  });
  assert.ok(ev.ok);
  const s = settle({
    penalties: {
      rules: [
        {
          type: 'credit_tiers',
          target: 'uptime',
          tiers: [
            { below: 99.9, credit: 10 },
            { below: 99.5, credit: 25 },
          ],
        },
        { type: 'per_unit', target: 'uptime', unit: 'hour_over_budget', amount: 10 },
      ],
    },
    pricing: USD_1000_MONTH,
    period: month(2026, 10, zone),
    zone,
    targets: [resultFromEvaluation('uptime', ev.value)],
  });
  assert.equal(s.lines[0]!.amountMinor, 25_000);
  // 7h 27m down against 44m 42s allowed: 6h 42m 18s over, 7 started hours.
  assert.equal(s.lines[1]!.units!.count, 7);
  assert.equal(s.totals[0]!.amountMinor, 32_000);
});

test('bad input is returned as issues naming the field, never thrown', () => {
  const ok = input({ penalties: { rules: [PRODUCT_TIERS] }, targets: [judged('uptime', 98)] });
  const paths = (i: SettlementInput) => issuesOf(i).map((x) => x.path);
  assert.deepEqual(paths({ ...ok, zone: 'Mars/Olympus' }), ['zone']);
  assert.deepEqual(paths({ ...ok, period: { ...ok.period, to: ok.period.from } }), ['period.to']);
  assert.deepEqual(paths({ ...ok, penalties: { rules: [{ type: 'fine', target: 'uptime', amount: '12.345' }] } }), [
    'penalties.rules[0].amount',
  ]);
  assert.deepEqual(
    paths({
      ...ok,
      penalties: {
        rules: [
          {
            ...PRODUCT_TIERS,
            tiers: [
              { below: 99.9, credit: 30 },
              { below: 99, credit: 10 },
            ],
          },
        ],
      },
    }),
    ['penalties.rules[0].tiers[1].credit'],
  );
  assert.deepEqual(paths({ ...ok, penalties: { rules: [{ ...PRODUCT_TIERS, tiers: [{ above: 5, credit: 10 }] }] } }), [
    'penalties.rules[0].tiers[0]',
  ]);
  assert.deepEqual(paths({ ...ok, pricing: undefined }), [
    'penalties.rules[0].tiers[0].credit',
    'penalties.rules[0].tiers[1].credit',
    'penalties.rules[0].tiers[2].credit',
  ]);
  assert.deepEqual(paths({ ...ok, penalties: { rules: [{ type: 'per_unit', target: 'uptime', unit: 'hour_over_budget', amount: 1 }] } }), [
    'targets[0].evaluation.budget',
  ]);
  assert.deepEqual(paths({ ...ok, targets: [judged('uptime', null, { state: 'breached' })] }), ['targets[0].evaluation.value']);
  assert.deepEqual(paths({ ...ok, targets: [judged('uptime', 98), judged('uptime', 99)] }), ['targets[1]']);
  assert.deepEqual(paths({ ...ok, term: { start: '2026-02-30' } }), ['term.start']);
  assert.deepEqual(paths({ ...ok, term: { start: '2026-01-01', terminationRights: [{ id: 'x', target: 'uptime' }] } }), [
    'term.terminationRights[0]',
  ]);
  const typo = issuesOf({ ...ok, penalties: { rules: [{ ...PRODUCT_TIERS, tier: [] } as never] } });
  assert.ok(typo.some((i) => i.path === 'penalties.rules[0].tier' && /did you mean "tiers"/.test(i.message)));
  // Mixed bands compared on the fee: a deeper band earning less is refused.
  assert.deepEqual(
    paths({
      ...ok,
      penalties: {
        rules: [
          {
            ...PRODUCT_TIERS,
            tiers: [
              { below: 99.9, credit: 50 },
              { below: 99, amount: 100 },
            ],
          },
        ],
      },
    }),
    ['penalties.rules[0].tiers[1]'],
  );
  for (const garbage of [
    null,
    undefined,
    42,
    'x',
    [],
    {},
    { penalties: null },
    { ...ok, targets: 'all' },
    { ...ok, history: { periods: [{}] } },
  ]) {
    const r = settlePeriod(garbage as never);
    assert.equal(r.ok, false);
  }
});
