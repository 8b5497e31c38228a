import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../validation/zod.ts';
import { penaltiesSpec } from './schema.ts';

const paths = (input: unknown) => {
  const r = validate(penaltiesSpec, input);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

test('credit tiers: one direction per rule, each threshold once, deeper bands never earn less', () => {
  const rule = (tiers: unknown[]) => ({ rules: [{ type: 'credit_tiers', target: 'uptime', tiers }] });
  assert.deepEqual(
    paths(
      rule([
        { below: 99.99, credit: '10%' },
        { below: 99, credit: '30%' },
        { below: 95, credit: '100%' },
      ]),
    ),
    [],
  );
  assert.deepEqual(
    paths(
      rule([
        { below: 95, credit: 100 },
        { below: 99.99, credit: 10 },
      ]),
    ),
    [],
  ); // any order
  assert.deepEqual(
    paths(
      rule([
        { above: 14400, amount: 50 },
        { above: 28800, amount: '150.00' },
      ]),
    ),
    [],
  );
  assert.deepEqual(
    paths(
      rule([
        { below: 99.9, credit: 10 },
        { above: 5, credit: 10 },
      ]),
    ),
    ['rules[0].tiers: all tiers of a rule use below (more is better) or all use above (less is better), not both'],
  );
  assert.deepEqual(
    paths(
      rule([
        { below: 99.9, credit: 10 },
        { below: 99.9, credit: 20 },
      ]),
    ),
    ['rules[0].tiers[1].below: the same threshold as tiers[0]'],
  );
  assert.deepEqual(
    paths(
      rule([
        { below: 99.9, credit: 30 },
        { below: 99, credit: 10 },
      ]),
    ),
    ['rules[0].tiers[1].credit: a worse band must not earn less than a milder one (tiers[0] earns 30%)'],
  );
  assert.deepEqual(
    paths(
      rule([
        { above: 4, amount: '100.50' },
        { above: 8, amount: '100.49' },
      ]),
    ),
    ['rules[0].tiers[1].amount: a worse band must not earn less than a milder one (tiers[0] earns 100.50)'],
  );
  // A mix of shares and amounts is compared at settlement, on the fee.
  assert.deepEqual(
    paths(
      rule([
        { below: 99.9, credit: 30 },
        { below: 99, amount: 1 },
      ]),
    ),
    [],
  );
});

test('defaults: announced maintenance is excluded, a fine is due 30 days after the period', () => {
  const r = validate(penaltiesSpec, { rules: [{ type: 'fine', target: 'uptime', amount: 500 }] });
  assert.ok(r.ok);
  assert.deepEqual(r.value.exclusions, ['announced_maintenance']);
  assert.deepEqual(r.value.rules[0], { type: 'fine', target: 'uptime', amount: '500', due: { days: 30, after: 'period_end' } });
});
