/** `pledge settle` and `pledge backtest`: the money side of agreements, from files. */
import type { Command } from 'commander';
import { presentSettlement } from '../app/present.ts';
import { settleFromFiles, backtestFromFiles } from '../app/settle.ts';
import { formatInstant, parseInstant } from '../core/time/instant.ts';
import { badInput, must, printJson } from './output.ts';

export function registerSettle(program: Command): void {
  program
    .command('settle')
    .description('What an agreement owes for one billing period: per target the result, the rule applied, the amount and the due date')
    .requiredOption(
      '--agreement <files...>',
      'the agreement (its parents are read from the same folder); several files: its versions, each settling the periods that begin while it is in force',
    )
    .requiredOption('--events <file>', 'NDJSON events')
    .requiredOption('--period <period>', "billing period: 2026-10, 2026-Q4 or 2026 (in the agreement's time zone)")
    .option('--agreements <folder>', "where the parent agreements are (default: the agreement's folder)")
    .option('--now <instant>', 'settle as of this instant (default: now; a period still open is measured up to it)')
    .option('--json', 'print the settlement as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  pledge settle --agreement examples/agreements/sla-checkout.yaml --events examples/events/portfolio-2026-h2.ndjson --period 2026-10',
    )
    .action((o: { agreement: string[]; events: string; period: string; agreements?: string; now?: string; json?: boolean }) => {
      const now = o.now !== undefined ? must(parseInstant(o.now, '--now')) : Date.now();
      const r = must(
        settleFromFiles({
          agreement: o.agreement,
          events: o.events,
          period: o.period,
          now,
          ...(o.agreements ? { portfolio: o.agreements } : {}),
        }),
      );
      const { outcome, zone } = r;
      const iso = (ms: number | null | undefined) =>
        ms === null || ms === undefined || !Number.isFinite(ms) ? null : formatInstant(ms, zone);
      const measured = outcome.targets.map((m) => ({
        target: m.target.id,
        metric: m.target.metric,
        window: m.evaluation
          ? {
              label: m.evaluation.window.label,
              from: iso(m.evaluation.window.from),
              to: iso(m.evaluation.window.to),
              closed: m.evaluation.windowClosed,
            }
          : null,
        state: m.evaluation?.state ?? null,
        value: m.evaluation?.value ?? null,
        target_value: m.target.value,
        comparator: m.evaluation?.comparator ?? null,
        reason: m.evaluation?.reason ?? null,
        note: m.evaluation?.note ?? null,
        contributors: m.evaluation?.contributors ?? [],
        breachedTickets: m.breachedTickets,
        firstBreachAt: iso(m.firstBreachAt),
      }));
      if (o.json) {
        printJson({
          agreement: r.terms.id,
          period: outcome.period.label,
          zone,
          ...(outcome.version ? { version: outcome.version.label ?? null } : {}),
          measured,
          // Instants as ISO 8601, as the API and `pledge report --json` show them.
          settlement: outcome.settlement ? presentSettlement(outcome.settlement) : null,
          issues: outcome.issues,
        });
        return;
      }
      const out: string[] = [];
      out.push(`Settlement of ${r.terms.id} (${r.terms.name}) for ${outcome.period.label}, ${zone}`);
      if (outcome.version?.label) out.push(`Terms: ${outcome.version.label} (the version in force when the period began)`);
      out.push('');
      out.push('Measured:');
      if (measured.length === 0) out.push('  nothing: no target is monitored in this period');
      for (const m of measured) {
        const v = m.value === null ? 'no data' : String(Math.round(m.value * 10000) / 10000);
        out.push(
          `  ${m.target.padEnd(18)} ${String(m.state ?? 'not measured').padEnd(9)} ${v} (promised ${m.comparator ?? ''} ${m.target_value}) over ${m.window?.label ?? '?'}${m.window && !m.window.closed ? ' (still open)' : ''}`,
        );
        // Why there is no value (a window nobody monitored), or what else to know about it.
        if (m.state === 'no_data' && m.reason) out.push(`      ${m.reason}`);
        if (m.note) out.push(`      note: ${m.note}`);
      }
      const s = outcome.settlement;
      if (!s) out.push('', 'The agreement has no penalties section: nothing is owed by its terms.');
      else {
        out.push('', 'Owed:');
        for (const l of s.lines)
          out.push(
            `  ${l.targetId.padEnd(18)} ${l.amount.padStart(14)}  ${l.nothingOwed ? `(nothing: ${l.nothingOwed.replace(/_/g, ' ')})` : `${l.form.replace(/_/g, ' ')}${l.due ? `, due ${l.due.date}` : ', with the next invoice'}`}`,
            `      ${l.reason}`,
          );
        out.push('', s.customerId ? `Totals for customer ${s.customerId}:` : 'Totals:');
        if (s.totals.length === 0) out.push('  nothing owed');
        for (const t of s.totals)
          out.push(
            `  ${t.amount}${t.reducedByCapsMinor > 0 ? ` (caps took off ${t.currency} ${(t.reducedByCapsMinor / 100).toFixed(2)})` : ''}`,
          );
        for (const tr of s.termination.filter((x) => x.triggered))
          out.push('', `Termination right "${tr.rightId}" triggered: ${tr.reason}`);
        if (s.notes.length) out.push('', ...s.notes.map((n) => `note: ${n}`));
        out.push('', s.summary);
      }
      for (const i of outcome.issues) out.push(`note: ${i.path ? `${i.path}: ` : ''}${i.message}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  program
    .command('backtest')
    .description('Evaluate proposed targets against past events: how many periods would have been breached, and what would have been owed')
    .argument('<agreement>', 'the proposed agreement (file)')
    .requiredOption('--events <file>', 'NDJSON events of the past')
    .requiredOption('--from <date>', "first day, YYYY-MM-DD (the agreement's time zone)")
    .requiredOption('--to <date>', 'day after the last, YYYY-MM-DD')
    .option('--billing <period>', 'billing period length: month, quarter or year', 'month')
    .option('--agreements <folder>', "where the parent agreements are (default: the agreement's folder)")
    .option('--json', 'print the result as JSON')
    .action((agreement: string, o: { events: string; from: string; to: string; billing: string; agreements?: string; json?: boolean }) => {
      if (!['month', 'quarter', 'year'].includes(o.billing))
        badInput('--billing', 'not a billing period length', JSON.stringify(o.billing), 'month, quarter or year');
      const r = must(
        backtestFromFiles({
          agreement,
          events: o.events,
          from: o.from,
          to: o.to,
          billing: o.billing as 'month',
          ...(o.agreements ? { portfolio: o.agreements } : {}),
        }),
      );
      if (o.json) {
        printJson({
          agreement: r.terms.id,
          zone: r.zone,
          from: o.from,
          to: o.to,
          targets: r.targets,
          periods: r.periods.map((p) => ({ period: p.period.label, totals: p.settlement?.totals ?? [] })),
        });
        return;
      }
      const out = [`Backtest of ${r.terms.id} from ${o.from} to ${o.to} (${r.zone}), billed per ${o.billing}:`, ''];
      for (const t of r.targets) {
        const owed =
          t.owed
            .filter((x) => x.minor > 0)
            .map((x) => x.amount)
            .join(', ') || 'nothing';
        out.push(
          `  ${t.target.padEnd(18)} ${t.breached} of ${t.windows} window${t.windows === 1 ? '' : 's'} breached${t.atRisk ? `, ${t.atRisk} at risk` : ''}${t.noData ? `, ${t.noData} without data` : ''}; would have owed ${owed}`,
        );
        if (t.breachedWindows.length) out.push(`      breached: ${t.breachedWindows.join(', ')}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
