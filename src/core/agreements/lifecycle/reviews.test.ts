import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addMonths,
  civilDateAt,
  expiringEvidence,
  nextReview,
  overdueReviews,
  recordReview,
  withServiceChange,
  type ReviewRecord,
  type ReviewSubject,
} from './reviews.ts';
import { unwrap } from '../../validation/issues.ts';
import type { AgreementSpec } from '../schema.ts';

test('adding months clamps to the end of shorter months, across leap years', () => {
  const rows: Array<[string, number, string]> = [
    ['2028-02-29', 12, '2029-02-28'],
    ['2028-02-29', 48, '2032-02-29'],
    ['2027-02-28', 12, '2028-02-28'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-01-31', 3, '2026-04-30'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2027-11-30', 3, '2028-02-29'],
    ['2026-08-31', 6, '2027-02-28'],
    ['2026-03-31', 6, '2026-09-30'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-10-31', 3, '2027-01-31'],
    ['2100-02-28', 12, '2101-02-28'],
    ['2099-02-28', 12, '2100-02-28'],
    ['2000-02-29', 12, '2001-02-28'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-05-20', 0, '2026-05-20'],
  ];
  for (const [date, months, want] of rows) assert.equal(unwrap(addMonths(date, months)), want, `${date} + ${months}`);
  assert.equal(addMonths('2026-02-30', 1).ok, false);
  assert.equal(addMonths('2026-02-01', 1.5).ok, false);
});

test('the next review: a cadence after the last review, or after the term start', () => {
  const rows: Array<{ input: Parameters<typeof nextReview>[0]; due: string; reason: string; basis: string }> = [
    { input: { termStart: '2026-01-01' }, due: '2027-01-01', reason: 'cadence', basis: '2026-01-01' },
    { input: { termStart: '2028-02-29', cadence: 'yearly' }, due: '2029-02-28', reason: 'cadence', basis: '2028-02-29' },
    {
      input: { termStart: '2026-01-01', last: '2026-08-31', cadence: 'half_yearly' },
      due: '2027-02-28',
      reason: 'cadence',
      basis: '2026-08-31',
    },
    {
      input: { termStart: '2026-01-01', last: '2027-11-30', cadence: 'quarterly' },
      due: '2028-02-29',
      reason: 'cadence',
      basis: '2027-11-30',
    },
    // Recorded reviews later than `review.last` in the file count.
    {
      input: {
        termStart: '2026-01-01',
        last: '2026-03-01',
        reviews: [{ at: '2026-05-31', by: 'ada', outcome: 'kept' }],
        cadence: 'quarterly',
      },
      due: '2026-08-31',
      reason: 'cadence',
      basis: '2026-05-31',
    },
    // A service change makes a review due that day, when earlier than the cadence date.
    {
      input: { termStart: '2026-01-01', serviceChangedOn: ['2026-04-15', '2026-03-10'] },
      due: '2026-03-10',
      reason: 'service_change',
      basis: '2026-01-01',
    },
    // A change on the day of the last review, or before it, was reviewed.
    {
      input: { last: '2026-03-10', serviceChangedOn: ['2026-03-10', '2026-01-05'] },
      due: '2027-03-10',
      reason: 'cadence',
      basis: '2026-03-10',
    },
    // A change after the cadence date does not postpone it.
    {
      input: { last: '2026-01-10', cadence: 'quarterly', serviceChangedOn: ['2026-06-01'] },
      due: '2026-04-10',
      reason: 'cadence',
      basis: '2026-01-10',
    },
  ];
  for (const row of rows) {
    const r = unwrap(nextReview(row.input));
    assert.deepEqual([r.due, r.reason, r.basis], [row.due, row.reason, row.basis], JSON.stringify(row.input));
  }
  const bad: Array<[Parameters<typeof nextReview>[0], string]> = [
    [{ termStart: '2026-01-01', cadence: 'monthly' }, 'cadence'],
    [{ termStart: '2026-13-01' }, 'termStart'],
    [{}, 'last'],
    [{ termStart: '2026-01-01', reviews: [{ at: 'yesterday' } as never] }, 'reviews[0].at'],
    [{ termStart: '2026-01-01', serviceChangedOn: ['2026-02-30'] }, 'serviceChangedOn[0]'],
  ];
  for (const [input, path] of bad) {
    const r = nextReview(input);
    assert.ok(!r.ok, JSON.stringify(input));
    assert.equal(r.issues[0]!.path, path);
  }
  assert.match((nextReview({}) as { issues: Array<{ message: string }> }).issues[0]!.message, /record a review or give the term start/);
});

test('a service change at an instant makes a review due from that local day', () => {
  const input = { termStart: '2026-01-01', last: '2026-02-01' };
  // 23:30 UTC on 31 March is already 1 April in Berlin.
  const changed = unwrap(withServiceChange(input, Date.parse('2026-03-31T23:30:00Z'), 'Europe/Berlin'));
  assert.deepEqual(changed.serviceChangedOn, ['2026-04-01']);
  assert.deepEqual(input, { termStart: '2026-01-01', last: '2026-02-01' }, 'the given settings are untouched');
  const due = unwrap(nextReview(changed));
  assert.equal(due.due, '2026-04-01');
  assert.equal(due.reason, 'service_change');
  // Reviewing on that day clears it.
  assert.equal(unwrap(nextReview({ ...changed, reviews: [{ at: '2026-04-01', by: 'ada', outcome: 'kept' }] })).due, '2027-04-01');
  const bad = withServiceChange(input, Number.NaN, 'Nowhere/Else');
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.issues.map((i) => i.path),
    ['changedAt', 'zone'],
  );
  assert.equal(unwrap(civilDateAt(Date.parse('2026-03-31T23:30:00Z'), 'America/New_York')), '2026-03-31');
});

test('recording a review: who, outcome, notes; in date order; a new list each time', () => {
  const first: ReviewRecord = { at: '2026-03-01', by: 'ada', outcome: 'kept', notes: 'targets still realistic' };
  const log1 = unwrap(recordReview([], first));
  const log2 = unwrap(
    recordReview(log1, { at: '2026-06-01', by: 'carl', outcome: 'amended', notes: 'uptime raised to 99.95', version: 2 }),
  );
  assert.equal(log1.length, 1);
  assert.deepEqual(
    log2.map((r) => [r.at, r.outcome, r.version]),
    [
      ['2026-03-01', 'kept', undefined],
      ['2026-06-01', 'amended', 2],
    ],
  );
  const rows: Array<[unknown, string, RegExp]> = [
    [{ at: '2026-02-01', by: 'ada', outcome: 'kept' }, 'review.at', /before the last recorded review \(2026-03-01\)/],
    [{ at: '2026-04-01', by: 'ada', outcome: 'ok' }, 'review.outcome', /not a review outcome/],
    [{ at: '2026-04-01', by: '', outcome: 'kept' }, 'review.by', /who held the review/],
    [{ at: '2026-04-31', by: 'ada', outcome: 'kept' }, 'review.at', /impossible date/],
    [{ at: '2026-04-01', by: 'ada', outcome: 'kept', version: 2 }, 'review.version', /only an amended outcome/],
    [{ at: '2026-04-01', by: 'ada', outcome: 'amended', version: 0 }, 'review.version', /expected a version number/],
    [{ at: '2026-04-01', by: 'ada', outcome: 'kept', notes: 5 }, 'review.notes', /expected a text/],
    [null, 'review', /expected a review/],
  ];
  for (const [record, path, message] of rows) {
    const r = recordReview(log1, record as ReviewRecord);
    assert.ok(!r.ok, JSON.stringify(record));
    assert.equal(r.issues[0]!.path, path);
    assert.match(r.issues[0]!.message, message);
  }
});

/** Just enough of an AgreementSpec, typed as one, to show that specs fit the listing functions. */
function spec(id: string, extra: Partial<AgreementSpec>): AgreementSpec {
  return {
    apiVersion: 'pledge/v1',
    id,
    name: id,
    kind: 'sla',
    level: 'service',
    parties: { provider: { id: 'prov', name: 'Provider', contacts: [] } },
    services: [],
    calendars: {},
    targets: [],
    ...extra,
  };
}

test('overdue reviews across a portfolio, most overdue first, with problems named by path', () => {
  const agreements: ReviewSubject[] = [
    spec('due-today', { term: { start: '2025-06-01', terminationRights: [] } }),
    spec('long-overdue', {
      review: { cadence: 'quarterly', owner: 'ada@example.com', last: '2025-11-30' },
      term: { start: '2025-01-01', terminationRights: [] },
    }),
    spec('fine', { review: { cadence: 'yearly', owner: 'carl', last: '2026-01-15' } }),
    { ...spec('changed', { review: { cadence: 'yearly', owner: 'eve', last: '2026-01-15' } }), serviceChangedOn: ['2026-05-20'] },
    {
      ...spec('reviewed-since', { review: { cadence: 'quarterly', owner: 'eve', last: '2025-11-30' } }),
      reviews: [{ at: '2026-05-01', by: 'eve', outcome: 'kept' }],
    },
    spec('no-anchor', {}),
    { id: 'bad-cadence', review: { cadence: 'weekly' }, term: { start: '2026-01-01' } },
  ];
  const r = unwrap(overdueReviews(agreements, '2026-06-01'));
  assert.deepEqual(
    r.items.map((i) => [i.agreementId, i.due, i.daysOverdue, i.reason, i.owner]),
    [
      // 2025-11-30 + 3 months = 2026-02-28 (clamped); 93 days before 2026-06-01.
      ['long-overdue', '2026-02-28', 93, 'cadence', 'ada@example.com'],
      ['changed', '2026-05-20', 12, 'service_change', 'eve'],
    ],
  );
  assert.deepEqual(
    r.problems.map((p) => p.path),
    ['agreements[5].review.last', 'agreements[6].review.cadence'],
  );
  const bad = overdueReviews(agreements, '2026-06-31');
  assert.ok(!bad.ok);
  assert.equal(bad.issues[0]!.path, 'today');
});

test('security evidence expired or expiring within 30 days, with days left', () => {
  const agreements = [
    spec('acme', {
      security: [
        { id: 'iso27001', standard: 'ISO 27001', evidence: 'cert-2025.pdf', validUntil: '2028-03-01' },
        { id: 'soc2', standard: 'SOC 2', evidence: 'soc2-type2.pdf', validUntil: '2028-02-27' },
        { id: 'pci', standard: 'PCI DSS', evidence: 'aoc.pdf', validUntil: '2028-03-29' },
        { id: 'hipaa', standard: 'HIPAA', evidence: 'baa.pdf', validUntil: '2028-03-30' },
        { id: 'mfa', standard: 'mfa', evidence: 'policy.md' },
      ],
    }),
    spec('beta', { security: [{ id: 'gdpr', standard: 'GDPR', evidence: 'dpa.pdf', validUntil: '2028-02-28' }] }),
    spec('gamma', {}),
    { id: 'broken', security: [{ id: 'x', standard: 'X', evidence: 'x', validUntil: '2028-02-30' }] },
  ];
  const r = unwrap(expiringEvidence(agreements, '2028-02-28'));
  assert.deepEqual(
    r.items.map((i) => [i.agreementId, i.securityId, i.validUntil, i.daysLeft, i.status]),
    [
      ['acme', 'soc2', '2028-02-27', -1, 'expired'],
      ['beta', 'gdpr', '2028-02-28', 0, 'expiring'],
      // 2028 is a leap year: 29 February lies between.
      ['acme', 'iso27001', '2028-03-01', 2, 'expiring'],
      ['acme', 'pci', '2028-03-29', 30, 'expiring'],
    ],
  );
  assert.deepEqual(
    r.problems.map((p) => p.path),
    ['agreements[3].security[0].validUntil'],
  );
  // In a common year the same dates are a day closer.
  assert.equal(
    unwrap(expiringEvidence([spec('c', { security: [{ id: 'i', standard: 'S', evidence: 'e', validUntil: '2027-03-01' }] })], '2027-02-28'))
      .items[0]!.daysLeft,
    1,
  );
  assert.deepEqual(
    unwrap(expiringEvidence(agreements, '2028-02-28', 0)).items.map((i) => i.daysLeft),
    [-1, 0],
  );
  const bad = expiringEvidence(agreements, '2028-02-28', -1);
  assert.ok(!bad.ok);
  assert.equal(bad.issues[0]!.path, 'withinDays');
  assert.equal(expiringEvidence('x' as never, '2028-02-28').ok, false);
});

test('property: adding months keeps the day when it exists and clamps it otherwise', () => {
  const date = fc.record({
    y: fc.integer({ min: 1900, max: 2200 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
  });
  const dim = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  fc.assert(
    fc.property(date, fc.integer({ min: -240, max: 240 }), ({ y, m, d }, months) => {
      const day = Math.min(d, dim(y, m));
      const text = `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const out = unwrap(addMonths(text, months));
      const [oy, om, od] = out.split('-').map(Number) as [number, number, number];
      assert.equal(oy * 12 + om - (y * 12 + m), months);
      assert.equal(od, Math.min(day, dim(oy, om)));
    }),
  );
});

test('bad input never throws in the portfolio lists', () => {
  fc.assert(
    fc.property(fc.array(fc.anything(), { maxLength: 4 }), fc.anything(), (agreements, today) => {
      for (const r of [
        overdueReviews(agreements as ReviewSubject[], today as string),
        expiringEvidence(agreements as ReviewSubject[], today as string),
        overdueReviews(agreements as ReviewSubject[], '2026-01-01'),
        expiringEvidence(agreements as ReviewSubject[], '2026-01-01'),
      ]) {
        assert.equal(typeof r.ok, 'boolean');
      }
      nextReview(today as never);
      recordReview(agreements as ReviewRecord[], today as ReviewRecord);
    }),
    { numRuns: 300 },
  );
});
