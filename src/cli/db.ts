/** Commands that work directly on a database: migrate, token create, ingest. */
import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig, loadOption } from '../app/config.ts';
import { createApiToken } from '../app/tokens.ts';
import { inviteOnStore } from '../app/sign-in.ts';
import { storeSender, type BatchSender, type IngestReport } from '../app/ingest.ts';
import { openStore } from '../store/index.ts';
import type { Store, StoreConfig } from '../store/types.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { resolve } from 'node:path';
import { loadAgreements } from '../app/agreement-files.ts';
import { applyAgreement, checkAgainstStored, parentsFirst } from '../app/agreements.ts';
import { renderDiff } from '../core/agreements/lifecycle/diff.ts';
import type { Change } from '../core/agreements/lifecycle/index.ts';
import type { LoadedAgreement } from '../core/agreements/load.ts';
import { Api, RemoteError, URL_HELP } from './remote.ts';
import { parseCsvMapping } from '../core/events/csv-mapping.ts';
import { csvRows, ingestCsv, type CsvIngestResult, type CsvProblem, type CsvSummary } from '../app/ingest-csv.ts';
import { readText } from '../app/files.ts';

/** The database: --db (a SQLite file path or a postgres:// URL), else the environment's configuration. */
export function storeConfig(db: string | undefined): StoreConfig {
  if (db !== undefined)
    return /^postgres(ql)?:\/\//.test(db)
      ? { kind: 'postgres', url: db, statementTimeoutMs: envOption('PLEDGE_DB_STATEMENT_TIMEOUT') }
      : { kind: 'sqlite', path: resolve(db) };
  const c = loadConfig(process.env);
  if (!c.ok) throw new UsageError(c.issues);
  return c.value.store;
}

/** One setting from the environment (its default when unset); a bad value stops the command. */
function envOption(key: 'PLEDGE_DB_STATEMENT_TIMEOUT' | 'PLEDGE_MAX_CLOCK_SKEW'): number {
  const r = loadOption(process.env, key);
  if (!r.ok) throw new UsageError(r.issues);
  return r.value;
}

export async function withStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeConfig(db));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const DB_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)';

