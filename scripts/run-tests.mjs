#!/usr/bin/env node
/**
 * Runs every *.test.ts under src/ and test/ with Node's own test runner (through tsx), several files
 * at a time. Usage: node scripts/run-tests.mjs [substring-filter...]
 *
 * - Before the tests: dist/ is built if src/ changed since the last build (the CLI tests run
 *   bin/pledge.js, which runs dist/: what a user runs), and one PostgreSQL cluster is started for
 *   the whole run (src/store/testing/pg-harness.ts) when a selected file uses PostgreSQL; its URL
 *   goes to every file in PLEDGE_TEST_DATABASE_URL, each file still working in fresh schemas of its
 *   own. A cluster takes seconds to start: one per file cost more than some files' tests. The
 *   cluster is stopped at the end, also when tests fail or the run is interrupted (Ctrl-C, or a
 *   signal to this process: each file's process group is ended, servers it started included).
 *   PLEDGE_TEST_DATABASE_URL given by the caller is passed on as it is; PLEDGE_TEST_POSTGRES=off
 *   skips the PostgreSQL tests (loudly, see pg-harness.ts).
 * - Each file runs in a process of its own (`node --import tsx --test-reporter=spec <file>`),
 *   except the files under src/ and test/http/ that need no process of their own (`pooled`
 *   below): those run together, one process per folder (src/core, src/app, ..., test/http),
 *   through scripts/test-group.mjs. Starting Node with tsx costs about half a second of CPU, and
 *   the modules a folder's files share are loaded once instead of once per file: the 55 files
 *   of src/core took about 77 s of CPU as 55 processes, 21 s as one.
 *   Processes run PLEDGE_TEST_CONCURRENCY at a time (default: cores + 1, at least 3: most files
 *   wait on child processes, the database or the disk as much as on the CPU). The longest start
 *   first, by their files' times in the last run (.tmp/test-times.json, over the committed
 *   baseline scripts/test-times.json; a file in neither counts as long when it is under test/),
 *   so the run does not end on one long file started late.
 *   PLEDGE_TEST_POOL=off runs every file in a process of its own.
 * - Output stays readable: a file's output is printed whole when it ends, under a line with its
 *   name and time; at the end, the totals, the slowest files and the files that failed.
 *   The exit code is 0 only if every file ran and passed.
 * Node 20 has no glob support in `node --test`, so the files are found here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { buildState, root } from '../bin/build-state.js';

const filters = process.argv.slice(2);
const started = performance.now();

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const allFiles = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])];
const files = allFiles.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const timesFile = join(root, '.tmp', 'test-times.json');
/**
 * The files' times: this checkout's last run (.tmp/test-times.json) over the committed baseline
 * (scripts/test-times.json, from a full run on a 2-core machine). Without the baseline a fresh
 * clone, CI's case, knew no time: the long src/app group was pooled whole (derive-invalidation
 * included) and started last, after every file under test/, and the run ended on it.
 * Refresh the baseline from .tmp/test-times.json after a full run when files come or grow.
 */
const readTimes = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
};
const lastTimes = { ...readTimes(join(root, 'scripts', 'test-times.json')), ...readTimes(timesFile) };

/**
 * A file shares a process with the others of its folder unless it changes or depends on the
 * process itself: it starts processes or threads, writes environment variables, touches globals or
 * process handlers, or mocks. Those, everything under test/ but test/http/ (end-to-end files that
 * mostly run processes and servers of their own), and files that took over POOL_MAX_SECONDS in the
 * last run (a process costs them little, and alone they run beside the others) keep a process each.
 */
