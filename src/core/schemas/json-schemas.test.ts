import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jsonSchemas } from './json-schemas.ts';

test('published JSON Schemas match the schemas in use (run npm run schemas after a change)', () => {
  for (const [name, doc] of Object.entries(jsonSchemas())) {
    const committed = JSON.parse(readFileSync(new URL(`../../../schemas/${name}`, import.meta.url), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(doc)), name);
  }
});

test('the calendar schema describes the documented fields and refuses unknown ones', () => {
  const cal = jsonSchemas()['calendar.schema.json']!;
  const props = cal.properties as Record<string, unknown>;
  for (const k of ['timezone', 'hours', 'holidays', 'closures', 'openings', 'extends', 'ics', 'dayLength']) assert.ok(k in props, k);
  assert.equal(cal.additionalProperties, false);
});