export function registerDb(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (they are also applied on start)')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print {applied, current}')
    .action(async (o: { db?: string; json?: boolean }) => {
      const report = await withStore(o.db, async (s) => s.migrations);
      if (o.json) printJson(report);
      else
        process.stdout.write(
          report.applied.length
            ? `applied: ${report.applied.join(', ')}\n`
            : `up to date (${report.current.length} migration${report.current.length === 1 ? '' : 's'})\n`,
        );
    });

  const token = program.command('token').description('API tokens');
  token
    .command('create')
    .description('Create an API token; its secret is printed once and never stored')
    .requiredOption('--role <role>', 'admin, manager, agent, viewer, auditor or customer')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--user <id>', 'the user it belongs to (created when missing)', 'admin')
    .option('--tenant <id>', 'tenant (created when missing)', 'default')
    .option('--customer <id>', 'for the customer role: the customer it may see')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (an admin token)`)
    .option('--json', 'print {id, role, secret}')
    .action(
      async (o: {
        role: string;
        name: string;
        user: string;
        tenant: string;
        customer?: string;
        db?: string;
        url?: string;
        json?: boolean;
      }) => {
        const api = Api.from(o);
        if (api) {
          const r = await api.json<{ token: { id: string; role: string; customer?: string }; secret: string }>('POST', '/v1/tokens', {
            name: o.name,
            role: o.role,
            user: { id: o.user },
            ...(o.customer ? { customer: o.customer } : {}),
          });
          if (o.json) printJson({ id: r.token.id, role: r.token.role, customer: r.token.customer ?? null, secret: r.secret });
          else
            process.stdout.write(`${r.secret}\n(token ${r.token.id}, role ${r.token.role}, on ${api.url}; the secret is shown only now)\n`);
          return;
        }
        const r = await withStore(o.db, (store) =>
          createApiToken(
            { store, now: Date.now(), actor: `cli:${process.env.USER ?? 'local'}` },
            { tenant: o.tenant, user: o.user, name: o.name, role: o.role, ...(o.customer ? { customer: o.customer } : {}) },
          ),
        );
        const v = must(r);
        if (o.json)
          printJson({ id: v.token.id, tenant: v.token.tenant, role: v.token.role, customer: v.token.customer ?? null, secret: v.secret });
        else
          process.stdout.write(
            `${v.secret}\n(token ${v.token.id}, role ${v.token.role}, tenant ${v.token.tenant}; the secret is shown only now)\n`,
          );
      },
    );

  program
    .command('invite')
    .description('Invite a person to sign in to the web app: prints a one-time link (valid 7 days) where they choose a password')
    .requiredOption('--email <address>', 'the e-mail address they sign in with')
    .requiredOption('--role <role>', 'admin, manager, agent, viewer, auditor or customer')
    .option('--customer <id>', 'for the customer role: the customer they may see')
    .option('--name <name>', 'their name (the e-mail address when absent)')
    .option('--user <id>', 'their user id (from the e-mail address when absent)')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--base-url <url>', 'the address people open Pledge at, to print the whole link (default: --url, else the path only)')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (an admin token)`)
    .option('--json', 'print {email, user, role, customer, expiresAt, path, link}')
    .addHelpText(
      'after',
      `
Inviting the same e-mail again gives a new link and sets the role: that is how a forgotten password
is reset. Accepting a new password signs every earlier session of that person out.

Examples:
  pledge invite --email jo@example.com --role manager --base-url https://pledge.example.com
  pledge invite --email it@acme.example --role customer --customer acme --name "Acme IT"`,
    )
    .action(
      async (o: {
        email: string;
        role: string;
        customer?: string;
        name?: string;
        user?: string;
        tenant: string;
        baseUrl?: string;
        db?: string;
        url?: string;
        json?: boolean;
      }) => {
        const body = {
          email: o.email,
          role: o.role,
          ...(o.customer !== undefined ? { customer: o.customer } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.user !== undefined ? { user: o.user } : {}),
        };
        type Made = { invite: { email: string; user: string; role: string; customer?: string; expiresAt: string }; path: string };
        const api = Api.from(o);
        let made: Made;
        if (api) made = await api.json<Made>('POST', '/v1/invites', body);
        else made = await withStore(o.db, (store) => inviteOnStore(store, o.tenant, body));
        const base = (o.baseUrl ?? api?.url)?.replace(/\/+$/, '');
        const link = base ? `${base}${made.path}` : made.path;
        if (o.json) printJson({ ...made.invite, customer: made.invite.customer ?? null, path: made.path, link });
        else
          process.stdout.write(
            `${link}\n(invite for ${made.invite.email}, role ${made.invite.role}${made.invite.customer ? ` of customer ${made.invite.customer}` : ''}, valid until ${made.invite.expiresAt}; the link is shown only now)\n`,
          );
      },
    );

  program
    .command('ingest')
    .description(
      'Send events from a file (or - for standard input) straight into the database: NDJSON events, or a CSV ticket export through a column mapping',
    )
    .requiredOption('-f, --file <file>', 'NDJSON events (or a CSV export with --format csv), or - for standard input')
    .option('--format <format>', 'ndjson, or csv for a ticket export read through --mapping', 'ndjson')
    .option('--mapping <file>', 'with --format csv: the column-mapping file (YAML; see docs/events.md, "Importing ticket exports")')
    .option(
      '--print-events',
      'with --format csv: print the events the mapping makes as NDJSON instead of storing them (to check a mapping)',
    )
    .option('--tenant <id>', 'tenant', 'default')
    .option('--batch <n>', 'events per transaction (per request with --url); 5000 on a database, 1000 to a server')
    .option('--all-or-nothing', 'refuse each batch that has a bad event (with --format csv: store nothing if any row is bad)')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (a token that may send events: admin or agent)`)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  pledge ingest -f events.ndjson --tenant acme-corp
  PLEDGE_URL=http://pledge:8080 PLEDGE_TOKEN=... pledge ingest -f events.ndjson
  pledge ingest --format csv --mapping examples/imports/helpdesk-tickets.mapping.yaml -f examples/imports/helpdesk-tickets.csv
  pledge ingest --format csv --mapping zendesk.yaml -f export.csv --print-events | head

A CSV export is read through a mapping that says which column holds the ticket id, the times of
creation, first response, resolution and closing, the priority, customer and so on (one row per
ticket), or the event type (one event per row). Rows with a bad cell are reported with their line
and column and not stored; the others are. Importing the same export again finds duplicates.`,
    )
    .action(async (o: IngestOptions) => {
      if (o.batch !== undefined && (!/^\d+$/.test(o.batch) || Number(o.batch) < 1 || Number(o.batch) > 100_000))
        badInput('--batch', 'expected a whole number from 1 to 100000', JSON.stringify(o.batch));
      // A server takes at most 10,000 events a request by default: batches of 1,000 unless asked.
      const api = Api.from(o);
      const size = o.batch !== undefined ? Number(o.batch) : api ? 1000 : 5000;
      if (o.format !== 'ndjson' && o.format !== 'csv')
        badInput('--format', 'not a format ingest reads', JSON.stringify(o.format), 'ndjson or csv');
      if (o.format === 'csv') return ingestCsvFile(o, size, api);
      if (o.mapping !== undefined) badInput('--mapping', 'applies only with --format csv', JSON.stringify(o.mapping));
      if (o.printEvents) badInput('--print-events', 'applies only with --format csv');
      const opened = await openInput(o.file);
      const summary = { received: 0, accepted: 0, duplicates: 0, conflicts: 0, rejected: 0, batches: 0 };
      const problems: string[] = [];
      const bar = progressBar(o, opened);
      await withSender(o, api, size, async (send) => {
        let lines: string[] = [];
        // The file line of each event in the batch, so problems are reported where they are.
        let nums: number[] = [];
        let lineNo = 0;
        const flush = async () => {
          if (lines.length === 0) return;
          const r = await send({ body: lines.join('\n'), format: 'ndjson', allOrNothing: o.allOrNothing === true });
          if (!r.ok) throw new UsageError([{ path: '--file', message: r.error.message }]);
          add(r.report, nums);
          lines = [];
          nums = [];
          bar?.update(
            `${summary.received.toLocaleString('en')} events: ${summary.accepted.toLocaleString('en')} accepted, ${summary.duplicates.toLocaleString('en')} duplicates, ${summary.rejected.toLocaleString('en')} rejected`,
          );
        };
        const add = (rep: IngestReport, at: number[]) => {
          summary.received += rep.received;
          summary.accepted += rep.accepted;
          summary.duplicates += rep.duplicates;
          summary.conflicts += rep.conflicts;
          summary.rejected += rep.rejected;
          summary.batches++;
          for (const it of rep.results)
            if ((it.status === 'rejected' || it.status === 'conflict') && problems.length < 50)
              problems.push(
                `${o.file}:${at[it.index]}: ${it.status}: ${'issues' in it ? it.issues.map(formatIssue).join('; ') : it.reason}`,
              );
        };
        const rl = createInterface({ input: opened, crlfDelay: Infinity });
        for await (const line of rl) {
          lineNo++;
          const t = line.trim();
          if (t === '' || t.startsWith('#')) continue;
          lines.push(t);
          nums.push(lineNo);
          if (lines.length >= size) await flush();
        }
        await flush();
      });
      bar?.done();
      if (o.json) printJson({ ...summary, problems });
      else {
        for (const p of problems) process.stderr.write(`${p}\n`);
        process.stdout.write(
          `${summary.received} events read: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.conflicts} conflicts, ${summary.rejected} rejected\n`,
        );
      }
      if (summary.rejected + summary.conflicts > 0) process.exitCode = 2;
    });
}

