/**
 * Writes examples/events/*.ndjson from the seeded demo generator (npm run examples). A test checks
 * the committed files equal what the generator makes, so they never drift from the event schema.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exampleEventFiles } from '../src/demo/examples.ts';

const dir = fileURLToPath(new URL('../examples/events/', import.meta.url));
for (const [name, text] of Object.entries(exampleEventFiles())) {
  writeFileSync(dir + name, text);
  console.log(`examples/events/${name}: ${text.split('\n').length - 1} events`);
}
