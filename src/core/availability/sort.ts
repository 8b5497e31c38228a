/**
 * Stable argsort of float64 keys without per-element objects.
 *
 * Sorting a million outage intervals with `Array.prototype.sort` on objects costs a comparator
 * call per comparison and a million allocations; a typed index array sorted by a comparator still
 * pays the calls. An LSD radix sort on the keys' bit patterns touches each key a handful of times
 * and is stable, so equal keys keep input order, which keeps results deterministic.
 */

/** Below this size a comparator sort is faster than the radix sort's fixed 64K-bucket passes. */
const SMALL = 2048;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Indices 0..n-1 ordered so that keys[order[k]] ascends; equal keys keep index order.
 * Keys must not be NaN (callers validate first). -0 sorts before +0, which no caller can observe
 * because every comparison afterwards treats them as equal.
 */
export function argsort(keys: Float64Array, n: number = keys.length): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  if (n < SMALL) {
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    return order;
  }
  // Map each double onto an unsigned 64-bit pattern (hi, lo) whose order is the numeric order:
  // flip every bit of negatives, only the sign bit of non-negatives.
  const words = new Uint32Array(keys.buffer, keys.byteOffset, n * 2);
  const hiAt = LITTLE_ENDIAN ? 1 : 0;
  const loAt = 1 - hiAt;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hiAt]!;
    const l = words[2 * i + loAt]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h ^ 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let src = order;
  let dst = new Uint32Array(n);
  const count = new Uint32Array(65536);
  // Four 16-bit digits, least significant first. Epoch-ms keys in one year share their top bits,
  // so passes whose digit is the same for every key are skipped.
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i]! >>> shift) & 0xffff]!++;
    const first = (word[0]! >>> shift) & 0xffff;
    if (count[first] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = src[k]!;
      const d = (word[i]! >>> shift) & 0xffff;
      dst[count[d]!++] = i;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
