/** The `pledge` command line. Edges only: parse arguments, call the core, print the result. */
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, reportError } from './output.ts';
import { registerCalc } from './calc.ts';
import { registerDemo } from './demo.ts';
import { registerAgreements, registerCheck } from './agreements.ts';
import { registerLifecycle } from './lifecycle.ts';
import { registerSettle } from './settle.ts';
import { registerApply, registerDb } from './db.ts';
import { registerDerived } from './derived.ts';
import { registerServe } from './serve.ts';
import { registerTransition } from './transition.ts';

export function buildProgram(): Command {
  const program = new Command('pledge')
    .description('Service level agreements as code: measured from events against business calendars.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCalc(program);
  registerAgreements(program);
  registerCheck(program);
  registerLifecycle(program);
  registerSettle(program);
  registerDb(program);
  registerApply(program);
  registerTransition(program);
  registerDerived(program);
  registerServe(program);
  registerDemo(program);
  for (const c of allCommands(program)) c.exitOverride();
  return program;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    // A command that found problems in what it checked (validate, check) sets the exit code itself.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end "with an error" of code 0 in commander.
      if (e.exitCode === 0) return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    return reportError(e, json);
  }
}
