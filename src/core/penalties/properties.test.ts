import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toDecimalString } from './money.ts';
import { settlePeriod } from './settle.ts';
import { H, judged, month, settle } from './testkit.ts';
import type { PenaltiesInput, Settlement, SettlementInput } from './types.ts';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Pacific/Chatham'];
const CURRENCIES = ['USD', 'JPY', 'KWD'];
/** Availability is measured over 30 days here; 99.9% allows 2,592,000 ms. */
const ELIGIBLE = 720 * H;
const TARGET = 99.9;
const ALLOWED = 2_592_000;

type Rule = NonNullable<PenaltiesInput['rules']>[number];

/** Bands that nest properly: thresholds strictly descending, credits or amounts not decreasing. */
const belowTiers = (cur: string) =>
  fc.uniqueArray(fc.integer({ min: 5_000, max: 9_999 }), { minLength: 1, maxLength: 4 }).chain((ths) => {
    const thresholds = [...ths].sort((a, b) => b - a).map((x) => x / 100);
    const n = thresholds.length;
    return fc.oneof(
      fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: n, maxLength: n }).map((cs) => {
        const sorted = [...cs].sort((a, b) => a - b);
        return thresholds.map((below, i) => ({ below, credit: sorted[i]! / 10 }));
      }),
      fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: n, maxLength: n }).map((as) => {
        const sorted = [...as].sort((a, b) => a - b);
        return thresholds.map((below, i) => ({ below, amount: toDecimalString(sorted[i]!, cur) }));
      }),
    );
  });

const money = (cur: string) => fc.integer({ min: 0, max: 100_000_000 }).map((m) => toDecimalString(m, cur));

const ruleArb = (cur: string): fc.Arbitrary<Rule> =>
  fc.oneof(
    belowTiers(cur).map((tiers): Rule => ({ type: 'credit_tiers', target: 'uptime', tiers })),
    money(cur).map((amount): Rule => ({ type: 'fine', target: 'uptime', amount })),
    money(cur).map((amount): Rule => ({ type: 'per_unit', target: 'uptime', unit: 'hour_over_budget', amount })),
    money(cur).map((amount): Rule => ({ type: 'per_unit', target: 'tickets', unit: 'breached_ticket', amount })),
  );

const capArb = (cur: string) =>
  fc.option(
    fc.oneof(
      money(cur).map((amount) => ({ amount })),
      fc.integer({ min: 0, max: 200 }).map((p) => ({ percentOfFee: p / 2 })),
    ),
    { nil: undefined },
  );

const caseArb = fc.constantFrom(...CURRENCIES).chain((cur) =>
  fc.record({
    cur: fc.constant(cur),
    zone: fc.constantFrom(...ZONES),
    year: fc.integer({ min: 2026, max: 2030 }),
    month: fc.integer({ min: 1, max: 12 }),
    fee: fc.integer({ min: 0, max: 1_000_000_000 }),
    per: fc.constantFrom('month' as const, 'quarter' as const, 'year' as const),
    rules: fc.array(ruleArb(cur), { minLength: 1, maxLength: 5 }),
    perPeriod: capArb(cur),
    perYear: capArb(cur),
    earlier: fc.integer({ min: 0, max: 200_000_000 }),
    usedMs: fc.integer({ min: 0, max: 100 * H }),
    ticketValue: fc.integer({ min: 0, max: 1000 }).map((x) => x / 10),
    tickets: fc.uniqueArray(fc.constantFrom('T-1', 'T-2', 'T-3', 'T-4', 'T-5', 'T-6'), { maxLength: 6 }),
  }),
);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function inputOf(c: Case, over: { usedMs?: number; ticketValue?: number; termStart?: string; grace?: string } = {}): SettlementInput {
  const used = over.usedMs ?? c.usedMs;
  const value = ((ELIGIBLE - used) / ELIGIBLE) * 100;
  const caps = { ...(c.perPeriod ? { perPeriod: c.perPeriod } : {}), ...(c.perYear ? { perYear: c.perYear } : {}) };
  return {
    penalties: { rules: c.rules, ...(Object.keys(caps).length ? { caps } : {}), ...(over.grace ? { gracePeriod: over.grace } : {}) },
    pricing: { currency: c.cur, fee: { amount: toDecimalString(c.fee, c.cur), per: c.per } },
    term: { start: over.termStart ?? '2025-01-01' },
    period: month(c.year, c.month, c.zone),
    zone: c.zone,
    targets: [
      judged('uptime', value, { target: TARGET, budget: { allowedMs: ALLOWED, usedMs: used } }),
      judged('tickets', over.ticketValue ?? c.ticketValue, { target: 95, breachedTickets: c.tickets }),
    ],
    history: { owedEarlierInYear: [{ currency: c.cur, minor: c.earlier }] },
  };
}

const total = (s: Settlement) => s.totals.reduce((a, t) => a + t.amountMinor, 0);

test('property: amounts are non-negative safe integers, and the lines add up to the totals', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const s = settle(inputOf(c));
      for (const l of s.lines) {
        for (const v of [l.amountMinor, l.computedMinor, l.cap?.reducedByMinor ?? 0]) assert.ok(Number.isSafeInteger(v) && v >= 0, `${v}`);
        assert.ok(l.amountMinor <= l.computedMinor, 'a line never owes more than its rule yields');
        assert.equal(
          l.amountMinor + (l.cap?.reducedByMinor ?? 0),
          l.nothingOwed === 'grace_period' || l.nothingOwed === 'before_term' ? 0 : l.computedMinor,
        );
        assert.equal(l.nothingOwed === null, l.amountMinor > 0);
        assert.equal(l.due === null || l.amountMinor > 0, true);
        assert.ok(l.reason.length > 0);
      }
      for (const t of s.totals) {
        const mine = s.lines.filter((l) => l.currency === t.currency);
        assert.equal(
          t.amountMinor,
          mine.reduce((a, l) => a + l.amountMinor, 0),
        );
        assert.equal(t.beforeCapsMinor - t.reducedByCapsMinor, t.amountMinor);
      }
      assert.equal(new Set(s.lines.map((l) => l.currency)).size, s.totals.length);
    }),
    { numRuns: 300 },
  );
});

