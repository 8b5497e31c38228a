/** Writes schemas/*.json from the zod schemas (npm run schemas). A test checks they are current. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from '../src/core/schemas/json-schemas.ts';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const [name, doc] of Object.entries(jsonSchemas())) {
  writeFileSync(dir + name, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`schemas/${name}`);
}
