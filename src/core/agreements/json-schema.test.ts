/**
 * The published schemas/agreement.schema.json is what editors check files with: every example must
 * pass it as written (500, "10%", dates), and the mistakes Pledge refuses should be flagged by it
 * too. A small checker of the JSON Schema keywords the generator emits keeps this test free of a
 * validator dependency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(new URL('../../../schemas/agreement.schema.json', import.meta.url), 'utf8')) as Schema;
const dir = new URL('../../../examples/agreements/', import.meta.url);

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/** Problems of `v` against `s`, as "path: keyword". */
function check(s: Schema, v: unknown, path = ''): string[] {
  const out: string[] = [];
  const at = (k: string) => `${path || '(root)'}: ${k}`;
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((b) => check(b, v, path).length === 0)) out.push(at('anyOf'));
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter((b) => check(b, v, path).length === 0).length !== 1) out.push(at('oneOf'));
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const t = typeOf(v);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) return [...out, at(`type ${types.join('|')}`)];
  }
  if ('const' in s && s.const !== v) out.push(at('const'));
  if (Array.isArray(s.enum) && !s.enum.includes(v)) out.push(at('enum'));
  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(at('pattern'));
    if (typeof s.minLength === 'number' && [...v].length < s.minLength) out.push(at('minLength'));
    if (typeof s.maxLength === 'number' && [...v].length > s.maxLength) out.push(at('maxLength'));
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) out.push(at('minimum'));
    if (typeof s.maximum === 'number' && v > s.maximum) out.push(at('maximum'));
    if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) out.push(at('exclusiveMinimum'));
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(at('minItems'));
    if (s.items && typeof s.items === 'object')
      v.forEach((x, i) => {
        out.push(...check(s.items as Schema, x, `${path}[${i}]`));
      });
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) out.push(at(`required ${r}`));
    for (const [k, x] of Object.entries(o)) {
      const p = path ? `${path}.${k}` : k;
      if (s.propertyNames) out.push(...check(s.propertyNames as Schema, k, `${p} (name)`));
      if (props[k]) out.push(...check(props[k], x, p));
      else if (s.additionalProperties === false) out.push(`${p}: additionalProperties`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object')
        out.push(...check(s.additionalProperties as Schema, x, p));
    }
  }
  return out;
}

test('every example agreement and amendment passes the published JSON Schema as written', () => {
  const files = [dir, new URL('../amendments/', dir)].flatMap((d) =>
    readdirSync(d)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => new URL(f, d)),
  );
  assert.ok(files.length >= 11);
  for (const f of files) assert.deepEqual(check(schema, parse(readFileSync(f, 'utf8'))), [], f.pathname);
});

test('the JSON Schema flags what Pledge refuses: unknown fields, wrong types, unknown kinds', () => {
  const base = parse(readFileSync(new URL('sla-checkout.yaml', dir), 'utf8')) as Record<string, unknown>;
  const rows: Array<[string, (d: Record<string, any>) => void, RegExp]> = [
    ['a typo in a field name', (d) => (d.targts = d.targets), /^targts: additionalProperties$/],
    ['a typo inside a target', (d) => (d.targets[0].windw = 'month'), /^targets\[0\]\.windw: additionalProperties$/],
    ['a value of the wrong type', (d) => (d.targets[0].value = 'high'), /^targets\[0\]\.value: type number$/],
    ['a kind that does not exist', (d) => (d.kind = 'slaa'), /^kind: enum$/],
    ['an amount that is not a number', (d) => (d.pricing.fee.amount = 'lots'), /^pricing\.fee\.amount: anyOf$/],
    // Inside a rule (a oneOf of the rule types) the checker reports the rule as a whole, as editors do.
    ['a credit above 100%', (d) => (d.penalties.rules[0].tiers[0].credit = '150%'), /^penalties\.rules\[0\]: oneOf$/],
    ['a cap above 100%', (d) => (d.penalties.caps.perPeriod.percentOfFee = 150), /^penalties\.caps\.perPeriod\.percentOfFee: anyOf$/],
  ];
  for (const [what, change, want] of rows) {
    const d = structuredClone(base) as Record<string, any>;
    change(d);
    const problems = check(schema, d);
    assert.ok(
      problems.some((p) => want.test(p)),
      `${what}: ${problems.join('; ')}`,
    );
  }
  // Written either way, amounts and percentages pass.
  const d = structuredClone(base) as Record<string, any>;
  d.pricing.fee.amount = '3000.00';
  d.penalties.rules[0].tiers[0].credit = 5;
  d.penalties.caps.perPeriod.percentOfFee = '30%';
  assert.deepEqual(check(schema, d), []);
});
