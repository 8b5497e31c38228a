import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, clockColumns, complianceColumns, decodeComplianceValue, encodeComplianceValue } from './internal.ts';

/** The same value with every object's keys inserted in reverse order. */
const reversed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversed)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .reverse()
            .map((k) => [k, reversed((v as Record<string, unknown>)[k])]),
        )
      : v;

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
  // A key named __proto__ (as JSON.parse makes it) is kept as a key.
  assert.equal(canonicalJson(JSON.parse('{"z":1,"__proto__":{"a":1}}')), '{"__proto__":{"a":1},"z":1}');
});

test('the stored payload is the canonical JSON of the event without atMs, and its SHA-256', async () => {
  const { storedPayload, eventPayload } = await import('./internal.ts');
  const { createHash } = await import('node:crypto');
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer(), (extra, atMs) => {
      const e = { ...extra, id: 'e-1', type: 'check.result', atMs } as Parameters<typeof storedPayload>[0];
      const p = storedPayload(e);
      assert.equal(p.json, canonicalJson(eventPayload(e)));
      assert.equal(p.hash, createHash('sha256').update(p.json, 'utf8').digest('hex'));
      assert.ok(!('atMs' in JSON.parse(p.json)));
    }),
    { numRuns: 1000 },
  );
});

test('the at-risk columns keep what the stored JSON keeps: open clocks only for state and deadline, finite numbers, else null', () => {
  assert.deepEqual(clockColumns({ state: 'running', stop: null, deadline: Number.POSITIVE_INFINITY, consumed: 0.5, breachAt: null }), {
    openState: 'running',
    openDeadline: null,
    consumed: 0.5,
    breachAt: null,
  });
  assert.deepEqual(clockColumns({ state: 'breached', stop: 10, deadline: 5, consumed: 1.2, breachAt: 5 }), {
    openState: null,
    openDeadline: null,
    consumed: 1.2,
    breachAt: 5,
  });
  assert.deepEqual(clockColumns({}), { openState: null, openDeadline: null, consumed: null, breachAt: null });
  assert.deepEqual(complianceColumns({ state: 'at_risk', value: Number.NaN, comparator: '>=', target: 95, window: { from: 1, to: 2 } }), {
    state: 'at_risk',
    windowFrom: 1,
    windowTo: 2,
    figure: null,
    comparator: '>=',
    goal: 95,
    reason: null,
    budget: null, // not an evaluation's shape: no budget
  });
  assert.deepEqual(complianceColumns(null), {
    state: null,
    windowFrom: null,
    windowTo: null,
    figure: null,
    comparator: null,
    goal: null,
    reason: null,
    budget: null,
  });
});

// Compliance values as stored: the second list of contributors and most of the numerator are left out, and read back exactly.

const roundTrip = (v: unknown) => decodeComplianceValue(JSON.parse(JSON.stringify(encodeComplianceValue(v))));

test('a share within target is stored without its second list of contributors and with the numerator as what it leaves out', () => {
  const contributors = Array.from({ length: 1000 }, (_, i) => `T-${i}`);
  const numerator = contributors.filter((_, i) => i % 40 !== 0);
  const measurement = { metric: 'response_time', contributors, numerator, breached: ['T-0'], basis: 'x' };
  const value = { metric: 'response_time', contributors, measurement, state: 'met', value: 97.5 };
  const stored = JSON.stringify(encodeComplianceValue(value));
  assert.ok(stored.length < JSON.stringify(value).length / 2.5, `${stored.length} bytes stored for ${JSON.stringify(value).length}`);
  const back = roundTrip(value);
  assert.deepStrictEqual(back, value);
  // The same text: keys in the same order, so a read value prints as the computed one did.
  assert.equal(JSON.stringify(back), JSON.stringify(value));
  // The value given is not changed.
  assert.equal(value.measurement.numerator, numerator);
});

test('property: any compliance value reads back exactly as it was written', () => {
  const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'src:a', '1001');
  fc.assert(
    fc.property(
      fc.array(id, { maxLength: 30 }),
      fc.array(fc.boolean(), { maxLength: 30 }),
      fc.boolean(),
      fc.option(fc.array(id, { maxLength: 10 }), { nil: undefined }),
      (contributors, keep, same, other) => {
        const numerator = other ?? contributors.filter((_, i) => keep[i] ?? true);
        const value = {
          contributors: same ? contributors : [...contributors].reverse(),
          measurement: { contributors, numerator, unit: 'percent' },
          state: 'met',
        };
        const back = roundTrip(value);
        assert.deepStrictEqual(back, value);
        assert.equal(JSON.stringify(back), JSON.stringify(value));
      },
    ),
  );
  for (const v of [null, 3, 'x', [], { contributors: [] }, { measurement: null }, { measurement: { numerator: ['a'] } }])
    assert.deepStrictEqual(roundTrip(v), v);
});