interface IngestOptions {
  file: string;
  format: string;
  mapping?: string;
  printEvents?: boolean;
  tenant: string;
  batch?: string;
  allOrNothing?: boolean;
  db?: string;
  url?: string;
  json?: boolean;
}

/** Batches to a server (POST /v1/events) with --url, else into the database (creating the tenant). */
export async function withSender(
  o: IngestOptions,
  api: Api | undefined,
  size: number,
  fn: (send: BatchSender) => Promise<void>,
): Promise<void> {
  if (api) return fn(remoteSender(api));
  return withStore(o.db, async (store) => {
    await store.createTenant({ id: o.tenant, name: o.tenant, createdAt: Date.now() });
    // The same rules as the server's, the clock being this machine's: an event more than
    // PLEDGE_MAX_CLOCK_SKEW after now is refused.
    const limits = { batchEvents: Math.max(size, 100_000), batchBytes: 1 << 30, maxClockSkewMs: envOption('PLEDGE_MAX_CLOCK_SKEW') };
    await fn(storeSender({ tenant: o.tenant, store, now: Date.now, limits, actor: `cli:${process.env.USER ?? 'local'}` }));
  });
}

function remoteSender(api: Api): BatchSender {
  return async (input) => {
    try {
      const r = await api.request<IngestReport>('POST', `/v1/events${input.allOrNothing ? '?mode=all_or_nothing' : ''}`, {
        body: input.body,
        type: input.format === 'json' ? 'application/json' : 'application/x-ndjson',
      });
      return { ok: true, report: r.body };
    } catch (e) {
      // A batch the server refuses as a whole (over its limits): say so with its message.
      if (e instanceof RemoteError && e.exitCode === 2 && e.body?.code === 'payload_too_large')
        return { ok: false, error: { code: 'batch_too_large', message: `${e.message}; send smaller batches (--batch)` } };
      throw e;
    }
  };
}

