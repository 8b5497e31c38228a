/**
 * What `pledge` runs and what it loads on the way: the compiled dist/ when it is the build of
 * src/, the sources through tsx (with a warning) when it is not; and a command loads only its own
 * modules, so the calculator does not start the server's, the databases' or the schemas' code
 * (start-up time is measured in bench/startup.bench.ts, never here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pledge, root } from './helpers.ts';

/** Every module URL a `pledge` run resolves, through a resolve hook registered before it starts. */
function loadedModules(...args: string[]): { code: number; out: string; urls: string[] } {
  const hook =
    'export async function resolve(s, c, next) {' +
    " const r = await next(s, c); process.stderr.write('loaded ' + r.url + '\\n'); return r; }";
  const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, 'bin/pledge.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  const urls = r.stderr.split('\n').flatMap((l) => (l.startsWith('loaded ') ? [l.slice('loaded '.length)] : []));
  return { code: r.status ?? -1, out: r.stdout, urls };
}

const HEAVY = ['fastify', 'pg', 'better-sqlite3', 'zod', 'yaml'];
const heavyIn = (urls: string[]) => HEAVY.filter((p) => urls.some((u) => u.includes(`/node_modules/${p}/`)));

test('pledge runs the compiled JavaScript in dist/', () => {
  const r = loadedModules('--version');
  assert.equal(r.code, 0);
  assert.ok(
    r.urls.some((u) => u.endsWith('/dist/cli/main.js')),
    r.urls.join('\n'),
  );
  assert.ok(!r.urls.some((u) => u.endsWith('.ts')), 'no TypeScript source is loaded');
});

test('--help and calc downtime load neither the server, the database drivers nor the schemas; serve does', () => {
  const help = loadedModules('--help');
  assert.equal(help.code, 0);
  assert.deepEqual(heavyIn(help.urls), []);
  const calc = loadedModules('calc', 'downtime', '--target', '99.99', '--window', 'year');
  assert.equal(calc.code, 0);
  assert.match(calc.out, /^52m 36s {2}\(99\.99% of an average year/);
  assert.deepEqual(heavyIn(calc.urls), []);
  // The same hook sees them where they are needed: the test can fail.
  assert.deepEqual(heavyIn(loadedModules('serve', '--help').urls), HEAVY);
});

test('the top-level help made from the build list is the help of the whole program', async () => {
  const { buildProgram } = await import('../src/cli/main.ts');
  const r = pledge('--help');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, (await buildProgram()).helpInformation());
  // A misspelt command is still told the nearest one.
  const typo = pledge('calx');
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command 'calx'\n\(Did you mean calc\?\)/);
  // `help <command>` loads that command.
  assert.match(pledge('help', 'transition').out, /^Usage: pledge transition \[options\] <id>/);
});

test('without a current build, pledge says so and runs the sources through tsx', () => {
  // A checkout of its own: bin/ copied (it finds dist/ and src/ beside itself), the rest linked.
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bin-'));
  try {
    mkdirSync(join(dir, 'bin'));
    for (const f of ['pledge.js', 'build-state.js']) copyFileSync(join(root, 'bin', f), join(dir, 'bin', f));
    for (const f of ['src', 'node_modules', 'package.json']) symlinkSync(join(root, f), join(dir, f));
    const run = (env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'pledge.js'), 'calc', 'downtime', '--target', '99.9', '--window', 'day'], {
        encoding: 'utf8',
        env: { ...process.env, PLEDGE_BUILD_CHECKED: '', ...env },
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const answer = '1m 26s  (99.9% of 1 day: 1m 26.4s exactly)\n';
    // No dist/ at all.
    assert.deepEqual(run(), {
      code: 0,
      out: answer,
      err: 'pledge: warning: dist/ has no complete build (run `npm run build`); running the TypeScript sources through tsx\n',
    });
    // A build older than the sources (the stamp says when it started).
    mkdirSync(join(dir, 'dist'));
    symlinkSync(join(root, 'dist', 'cli'), join(dir, 'dist', 'cli'));
    writeFileSync(join(dir, 'dist', 'build.json'), JSON.stringify({ started: 0 }));
    assert.deepEqual(run(), {
      code: 0,
      out: answer,
      err: 'pledge: warning: src/ changed since dist/ was built (run `npm run build`); running the TypeScript sources through tsx\n',
    });
    // The test runner has built it and says so: no check.
    assert.deepEqual(run({ PLEDGE_BUILD_CHECKED: '1' }), { code: 0, out: answer, err: '' });
    // A build newer than every source: dist/, quietly.
    writeFileSync(join(dir, 'dist', 'build.json'), JSON.stringify({ started: Date.now() + 3_600_000 }));
    assert.deepEqual(run(), { code: 0, out: answer, err: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
