/** Printing results and errors the same way in every command. */
import { formatIssue, InvalidInputError, type Issue, type Result } from '../core/validation/issues.ts';

/** Exit codes: 0 done, 1 failure of Pledge or its environment, 2 bad input (usage, files, values). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** Raised by commands for bad input; main() prints the issues and exits 2. */
export class UsageError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function must<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new UsageError(r.issues);
}

export function badInput(path: string, message: string, received?: string, expected?: string): never {
  throw new UsageError([
    { path, message, ...(received !== undefined ? { received } : {}), ...(expected !== undefined ? { expected } : {}) },
  ]);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A flat result on one line, as the calc commands document it: {"due": "2026-03-30T12:00:00+02:00"}.
 * Still JSON for any parser, and the same text as in the docs for anyone comparing it.
 */
export function printJsonLine(value: Record<string, string | number | boolean | null>): void {
  process.stdout.write(
    `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(', ')}}\n`,
  );
}

export function reportError(e: unknown, json: boolean): number {
  if (e instanceof UsageError || e instanceof InvalidInputError) {
    if (json) process.stderr.write(`${JSON.stringify({ error: { code: 'invalid_input', issues: e.issues } }, null, 2)}\n`);
    else for (const i of e.issues) process.stderr.write(`pledge: ${formatIssue(i)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof Error && e.name === 'RemoteError') {
    // The server refused the request (4xx: exit 2) or failed or could not be reached (exit 1).
    const r = e as Error & { exitCode: number; body?: { code: string; message: string; details?: { issues?: Issue[] } } };
    if (json) process.stderr.write(`${JSON.stringify({ error: r.body ?? { code: 'unreachable', message: r.message } }, null, 2)}\n`);
    else {
      process.stderr.write(`pledge: ${r.message}\n`);
      for (const i of r.body?.details?.issues ?? []) process.stderr.write(`  ${formatIssue(i)}\n`);
    }
    return r.exitCode;
  }
  // A bug or an environment failure: say so plainly; the stack only when asked for.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`pledge: internal error: ${msg}\n`);
  if (process.env.PLEDGE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('(set PLEDGE_DEBUG=1 to see where; please report it)\n');
  return EXIT_FAILURE;
}
