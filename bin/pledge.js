#!/usr/bin/env node
// The pledge command. Runs the compiled JavaScript in dist/, built from src/ by `npm install`
// (the prepare script), `npm pack` and `npm run build`: transpiling the TypeScript on every call
// cost over a second before anything was printed.
//
// A development checkout can have a dist/ older than src/ (a file edited since the last build) or
// none at all (installed with --ignore-scripts). Then what would run is not what the sources say:
// pledge says so on stderr and runs the sources through tsx instead (slower, same behaviour).
// PLEDGE_BUILD_CHECKED=1 skips the check: the test runner sets it after building, so every CLI test
// of a run exercises that one build.
import module from 'node:module';
import { buildState } from './build-state.js';

// Node 22.1+ can keep V8's compiled code between runs; Node 20 has no such cache.
module.enableCompileCache?.();

// Output piped into `head` or a closed pager: stop quietly, as other command-line tools do,
// rather than print a stack trace for the broken pipe.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const state = process.env.PLEDGE_BUILD_CHECKED === '1' ? 'current' : buildState();
let main;
if (state === 'current') {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const why = state === 'missing' ? 'dist/ has no complete build' : 'src/ changed since dist/ was built';
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`pledge: ${why}; run \`npm run build\` first\n`);
    process.exit(1);
  }
  process.stderr.write(`pledge: warning: ${why} (run \`npm run build\`); running the TypeScript sources through tsx\n`);
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
