import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { textIssues, textProblem, textProblemAt } from './text.ts';

test('text may not hold NUL or an unpaired surrogate; paired surrogates (emoji) are fine', () => {
  assert.equal(textProblem('plain, ümlaut, 😀'), undefined);
  assert.match(textProblem('a\u0000b')!, /U\+0000/);
  assert.match(textProblem('a\ud800')!, /unpaired surrogate \(U\+D800\)/);
  assert.match(textProblem('\udc00a')!, /unpaired surrogate \(U\+DC00\)/);
  assert.match(textProblem('😀'.slice(1))!, /unpaired/);
  assert.equal(textProblem('😀😀'), undefined);
  assert.deepEqual(textProblemAt('ab\ud800'), { index: 2, message: textProblem('\ud800') });
  // The same verdict as the platform's own test of well-formed text, with NUL added.
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const wellFormed = (s as string & { isWellFormed(): boolean }).isWellFormed();
      assert.equal(textProblem(s) === undefined, wellFormed && !s.includes('\u0000'));
    }),
    { numRuns: 2000 },
  );
});

test('every string and key of a value, with its path; deep values do not overflow', () => {
  const issues = textIssues({ a: ['ok', 'x\u0000'], 'k\ud800': 1, b: { c: { d: '\udfff' } } }, ['body']);
  assert.deepEqual(issues.map((i) => [i.path, i.atKey ?? false]).sort(), [
    ['body.a[1]', false],
    ['body.b.c.d', false],
    ['body.k\ud800', true],
  ]);
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(textIssues(deep)[0]!.segments.length, 100_000);
  const shared = { s: 'ok' };
  const cyclic: Record<string, unknown> = { shared, again: shared };
  cyclic.self = cyclic;
  assert.deepEqual(textIssues(cyclic), []);
});
