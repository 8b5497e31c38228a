/**
 * Descriptive statistics for SLA figures. Every function returns null for an empty sample rather
 * than 0 or NaN: "no tickets" is not "a mean of zero seconds", and compliance reports it as
 * no_data.
 *
 * Percentiles use the NEAREST-RANK method: the p-th percentile of n sorted values is the value at
 * rank ceil(p/100 * n) (1-based). Why nearest rank rather than linear interpolation:
 * - the result is always an observed value, so it can be traced to one ticket ("p90 = 5h12m, set
 *   by ticket T-481, rank 9 of 10"), which is what a customer disputing a figure asks for;
 * - it reads literally as the SLA sentence: at least p% of the values are at or below it, and
 *   fewer than p% are strictly below it. Interpolation can report a time no ticket ever took;
 * - it is what ITIL-style service reports and most ticket desks mean by "90% resolved within".
 * The median is the exception: it follows the universal convention (the mean of the two middle
 * values for an even count), so percentile(xs, 50) and median(xs) can differ for even n.
 */

/**
 * Sum with Neumaier compensation: sums of many durations or ratios stay exact to the last bit
 * that matters, and the result does not depend on the order of the inputs as much as a naive sum.
 */
export function sum(xs: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

export function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : sum(xs) / xs.length;
}

const ascending = (a: number, b: number) => a - b;

export function median(xs: readonly number[]): number | null {
  const n = xs.length;
  if (n === 0) return null;
  const s = [...xs].sort(ascending);
  const mid = n >>> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * 1-based nearest rank of the p-th percentile among n values: ceil(p/100 * n), at least 1.
 * p * n is computed before dividing by 100 so integer p gives an exact rank (95 * 60 / 100 = 57,
 * where 0.95 * 60 = 56.99999999999999 would round up to the wrong rank); the small tolerance
 * covers fractional p such as 99.9.
 */
export function nearestRank(p: number, n: number): number {
  if (n <= 0) return 0;
  const exact = (p * n) / 100;
  const rank = Math.ceil(exact - 1e-9 * Math.max(1, exact));
  return Math.min(n, Math.max(1, rank));
}

/**
 * The p-th percentile (0 < p <= 100) by nearest rank, with its rank and index in the input, so a
 * caller can name the item that sets the value. p = 0 gives the minimum. Null for an empty sample
 * or a p outside [0, 100].
 */
export function percentileWithRank(xs: readonly number[], p: number): { value: number; rank: number; index: number } | null {
  const n = xs.length;
  if (n === 0 || !(p >= 0 && p <= 100)) return null;
  // Sort indices, not values, so the item can be identified; ties keep input order (stable sort).
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const rank = nearestRank(p, n);
  const index = order[rank - 1]!;
  return { value: xs[index]!, rank, index };
}

export function percentile(xs: readonly number[], p: number): number | null {
  return percentileWithRank(xs, p)?.value ?? null;
}

/** Share (0..1) of true flags; null for none. */
export function shareOf(flags: readonly boolean[]): number | null {
  if (flags.length === 0) return null;
  let k = 0;
  for (const f of flags) if (f) k++;
  return k / flags.length;
}

/**
 * Share (0..1) of values at or under their limit: one limit for all, or one per value (each
 * ticket has its own target when targets depend on priority). "Within" includes equality: a
 * response exactly at the deadline is on time.
 */
export function shareWithin(values: readonly number[], limit: number | readonly number[]): number | null {
  if (typeof limit !== 'number' && limit.length !== values.length) return null;
  return shareOf(values.map((v, i) => v <= (typeof limit === 'number' ? limit : limit[i]!)));
}

/** k / n as a percentage, computed as k * 100 / n so whole shares stay exact (7 of 100 is 7, not 7.000000000000001). */
export function percentOf(k: number, n: number): number | null {
  return n === 0 ? null : (k * 100) / n;
}
