/**
 * Sets of disjoint, sorted, half-open intervals packed in typed arrays, with the cumulative
 * measure before each interval so that "how much of the set lies before t" is a binary search (or
 * a forward-only cursor when the queries ascend, as they do in a sweep).
 */

export interface IntervalSet {
  /** [a0, b0, a1, b1, ...], sorted, disjoint, each a < b; touching intervals are joined. */
  readonly bounds: Float64Array;
  /** cum[k] = measure of intervals 0..k-1; cum[count] = total. */
  readonly cum: Float64Array;
  readonly count: number;
  readonly total: number;
}

/**
 * Builds a set from pairs that are already sorted by start and non-overlapping (touching allowed;
 * empty pairs dropped). Callers that cannot promise order use `unionOfSorted`.
 */
export function fromSortedPairs(pairs: ArrayLike<number>, pairCount: number = pairs.length / 2): IntervalSet {
  const bounds = new Float64Array(pairCount * 2);
  let n = 0;
  for (let k = 0; k < pairCount; k++) {
    const a = pairs[2 * k]!;
    const b = pairs[2 * k + 1]!;
    if (!(b > a)) continue;
    if (n > 0 && bounds[2 * n - 1]! >= a) {
      if (b > bounds[2 * n - 1]!) bounds[2 * n - 1] = b;
      continue;
    }
    bounds[2 * n] = a;
    bounds[2 * n + 1] = b;
    n++;
  }
  return withCumulative(bounds.subarray(0, 2 * n), n);
}

function withCumulative(bounds: Float64Array, count: number): IntervalSet {
  const cum = new Float64Array(count + 1);
  let sum = 0;
  for (let k = 0; k < count; k++) {
    cum[k] = sum;
    sum += bounds[2 * k + 1]! - bounds[2 * k]!;
  }
  cum[count] = sum;
  return { bounds, cum, count, total: sum };
}

/**
 * Union of intervals given as parallel start/end arrays visited in ascending start order
 * (`order`). Overlapping and touching intervals merge.
 */
export function unionOfSorted(starts: Float64Array, ends: Float64Array, order: ArrayLike<number> | null, n: number): IntervalSet {
  const bounds = new Float64Array(n * 2);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const a = starts[i]!;
    const b = ends[i]!;
    if (!(b > a)) continue;
    if (m > 0 && a <= bounds[2 * m - 1]!) {
      if (b > bounds[2 * m - 1]!) bounds[2 * m - 1] = b;
    } else {
      bounds[2 * m] = a;
      bounds[2 * m + 1] = b;
      m++;
    }
  }
  return withCumulative(bounds.subarray(0, 2 * m), m);
}

/** Points of `a` not in `b`. Linear in the sizes of both. */
export function subtract(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < a.count; k++) {
    let s = a.bounds[2 * k]!;
    const e = a.bounds[2 * k + 1]!;
    // Skip b-intervals that end before this piece starts.
    while (j < b.count && b.bounds[2 * j + 1]! <= s) j++;
    let jj = j;
    while (s < e) {
      if (jj >= b.count || b.bounds[2 * jj]! >= e) {
        out.push(s, e);
        break;
      }
      const bs = b.bounds[2 * jj]!;
      const be = b.bounds[2 * jj + 1]!;
      if (bs > s) out.push(s, bs);
      s = Math.max(s, be);
      jj++;
    }
  }
  return fromSortedPairs(out);
}

/** Measure of the set inside (-Infinity, t). */
export function measureBefore(set: IntervalSet, t: number): number {
  const { bounds, cum, count } = set;
  // Last interval whose start is < t.
  let lo = 0;
  let hi = count - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[2 * mid]! < t) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (k < 0) return 0;
  return cum[k]! + Math.min(t, bounds[2 * k + 1]!) - bounds[2 * k]!;
}

/** Measure of the set inside [a, b). */
export function measureBetween(set: IntervalSet, a: number, b: number): number {
  if (!(b > a)) return 0;
  return measureBefore(set, b) - measureBefore(set, a);
}

/**
 * measureBefore for ascending queries, amortised O(1): the sweep asks at every boundary in order,
 * so a forward-only cursor replaces a binary search per boundary.
 */
export class MeasureCursor {
  private k = 0;
  constructor(private readonly set: IntervalSet) {}

  /** measureBefore(set, t); t must not decrease between calls. */
  at(t: number): number {
    const { bounds, cum, count } = this.set;
    while (this.k < count && bounds[2 * this.k + 1]! <= t) this.k++;
    if (this.k >= count) return cum[count]!;
    const a = bounds[2 * this.k]!;
    return t <= a ? cum[this.k]! : cum[this.k]! + (t - a);
  }
}
