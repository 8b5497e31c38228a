/** Commands that work directly on a database: migrate, token create, ingest. */
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '../app/config.ts';
import { createApiToken } from '../app/tokens.ts';
import { ingestBatch, type IngestReport } from '../app/ingest.ts';
import { openStore } from '../store/index.ts';
import type { Store, StoreConfig } from '../store/types.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { resolve } from 'node:path';
import { loadAgreements } from '../app/agreement-files.ts';
import { applyAgreement } from '../app/agreements.ts';
import { renderDiff } from '../core/agreements/lifecycle/diff.ts';
import type { Change } from '../core/agreements/lifecycle/index.ts';
import type { LoadedAgreement } from '../core/agreements/load.ts';
import { Api, RemoteError, URL_HELP } from './remote.ts';

/** The database: --db (a SQLite file path or a postgres:// URL), else the environment's configuration. */
export function storeConfig(db: string | undefined): StoreConfig {
  if (db !== undefined) return /^postgres(ql)?:\/\//.test(db) ? { kind: 'postgres', url: db } : { kind: 'sqlite', path: resolve(db) };
  const c = loadConfig(process.env);
  if (!c.ok) throw new UsageError(c.issues);
  return c.value.store;
}

export async function withStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeConfig(db));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const DB_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)';

