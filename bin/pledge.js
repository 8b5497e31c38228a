#!/usr/bin/env node
// The pledge command. Runs the TypeScript sources through tsx, so what you run is what is tested.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
