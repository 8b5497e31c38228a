/** `pledge demo`: a guided run of the measurement engine on the files in examples/. */
import type { Command } from 'commander';
import { runDemo } from '../app/demo.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the measurement engine on the example calendars, tickets and outages, and explain the figures')
    .option('--json', 'print the figures as JSON')
    .action((o: { json?: boolean }) => {
      runDemo({ json: o.json === true, out: (s) => process.stdout.write(s) });
    });
}