export function registerDb(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (they are also applied on start)')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print {applied, current}')
    .action(async (o: { db?: string; json?: boolean }) => {
      const report = await withStore(o.db, async (s) => s.migrations);
      if (o.json) printJson(report);
      else process.stdout.write(report.applied.length ? `applied: ${report.applied.join(', ')}\n` : `up to date (${report.current.length} migration${report.current.length === 1 ? '' : 's'})\n`);
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
    .option('--url <url>', URL_HELP + ' (an admin token)')
    .option('--json', 'print {id, role, secret}')
    .action(async (o: { role: string; name: string; user: string; tenant: string; customer?: string; db?: string; url?: string; json?: boolean }) => {
      const api = Api.from(o);
      if (api) {
        const r = await api.json<{ token: { id: string; role: string; customer?: string }; secret: string }>('POST', '/v1/tokens', { name: o.name, role: o.role, user: { id: o.user }, ...(o.customer ? { customer: o.customer } : {}) });
        if (o.json) printJson({ id: r.token.id, role: r.token.role, customer: r.token.customer ?? null, secret: r.secret });
        else process.stdout.write(`${r.secret}\n(token ${r.token.id}, role ${r.token.role}, on ${api.url}; the secret is shown only now)\n`);
        return;
      }
      const r = await withStore(o.db, (store) => createApiToken({ store, now: Date.now(), actor: `cli:${process.env.USER ?? 'local'}` }, { tenant: o.tenant, user: o.user, name: o.name, role: o.role, ...(o.customer ? { customer: o.customer } : {}) }));
      const v = must(r);
      if (o.json) printJson({ id: v.token.id, tenant: v.token.tenant, role: v.token.role, customer: v.token.customer ?? null, secret: v.secret });
      else process.stdout.write(`${v.secret}\n(token ${v.token.id}, role ${v.token.role}, tenant ${v.token.tenant}; the secret is shown only now)\n`);
    });

  program
    .command('ingest')
    .description('Send events from a file (or - for standard input) straight into the database')
    .requiredOption('-f, --file <file>', 'NDJSON events, or - for standard input')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--batch <n>', 'events per transaction', '5000')
    .option('--all-or-nothing', 'refuse each batch that has a bad event')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print the summary as JSON')
    .action(async (o: { file: string; tenant: string; batch: string; allOrNothing?: boolean; db?: string; json?: boolean }) => {
      const size = Number(o.batch);
      if (!/^\d+$/.test(o.batch) || size < 1 || size > 100_000) badInput('--batch', 'expected a whole number from 1 to 100000', JSON.stringify(o.batch));
      const input = o.file === '-' ? process.stdin : createReadStream(o.file);
      const opened = await new Promise<NodeJS.ReadableStream>((res, rej) => {
        if (o.file === '-') return res(input);
        input.once('open', () => res(input));
        input.once('error', (e: NodeJS.ErrnoException) => rej(new UsageError([{ path: '--file', message: e.code === 'ENOENT' ? 'no such file' : e.message, received: o.file }])));
      });
      const summary = { received: 0, accepted: 0, duplicates: 0, conflicts: 0, rejected: 0, batches: 0 };
      const problems: string[] = [];
      const tty = process.stderr.isTTY && !o.json;
      await withStore(o.db, async (store) => {
        await store.createTenant({ id: o.tenant, name: o.tenant, createdAt: Date.now() });
        let lines: string[] = [];
        // The file line of each event in the batch, so problems are reported where they are.
        let nums: number[] = [];
        let lineNo = 0;
        const flush = async () => {
          if (lines.length === 0) return;
          const r = await ingestBatch({ tenant: o.tenant, store, now: Date.now(), limits: { batchEvents: size, batchBytes: 1 << 30 } }, { body: lines.join('\n'), format: 'ndjson', allOrNothing: o.allOrNothing === true });
          if (!r.ok) throw new UsageError([{ path: '--file', message: r.error.message }]);
          add(r.report, nums);
          lines = [];
          nums = [];
          if (tty) process.stderr.write(`\r${summary.received.toLocaleString('en')} events: ${summary.accepted.toLocaleString('en')} accepted, ${summary.duplicates.toLocaleString('en')} duplicates, ${summary.rejected.toLocaleString('en')} rejected`);
        };
        const add = (rep: IngestReport, at: number[]) => {
          summary.received += rep.received;
          summary.accepted += rep.accepted;
          summary.duplicates += rep.duplicates;
          summary.conflicts += rep.conflicts;
          summary.rejected += rep.rejected;
          summary.batches++;
          for (const it of rep.results) if ((it.status === 'rejected' || it.status === 'conflict') && problems.length < 50) problems.push(`${o.file}:${at[it.index]}: ${it.status}: ${'issues' in it ? it.issues.map(formatIssue).join('; ') : it.reason}`);
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
      if (tty) process.stderr.write('\n');
      if (o.json) printJson({ ...summary, problems });
      else {
        for (const p of problems) process.stderr.write(`${p}\n`);
        process.stdout.write(`${summary.received} events read: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.conflicts} conflicts, ${summary.rejected} rejected\n`);
      }
      if (summary.rejected + summary.conflicts > 0) process.exitCode = 2;
    });
}

type ApplyOutcome = { id: string; ok: true; result: 'created' | 'updated' | 'amended' | 'unchanged'; changes: Change[]; version: number | null } | { id: string; ok: false; code: string; message: string };

/** One agreement applied through the REST API: read its ETag, then PUT the document with If-Match. */
async function applyRemote(api: Api, loaded: LoadedAgreement, dryRun: boolean): Promise<ApplyOutcome> {
  const id = loaded.spec.id;
  const path = `/v1/agreements/${encodeURIComponent(id)}`;
  try {
    const current = await api.request('GET', path, { okStatuses: [404] });
    const etag = current.status === 200 ? current.headers.get('etag') ?? undefined : undefined;
    const r = await api.request<{ result: 'created' | 'updated' | 'amended' | 'unchanged'; changes: Change[]; version?: { version: number } }>('PUT', `${path}${dryRun ? '?dryRun=true' : ''}`, {
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

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('Apply agreement files (to the database, or to a server with --url): create new ones, change or amend existing ones; shows what changes')
    .requiredOption('-f, --file <paths...>', 'agreement files or folders')
    .option('--dry-run', 'show what would change, write nothing')
    .option('--tenant <id>', 'tenant (on a database; a server takes the token\'s)', 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the outcome per agreement as JSON')
    .action(async (o: { file: string[]; dryRun?: boolean; tenant: string; db?: string; url?: string; json?: boolean }) => {
      const { agreements, issues } = loadAgreements(o.file);
      if (issues.length) throw new UsageError(issues);
      const dryRun = o.dryRun === true;
      const api = Api.from(o);
      let outcomes: ApplyOutcome[] = [];
      if (api) {
        for (const loaded of agreements) outcomes.push(await applyRemote(api, loaded, dryRun));
      } else {
        const now = Date.now();
        const actor = `cli:${process.env.USER ?? 'local'}`;
        outcomes = await withStore(o.db, async (store) => {
          await store.createTenant({ id: o.tenant, name: o.tenant, createdAt: now });
          const out: ApplyOutcome[] = [];
          for (const loaded of agreements) {
            const r = await applyAgreement({ store, tenant: o.tenant, actor, now }, { loaded, dryRun });
            out.push(r.ok ? { id: loaded.spec.id, ok: true, result: r.result, changes: r.changes, version: r.version?.version ?? null } : { id: loaded.spec.id, ok: false, code: r.code, message: r.message });
          }
          return out;
        });
      }
      if (o.json) printJson({ dryRun, agreements: outcomes.map((x) => (x.ok ? { id: x.id, result: x.result, changes: x.changes, version: x.version } : { id: x.id, error: { code: x.code, message: x.message } })) });
      else {
        for (const x of outcomes) {
          if (!x.ok) {
            process.stderr.write(`${x.id}: ${x.message}\n`);
            continue;
          }
          const verb = dryRun ? { created: 'would be created', updated: 'would be updated', amended: 'would be amended (a new version)', unchanged: 'unchanged' }[x.result] : x.result === 'amended' ? `amended (version ${x.version})` : x.result;
          process.stdout.write(`${x.id}: ${verb}\n`);
          if (x.result !== 'created' && x.changes.length) process.stdout.write(renderDiff(x.changes).replace(/^/gm, '  ') + '\n');
        }
      }
      if (outcomes.some((x) => !x.ok)) process.exitCode = 2;
    });
}
