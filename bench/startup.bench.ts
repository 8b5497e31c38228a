/**
 * Start-up of the `pledge` command as a user runs it: a new process each time, `bin/pledge.js` on
 * the compiled JavaScript in dist/ (built first if src/ changed), beside `node -e 0`, the floor no
 * Node.js program can beat on this machine.
 *
 * - `pledge --help` and `pledge calc downtime --target 99.99 --window year`: from spawning to the
 *   exit, RUNS times each, interleaved with the floor (floor, help, calc, floor, ...) so that a
 *   busy moment of the machine falls on all three alike; medians.
 * - The same `--help` through tsx on the TypeScript sources, which is what every call paid
 *   before dist/ existed (fewer runs: it is slow).
 * - `pledge serve --port 0 --json`: from spawning to the line saying where it listens, on an
 *   SQLite database made by a first run (a restart), and on a new one (creates and migrates it);
 *   no demo data set (`--demo` loads it before listening, which is not start-up).
 *
 * Sizes (environment): PLEDGE_BENCH_STARTUP_RUNS (21).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildState, root } from '../bin/build-state.js';
import type { BenchResult } from './types.ts';

const RUNS = Number(process.env.PLEDGE_BENCH_STARTUP_RUNS ?? 21);
const CALC = ['calc', 'downtime', '--target', '99.99', '--window', 'year'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds from spawning `node ...args` to its exit; a failure is an error, not a figure. */
function timed(args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/** Milliseconds from spawning `pledge serve --port 0 --json` to its line saying where it listens. */
function serveUntilListening(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['bin/pledge.js', 'serve', '--port', '0', '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PLEDGE_DATA_DIR: dataDir, DATABASE_URL: '', PLEDGE_LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    let ms: number | undefined;
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ms !== undefined) return;
      try {
        JSON.parse(out);
      } catch {
        return; // not the whole line yet
      }
      ms = performance.now() - t0;
      child.kill('SIGTERM');
    });
    child.once('exit', (code, signal) =>
      ms !== undefined ? resolve(ms) : reject(new Error(`pledge serve ended (${signal ?? code}) before listening: ${err}`)),
    );
  });
}

export async function run(): Promise<BenchResult[]> {
  const state = buildState();
  if (state !== 'current') {
    process.stdout.write(`   (dist/: ${state}; building it first)\n`);
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const env = { PLEDGE_BUILD_CHECKED: '' }; // the check is part of what a user's call pays
  const floor: number[] = [];
  const help: number[] = [];
  const calc: number[] = [];
  for (let i = 0; i < 2; i++) await timed(['bin/pledge.js', '--help'], env); // file cache
  for (let i = 0; i < RUNS; i++) {
    floor.push(await timed(['-e', '0']));
    help.push(await timed(['bin/pledge.js', '--help'], env));
    calc.push(await timed(['bin/pledge.js', ...CALC], env));
  }
  const tsxRuns = Math.max(3, Math.ceil(RUNS / 4));
  const tsxFloor: number[] = [];
  const tsx: number[] = [];
  for (let i = 0; i < tsxRuns; i++) {
    tsxFloor.push(await timed(['-e', '0']));
    tsx.push(
      await timed([
        '--import',
        'tsx',
        '-e',
        "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'pledge', '--help']);",
      ]),
    );
  }

  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'pledge-bench-startup-'));
    dirs.push(d);
    return d;
  };
  const serveRuns = Math.max(3, Math.ceil(RUNS / 3));
  const restart: number[] = [];
  const first: number[] = [];
  const serveFloor: number[] = [];
  try {
    const existing = fresh();
    await serveUntilListening(existing); // makes the database
    for (let i = 0; i < serveRuns; i++) {
      serveFloor.push(await timed(['-e', '0']));
      restart.push(await serveUntilListening(existing));
      first.push(await serveUntilListening(fresh()));
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }

  const f = median(floor);
  const cmp = (xs: number[], base: number) =>
    `median of ${xs.length} (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))} ms); ` +
    `${(median(xs) - base).toFixed(0)} ms above the floor`;
  return [
    { name: 'floor: `node -e 0`', value: f, unit: 'ms', note: `median of ${floor.length}, interleaved with the two below` },
    { name: '`pledge --help`', value: median(help), unit: 'ms', note: cmp(help, f) },
    { name: '`pledge calc downtime --target 99.99 --window year`', value: median(calc), unit: 'ms', note: cmp(calc, f) },
    {
      name: '`pledge --help` from the TypeScript sources through tsx (how every call started before dist/)',
      value: median(tsx),
      unit: 'ms',
      note: cmp(tsx, median(tsxFloor)),
    },
    {
      name: '`pledge serve` until listening, existing SQLite database (a restart)',
      value: median(restart),
      unit: 'ms',
      note: cmp(restart, median(serveFloor)),
    },
    {
      name: '`pledge serve` until listening, new SQLite database (created and migrated)',
      value: median(first),
      unit: 'ms',
      note: cmp(first, median(serveFloor)),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value.toFixed(0)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
