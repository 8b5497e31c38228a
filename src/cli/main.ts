/**
 * The `pledge` command line. Edges only: parse arguments, call the core, print the result.
 *
 * Start-up: a command imports only its own module. `pledge calc downtime` must not load the HTTP
 * server, the database drivers or the agreement schemas (each costs tens of milliseconds, and a
 * calculator should answer at once), so the command groups below are loaded on demand: the
 * command named on the line is looked up in a list of names made by the build
 * (dist/cli/commands.json, see `commandManifest`), and only its group is registered. Without a
 * command (`pledge --help`, `--version`, a misspelt name) the program is made of stand-ins that
 * carry each command's name, usage and description from that list, which is all the top-level
 * help and commander's "did you mean" need. When the list is missing (the TypeScript sources run
 * through tsx, or tests importing this file) every group is loaded, as before.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, reportError } from './output.ts';

type Register = (program: Command) => void;

/** Every group of commands, in the order the help lists them, and how to load it. */
const GROUPS: ReadonlyArray<readonly [group: string, load: () => Promise<Register>]> = [
  ['calc', async () => (await import('./calc.ts')).registerCalc],
  ['agreements', async () => (await import('./agreements.ts')).registerAgreements],
  ['check', async () => (await import('./agreements.ts')).registerCheck],
  ['lifecycle', async () => (await import('./lifecycle.ts')).registerLifecycle],
  ['settle', async () => (await import('./settle.ts')).registerSettle],
  ['db', async () => (await import('./db.ts')).registerDb],
  ['apply', async () => (await import('./db.ts')).registerApply],
  ['transition', async () => (await import('./transition.ts')).registerTransition],
  ['derived', async () => (await import('./derived.ts')).registerDerived],
  ['serve', async () => (await import('./serve.ts')).registerServe],
  ['worker', async () => (await import('./worker.ts')).registerWorker],
  ['demo', async () => (await import('./demo.ts')).registerDemo],
  ['alerts', async () => (await import('./alerts.ts')).registerAlerts],
  ['silences', async () => (await import('./alerts.ts')).registerSilences],
  ['channels', async () => (await import('./alerts.ts')).registerChannels],
  ['notifications', async () => (await import('./alerts.ts')).registerNotifications],
  ['monitors', async () => (await import('./monitors.ts')).registerMonitors],
  ['report-schedules', async () => (await import('./report-schedules.ts')).registerReportSchedules],
  ['sources', async () => (await import('./sources.ts')).registerSources],
  ['status-pages', async () => (await import('./status-pages.ts')).registerStatusPages],
  ['incidents', async () => (await import('./status-pages.ts')).registerIncidents],
  ['openslo', async () => (await import('./openslo.ts')).registerOpenSlo],
];

/** One top-level command as the help lists it, and the group that registers it. */
export interface ManifestEntry {
  group: string;
  name: string;
  /** As the top-level help shows it, e.g. `validate [options] <paths...>`. */
  term: string;
  description: string;
}

function baseProgram(): Command {
  return new Command('pledge')
    .description('Service level agreements as code: measured from events against business calendars.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

function finish(program: Command): Command {
  for (const c of allCommands(program)) c.exitOverride();
  return program;
}

/** The whole program, every group loaded. */
export async function buildProgram(): Promise<Command> {
  const program = baseProgram();
  for (const [, load] of GROUPS) (await load())(program);
  return finish(program);
}

/** The top-level commands of every group, for dist/cli/commands.json (written by scripts/build.mjs). */
export async function commandManifest(): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for (const [group, load] of GROUPS) {
    const program = baseProgram();
    (await load())(program);
    const help = program.createHelp();
    for (const c of program.commands)
      out.push({ group, name: c.name(), term: help.subcommandTerm(c), description: help.subcommandDescription(c) });
  }
  return out;
}

function readManifest(): ManifestEntry[] | undefined {
  try {
    return JSON.parse(readFileSync(new URL('./commands.json', import.meta.url), 'utf8')) as ManifestEntry[];
  } catch {
    return undefined;
  }
}

/** The command the arguments name: the first word that is not an option (`help <command>` names the next). */
function commandName(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** The program for these arguments: only the group that defines the command named, if the manifest knows it. */
async function programFor(argv: string[]): Promise<Command> {
  const manifest = readManifest();
  if (!manifest) return buildProgram();
  const name = commandName(argv.slice(2));
  const entry = manifest.find((m) => m.name === name);
  const program = baseProgram();
  if (entry) {
    const load = GROUPS.find(([group]) => group === entry.group)?.[1];
    if (load) {
      (await load())(program);
      return finish(program);
    }
  }
  // No command, or one nobody defines: stand-ins for the help and commander's suggestions.
  const terms = new Map(manifest.map((m) => [m.name, m.term]));
  for (const m of manifest) program.command(m.name).description(m.description);
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return terms.get(cmd.name()) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  return finish(program);
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const program = await programFor(argv);
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