/**
 * On a terminal, a progress bar of the file read so far (a file's size is known; standard input
 * shows the counts only), redrawn at most every 100 ms; nothing when the output is not a terminal
 * or with --json.
 */
function progressBar(
  o: { file: string; json?: boolean },
  input: NodeJS.ReadableStream,
): { update(text: string): void; done(): void } | undefined {
  if (!process.stderr.isTTY || o.json) return undefined;
  const total = o.file === '-' ? 0 : statSync(o.file).size;
  let last = 0;
  let drawn = false;
  const draw = (text: string) => {
    const read = (input as { bytesRead?: number }).bytesRead ?? 0;
    const width = 24;
    const share = total > 0 ? Math.min(1, read / total) : 0;
    const bar =
      total > 0 ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${String(Math.floor(share * 100)).padStart(3)}% ` : '';
    process.stderr.write(`\r${bar}${text}\x1b[K`);
    drawn = true;
  };
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(text);
    },
    done() {
      if (drawn) process.stderr.write('\n');
    },
  };
}

type ApplyOutcome =
  | { id: string; ok: true; result: 'created' | 'updated' | 'amended' | 'unchanged'; changes: Change[]; version: number | null }
  | { id: string; ok: false; code: string; message: string };

/** One agreement applied through the REST API: read its ETag, then PUT the document with If-Match. */
async function applyRemote(api: Api, loaded: LoadedAgreement, dryRun: boolean): Promise<ApplyOutcome> {
  const id = loaded.spec.id;
  const path = `/v1/agreements/${encodeURIComponent(id)}`;
  try {
    const current = await api.request('GET', path, { okStatuses: [404] });
    const etag = current.status === 200 ? (current.headers.get('etag') ?? undefined) : undefined;
    const r = await api.request<{
      result: 'created' | 'updated' | 'amended' | 'unchanged';
      changes: Change[];
      version?: { version: number };
    }>('PUT', `${path}${dryRun ? '?dryRun=true' : ''}`, {
      body: JSON.stringify(loaded.raw),
      type: 'application/json',
      ...(etag ? { headers: { 'if-match': etag } } : {}),
    });
    return { id, ok: true, result: r.body.result, changes: r.body.changes, version: r.body.version?.version ?? null };
  } catch (e) {
    if (e instanceof RemoteError && e.exitCode === 2) return { id, ok: false, code: e.body?.code ?? 'refused', message: e.message };
    throw e;
  }
}

/** Opens -f FILE (or standard input for -), turning a missing file into bad input. */
async function openInput(file: string): Promise<NodeJS.ReadableStream> {
  if (file === '-') return process.stdin;
  const input = createReadStream(file);
  return new Promise<NodeJS.ReadableStream>((res, rej) => {
    input.once('open', () => res(input));
    input.once('error', (e: NodeJS.ErrnoException) =>
      rej(
        new UsageError([
          {
            path: '--file',
            message: e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a folder, not a file' : e.message,
            received: file,
          },
        ]),
      ),
    );
  });
}

/** A row problem as one line: `export.csv:17: rejected: column "Created": impossible date...`. */
function csvProblemLine(label: string, p: CsvProblem): string {
  const text = p.issues.map(({ line: _l, column: _c, source: _s, ...i }) => formatIssue(i)).join('; ');
  return `${label}${p.line > 0 ? `:${p.line}` : ''}: ${p.status}: ${text}`;
}

async function ingestCsvFile(o: IngestOptions, size: number, api: Api | undefined): Promise<void> {
  if (o.mapping === undefined)
    badInput('--mapping', 'required with --format csv: the file that says which column holds what (see docs/events.md)');
  if (o.printEvents && o.json) badInput('--json', 'cannot go with --print-events: standard output holds the events');
  const m = readText(o.mapping);
  if (!m.ok) throw new UsageError(m.issues.map((i) => ({ ...i, path: '--mapping' })));
  const mapping = must(parseCsvMapping(m.value.text, o.mapping));
  const label = o.file === '-' ? 'stdin' : o.file;
  const opened = await openInput(o.file);
  const rows = csvRows(opened as AsyncIterable<Uint8Array>, mapping, label);

  if (o.printEvents) {
    // Nothing is stored: the events go to standard output, the problems and a summary to stderr.
    let read = 0;
    let skipped = 0;
    let rejected = 0;
    let events = 0;
    const held: string[] = [];
    for await (const row of rows) {
      if (row.status === 'fatal') throw new UsageError(row.issues);
      read++;
      if (row.status === 'skipped') skipped++;
      else if (row.status === 'rejected') {
        rejected++;
        process.stderr.write(`${csvProblemLine(label, { line: row.line, status: 'rejected', issues: row.issues })}\n`);
      } else
        for (const { atMs: _atMs, ...e } of row.events) {
          events++;
          const line = `${JSON.stringify(e)}\n`;
          if (o.allOrNothing) held.push(line);
          else process.stdout.write(line);
        }
    }
    const refused = o.allOrNothing === true && rejected > 0;
    if (!refused) for (const l of held) process.stdout.write(l);
    process.stderr.write(
      `${read} rows read (${skipped} skipped, ${rejected} rejected): ${refused ? `${events} events held back (all-or-nothing)` : `${events} events printed`}, nothing stored\n`,
    );
    if (rejected > 0) process.exitCode = 2;
    return;
  }

  const bar = progressBar(o, opened);
  let result: CsvIngestResult | undefined;
  await withSender(o, api, size, async (send) => {
    result = await ingestCsv(
      { send },
      {
        rows,
        batch: size,
        allOrNothing: o.allOrNothing === true,
        ...(bar
          ? {
              onProgress: (s: Readonly<CsvSummary>) =>
                bar.update(
                  `${s.rows.toLocaleString('en')} rows: ${s.accepted.toLocaleString('en')} events accepted, ${s.duplicates.toLocaleString('en')} duplicates, ${s.rowsRejected.toLocaleString('en')} rows rejected`,
                ),
            }
          : {}),
      },
    );
  });
  bar?.done();
  if (!result) throw new Error('ingestCsv gave no result');
  if (!result.ok) {
    // Nothing was written when the header did not fit; a file that turned unreadable part-way may
    // have had rows stored before: say so.
    if (result.summary.accepted > 0)
      process.stderr.write(`pledge: ${result.summary.rows} rows were read and ${result.summary.accepted} events stored before this:\n`);
    throw new UsageError(result.issues);
  }
  const s = result.summary;
  const shown = result.problems.slice(0, 50).map((p) => csvProblemLine(label, p));
  const more = result.problems.length + result.problemsOmitted - shown.length;
  if (o.json) printJson({ format: 'csv', ...s, problems: shown, problemsNotShown: more });
  else {
    for (const p of shown) process.stderr.write(`${p}\n`);
    if (more > 0) process.stderr.write(`(${more} more problems not shown)\n`);
    process.stdout.write(
      `${s.rows} rows read (${s.skipped} skipped, ${s.rowsRejected} rejected): ${s.received} events, ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.conflicts} conflicts, ${s.rejected} rejected${s.notWritten ? `, ${s.notWritten} not written (all-or-nothing)` : ''}\n`,
    );
  }
  if (s.rowsRejected + s.rejected + s.conflicts > 0) process.exitCode = 2;
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description(
      'Apply agreement files (to the database, or to a server with --url): create new ones, change or amend existing ones; shows what changes',
    )
    .requiredOption('-f, --file <paths...>', 'agreement files or folders')
    .option('--dry-run', 'show what would change, write nothing')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the outcome per agreement as JSON')
    .action(async (o: { file: string[]; dryRun?: boolean; tenant: string; db?: string; url?: string; json?: boolean }) => {
      const files = loadAgreements(o.file);
      if (files.issues.length) throw new UsageError(files.issues);
      // Parents first, so that each document's parent exists when it is applied.
      const agreements = parentsFirst(files.agreements);
      const dryRun = o.dryRun === true;
      const api = Api.from(o);
      let outcomes: ApplyOutcome[] = [];
      if (api) {
        // The server checks each document against what it holds (parents included).
        for (const loaded of agreements) outcomes.push(await applyRemote(api, loaded, dryRun));
      } else {
        const now = Date.now();
        const actor = `cli:${process.env.USER ?? 'local'}`;
        outcomes = await withStore(o.db, async (store) => {
          // Across documents, against the stored ones: parents that exist, valid merged terms.
          const across = await checkAgainstStored(store, o.tenant, agreements);
          if (across.length) throw new UsageError(across);
          await store.createTenant({ id: o.tenant, name: o.tenant, createdAt: now });
          const out: ApplyOutcome[] = [];
          for (const loaded of agreements) {
            const r = await applyAgreement({ store, tenant: o.tenant, actor, now }, { loaded, dryRun });
            out.push(
              r.ok
                ? { id: loaded.spec.id, ok: true, result: r.result, changes: r.changes, version: r.version?.version ?? null }
                : { id: loaded.spec.id, ok: false, code: r.code, message: r.message },
            );
          }
          return out;
        });
      }
      if (o.json)
        printJson({
          dryRun,
          agreements: outcomes.map((x) =>
            x.ok
              ? { id: x.id, result: x.result, changes: x.changes, version: x.version }
              : { id: x.id, error: { code: x.code, message: x.message } },
          ),
        });
      else {
        for (const x of outcomes) {
          if (!x.ok) {
            process.stderr.write(`${x.id}: ${x.message}\n`);
            continue;
          }
          const verb = dryRun
            ? {
                created: 'would be created',
                updated: 'would be updated',
                amended: 'would be amended (a new version)',
                unchanged: 'unchanged',
              }[x.result]
            : x.result === 'amended'
              ? `amended (version ${x.version})`
              : x.result;
          process.stdout.write(`${x.id}: ${verb}\n`);
          if (x.result !== 'created' && x.changes.length) process.stdout.write(`${renderDiff(x.changes).replace(/^/gm, '  ')}\n`);
        }
      }
      if (outcomes.some((x) => !x.ok)) process.exitCode = 2;
    });
}
