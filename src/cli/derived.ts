/** `pledge rebuild`, `pledge status` and `pledge report`: derived results, on a database. */
import type { Command } from 'commander';
import { rebuildDerived, type RebuildReport } from '../app/derive.ts';
import { agreementReport, currentStatus, reportCsv, reportText, type Report, type Status } from '../app/results.ts';
import { Api, URL_HELP } from './remote.ts';
import { withStore } from './db.ts';
import { badInput, printJson, UsageError } from './output.ts';
import { agreementIn, existingTenant } from './tenant.ts';
import { ticketRef } from '../core/clock/tickets.ts';

const DB_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)';

export function registerDerived(program: Command): void {
  program
    .command('rebuild')
    .description('Recompute every derived result (clocks, compliance, settlements) from the events and agreements')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (an admin token)`)
    .option('--json', 'print the counts as JSON')
    .action(async (o: { tenant: string; db?: string; url?: string; json?: boolean }) => {
      const t0 = performance.now();
      const api = Api.from(o);
      const r = api
        ? await api.json<RebuildReport>('POST', '/v1/rebuild')
        : await withStore(o.db, async (store) => {
            await existingTenant(store, o.tenant);
            return rebuildDerived({ store, tenant: o.tenant, now: Date.now() });
          });
      const seconds = (performance.now() - t0) / 1000;
      if (o.json) printJson({ ...r, seconds });
      else {
        if (r.stale) {
          const why =
            'agreements or calendars changed during every attempt; the results stay marked stale and the next read recomputes them';
          process.stdout.write(`not written: ${why} (${seconds.toFixed(1)} s)\n`);
        } else {
          const counts = `${r.clocks} clocks, ${r.compliance} compliance results, ${r.settlements} settlements`;
          process.stdout.write(
            `rebuilt from ${r.events} events for ${r.agreements} active agreements: ${counts} (${seconds.toFixed(1)} s)\n`,
          );
        }
        for (const p of r.problems) process.stderr.write(`note: ${p}\n`);
      }
    });

  program
    .command('status')
    .description('What is at risk or breached now: open tickets and current windows')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print as JSON')
    .action(async (o: { tenant: string; db?: string; url?: string; json?: boolean }) => {
      const api = Api.from(o);
      const s = api
        ? await api.json<Status>('GET', '/v1/status')
        : await withStore(o.db, async (store) => {
            await existingTenant(store, o.tenant);
            return currentStatus({ store, tenant: o.tenant, now: Date.now() });
          });
      if (o.json) return printJson(s);
      process.stdout.write(statusText(s));
    });

  program
    .command('report')
    .description("An agreement's report for a billing period: compliance per target and what is owed")
    .requiredOption('--agreement <id>', 'agreement id')
    .requiredOption('--period <label>', 'billing period: a month (2026-10), quarter (2026-Q4) or year (2026)')
    .option('--format <format>', 'text, json or csv', 'text')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'the same as --format json')
    .action(async (o: { agreement: string; period: string; format: string; tenant: string; db?: string; url?: string; json?: boolean }) => {
      if (o.json) o.format = 'json';
      if (!['text', 'json', 'csv'].includes(o.format))
        badInput('--format', 'not a report format', JSON.stringify(o.format), 'text, json or csv');
      const api = Api.from(o);
      if (api) {
        const report = await api.json<Report>(
          'GET',
          `/v1/agreements/${encodeURIComponent(o.agreement)}/report?period=${encodeURIComponent(o.period)}`,
        );
        if (o.format === 'json') printJson(report);
        else process.stdout.write(o.format === 'csv' ? reportCsv(report) : reportText(report));
        return;
      }
      const r = await withStore(o.db, async (store) => {
        await agreementIn(store, o.tenant, o.agreement, '--agreement');
        return agreementReport({ store, tenant: o.tenant, now: Date.now() }, { agreement: o.agreement, period: o.period });
      });
      if (!r.ok) {
        if ('notFound' in r) badInput('--agreement', r.notFound, JSON.stringify(o.agreement));
        throw new UsageError(r.issues.map((i) => ({ ...i, path: i.path === 'period' ? '--period' : i.path })));
      }
      if (o.format === 'json') printJson(r.value);
      else process.stdout.write(o.format === 'csv' ? reportCsv(r.value) : reportText(r.value));
    });
}

export function statusText(s: Status): string {
  const out: string[] = [`As of ${s.now}:`];
  if (s.targets.length === 0 && s.tickets.length === 0) out.push('nothing at risk or breached in the current windows.');
  for (const w of s.targets) out.push(`${w.state.toUpperCase().padEnd(8)} ${w.agreement}#${w.target} ${w.window}: ${w.reason}`);
  for (const c of s.tickets.slice(0, 50))
    out.push(
      `${c.state.toUpperCase().padEnd(8)} ticket ${ticketRef(c)} (${c.agreement}#${c.target}): ${Math.round(c.consumed * 100)}% of its time used, due ${c.deadline ?? 'never'}`,
    );
  if (s.tickets.length > 50) out.push(`... and ${s.tickets.length - 50} more tickets (--json lists them all)`);
  return `${out.join('\n')}\n`;
}
