/**
 * Is dist/ (the compiled JavaScript that `pledge` runs) the build of what is in src/ now?
 *
 * scripts/build.mjs writes dist/build.json last, with the time the build started; the build is
 * current when no file under src/ or web/ (the web app, built into dist/web) changed after that
 * time, tests and notes aside (*.test.ts, *.md: they are not part of the build). An installed
 * package has no web/ (only its build, dist/web), which counts as unchanged.
 * A missing or half-written build has no build.json. Comparing modification times costs about a
 * millisecond for the ~150 files; an installed package has every time equal (npm packs them so),
 * which counts as current.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const STAMP = 'build.json';

/** 'current', 'missing' (never built, or the build did not finish) or 'stale' (src/ changed since). */
export function buildState(dir = root) {
  let started;
  try {
    started = JSON.parse(readFileSync(join(dir, 'dist', STAMP), 'utf8')).started;
  } catch {
    return 'missing';
  }
  if (typeof started !== 'number') return 'missing';
  return Math.max(newestSource(join(dir, 'src')), newestSource(join(dir, 'web'))) > started ? 'stale' : 'current';
}

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (!e.name.endsWith('.test.ts') && !e.name.endsWith('.md')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}
