/** `pledge rebuild`, `pledge status` and `pledge report`: derived results, on a database. */
import type { Command } from 'commander';
import { rebuildDerived, refreshDerived } from '../app/derive.ts';
import type { ClockResult } from '../core/clock/types.ts';
import type { TargetEvaluation } from '../core/metrics/compliance.ts';
import type { Settlement } from '../core/penalties/index.ts';
import { formatInstant } from '../core/time/instant.ts';
import type { Store } from '../store/types.ts';
import { withStore } from './db.ts';
import { badInput, printJson } from './output.ts';

const DB_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)';

async function listAll<T>(fetch: (after?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const p = await fetch(after);
    out.push(...p.items);
    after = p.next;
  } while (after);
  return out;
}

/** Derived results are brought up to date first when events arrived since they were computed. */
async function fresh(store: Store, tenant: string, now: number): Promise<void> {
  // Another writer may have stored results meanwhile (stale): look again, a few times at most.
  for (let i = 0; i < 3; i++) if ((await refreshDerived({ store, tenant, now })).status !== 'stale') return;
}

export function registerDerived(program: Command): void {
  program
    .command('rebuild')
    .description('Recompute every derived result (clocks, compliance, settlements) from the events and agreements')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print the counts as JSON')
    .action(async (o: { tenant: string; db?: string; json?: boolean }) => {
      const t0 = performance.now();
      const r = await withStore(o.db, (store) => rebuildDerived({ store, tenant: o.tenant, now: Date.now() }));
      const seconds = (performance.now() - t0) / 1000;
      if (o.json) printJson({ ...r, seconds });
      else {
        process.stdout.write(`rebuilt from ${r.events} events for ${r.agreements} active agreements: ${r.clocks} clocks, ${r.compliance} compliance results, ${r.settlements} settlements (${seconds.toFixed(1)} s)\n`);
        for (const p of r.problems) process.stderr.write(`note: ${p}\n`);
      }
    });

  program
    .command('status')
    .description('What is at risk or breached now: open tickets and current windows')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <database>', DB_HELP)
    .option('--json', 'print as JSON')
    .action(async (o: { tenant: string; db?: string; json?: boolean }) => {
      const now = Date.now();
      const { clocks, windows } = await withStore(o.db, async (store) => {
        await fresh(store, o.tenant, now);
        const clocks = (await listAll((after) => store.listClocks<ClockResult>(o.tenant, { limit: 1000, ...(after ? { after } : {}) }))).filter((c) => c.value.stop === null && (c.value.state === 'at_risk' || c.value.state === 'breached'));
        const windows = (await listAll((after) => store.listCompliance<TargetEvaluation>(o.tenant, { limit: 1000, ...(after ? { after } : {}) }))).filter((c) => c.value.window.from <= now && now < c.value.window.to && (c.value.state === 'at_risk' || c.value.state === 'breached'));
        return { clocks, windows };
      });
      if (o.json) {
        printJson({ now: formatInstant(now), tickets: clocks.map((c) => ({ agreement: c.agreementId, target: c.target, ticket: c.ticket, state: c.value.state, consumed: c.value.consumed, deadline: formatInstant(c.value.deadline) })), targets: windows.map((w) => ({ agreement: w.agreementId, target: w.target, window: w.window, state: w.value.state, value: w.value.value, target_value: w.value.target, reason: w.value.reason })) });
        return;
      }
      const out: string[] = [`As of ${formatInstant(now)}:`];
      if (windows.length === 0 && clocks.length === 0) out.push('nothing at risk or breached in the current windows.');
      for (const w of windows) out.push(`${w.value.state.toUpperCase().padEnd(8)} ${w.agreementId}#${w.target} ${w.window}: ${w.value.reason}`);
      for (const c of clocks.sort((a, b) => b.value.consumed - a.value.consumed).slice(0, 50)) out.push(`${c.value.state.toUpperCase().padEnd(8)} ticket ${c.ticket} (${c.agreementId}#${c.target}): ${Math.round(c.value.consumed * 100)}% of its time used, due ${formatInstant(c.value.deadline)}`);
      process.stdout.write(out.join('\n') + '\n');
    });

  program
    .command('report')
    .description('An agreement\'s report for a billing period: compliance per target and what is owed')
    .requiredOption('--agreement <id>', 'agreement id')
    .requiredOption('--period <label>', 'billing period, e.g. 2026-10')
    .option('--format <format>', 'text, json or csv', 'text')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <database>', DB_HELP)
    .option('--json', 'the same as --format json')
    .action(async (o: { agreement: string; period: string; format: string; tenant: string; db?: string; json?: boolean }) => {
      if (o.json) o.format = 'json';
      if (!['text', 'json', 'csv'].includes(o.format)) badInput('--format', 'not a report format', JSON.stringify(o.format), 'text, json or csv');
      const r = await withStore(o.db, async (store) => {
        await fresh(store, o.tenant, Date.now());
        const agreement = await store.getAgreement(o.tenant, o.agreement);
        if (!agreement) badInput('--agreement', 'no such agreement in this tenant', JSON.stringify(o.agreement));
        const settlement = await store.getSettlement<Settlement>(o.tenant, { agreementId: o.agreement, period: o.period });
        if (!settlement) badInput('--period', 'no results for this period (is the agreement active then, with events?)', JSON.stringify(o.period));
        return settlement.value;
      });
      const rows = r.lines.map((l) => ({ target: l.targetId, state: l.compliance?.state ?? '', value: l.compliance?.value ?? '', promised: l.compliance ? `${l.compliance.comparator} ${l.compliance.target}` : '', window: l.compliance?.window.label ?? '', owed: l.amount, due: l.due?.date ?? '', reason: l.reason }));
      if (o.format === 'json') printJson({ agreement: o.agreement, period: o.period, lines: rows, totals: r.totals, summary: r.summary });
      else if (o.format === 'csv') {
        const esc = (v: unknown) => {
          const s = String(v);
          return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        };
        const header = ['target', 'state', 'value', 'promised', 'window', 'owed', 'due', 'reason'];
        process.stdout.write([header.join(','), ...rows.map((x) => header.map((h) => esc(x[h as keyof typeof x])).join(','))].join('\n') + '\n');
      } else {
        const out = [`Report for ${o.agreement}, ${o.period}`, ''];
        for (const x of rows) out.push(`${x.target.padEnd(18)} ${String(x.state).padEnd(9)} ${String(x.value).padEnd(14)} promised ${x.promised.padEnd(10)} owed ${x.owed}${x.due ? ` due ${x.due}` : ''}`);
        out.push('', r.summary);
        process.stdout.write(out.join('\n') + '\n');
      }
    });
}
