import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blankSpans, canonicalJson, scanJsonDepth } from './json.ts';

const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

test('canonical JSON of any depth: no stack overflow, the same text as the native writer with keys sorted', () => {
  for (const depth of [150, 250, 2_300, 100_000]) {
    // JSON.parse builds deep values without recursion; JSON.stringify would overflow on the deepest.
    const value = JSON.parse(`[${deepText(depth).replace('1', '{"z":2,"b":[1,{"y":0,"x":null}]}')}]`);
    const text = canonicalJson(value);
    assert.equal(text.length, `[${deepText(depth).replace('1', '{"b":[1,{"x":null,"y":0}],"z":2}')}]`.length);
    assert.ok(text.endsWith(`{"b":[1,{"x":null,"y":0}],"z":2}${'}'.repeat(depth)}]`), `depth ${depth}`);
  }
  // The piecewise writer (deep values) agrees with the fast path on everything the fast path writes.
  const wrap = (v: unknown): unknown => {
    let w = v;
    for (let i = 0; i < 210; i++) w = [w];
    return w;
  };
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const fast = canonicalJson(v);
      assert.equal(canonicalJson(wrap(v)), '['.repeat(210) + fast + ']'.repeat(210));
    }),
    { numRuns: 300 },
  );
  // As JSON.stringify: toJSON, undefined members, functions, and a cycle is an error, not a hang.
  const deepDate = wrap({ d: new Date(0), u: undefined, f: () => 1, n: [undefined] });
  assert.equal(canonicalJson(deepDate), `${'['.repeat(210)}{"d":"1970-01-01T00:00:00.000Z","n":[null]}${']'.repeat(210)}`);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = wrap(cyclic);
  assert.throws(() => canonicalJson(cyclic), /circular/);
});

test('scanJsonDepth: depth outside strings, the path to the first level too deep, in one pass', () => {
  assert.equal(scanJsonDepth('1', { limit: 5 }).depth, 0);
  assert.equal(scanJsonDepth('{"a":[1,{"b":"[[[[[[["}]}', { limit: 5 }).depth, 3);
  assert.equal(scanJsonDepth('"\\"[[[[" ', { limit: 1 }).tooDeep, undefined, 'escaped quotes do not end a string');
  assert.equal(scanJsonDepth('["\\\\", [[[]]]]', { limit: 3 }).tooDeep?.offset, 9, 'an escaped backslash does');
  const r = scanJsonDepth('{"x":[0,1,{"k\\u00e9y":{"c":[[[]]]}}]}', { limit: 5 });
  assert.deepEqual(r.tooDeep, { path: ['x', 2, 'kéy', 'c', 0], offset: 28 });
  // Elements of a top-level array: each measured from itself, with its text span and first character.
  const body = `[ {"id":1}, ${deepText(40)} , [[[[1]]]], {"id":2} ]`;
  const s = scanJsonDepth(body, { limit: 1000, elementLimit: 33 });
  assert.deepEqual(
    s.deepElements!.map((d) => [d.index, d.opener, d.path.length, body.slice(d.start, d.end) === deepText(40)]),
    [[1, '{', 33, true]],
  );
  const arrays = scanJsonDepth(`[{}, ${'['.repeat(50)}${']'.repeat(50)}]`, { limit: 1000, elementLimit: 33, stop: 'nonObject' });
  assert.equal(arrays.deepElements![0]!.opener, '[');
  // Garbage never throws.
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (t) => void scanJsonDepth(t, { limit: 3, elementLimit: 2 })),
    { numRuns: 500 },
  );
});

test('blankSpans keeps every other offset where it was', () => {
  const text = '[1, [[[2]]], 3]';
  const out = blankSpans(text, [{ start: 4, end: 11 }]);
  assert.equal(out, '[1, null   , 3]');
  assert.deepEqual(JSON.parse(out), [1, null, 3]);
});
