import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { outagesFromSamples } from './index.ts';

const M = 60_000;
const span = (r: ReturnType<typeof outagesFromSamples>) => r.outages.map((o) => [o.start / M, o.end / M]);

describe('outagesFromSamples', () => {
  test('consecutive down samples form one run; the first up sample ends it', () => {
    const r = outagesFromSamples(
      [
        { at: 0, up: true },
        { at: 5 * M, up: false },
        { at: 6 * M, up: false },
        { at: 7 * M, up: true },
        { at: 8 * M, up: true },
      ],
      60 * M,
    );
    assert.deepEqual(span(r), [[5, 7]]);
    assert.deepEqual(r.issues, []);
  });

  test('input order does not matter', () => {
    const samples = [
      { at: 7 * M, up: true, check: 'a' },
      { at: 5 * M, up: false, check: 'a' },
      { at: 6 * M, up: false, check: 'b' },
      { at: 9 * M, up: true, check: 'b' },
    ];
    assert.deepEqual(outagesFromSamples(samples, 60 * M), outagesFromSamples([...samples].reverse(), 60 * M));
  });

  test('an up and a down sample of one check at one instant: down wins', () => {
    assert.deepEqual(
      span(
        outagesFromSamples(
          [
            { at: 5 * M, up: true },
            { at: 5 * M, up: false },
            { at: 8 * M, up: true },
          ],
          60 * M,
        ),
      ),
      [[5, 8]],
    );
    assert.deepEqual(
      span(
        outagesFromSamples(
          [
            { at: 5 * M, up: false },
            { at: 5 * M, up: true },
            { at: 8 * M, up: true },
          ],
          60 * M,
        ),
      ),
      [[5, 8]],
    );
  });

  test('a run still open lasts until `until`; a down sample after it yields nothing', () => {
    assert.deepEqual(span(outagesFromSamples([{ at: 50 * M, up: false }], 60 * M)), [[50, 60]]);
    assert.deepEqual(outagesFromSamples([{ at: 70 * M, up: false }], 60 * M).outages, []);
  });

  test('majority counts only checks that have reported so far', () => {
    // b reports for the first time at 10: before that, a alone is the majority of one.
    const samples = [
      { at: 0, up: false, check: 'a' },
      { at: 10 * M, up: true, check: 'b' },
      { at: 20 * M, up: true, check: 'a' },
    ];
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'majority')), [[0, 10]]);
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'all')), [[0, 10]]);
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'any')), [[0, 20]]);
  });

  test('two checks: majority needs both (more than half), all needs both', () => {
    const samples = [
      { at: 0, up: true, check: 'a' },
      { at: 0, up: true, check: 'b' },
      { at: 10 * M, up: false, check: 'a' },
      { at: 15 * M, up: false, check: 'b' },
      { at: 20 * M, up: true, check: 'a' },
      { at: 30 * M, up: true, check: 'b' },
    ];
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'majority')), [[15, 20]]);
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'all')), [[15, 20]]);
    assert.deepEqual(span(outagesFromSamples(samples, 60 * M, 'any')), [
      [10, 20],
      [15, 30],
    ]);
  });

  test('bad samples are issues, the rest still count', () => {
    const r = outagesFromSamples([{ at: NaN, up: false }, { at: 1, up: 'no' as never }, null as never, { at: 0, up: false }], 10);
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['samples[0].at', 'samples[1].up', 'samples[2]'],
    );
    assert.deepEqual(
      r.outages.map((o) => [o.start, o.end]),
      [[0, 10]],
    );
  });
});
