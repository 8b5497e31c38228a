#!/usr/bin/env node
// The pledge command. Runs the TypeScript sources through tsx, so what you run is what is tested.
import { register } from 'tsx/esm/api';

register();
// Output piped into `head` or a closed pager: stop quietly, as other command-line tools do,
// rather than print a stack trace for the broken pipe.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