test('property: what is owed never exceeds a cap, per period or per year', () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const s = settle(inputOf(c));
      const owed = total(s);
      for (const cap of s.caps) {
        if (cap.cap === 'per_period') assert.ok(owed <= cap.limitMinor, `period: ${owed} > ${cap.limitMinor}`);
        else {
          assert.equal(cap.earlierMinor, c.earlier);
          assert.ok(owed <= Math.max(0, cap.limitMinor - c.earlier), `year: ${c.earlier} + ${owed} > ${cap.limitMinor}`);
        }
        assert.equal(cap.usedMinor, owed);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: inside the grace period nothing is owed', () => {
  fc.assert(
    fc.property(
      caseArb,
      fc.integer({ min: 60, max: 120 }),
      fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2029-12-31T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 3 }),
      (c, days, startDate, k) => {
        // The month the term starts in, or one of the next three; those that reach past the grace
        // period are left to the other properties.
        const start = startDate.toISOString().slice(0, 10);
        const [y, m] = start.split('-').map(Number) as [number, number];
        const idx = m - 1 + k;
        const period = month(y + Math.floor(idx / 12), (idx % 12) + 1, c.zone);
        const input = { ...inputOf(c, { termStart: start, grace: `${days}d` }), period };
        const s = settle(input);
        if (s.grace!.applies !== 'whole_period') return; // the period reaches past the grace period
        assert.equal(total(s), 0);
        for (const l of s.lines) assert.equal(l.amountMinor, 0);
        for (const t of s.termination) assert.equal(t.triggered, false);
      },
    ),
    { numRuns: 300 },
  );
  // And the months that do end inside are really exercised: 1 January + 90 days covers Jan-Mar.
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 1, max: 3 }), (c, m) => {
      const s = settle({ ...inputOf(c, { termStart: '2026-01-01', grace: '90d' }), period: month(2026, m, c.zone) });
      assert.equal(s.grace!.applies, 'whole_period');
      assert.equal(total(s), 0);
    }),
    { numRuns: 100 },
  );
});

test('property: a worse measured value never owes less (tiers, fines and hours over budget, with caps)', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 100 * H }), fc.integer({ min: 0, max: 1000 }), (c, moreUsed, worseTickets) => {
      const better = settle(inputOf(c));
      const worse = settle(inputOf(c, { usedMs: c.usedMs + moreUsed, ticketValue: Math.max(0, c.ticketValue - worseTickets / 10) }));
      assert.ok(total(worse) >= total(better), `${total(worse)} < ${total(better)}`);
      // Rule by rule, before caps.
      for (let i = 0; i < better.lines.length; i++) assert.ok(worse.lines[i]!.computedMinor >= better.lines[i]!.computedMinor, `rule ${i}`);
    }),
    { numRuns: 300 },
  );
});

test('property: for targets where less is better, a longer time never owes less', () => {
  const aboveTiers = fc.uniqueArray(fc.integer({ min: 1, max: 48 }), { minLength: 1, maxLength: 4 }).chain((hs) => {
    const th = [...hs].sort((a, b) => a - b).map((h) => h * 3600);
    return fc.array(fc.integer({ min: 0, max: 100 }), { minLength: th.length, maxLength: th.length }).map((cs) => {
      const sorted = [...cs].sort((a, b) => a - b);
      return th.map((above, i) => ({ above, credit: sorted[i]! }));
    });
  });
  fc.assert(
    fc.property(
      aboveTiers,
      fc.integer({ min: 0, max: 72 * 3600 }),
      fc.integer({ min: 0, max: 72 * 3600 }),
      fc.integer({ min: 0, max: 10_000_000 }),
      (tiers, a, b, fee) => {
        const owe = (seconds: number) =>
          settle({
            penalties: { rules: [{ type: 'credit_tiers', target: 'resolution', tiers }] },
            pricing: { currency: 'EUR', fee: { amount: toDecimalString(fee, 'EUR'), per: 'month' } },
            period: month(2026, 10),
            zone: 'UTC',
            targets: [judged('resolution', seconds, { comparator: '<=', target: 4 * 3600, unit: 'seconds' })],
          }).totals[0]!.amountMinor;
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(owe(hi) >= owe(lo));
      },
    ),
    { numRuns: 200 },
  );
});

test('property: settlement never throws, whatever it is given', () => {
  fc.assert(
    fc.property(fc.anything(), fc.anything(), (penalties, targets) => {
      const base = { period: month(2026, 10), zone: 'UTC' };
      for (const x of [penalties, { ...base, penalties, targets: [] }, { ...base, penalties: { rules: [] }, targets }]) {
        const r = settlePeriod(x as never);
        assert.equal(typeof r.ok, 'boolean');
      }
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1e13, max: 1e13 }),
      fc.string(),
      (from, len, zone) => {
        const r = settlePeriod({ penalties: { rules: [] }, period: { from, to: from + len, label: 'x' }, zone, targets: [] });
        assert.equal(typeof r.ok, 'boolean');
      },
    ),
    { numRuns: 300 },
  );
});
