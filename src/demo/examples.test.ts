import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exampleEventFiles } from './examples.ts';
import { parseNdjson } from '../core/events/parse.ts';

test('the example event files are what the seeded generator makes (run npm run examples after a change)', () => {
  for (const [name, text] of Object.entries(exampleEventFiles())) {
    const committed = readFileSync(new URL(`../../examples/events/${name}`, import.meta.url), 'utf8');
    assert.equal(committed, text, name);
    const parsed = parseNdjson(committed, name);
    assert.deepEqual(parsed.issues, []);
    assert.ok(parsed.events.length > 4000);
  }
});
