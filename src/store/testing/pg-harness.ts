/**
 * A PostgreSQL for tests: a throwaway cluster in a temporary folder, started from the installed
 * server binaries and removed afterwards, or the server named by PLEDGE_TEST_DATABASE_URL.
 *
 * - One cluster per test run: scripts/run-tests.mjs starts it (starting one takes seconds) and
 *   hands its URL to every test file in PLEDGE_TEST_DATABASE_URL; a file run on its own starts
 *   one for itself. Tests get isolation from a fresh schema each (`freshSchema`), or a fresh
 *   tenant in a shared one, so files running at the same time never meet. Schemas rather than
 *   databases, because they are cheap to create and need no CREATEDB right on a server we were
 *   given.
 * - The cluster listens only on a Unix socket inside its folder: no port to collide with another
 *   run or a real server on the machine. Trust authentication, fsync off: it holds nothing worth
 *   keeping.
 * - As root, initdb refuses to run, so the folder is given to the `postgres` user and the server
 *   programs run as that user through runuser.
 * - If neither a URL nor the binaries are available, `startPostgres` returns the reason instead
 *   of a harness, and the caller skips the PostgreSQL tests with a loud warning, unless
 *   PLEDGE_REQUIRE_POSTGRES=1 (set by CI) or a URL was given, where that is a failure.
 *   PLEDGE_TEST_POSTGRES=off skips them on purpose (still with the warning).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PgHarness {
  /** Where the tests connect: a URL to a database they may create schemas in. */
  url: string;
  /** How the server was found, for the test output. */
  description: string;
  /** A new schema name, not yet created (opening a store creates it); removed by `stop`. */
  freshSchema(): string;
  /** Stops and removes the cluster (or drops the schemas made on a given server). */
  stop(): Promise<void>;
}

export type StartResult = { ok: true; harness: PgHarness } | { ok: false; reason: string };

/** Binaries on PATH, else Debian's versioned folders (newest first). */
function findBinDir(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  if (onPath) return onPath.replace(/\/initdb$/, '');
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const u = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export interface StartOptions {
  /** Connections the cluster accepts (default 100); a cluster shared by several test files at once needs more. */
  maxConnections?: number;
}

export async function startPostgres(opts: StartOptions = {}): Promise<StartResult> {
  if (process.env.PLEDGE_TEST_POSTGRES === 'off') return { ok: false, reason: 'PLEDGE_TEST_POSTGRES=off' };
  const given = process.env.PLEDGE_TEST_DATABASE_URL;
  if (given) {
    try {
      return { ok: true, harness: await external(given) };
    } catch (e) {
      return { ok: false, reason: `cannot connect to PLEDGE_TEST_DATABASE_URL: ${(e as Error).message}` };
    }
  }
  return startCluster(opts);
}

async function external(url: string): Promise<PgHarness> {
  const made: string[] = [];
  // A cluster shared by several test files may refuse a connection for a moment while it is busy
  // (a socket closed at once: EPIPE, ECONNRESET): try again before calling PostgreSQL unavailable.
  let admin = new pg.Client({ connectionString: url });
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.connect();
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 5 || !(code === 'EPIPE' || code === 'ECONNRESET' || code === '53300' || code === '57P03')) throw e;
      await admin.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500 * attempt));
      admin = new pg.Client({ connectionString: url });
    }
  }
  return {
    url,
    description: 'PLEDGE_TEST_DATABASE_URL',
    freshSchema() {
      const name = `pledge_test_${randomBytes(6).toString('hex')}`;
      made.push(name);
      return name;
    },
    async stop() {
      for (const s of made) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
      await admin.end();
    },
  };
}

function startCluster(opts: StartOptions): StartResult {
  const bin = findBinDir();
  if (!bin)
    return {
      ok: false,
      reason: 'no PostgreSQL server binaries (initdb) on PATH or in /usr/lib/postgresql/*/bin, and PLEDGE_TEST_DATABASE_URL is not set',
    };
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? userIds('postgres') : undefined;
  if (asRoot && !owner) return { ok: false, reason: 'running as root and there is no postgres user to run the server as' };
  const dir = mkdtempSync(join(tmpdir(), 'pledge-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (program: string, args: string[]) => {
    const cmd = owner ? 'runuser' : join(bin, program);
    const argv = owner ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    return spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  };
  const fail = (step: string, r: ReturnType<typeof spawnSync>): StartResult => {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    return {
      ok: false,
      reason: `${step} failed (exit ${r.status ?? r.signal}): ${String(r.stderr ?? '').trim() || String(r.error ?? '')}${serverLog ? `\n${serverLog}` : ''}`,
    };
  };
  const init = run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (init.status !== 0) return fail('initdb', init);
  // Unix socket only (listen_addresses empty); settings that suit a disposable test server.
  const serverOptions = [
    `-c listen_addresses=''`,
    `-k ${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    `-c max_connections=${opts.maxConnections ?? 100}`,
  ].join(' ');
  const start = run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions, 'start']);
  if (start.status !== 0) return fail('pg_ctl start', start);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process ends without calling stop (a crash, an uncaught error), stop the server
  // anyway rather than leave it running.
  process.once('exit', stopSync);
  const url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`;
  return {
    ok: true,
    harness: {
      url,
      description: `a throwaway cluster in ${dir} (${bin})`,
      // The whole cluster goes at the end, so schemas need no cleanup of their own.
      freshSchema: () => `t_${randomBytes(6).toString('hex')}`,
      async stop() {
        stopSync();
        process.removeListener('exit', stopSync);
      },
    },
  };
}

/** What to print when the PostgreSQL tests cannot run: hard to miss in a long test log. */
export function skipBanner(reason: string): string {
  const line = '!'.repeat(100);
  return [
    '',
    line,
    '!!! WARNING: the PostgreSQL store tests are SKIPPED.',
    `!!! ${reason}`,
    '!!! Install the PostgreSQL server (e.g. apt-get install postgresql) or set PLEDGE_TEST_DATABASE_URL=postgres://...',
    line,
    '',
  ].join('\n');
}
