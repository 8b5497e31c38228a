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
    .option('--json', 'print {id, role, secret}')
    .action(async (o: { role: string; name: string; user: string; tenant: string; customer?: string; db?: string; json?: boolean }) => {
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

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('Apply agreement files to the database: create new ones, change or amend existing ones; shows what changes')
    .requiredOption('-f, --file <paths...>', 'agreement files or folders')
    .option('--dry-run', 'show what would change, write nothing')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print the outcome per agreement as JSON')
    .action(async (o: { file: string[]; dryRun?: boolean; tenant: string; db?: string; json?: boolean }) => {
      const { agreements, issues } = loadAgreements(o.file);
      if (issues.length) throw new UsageError(issues);
      const now = Date.now();
      const actor = `cli:${process.env.USER ?? 'local'}`;
      const outcomes = await withStore(o.db, async (store) => {
        await store.createTenant({ id: o.tenant, name: o.tenant, createdAt: now });
        const out = [];
        for (const loaded of agreements) out.push({ id: loaded.spec.id, source: loaded.source, outcome: await applyAgreement({ store, tenant: o.tenant, actor, now }, { loaded, dryRun: o.dryRun === true }) });
        return out;
      });
      const failed = outcomes.filter((x) => !x.outcome.ok);
      if (o.json) printJson({ dryRun: o.dryRun === true, agreements: outcomes.map((x) => (x.outcome.ok ? { id: x.id, result: x.outcome.result, changes: x.outcome.changes, version: x.outcome.version?.version ?? null } : { id: x.id, error: { code: x.outcome.code, message: x.outcome.message } })) });
      else {
        for (const x of outcomes) {
          if (!x.outcome.ok) {
            process.stderr.write(`${x.id}: ${x.outcome.message}\n`);
            continue;
          }
          const verb = o.dryRun ? { created: 'would be created', updated: 'would be updated', amended: 'would be amended (a new version)', unchanged: 'unchanged' }[x.outcome.result] : x.outcome.result === 'amended' ? `amended (version ${x.outcome.version?.version})` : x.outcome.result;
          process.stdout.write(`${x.id}: ${verb}\n`);
          if (x.outcome.result !== 'created' && x.outcome.changes.length) process.stdout.write(renderDiff(x.outcome.changes).replace(/^/gm, '  ') + '\n');
        }
      }
      if (failed.length) process.exitCode = 2;
    });
}
