#!/usr/bin/env node
/**
 * Builds dist/, the JavaScript that `pledge` runs: `npm run build`, and the prepare script (so
 * `npm install`/`npm ci` in a clone and `npm pack` build it).
 *
 * - tsc compiles src/ (tsconfig.build.json) into a dist/ emptied first, so a deleted or renamed
 *   module cannot linger.
 * - Files the code reads relative to its own location that are not TypeScript are copied beside
 *   the JavaScript: the SQL migrations (src/store/migrations). Those read from the repository root
 *   (package.json, examples/) are at the same depth from dist/ as from src/ and need nothing.
 * - dist/cli/commands.json lists the top-level commands, so the CLI loads only the module of the
 *   command it runs (src/cli/main.ts).
 * - It writes to stderr only (tsc's messages included): `npm pack --json` prints its JSON on stdout.
 * - The web app (web/, a Vite + React single-page app) is built after tsc into dist/web: index.html
 *   and hashed assets under dist/web/assets/, which the server serves at `/`. Vite runs through its
 *   JavaScript API with its log at warnings only, so nothing reaches stdout.
 * - dist/build.json is written last, with the time the build started: bin/build-state.js calls
 *   the build current when nothing under src/ or web/ changed after that.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, STAMP } from '../bin/build-state.js';

const started = Date.now();
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] });
if (r.status !== 0) {
  process.stderr.write(`build: tsc failed (${r.signal ?? `exit ${r.status}`})\n`);
  process.exit(1);
}
cpSync(join(root, 'src', 'store', 'migrations'), join(dist, 'store', 'migrations'), { recursive: true });
const { commandManifest } = await import(pathToFileURL(join(dist, 'cli', 'main.js')).href);
writeFileSync(join(dist, 'cli', 'commands.json'), `${JSON.stringify(await commandManifest(), null, 2)}\n`);
const vite = await import('vite');
try {
  await vite.build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
} catch (e) {
  process.stderr.write(`build: vite build of web/ failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
writeFileSync(join(dist, STAMP), `${JSON.stringify({ started, node: process.version })}\n`);
process.stderr.write(`build: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
