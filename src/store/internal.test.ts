import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from './internal.ts';

/** The same value with every object's keys inserted in reverse order. */
const reversed = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(reversed) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).reverse().map((k) => [k, reversed((v as Record<string, unknown>)[k])])) : v;

test('canonical JSON: valid JSON of the same value, independent of key order, keys sorted', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = canonicalJson(v);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
      assert.equal(canonicalJson(reversed(v)), text);
    }),
    { numRuns: 3000 },
  );
  assert.equal(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }], '0': 2, '': 3 }), '{"":3,"0":2,"a":[{"c":"x"}],"b":1}');
});
