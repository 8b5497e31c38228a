/** Running the pledge command as a user would: a real process in the repository root. */
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export function pledge(...args: string[]): Ran {
  const r = spawnSync(process.execPath, ['bin/pledge.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** As `pledge`, with extra environment variables (e.g. PLEDGE_URL and PLEDGE_TOKEN). */
export function pledgeWith(env: Record<string, string | undefined>, ...args: string[]): Ran {
  const r = spawnSync(process.execPath, ['bin/pledge.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

// ------------------------------------------------------------------------------------------------
// The same command in this test process.
//
// A `pledge` process costs about half a second of CPU, most of it starting Node and loading the
// modules, not the command; a CLI test file ran 30 to 70 of them. `pledgeHere` runs the command's
// main() from the build bin/pledge.js runs (dist/, or the sources through tsx when dist/ is not
// current, with bin/pledge.js's warning), with the same arguments, environment (TZ=UTC and the
// extra variables), working folder and no terminal, and answers the same exit code, standard output
// and standard error. What it does not cover is the process itself: bin/pledge.js, the exit of the
// process once main() is done (a handle left open would keep a real process from ending), standard
// input. Each command and behaviour the docs promise keeps at least one test through a real process
// (`pledge`, `pledgeWith`); the files say which.
//
// One command at a time: standard output and error, the environment and process.exitCode are the
// process's own while it runs. Standard input is not given: commands reading `-f -` need a process.

type Main = (argv: string[]) => Promise<number>;
let loaded: Promise<{ main: Main; warning: string }> | undefined;
let turn: Promise<unknown> = Promise.resolve();

function loadMain(): Promise<{ main: Main; warning: string }> {
  loaded ??= (async () => {
    const href = (p: string) => new URL(p, import.meta.url).href;
    const { buildState } = (await import(href('../bin/build-state.js'))) as { buildState: () => string };
    const state = process.env.PLEDGE_BUILD_CHECKED === '1' ? 'current' : buildState();
    if (state === 'current') return { main: ((await import(href('../dist/cli/main.js'))) as { main: Main }).main, warning: '' };
    // As bin/pledge.js does: the sources, and a warning on standard error.
    const why = state === 'missing' ? 'dist/ has no complete build' : 'src/ changed since dist/ was built';
    return {
      main: ((await import(href('../src/cli/main.ts'))) as { main: Main }).main,
      warning: `pledge: warning: ${why} (run \`npm run build\`); running the TypeScript sources through tsx\n`,
    };
  })();
  return loaded;
}

/** Text written to it, as a pipe to a process would collect it (not a terminal). */
class Collected extends Writable {
  text = '';
  constructor() {
    super({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, done) => {
        this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        done();
      },
    });
  }
}

/** `pledge` in this process (see above): the same answer as `pledge(...args)`. */
export function pledgeHere(...args: string[]): Promise<Ran> {
  return pledgeHereWith({}, ...args);
}

/** `pledgeWith` in this process (see above). */
export function pledgeHereWith(env: Record<string, string | undefined>, ...args: string[]): Promise<Ran> {
  const run = turn.then(() => runHere(env, args));
  turn = run.catch(() => undefined);
  return run;
}

async function runHere(env: Record<string, string | undefined>, args: string[]): Promise<Ran> {
  const { main, warning } = await loadMain();
  const out = new Collected();
  const err = new Collected();
  err.text = warning;
  const streams = {
    stdout: Object.getOwnPropertyDescriptor(process, 'stdout')!,
    stderr: Object.getOwnPropertyDescriptor(process, 'stderr')!,
  };
  const vars = { TZ: 'UTC', ...env };
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      // As a child's environment: a variable given as undefined is not set.
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  const cwd = process.cwd();
  const exitCode = process.exitCode;
  let code: number;
  try {
    set(vars);
    process.chdir(root);
    Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => out });
    Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: () => err });
    process.exitCode = undefined;
    code = await main([process.execPath, fileURLToPath(new URL('../bin/pledge.js', import.meta.url)), ...args]);
  } finally {
    Object.defineProperty(process, 'stdout', streams.stdout);
    Object.defineProperty(process, 'stderr', streams.stderr);
    process.exitCode = exitCode;
    process.chdir(cwd);
    set(before);
  }
  return { code, out: out.text, err: err.text };
}
