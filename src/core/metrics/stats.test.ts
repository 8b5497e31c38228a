import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mean, median, nearestRank, percentOf, percentile, percentileWithRank, shareOf, shareWithin, sum } from './stats.ts';

test('mean and median on small tables', () => {
  const rows: Array<[number[], number | null, number | null]> = [
    [[], null, null],
    [[7], 7, 7],
    [[1, 2, 3, 4], 2.5, 2.5],
    [[4, 1, 3], 8 / 3, 3],
    [[10, 20, 30, 40, 1000], 220, 30],
    [[5, 5, 5, 5], 5, 5],
    [[3600, 7200], 5400, 5400],
  ];
  for (const [xs, m, med] of rows) {
    assert.equal(mean(xs), m, `mean ${xs}`);
    assert.equal(median(xs), med, `median ${xs}`);
  }
});

test('nearest-rank percentiles on small tables', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const rows: Array<[number[], number, number | null]> = [
    [[], 90, null],
    [ten, 90, 9], // rank ceil(0.9 * 10) = 9
    [ten, 95, 10], // rank ceil(9.5) = 10
    [ten, 50, 5], // nearest rank: the lower middle, unlike the median (5.5)
    [ten, 10, 1],
    [ten, 11, 2],
    [ten, 100, 10],
    [ten, 0, 1],
    [[15, 20, 35, 40, 50], 30, 20], // the classic example: rank ceil(1.5) = 2
    [[15, 20, 35, 40, 50], 40, 20], // rank ceil(2) = 2
    [[15, 20, 35, 40, 50], 50, 35],
    [[15, 20, 35, 40, 50], 100, 50],
    [[3, 1, 2], 90, 3], // unsorted input
    [[42], 95, 42],
    [ten, 101, null],
    [ten, -1, null],
  ];
  for (const [xs, p, want] of rows) assert.equal(percentile(xs, p), want, `p${p} of ${xs}`);
  // Exact ranks where p / 100 * n is a whole number in decimal but not in binary floating point.
  assert.equal(nearestRank(95, 60), 57);
  assert.equal(nearestRank(90, 30), 27);
  assert.equal(nearestRank(99.9, 1000), 999);
  assert.equal(nearestRank(95, 20), 19);
  assert.equal(nearestRank(0, 20), 1);
});

test('percentileWithRank names the item that sets the value', () => {
  const xs = [300, 100, 200, 100];
  assert.deepEqual(percentileWithRank(xs, 90), { value: 300, rank: 4, index: 0 });
  // Ties keep input order: the first 100 is rank 1, the second rank 2.
  assert.deepEqual(percentileWithRank(xs, 50), { value: 100, rank: 2, index: 3 });
});

test('nearest rank: at least p% at or below, fewer than p% strictly below', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
      const v = percentile(xs, p)!;
      assert.ok(xs.includes(v));
      const atOrBelow = xs.filter((x) => x <= v).length;
      const below = xs.filter((x) => x < v).length;
      assert.ok(atOrBelow * 100 >= p * xs.length);
      assert.ok(below * 100 < p * xs.length);
    }),
  );
});

test('shares within target, and percentages kept exact', () => {
  assert.equal(shareWithin([], 10), null);
  assert.equal(shareWithin([5, 10, 15, 20], 10), 0.5); // equality is within
  assert.equal(shareWithin([5, 10, 15], [4, 10, 20]), 2 / 3);
  assert.equal(shareWithin([5, 10], [4]), null); // one limit per value, or one for all
  assert.equal(shareOf([true, false, true, true]), 0.75);
  assert.equal(shareOf([]), null);
  assert.equal(percentOf(7, 100), 7);
  assert.equal(percentOf(19, 20), 95);
  assert.equal(percentOf(999, 1000), 99.9);
  assert.equal(percentOf(0, 0), null);
});

test('compensated sum', () => {
  assert.equal(sum([]), 0);
  assert.equal(sum([0.1, 0.2, 0.3]), 0.6);
  assert.equal(sum([1e16, 1, -1e16]), 1);
});