const POOL_MAX_SECONDS = 20;
const OWN_PROCESS =
  /(?<![.\w])(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)\(|\bnew Worker\b|process\.env(\.\w+|\[[^\]]*\])\s*=(?!=)|delete process\.env|Object\.assign\(process\.env|process\.(on|once|off|chdir|exit|exitCode|stdout|stderr|stdin)\b|globalThis|\bmock\./;
const pooled = (f) =>
  process.env.PLEDGE_TEST_POOL !== 'off' &&
  (f.startsWith('src/') || f.startsWith('test/http/')) &&
  !(lastTimes[f] > POOL_MAX_SECONDS) &&
  !OWN_PROCESS.test(readFileSync(join(root, f), 'utf8'));
/** What runs in one process: a file, or the pooled files of a folder (src/core, src/app, ..., test/http). */
const units = [];
const pools = new Map();
for (const f of files) {
  if (!pooled(f)) {
    units.push({ name: f, files: [f] });
    continue;
  }
  const folder = f.split('/').slice(0, 2).join('/');
  if (!pools.has(folder)) pools.set(folder, []);
  pools.get(folder).push(f);
}
for (const [folder, list] of pools)
  units.push(list.length === 1 ? { name: list[0], files: list } : { name: `${folder} (${list.length} files)`, files: list });

// ------------------------------------------------------------------------------------------------
// Everything started here is stopped on the way out, however the run ends.

const children = new Set();
let cluster;
let stopping = false;
async function cleanUp() {
  for (const c of children) {
    // A test file runs in a process group of its own: the servers and commands it started go with it.
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      c.kill('SIGTERM');
    }
  }
  if (cluster) {
    const c = cluster;
    cluster = undefined;
    await c.stop();
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nrun-tests: ${signal}: stopping the test processes and the PostgreSQL cluster\n`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// ------------------------------------------------------------------------------------------------
// dist/ and PostgreSQL, side by side: the build is another process, starting a cluster mostly waits.

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, opts);
    children.add(c);
    c.once('exit', (code, signal) => {
      children.delete(c);
      resolve({ code, signal });
    });
  });
}

const state = buildState();
const build =
  state === 'current'
    ? Promise.resolve({ code: 0 })
    : run(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (state !== 'current')
  process.stdout.write(`run-tests: dist/ ${state === 'missing' ? 'is not built' : 'is older than src/'}: building it\n`);

const env = { ...process.env, PLEDGE_BUILD_CHECKED: '1' };
/** Longest a test file may run; the slowest take well under a minute. */
const fileTimeoutMs = Number(process.env.PLEDGE_TEST_FILE_TIMEOUT_MIN || 10) * 60_000;
const usesPostgres = (f) => /pg-harness|startPostgres/.test(readFileSync(join(root, f), 'utf8'));
if (!env.PLEDGE_TEST_DATABASE_URL && env.PLEDGE_TEST_POSTGRES !== 'off' && files.some(usesPostgres)) {
  const { startPostgres } = await tsImport('../src/store/testing/pg-harness.ts', import.meta.url);
  const r = await startPostgres({ maxConnections: 600 });
  if (r.ok) {
    cluster = r.harness;
    env.PLEDGE_TEST_DATABASE_URL = cluster.url;
    process.stdout.write(`run-tests: PostgreSQL for this run: ${cluster.description}\n`);
  } else {
    // Each file tries again and reports it its own way: skipped loudly, or failed under CI.
    process.stdout.write(`run-tests: no shared PostgreSQL cluster: ${r.reason}\n`);
  }
}
const built = await build;
if (built.code !== 0) {
  process.stderr.write('run-tests: the build failed (see above); no tests run\n');
  await cleanUp();
  process.exit(1);
}

// ------------------------------------------------------------------------------------------------
// The files, longest first.

// Without a time from the last run (a fresh clone): the end-to-end files under test/ first, larger first.
const estimate = (f) => lastTimes[f] ?? (f.startsWith('test/') ? 1000 : 0) + statSync(join(root, f)).size / 1e6;
const unitEstimate = (u) => u.files.reduce((sum, f) => sum + estimate(f), 0);
const queue = [...units].sort((a, b) => unitEstimate(b) - unitEstimate(a));
const concurrency = Math.max(1, Number(process.env.PLEDGE_TEST_CONCURRENCY) || Math.max(3, availableParallelism() + 1));
const grouped = units.filter((u) => u.files.length > 1);
const processes = (n) => `${n} process${n === 1 ? '' : 'es'}`;
process.stdout.write(
  `run-tests: ${files.length} files in ${processes(units.length)}` +
    (grouped.length > 0 ? ` (${grouped.map((u) => u.name).join(', ')} pooled)` : '') +
    `, ${Math.min(concurrency, units.length)} at a time\n\n`,
);

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal colour codes this removes.
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const results = [];
const totals = { tests: 0, pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };

async function runUnit(unit) {
  const t0 = performance.now();
  let output = '';
  const color = process.stdout.isTTY ? { FORCE_COLOR: '1' } : {};
  const entry = unit.files.length === 1 ? unit.files : [join('scripts', 'test-group.mjs'), ...unit.files];
  const c = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', ...entry], {
    cwd: root,
    env: { ...env, ...color },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(c);
  c.stdout.on('data', (d) => (output += d));
  c.stderr.on('data', (d) => (output += d));
  // A file that hangs (a server waited on for ever) must fail the run, not hold it until CI gives up:
  // past the limit its process group is killed and the file counts as failed.
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }, fileTimeoutMs);
  const { code, signal } = await new Promise((resolve) => c.once('close', (code, signal) => resolve({ code, signal })));
  clearTimeout(limit);
  if (timedOut) output += `\nrun-tests: killed after ${fileTimeoutMs / 60_000} minutes (PLEDGE_TEST_FILE_TIMEOUT_MIN)\n`;
  children.delete(c);
  const seconds = (performance.now() - t0) / 1000;
  const counts = {};
  for (const m of stripAnsi(output).matchAll(/^ℹ (tests|pass|fail|skipped|todo|cancelled) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  for (const k of Object.keys(totals)) totals[k] += counts[k] ?? 0;
  const ok = code === 0 && !signal;
  results.push({ unit, file: unit.name, seconds, ok, code, signal, counts });
  if (stopping) return;
  const status = ok ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`;
  const list = unit.files.length > 1 ? `\n   ${unit.files.join('\n   ')}` : '';
  process.stdout.write(`━━ ${unit.name}: ${status}, ${counts.tests ?? '?'} tests, ${seconds.toFixed(1)} s${list}\n${output.trimEnd()}\n\n`);
}

async function worker() {
  while (queue.length > 0 && !stopping) await runUnit(queue.shift());
}
await Promise.all(Array.from({ length: concurrency }, worker));
await cleanUp();

// ------------------------------------------------------------------------------------------------
// Summary.

const wall = (performance.now() - started) / 1000;
try {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  // A pooled file's time: its share of its process's time, in proportion to the last estimates.
  const measured = results.flatMap((r) => {
    const total = unitEstimate(r.unit) || 1;
    return r.unit.files.map((f) => [f, Math.round(((r.seconds * estimate(f)) / total) * 10) / 10]);
  });
  const times = { ...lastTimes, ...Object.fromEntries(measured) };
  // Files that no longer exist are forgotten.
  const kept = Object.fromEntries(Object.entries(times).filter(([f]) => allFiles.includes(f)));
  writeFileSync(timesFile, `${JSON.stringify(kept, null, 1)}\n`);
} catch {
  /* only an ordering hint */
}
const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8);
const lines = [
  '━━ Summary',
  `files ${results.reduce((n, r) => n + r.unit.files.length, 0)} in ${processes(results.length)}, tests ${totals.tests}: pass ${totals.pass}, fail ${totals.fail}, ` +
    `skipped ${totals.skipped}, todo ${totals.todo}, cancelled ${totals.cancelled}`,
  `${wall.toFixed(1)} s in all, ${processes(Math.min(concurrency, units.length))} at a time; ` +
    `slowest: ${slowest.map((r) => `${r.file} ${r.seconds.toFixed(1)} s`).join(', ')}`,
];
if (results.length < units.length) lines.push(`NOT RUN: ${units.length - results.length} of ${units.length} processes`);
for (const r of failed)
  lines.push(
    `FAILED: ${r.file} (${r.signal ?? `exit ${r.code}`}${r.counts.fail ? `, ${r.counts.fail} failing tests` : ''})` +
      (r.unit.files.length > 1 ? `: see "test at <file>" above; its files: ${r.unit.files.join(' ')}` : ''),
  );
lines.push(failed.length === 0 && results.length === units.length ? 'all passed' : 'the run FAILED');
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failed.length === 0 && results.length === units.length ? 0 : 1);
